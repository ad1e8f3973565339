"""The runs API: thin views, one call into RunsService each; no models, no queries.

The list's answers are kept in the lists' cache that the service's writes invalidate (apps/runs/listcache.py).
A ServiceError answers in the API's error shape (project.api): the runs service down is a 503 with a JSON body.
"""

from __future__ import annotations

import datetime

import pydantic
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.runs import listcache
from apps.runs.interface import contracts
from apps.runs.interface.service import MAX_PAGE_SIZE, runs_service
from project.api import ErrorResponse, dto

SPORTS = [sport.value for sport in contracts.Sport]
ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}


class RecordsResponse(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    records: list[contracts.PersonalRecord]


class RunListApi(APIView):
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
            if value > datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=1):
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
        # which every write forgets (decision 0009; apps/runs/listcache.py): a repeated request costs two cache
        # round trips, the token's and the page's, and no call into the service.
        query = sorted(request.query_params.lists())
        body, version = listcache.cached_list(user_id=request.user.pk, api_query=query)
        if body is None:
            body = self._page(request).model_dump_json()
            listcache.store_list(user_id=request.user.pk, version=version, value=body, api_query=query)
        return HttpResponse(body, content_type="application/json")

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
        return dto(RecordsResponse(records=runs_service.personal_records(user_id=request.user.pk)))


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
            runs_service.month_summary(
                user_id=request.user.pk, year=year, month=month, sports=list(contracts.sports_of(family))
            )
        )
