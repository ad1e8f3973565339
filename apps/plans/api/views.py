"""The plans API: templates, your plans and their sessions. Every plan is its runner's alone."""

from __future__ import annotations

import pydantic
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.plans.interface import contracts
from apps.plans.interface.service import plans_service
from project.api import ErrorResponse, dto

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}


class TemplatesResponse(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)
    templates: list[contracts.TemplateSummary]


class PlansResponse(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)
    plans: list[contracts.Plan]


class SessionsResponse(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)
    sessions: list[contracts.Session]


class TemplateListApi(APIView):
    @extend_schema(responses={200: TemplatesResponse, **ERRORS}, summary="The training plans to choose from")
    def get(self, request: Request) -> HttpResponse:
        return dto(TemplatesResponse(templates=plans_service.list_templates()))


class PlanListApi(APIView):
    class InputSerializer(serializers.Serializer):
        race_id = serializers.IntegerField(min_value=1)
        template = serializers.SlugField(help_text="a template's slug, e.g. marathon-beginner")
        training_days = serializers.ListField(
            child=serializers.IntegerField(min_value=0, max_value=6),
            min_length=1,
            max_length=7,
            help_text="0 = Monday",
        )
        long_run_day = serializers.IntegerField(
            min_value=0,
            max_value=6,
            required=False,
            help_text="one of the training days (0 = Monday); left out: Sunday if it is one, else the last of them",
        )

        class Meta:
            ref_name = "PlanInput"

    @extend_schema(responses={200: PlansResponse, **ERRORS}, summary="Your plans", operation_id="plans_list")
    def get(self, request: Request) -> HttpResponse:
        return dto(PlansResponse(plans=plans_service.list_plans(user_id=request.user.pk)))

    @extend_schema(
        request=InputSerializer, responses={201: contracts.Plan, **ERRORS}, summary="Choose a plan for a race"
    )
    def post(self, request: Request) -> HttpResponse:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = plans_service.create_plan(user_id=request.user.pk, **serializer.validated_data)
        return dto(plan, status_code=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    class ChangeSerializer(serializers.Serializer):
        training_days = serializers.ListField(
            child=serializers.IntegerField(min_value=0, max_value=6),
            min_length=1,
            max_length=7,
            help_text="0 = Monday",
        )
        long_run_day = serializers.IntegerField(
            min_value=0,
            max_value=6,
            required=False,
            help_text="one of the training days (0 = Monday); left out: the plan's, while it stays a training day",
        )

        class Meta:
            ref_name = "PlanChange"

    @extend_schema(
        responses={200: contracts.Plan, **ERRORS}, summary="One of your plans", operation_id="plans_retrieve"
    )
    def get(self, request: Request, plan_id: int) -> HttpResponse:
        return dto(plans_service.get_plan(user_id=request.user.pk, plan_id=plan_id))

    @extend_schema(
        request=ChangeSerializer,
        responses={200: contracts.Plan, **ERRORS},
        summary="Move the sessions to come onto other training days",
    )
    def patch(self, request: Request, plan_id: int) -> HttpResponse:
        serializer = self.ChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dto(
            plans_service.set_training_days(user_id=request.user.pk, plan_id=plan_id, **serializer.validated_data)
        )

    @extend_schema(responses={204: None, **ERRORS}, summary="Delete a plan")
    def delete(self, request: Request, plan_id: int) -> Response:
        plans_service.delete_plan(user_id=request.user.pk, plan_id=plan_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionListApi(APIView):
    @extend_schema(responses={200: SessionsResponse, **ERRORS}, summary="A plan's sessions, by date")
    def get(self, request: Request, plan_id: int) -> HttpResponse:
        return dto(
            SessionsResponse(sessions=plans_service.get_plan(user_id=request.user.pk, plan_id=plan_id).sessions)
        )
