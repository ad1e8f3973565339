"""The runs API: thin views, one call into RunsService each; no models, no queries.

The list's answers are kept in the lists' cache that the service's writes invalidate (apps/runs/listcache.py);
a repeated request with a token is answered from it before DRF is involved (`RunListApi.as_view`).
A ServiceError answers in the API's error shape (project.api): the runs service down is a 503 with a JSON body.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
from collections.abc import Callable
from typing import Any

import pydantic
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.runs import listcache
from apps.runs.interface import contracts
from apps.runs.interface.service import MAX_PAGE_SIZE, runs_service
from project import authentication
from project.api import ErrorResponse, dto

SPORTS = [sport.value for sport in contracts.Sport]
ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}


class RecordsResponse(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    records: list[contracts.PersonalRecord]


# The user each token seen by this process belongs to (token sha256 -> user id), so that the token's cached owner,
# the runs version and the page can be read in one round trip. Only a guess of which keys to read: the token's
# cache entry, read in the same round trip, decides; a token deleted or a user deactivated has no entry.
_owners: dict[str, int] = {}
MAX_OWNERS = 10_000
TOKEN_AUTHENTICATION = (authentication.PersonalTokenAuthentication, authentication.CachedTokenAuthentication)


@dataclasses.dataclass(frozen=True)
class _Found:
    """What `_from_cache` read for a GET it could not answer, handed to RunListApi so that nothing is read or counted
    twice: the token's owner, authenticated and (a personal token) throttled already, and the runs version (None
    after a write forgot it)."""

    user: Any
    auth: authentication.PersonalToken | None
    version: str | None


class _FoundOwner(BaseAuthentication):
    def __init__(self, found: _Found) -> None:
        self.found = found

    def authenticate(self, request: Request) -> tuple[Any, authentication.PersonalToken | None]:
        return self.found.user, self.found.auth


def _from_cache(request: HttpRequest) -> HttpResponse | _Found | None:
    """A GET of the runs list with a token, from one cache round trip: the token's owner as the authentication
    classes keep it, the owner's runs version and the page. The answer when the page is current; what was found when
    only the page is missing; None when the authentication classes must decide (nothing cached for the token, or
    a personal token expired or past its rate)."""
    credentials = authentication.credentials_of(request)
    user_id = _owners.get(credentials.digest) if credentials is not None else None
    if credentials is None or user_id is None:
        return None
    keys = listcache.list_keys(user_id=user_id, api_query=sorted(request.GET.lists()))
    found = cache.get_many([credentials.cache_key, *keys])
    owner = authentication.cached_owner(credentials, found.get(credentials.cache_key))
    if owner is None or owner[0].pk != user_id:
        return None
    if owner[1] is not None and not authentication.personal_token_throttle_allows(owner[1]):
        return None  # DRF answers 429 with Retry-After
    body = listcache.page_in(found, keys)
    if body is None:
        return _Found(user=owner[0], auth=owner[1], version=found.get(keys[0]))
    response = HttpResponse(body, content_type="application/json")
    response["Allow"], response["Vary"] = RunListApi.ALLOW, "Accept"  # as DRF's answer has them
    return response


class _KeptOnceSent(HttpResponse):
    """A page just computed, kept in the cache once sent: the server calls `close()` after the last byte, so the
    client does not wait for the cache's round trip. Kept under the version read before the page's query, so a write
    meanwhile still makes it unused."""

    def __init__(self, body: str, *, store: Callable[[], None]) -> None:
        super().__init__(body, content_type="application/json")
        self._store: Callable[[], None] | None = store

    def close(self) -> None:
        store, self._store = self._store, None
        try:
            if store is not None:
                store()
        finally:
            super().close()


class RunListApi(APIView):
    ALLOW = "GET, POST, HEAD, OPTIONS"

    @classmethod
    def as_view(cls, **initkwargs) -> Callable[..., HttpResponse]:
        view = super().as_view(**initkwargs)

        @functools.wraps(view)  # keeps DRF's attributes: csrf_exempt, and `cls` for the schema
        def run_list(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            found = _from_cache(request) if request.method == "GET" else None
            if isinstance(found, HttpResponse):
                return found
            request._runs_found = found  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return run_list

    def initialize_request(self, request: HttpRequest, *args, **kwargs) -> Request:
        drf_request = super().initialize_request(request, *args, **kwargs)
        if getattr(request, "_runs_found", None) is not None:
            drf_request.authenticators = (_FoundOwner(request._runs_found),)  # type: ignore[attr-defined]
        return drf_request

    def get_throttles(self) -> list:
        return [] if getattr(self.request, "_runs_found", None) is not None else super().get_throttles()

    class FilterSerializer(serializers.Serializer):
        sport = serializers.MultipleChoiceField(choices=SPORTS, required=False)
        start_date = serializers.DateField(required=False)
        end_date = serializers.DateField(required=False)
        include_hidden = serializers.BooleanField(required=False, default=False)
        cursor = serializers.CharField(required=False, max_length=200)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=50)

        class Meta:
            ref_name = "RunFilter"

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
        sport = serializers.ChoiceField(choices=SPORTS, default="run")
        start = serializers.DateTimeField(help_text="ISO 8601 with a UTC offset, e.g. 2026-05-01T07:30:00+02:00")
        timezone = serializers.CharField(required=False, max_length=64, help_text="IANA zone; default: your profile's")
        distance_m = serializers.FloatField(min_value=0, max_value=1_000_000)
        elapsed_s = serializers.FloatField(min_value=1, max_value=30 * 24 * 3600)
        moving_s = serializers.FloatField(required=False, min_value=1, max_value=30 * 24 * 3600)
        elevation_gain_m = serializers.FloatField(required=False, min_value=0, max_value=100_000)
        average_heart_rate = serializers.IntegerField(required=False, min_value=20, max_value=250)
        notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")

        class Meta:
            ref_name = "ManualRun"

        def validate_start(self, value: datetime.datetime) -> datetime.datetime:
            if value > contracts.latest_start():
                raise serializers.ValidationError("A run cannot start in the future.")
            if value < contracts.EARLIEST_START:
                raise serializers.ValidationError(f"A run cannot start before {contracts.EARLIEST_START.year}.")
            return value

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: contracts.RunPage, **ERRORS},
        summary="Your runs, newest first (cursor pagination)",
        operation_id="runs_list",
    )
    def get(self, request: Request) -> HttpResponse:
        # The answer to these exact parameters is kept in the lists' cache under the runner's runs version,
        # which every write forgets (decision 0009; apps/runs/listcache.py): a repeated request with a token is
        # answered by `_from_cache`, in one cache round trip, once this process knows whose token it is.
        query = sorted(request.query_params.lists())
        found = getattr(request, "_runs_found", None)
        if found is not None:  # `_from_cache` read the version and found no current page
            body, version = None, found.version or listcache.start_version(request.user.pk)
        else:
            self._learn_owner(request)
            body, version = listcache.cached_list(user_id=request.user.pk, api_query=query)
        if body is None:
            with listcache.kept_by_caller():  # kept once sent, under this view's key
                body = self._page(request).model_dump_json()
            store = functools.partial(
                listcache.store_list, user_id=request.user.pk, version=version, value=body, api_query=query
            )
            return _KeptOnceSent(body, store=store)
        return HttpResponse(body, content_type="application/json")

    @staticmethod
    def _learn_owner(request: Request) -> None:
        credentials = authentication.credentials_of(request)
        if credentials is not None and isinstance(request.successful_authenticator, TOKEN_AUTHENTICATION):
            if len(_owners) >= MAX_OWNERS:
                _owners.clear()
            _owners[credentials.digest] = request.user.pk

    def _page(self, request: Request) -> contracts.RunPage:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return runs_service.list_runs(
            user_id=request.user.pk,
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            sports=[contracts.Sport(s) for s in sorted(data.get("sport", []))] or None,
            include_hidden=data["include_hidden"],
            cursor=data.get("cursor"),
            limit=data["limit"],
        )

    @extend_schema(
        request=InputSerializer, responses={201: contracts.RunDetail, **ERRORS}, summary="Enter a run by hand"
    )
    def post(self, request: Request) -> HttpResponse:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = contracts.RunDraft(
            user_id=request.user.pk, source=contracts.Source.MANUAL, **serializer.validated_data
        )
        return dto(runs_service.record_run(draft=draft).run, status_code=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    class UpdateSerializer(serializers.Serializer):
        name = serializers.CharField(required=False, allow_blank=True, max_length=200)
        notes = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
        sport = serializers.ChoiceField(choices=SPORTS, required=False)
        hidden = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "RunChange"

    @extend_schema(
        responses={200: contracts.RunDetail, **ERRORS},
        summary="One run with splits and best efforts",
        operation_id="runs_retrieve",
    )
    def get(self, request: Request, run_id: int) -> HttpResponse:
        return dto(runs_service.get_run(user_id=request.user.pk, run_id=run_id))

    @extend_schema(request=UpdateSerializer, responses={200: contracts.RunDetail, **ERRORS}, summary="Change a run")
    def patch(self, request: Request, run_id: int) -> HttpResponse:
        serializer = self.UpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "sport" in changes:
            changes["sport"] = contracts.Sport(changes["sport"])
        return dto(runs_service.update_run(user_id=request.user.pk, run_id=run_id, **changes))

    @extend_schema(responses={204: None, **ERRORS}, summary="Delete a run")
    def delete(self, request: Request, run_id: int) -> Response:
        runs_service.delete_run(user_id=request.user.pk, run_id=run_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordListApi(APIView):
    @extend_schema(
        responses={200: RecordsResponse, **ERRORS}, summary="Your personal records", operation_id="records_list"
    )
    def get(self, request: Request) -> HttpResponse:
        return dto(RecordsResponse(records=runs_service.list_personal_records(user_id=request.user.pk)))


class MonthSummaryApi(APIView):
    class FilterSerializer(serializers.Serializer):
        family = serializers.ChoiceField(
            choices=[family.value for family in contracts.Family],
            default=contracts.COUNTED_FAMILY.value,
            help_text="which sports to total; by default the running family, as the dashboard and reports count",
        )

        class Meta:
            ref_name = "MonthSummaryFilter"

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: contracts.MonthSummary, **ERRORS},
        summary="Totals of one month (by the runs' local dates)",
        operation_id="runs_month_summary",
    )
    def get(self, request: Request, year: int, month: int) -> HttpResponse:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        family = contracts.Family(filters.validated_data["family"])
        if not contracts.EARLIEST_START.year <= year <= contracts.LAST_YEAR:
            raise serializers.ValidationError(
                {"year": [f"must be between {contracts.EARLIEST_START.year} and {contracts.LAST_YEAR}"]}
            )
        return dto(
            runs_service.get_month_summary(
                user_id=request.user.pk, year=year, month=month, sports=list(contracts.sports_of(family))
            )
        )
