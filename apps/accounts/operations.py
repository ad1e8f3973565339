"""Writes on accounts. Each function owns its transaction."""

from __future__ import annotations

import datetime
import logging
import tempfile
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts import archive
from apps.accounts.interface import errors, events
from apps.accounts.models import PROFILE_FIELDS, ApiToken, DataExport, User
from project import authentication, celery
from project.events import outbox

logger = logging.getLogger(__name__)
MAX_API_TOKENS_PER_USER = 20


def _user(user_id: int) -> User:
    try:
        return User.objects.get(pk=user_id)
    except User.DoesNotExist:
        raise errors.UserNotFound(f"no user with id {user_id}") from None


def update_profile(*, user_id: int, changes: dict[str, Any]) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    with transaction.atomic():
        user = _user(user_id)
        for field, value in changes.items():
            setattr(user, field, value)
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(changes))
    logger.info("accounts.profile_updated", extra={"user_id": user_id, "fields": sorted(changes)})
    return user


def set_monthly_report_opt_in(*, user_id: int, enabled: bool) -> User:
    with transaction.atomic():
        user = _user(user_id)
        if user.wants_monthly_report != enabled:
            user.wants_monthly_report = enabled
            user.save(update_fields=["wants_monthly_report"])
    return user


def delete_account(*, user_id: int) -> None:
    """Delete the user; `UserDeleted` goes out in the same transaction so every app cleans up."""
    with transaction.atomic():
        user = _user(user_id)
        outbox.publish(events.UserDeleted(user_id=user.pk))
        user.delete()
    logger.info("accounts.account_deleted", extra={"user_id": user_id})


def ensure_demo_user(*, email: str, password: str) -> tuple[User, bool]:
    """The demo runner with a confirmed address and a filled-in profile (for `seed_demo`)."""
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        user, created = User.objects.get_or_create(email=email)
        user.set_password(password)
        user.display_name = "Demo Runner"
        user.timezone = "Europe/Paris"
        user.units = User.Units.METRIC
        user.birth_year = 1988
        user.weight_kg = 64
        user.resting_heart_rate = 52
        user.max_heart_rate = 186
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created


def _export_expiry(moment: datetime.datetime) -> datetime.datetime:
    return moment + datetime.timedelta(days=settings.ACCOUNTS_EXPORT_DAYS)


def request_export(*, user_id: int) -> tuple[DataExport, bool]:
    """The user's export being prepared, or a new one queued for the `accounts.build_export` task; and whether
    it is new. Asked twice at once, both get the same export (one unfinished export per user)."""
    unfinished = [DataExport.Status.QUEUED, DataExport.Status.RUNNING]
    _user(user_id)
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user_id=user_id, expires_at=_export_expiry(timezone.now()))
            transaction.on_commit(lambda: _send_export(export.pk), robust=True)  # the broker down: the sweep sends it
    except IntegrityError:
        existing = DataExport.objects.filter(user_id=user_id, status__in=unfinished).first()
        if existing is None:  # finished between the insert and this read: ask again
            return request_export(user_id=user_id)
        return existing, False
    logger.info("accounts.export_requested", extra={"user_id": user_id, "export_id": str(export.pk)})
    return export, True


def _send_export(export_id: Any) -> None:
    celery.task("accounts.build_export").delay(export_id=str(export_id))
    DataExport.objects.filter(pk=export_id, status=DataExport.Status.QUEUED).update(heartbeat_at=timezone.now())


def _stale() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ACCOUNTS_EXPORT_STALE_SECONDS)


def _take_on(export_id: str) -> DataExport | None:
    """The export, if this execution is to build it: not finished, and not alive in another execution."""
    now = timezone.now()
    with transaction.atomic():
        export = DataExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.finished:
            return None
        if export.status == DataExport.Status.RUNNING and export.heartbeat_at and export.heartbeat_at > now - _stale():
            return None  # another execution is building it (the broker or the sweep sent it twice)
        if export.attempts >= settings.ACCOUNTS_EXPORT_MAX_ATTEMPTS:
            export.status, export.finished_at = DataExport.Status.FAILED, now
            export.message = f"The export was interrupted {export.attempts} times; please ask for a new one."
            export.save(update_fields=["status", "finished_at", "message"])
            return None
        export.status, export.attempts, export.heartbeat_at, export.done = (
            DataExport.Status.RUNNING,
            export.attempts + 1,
            now,
            0,
        )
        export.save(update_fields=["status", "attempts", "heartbeat_at", "done"])
    return export


