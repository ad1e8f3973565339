"""The races API: find, add and change races; say you're running one; confirm a result."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.races import forms, operations
from apps.races.interface import contracts
from apps.races.interface.service import MAX_OFFSET, MAX_PAGE_SIZE, races_service
from apps.runs.interface import contracts as runs_contracts
from project.api import ErrorResponse, dto

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}


def _invalid(error: ValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError(
        error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
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


class RaceListApi(APIView):
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
        data = dict(serializer.validated_data)
        try:
            race = operations.race_create(
                added_by_id=request.user.pk,
                local_date=data.pop("date"),
                local_time=data.pop("start_time"),
                zone=data.pop("timezone", None),
                **data,
            )
        except ValidationError as error:
            raise _invalid(error) from None
        return dto(races_service.get_race(race_id=race.pk), status_code=status.HTTP_201_CREATED)


class RaceDetailApi(APIView):
    @extend_schema(responses={200: contracts.Race, **ERRORS}, summary="One race", operation_id="races_retrieve")
    def get(self, request: Request, race_id: int) -> HttpResponse:
        return dto(races_service.get_race(race_id=race_id))

    @extend_schema(
        request=RaceChange, responses={200: contracts.Race, **ERRORS}, summary="Change a race you added (or as staff)"
    )
    def patch(self, request: Request, race_id: int) -> HttpResponse:
        serializer = RaceChange(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            operations.race_update(
                race_id=race_id,
                user_id=request.user.pk,
                is_staff=request.user.is_staff,
                local_date=data.pop("date", None),
                local_time=data.pop("start_time", None),
                zone=data.pop("timezone", None),
                **data,
            )
        except operations.NotAllowed as error:
            raise exceptions.PermissionDenied(str(error)) from None
        except ValidationError as error:
            raise _invalid(error) from None
        return dto(races_service.get_race(race_id=race_id))


class RegistrationApi(APIView):
    @extend_schema(request=None, responses={200: contracts.Race, **ERRORS}, summary="Say you're running this race")
    def put(self, request: Request, race_id: int) -> HttpResponse:
        return dto(races_service.set_running(user_id=request.user.pk, race_id=race_id, running=True))

    @extend_schema(request=None, responses={200: contracts.Race, **ERRORS}, summary="Say you're not running it")
    def delete(self, request: Request, race_id: int) -> HttpResponse:
        return dto(races_service.set_running(user_id=request.user.pk, race_id=race_id, running=False))


class ResultApi(APIView):
    class InputSerializer(serializers.Serializer):
        run_id = serializers.IntegerField(min_value=1)
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
            registration = operations.result_confirm(
                user_id=request.user.pk, race_id=race_id, **serializer.validated_data
            )
        except ValidationError as error:
            raise _invalid(error) from None
        return dto(
            contracts.Result(
                user_id=registration.user_id,
                run_id=registration.result_run_id,
                finish_s=registration.finish_s,
                distance_m=registration.result_distance_m,
                # A race's clock never stops: its finish time is its moving time.
                pace_s_per_km=runs_contracts.pace_s_per_km(
                    distance_m=registration.result_distance_m, moving_s=registration.finish_s
                ),
            )
        )
