"""The in-process AccountsService. The one place where accounts' ORM objects become contracts."""

from __future__ import annotations

from apps.accounts import operations, queries
from apps.accounts.interface import contracts, errors
from apps.accounts.interface.service import MAX_PAGE_SIZE, AccountsService
from apps.accounts.models import User


def _profile(user: User) -> contracts.UserProfile:
    return contracts.UserProfile(
        id=user.pk,
        email=user.email,
        display_name=user.display_name,
        timezone=user.timezone,
        units=contracts.Units(user.units),
        birth_year=user.birth_year,
        weight_kg=user.weight_kg,
        resting_heart_rate=user.resting_heart_rate,
        max_heart_rate=user.max_heart_rate,
        wants_monthly_report=user.wants_monthly_report,
        wants_empty_monthly_report=user.wants_empty_monthly_report,
        is_active=user.is_active,
        date_joined=user.date_joined,
    )


class LocalAccountsService(AccountsService):
    def get_user(self, *, user_id: int) -> contracts.UserProfile:
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise errors.UserNotFound(f"no user with id {user_id}")
        return _profile(user)

    def get_users(self, *, user_ids: list[int]) -> list[contracts.UserProfile]:
        users = User.objects.in_bulk(user_ids)
        return [_profile(users[user_id]) for user_id in dict.fromkeys(user_ids) if user_id in users]

    def find_user_by_email(self, *, email: str) -> contracts.UserProfile:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise errors.UserNotFound(f"no user with email {email!r}")
        return _profile(user)

    def search_user_ids(self, *, email_contains: str, limit: int = 100) -> list[int]:
        text = email_contains.strip()
        if len(text) < 3:
            return []
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise errors.InvalidPageSize(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        return list(User.objects.filter(email__icontains=text).order_by("pk").values_list("pk", flat=True)[:limit])

    def list_report_recipients(self, *, after_id: int = 0, limit: int = 100) -> contracts.ReportRecipientsPage:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise errors.InvalidPageSize(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        users = list(queries.list_report_recipients(after_id=after_id)[: limit + 1])
        page = users[:limit]
        return contracts.ReportRecipientsPage(
            recipients=[
                contracts.ReportRecipient(
                    id=user.pk,
                    email=user.email,
                    display_name=user.get_full_name(),
                    timezone=user.timezone,
                    units=contracts.Units(user.units),
                    wants_empty_monthly_report=user.wants_empty_monthly_report,
                )
                for user in page
            ],
            next_after_id=page[-1].pk if len(users) > limit else None,
        )

    def list_user_ids(self, *, after_id: int = 0, limit: int = 500) -> list[int]:
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise errors.InvalidPageSize(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        return list(User.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", flat=True)[:limit])

    def set_monthly_report_opt_in(self, *, user_id: int, enabled: bool) -> contracts.UserProfile:
        return _profile(operations.set_monthly_report_opt_in(user_id=user_id, enabled=enabled))

    def export_user_data(self, *, user_id: int) -> contracts.AccountExport:
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise errors.UserNotFound(f"no user with id {user_id}")
        return contracts.AccountExport(
            profile=_profile(user),
            last_login=user.last_login,
            email_addresses=[
                contracts.EmailAddress(email=address.email, verified=address.verified, primary=address.primary)
                for address in queries.list_email_addresses(user_id=user_id)
            ],
        )
