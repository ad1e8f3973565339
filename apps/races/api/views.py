"""The races API: find, add and change races; say you're running one; confirm a result."""

from __future__ import annotations

import datetime
import logging
import zoneinfo

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.races import forms
from apps.races.interface import contracts, errors
from apps.races.interface.service import MAX_OFFSET, MAX_PAGE_SIZE, races_service
from project.api import ErrorResponse, dto
from project.rpc.errors import RemoteServiceError, ServiceUnavailable

logger = logging.getLogger(__name__)
UNAVAILABLE = "Races are temporarily unavailable; try again in a minute."
# 503: the races service cannot be reached (with races lifted out), in the same error shape.
ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse}


class RacesApiView(APIView):
    """A races endpoint: with the races service out of reach, 503 in the API's error shape (nothing is stored)."""

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, RemoteServiceError):
            logger.warning("races.unavailable", extra={"path": self.request.path}, exc_info=exc)
            exc = ServiceUnavailable(UNAVAILABLE)
        return super().handle_exception(exc)


def _invalid(error: errors.InvalidRace | errors.InvalidResult) -> exceptions.ValidationError:
    """The service's per-field messages, in the API's usual 400 shape (code "invalid")."""
    return exceptions.ValidationError(error.fields or {"__all__": [error.message]})


def _draft(race: contracts.Race, changes: dict) -> contracts.RaceDraft:
    """The race as it is, with the changes asked for (the API changes a race field by field)."""
    local = race.starts_at.astimezone(zoneinfo.ZoneInfo(race.timezone))
    return contracts.RaceDraft(
        name=changes.get("name", race.name),
        race_date=changes.get("date", local.date()),
        start_time=changes.get("start_time", local.time()),
        timezone=changes.get("timezone"),  # None keeps the race's
        distance_m=changes.get("distance_m", race.distance_m),
        city=changes.get("city", race.city),
        country=changes.get("country", race.country),
        latitude=changes.get("latitude", race.latitude),
        longitude=changes.get("longitude", race.longitude),
        website=changes.get("website", race.website),
    )


class RaceInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    date = serializers.DateField(help_text="the local date of the start", validators=[forms.validate_race_date])
    start_time = serializers.TimeField(default=datetime.time(9, 0), help_text="local time of the start")
    timezone = serializers.CharField(required=False, max_length=64, help_text="IANA zone; default: from the position")
    distance_m = serializers.FloatField(min_value=100, max_value=1_000_000)
    city = serializers.CharField(max_length=100)
    country = serializers.CharField(max_length=100)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    website = serializers.URLField(required=False, allow_blank=True, default="")

    class Meta:
        ref_name = "RaceInput"


class RaceChange(RaceInput):
    class Meta:
        ref_name = "RaceChange"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class RaceListApi(RacesApiView):
    class FilterSerializer(serializers.Serializer):
        text = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
        start_date = serializers.DateField(required=False)
        end_date = serializers.DateField(required=False)
        distance_m = serializers.FloatField(required=False, min_value=100)
        latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
        longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
        radius_km = serializers.FloatField(required=False, min_value=0.1, max_value=20000)
        include_past = serializers.BooleanField(required=False, default=False)
        offset = serializers.IntegerField(required=False, min_value=0, max_value=MAX_OFFSET, default=0)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=20)

        class Meta:
            ref_name = "RaceFilter"

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: contracts.RacePage, **ERRORS},
        summary="Find races (soonest first)",
        operation_id="races_list",
    )
    def get(self, request: Request) -> HttpResponse:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        return dto(races_service.find_races(**filters.validated_data))

    @extend_schema(request=RaceInput, responses={201: contracts.Race, **ERRORS}, summary="Add a race everyone sees")
    def post(self, request: Request) -> HttpResponse:
        serializer = RaceInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        draft = contracts.RaceDraft(
            name=data["name"],
            race_date=data["date"],
            start_time=data["start_time"],
            timezone=data.get("timezone"),
            distance_m=data["distance_m"],
            city=data["city"],
            country=data["country"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            website=data["website"],
        )
        try:
            race = races_service.add_race(added_by_id=request.user.pk, draft=draft)
        except errors.InvalidRace as error:
            raise _invalid(error) from None
        return dto(race, status_code=status.HTTP_201_CREATED)


class RaceDetailApi(RacesApiView):
    @extend_schema(responses={200: contracts.Race, **ERRORS}, summary="One race", operation_id="races_retrieve")
    def get(self, request: Request, race_id: int) -> HttpResponse:
        return dto(races_service.get_race(race_id=race_id))

    @extend_schema(
        request=RaceChange, responses={200: contracts.Race, **ERRORS}, summary="Change a race you added (or as staff)"
    )
    def patch(self, request: Request, race_id: int) -> HttpResponse:
        serializer = RaceChange(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        race = races_service.get_race(race_id=race_id)
        if race.id != race_id:  # a merged duplicate is changed no more (its race is)
            raise errors.RaceNotFound(f"no race {race_id}")
        try:
            changed = races_service.update_race(
                race_id=race_id,
                user_id=request.user.pk,
                is_staff=request.user.is_staff,
                draft=_draft(race, dict(serializer.validated_data)),
            )
        except errors.NotAllowed as error:
            raise exceptions.PermissionDenied(error.message) from None
        except errors.InvalidRace as error:
            raise _invalid(error) from None
        return dto(changed)


class RegistrationApi(RacesApiView):
    @extend_schema(request=None, responses={200: contracts.Race, **ERRORS}, summary="Say you're running this race")
    def put(self, request: Request, race_id: int) -> HttpResponse:
        return dto(races_service.set_running(user_id=request.user.pk, race_id=race_id, running=True))

    @extend_schema(request=None, responses={200: contracts.Race, **ERRORS}, summary="Say you're not running it")
    def delete(self, request: Request, race_id: int) -> HttpResponse:
        return dto(races_service.set_running(user_id=request.user.pk, race_id=race_id, running=False))


class ResultApi(RacesApiView):
    class InputSerializer(serializers.Serializer):
        run_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
        shared = serializers.BooleanField(default=True)

        class Meta:
            ref_name = "ResultInput"

    @extend_schema(
        request=InputSerializer,
        responses={200: contracts.Result, **ERRORS},
        summary="Keep one of your runs on race day as your result",
    )
    def put(self, request: Request, race_id: int) -> HttpResponse:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = races_service.confirm_result(
                user_id=request.user.pk, race_id=race_id, **serializer.validated_data
            )
        except errors.InvalidResult as error:
            raise _invalid(error) from None
        return dto(result)
