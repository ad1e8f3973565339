"""AccountsService, every method in both service modes."""

import datetime
from decimal import Decimal

import pytest

from apps.accounts.interface import contracts, errors, testing
from apps.accounts.interface.service import accounts_service
from apps.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def runner():
    profile = testing.create_user(email="ada@example.com", timezone="Europe/London")
    User.objects.filter(pk=profile.id).update(
        display_name="Ada",
        birth_year=1990,
        weight_kg=Decimal("58.5"),
        resting_heart_rate=48,
        max_heart_rate=190,
        date_joined=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    )
    return profile


def test_get_user_returns_the_profile_with_exact_values(service_mode, runner):
    assert accounts_service.get_user(user_id=runner.id) == contracts.UserProfile(
        id=runner.id,
        email="ada@example.com",
        display_name="Ada",
        timezone="Europe/London",
        units=contracts.Units.METRIC,
        birth_year=1990,
        weight_kg=Decimal("58.5"),
        resting_heart_rate=48,
        max_heart_rate=190,
        wants_monthly_report=True,
        wants_empty_monthly_report=False,
        is_active=True,
        date_joined=datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
    )


def test_get_user_of_an_unknown_id_raises_user_not_found(service_mode, runner):
    with pytest.raises(errors.UserNotFound) as raised:
        accounts_service.get_user(user_id=runner.id + 1000)
    assert raised.value.code == "accounts.user_not_found"
    assert raised.value.message == f"no user with id {runner.id + 1000}"


def test_get_users_keeps_the_order_asked_and_leaves_out_unknown_ids(service_mode, runner):
    other = testing.create_user(email="bob@example.com")
    profiles = accounts_service.get_users(user_ids=[other.id, 999_999, runner.id, other.id])
    assert [profile.email for profile in profiles] == ["bob@example.com", "ada@example.com"]


def test_get_users_of_no_ids_is_empty(service_mode):
    assert accounts_service.get_users(user_ids=[]) == []


def test_find_user_by_email_ignores_case_and_spaces(service_mode, runner):
    assert accounts_service.find_user_by_email(email="  ADA@Example.com ").id == runner.id


def test_find_user_by_an_unknown_email_raises_user_not_found(service_mode, runner):
    with pytest.raises(errors.UserNotFound, match=r"no user with email 'nobody@example\.com'"):
        accounts_service.find_user_by_email(email="nobody@example.com")


def test_report_recipients_are_confirmed_active_opted_in_users_paged_by_id(service_mode):
    wanted = [testing.create_user(email=f"r{i}@example.com") for i in range(3)]
    testing.create_user(email="unconfirmed@example.com", confirmed=False)
    testing.create_user(email="optout@example.com", wants_monthly_report=False)
    inactive = testing.create_user(email="inactive@example.com")
    User.objects.filter(pk=inactive.id).update(is_active=False)

    first = accounts_service.list_report_recipients(limit=2)
    assert [r.email for r in first.recipients] == ["r0@example.com", "r1@example.com"]
    assert first.next_after_id == wanted[1].id
    second = accounts_service.list_report_recipients(after_id=first.next_after_id, limit=2)
    assert [r.email for r in second.recipients] == ["r2@example.com"]
    assert second.next_after_id is None
    assert second.recipients[0] == contracts.ReportRecipient(
        id=wanted[2].id,
        email="r2@example.com",
        display_name="r2@example.com",
        timezone="UTC",
        units="metric",
        wants_empty_monthly_report=False,
    )


def test_list_user_ids_walks_every_user_by_id(service_mode):
    users = [testing.create_user(email=f"u{i}@example.com", confirmed=i != 1) for i in range(3)]
    User.objects.filter(pk=users[2].id).update(is_active=False)
    assert accounts_service.list_user_ids(limit=2) == [users[0].id, users[1].id]
    assert accounts_service.list_user_ids(after_id=users[1].id, limit=2) == [users[2].id]
    assert accounts_service.list_user_ids(after_id=users[2].id) == []
    with pytest.raises(errors.InvalidPageSize, match="limit must be between 1 and 500, got 0"):
        accounts_service.list_user_ids(limit=0)


@pytest.mark.parametrize("limit", [0, 501])
def test_report_recipients_refuse_a_page_size_out_of_range(service_mode, limit):
    with pytest.raises(errors.InvalidPageSize, match=f"limit must be between 1 and 500, got {limit}"):
        accounts_service.list_report_recipients(limit=limit)


def test_set_monthly_report_opt_in_turns_the_report_off_and_on(service_mode, runner):
    assert accounts_service.set_monthly_report_opt_in(user_id=runner.id, enabled=False).wants_monthly_report is False
    assert User.objects.get(pk=runner.id).wants_monthly_report is False
    assert accounts_service.set_monthly_report_opt_in(user_id=runner.id, enabled=True).wants_monthly_report is True


def test_set_monthly_report_opt_in_of_an_unknown_user_changes_nothing(service_mode, runner):
    with pytest.raises(errors.UserNotFound):
        accounts_service.set_monthly_report_opt_in(user_id=runner.id + 1, enabled=False)
    assert list(User.objects.values_list("wants_monthly_report", flat=True)) == [True]
