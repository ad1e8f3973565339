from __future__ import annotations

import abc

from apps.accounts.interface import contracts
from project.rpc import interface as rpc
from project.rpc import routing

MAX_PAGE_SIZE = 500


class AccountsService(rpc.Service):
    name = "accounts"
    local_implementation = "apps.accounts.interface.local.LocalAccountsService"

    @rpc.read_only
    @abc.abstractmethod
    def get_user(self, *, user_id: int) -> contracts.UserProfile:
        """One user's profile and preferences. Raises `UserNotFound`."""

    @rpc.read_only
    @abc.abstractmethod
    def get_users(self, *, user_ids: list[int]) -> list[contracts.UserProfile]:
        """Profiles for the ids that exist, in the order asked; unknown ids are left out."""

    @rpc.read_only
    @abc.abstractmethod
    def find_user_by_email(self, *, email: str) -> contracts.UserProfile:
        """The user with this email address (any case). Raises `UserNotFound`."""

    @rpc.read_only
    @abc.abstractmethod
    def search_user_ids(self, *, email_contains: str, limit: int = 100) -> list[int]:
        """Ids of the users whose email address contains the text (any case), at most `limit`, by id;
        none for text of fewer than 3 characters. For staff searching lists by runner."""

    @rpc.read_only
    @abc.abstractmethod
    def list_report_recipients(self, *, after_id: int = 0, limit: int = 100) -> contracts.ReportRecipientsPage:
        """Active users with a confirmed address who want the monthly report, by id after `after_id`.

        Page through with `next_after_id` until it is None. Raises `InvalidPageSize` outside 1..500.
        """

    @rpc.read_only
    @abc.abstractmethod
    def list_user_ids(self, *, after_id: int = 0, limit: int = 500) -> list[int]:
        """Every user's id after `after_id`, ascending; a page shorter than `limit` is the last.

        For maintenance that walks all users (rebuilding summaries). Raises `InvalidPageSize` outside 1..500.
        """

    @rpc.idempotent
    @abc.abstractmethod
    def set_monthly_report_opt_in(self, *, user_id: int, enabled: bool) -> contracts.UserProfile:
        """Turn the monthly report email on or off (the report's unsubscribe link). Raises `UserNotFound`."""

    @rpc.read_only
    @abc.abstractmethod
    def export_user_data(self, *, user_id: int) -> contracts.AccountExport:
        """The account, profile and email addresses of the user (the data export). Raises `UserNotFound`."""


accounts_service: AccountsService = routing.delegator(AccountsService)