def build_export(*, export_id: str) -> DataExport | None:
    """Write the export's zip to storage (a temporary file first, never all in memory); it ends ready or failed.

    Run again after a worker died (`sweep_exports`), it starts over. The user's previous exports go once this
    one is ready.
    """
    export = _take_on(export_id)
    if export is None:
        return DataExport.objects.filter(pk=export_id).first()

    def progress(done: int, total: int) -> None:
        DataExport.objects.filter(pk=export.pk).update(done=done, total=total, heartbeat_at=timezone.now())

    try:
        with tempfile.TemporaryFile() as target:
            archive.write(user_id=export.user_id, target=target, progress=progress)
            size = target.tell()
            target.seek(0)
            export.file.save(f"{export.pk}.zip", File(target), save=False)
    except Exception as error:  # whatever failed, the runner sees it and may ask again
        logger.exception("accounts.export_failed", extra={"export_id": export_id})
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.FAILED,
            message=f"The export could not be prepared ({error.__class__.__name__}).",
            finished_at=timezone.now(),
        )
        return DataExport.objects.filter(pk=export.pk).first()
    now = timezone.now()
    stored = DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.READY,
        file=export.file.name,
        size=size,
        finished_at=now,
        expires_at=_export_expiry(now),
    )
    if not stored:  # deleted meanwhile (the account was): its file must not stay behind
        export.file.delete(save=False)
        return None
    _exports_delete(
        DataExport.objects.filter(
            user_id=export.user_id, status=DataExport.Status.READY, created_at__lt=export.created_at
        )
    )
    logger.info("accounts.export_ready", extra={"export_id": export_id, "size": size})
    return DataExport.objects.get(pk=export.pk)


def _exports_delete(exports: Iterable[DataExport]) -> int:
    """Each export's file, then its row (a file that cannot be deleted keeps its row, to try again)."""
    count = 0
    for export in list(exports):
        if export.file:
            export.file.delete(save=False)
        count += DataExport.objects.filter(pk=export.pk).delete()[0]
    return count


def expire_exports(*, now: datetime.datetime | None = None) -> int:
    """Delete the exports whose time is up, with their files (beat, hourly); how many."""
    return _exports_delete(DataExport.objects.filter(expires_at__lte=now or timezone.now()))


def sweep_exports(*, batch_size: int = 100) -> int:
    """Send again the exports no worker is seen building (beat, every minute); how many were sent.

    An export never handed to the broker (it was down) is sent once `ACCOUNTS_EXPORT_QUEUED_GRACE_SECONDS`
    have passed; one handed over, or building, without a sign of life for `ACCOUNTS_EXPORT_STALE_SECONDS` is
    sent again and starts over.
    """
    now = timezone.now()
    grace = datetime.timedelta(seconds=settings.ACCOUNTS_EXPORT_QUEUED_GRACE_SECONDS)
    due = Q(heartbeat_at=None, created_at__lt=now - grace) | Q(heartbeat_at__lt=now - _stale())
    unfinished = [DataExport.Status.QUEUED, DataExport.Status.RUNNING]
    export_ids = list(
        DataExport.objects.filter(due, status__in=unfinished)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for export_id in export_ids:
        _send_export(export_id)
    if export_ids:
        logger.info("accounts.exports_swept", extra={"count": len(export_ids)})
    return len(export_ids)


def delete_user_exports(*, user_id: int) -> int:
    return _exports_delete(DataExport.objects.filter(user_id=user_id))


def create_api_token(
    *, user_id: int, name: str, scope: authentication.TokenScope, expires_in_days: int | None
) -> tuple[ApiToken, str]:
    """A runner's new personal API token and its plain value, which is not kept anywhere: the caller
    shows it once (project/authentication.py checks it)."""
    plain, prefix, digest = authentication.personal_token_generate()
    expires_at = timezone.now() + datetime.timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user_id=user_id, name=name, prefix=prefix, digest=digest, scope=scope, expires_at=expires_at
    )
    logger.info("accounts.api_token_created", extra={"user_id": user_id, "token_id": token.pk, "scope": scope})
    return token, plain


def revoke_api_token(*, user_id: int, token_id: int) -> ApiToken:
    """Delete the token; it stops working at once (its cache entry goes with it). Raises `ApiToken.DoesNotExist`
    for a token of someone else."""
    token = ApiToken.objects.get(pk=token_id, user_id=user_id)
    token.delete()
    logger.info("accounts.api_token_revoked", extra={"user_id": user_id, "token_id": token_id})
    return token
