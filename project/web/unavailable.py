"""What a page says when a service it reaches through its interface is down or failing: never a 500.

One way for every app's pages to say it. A page that can still show something answers 200 with "temporarily
unavailable"; anything else, and every change, answers 503 with that message and Retry-After, and nothing is
changed. Each app names its section once:

    RACES = Unavailable("races", what="Races", note="Your runs are safe.")

    @RACES.degrades(get_status=503)        # RemoteServiceError -> project/templates/unavailable.html
    def race_detail(request, race_id): ...

The page's element id is `<app>-unavailable` and the warning logged is `<app>.unavailable`. Views with special
needs (a form shown again with what was typed, a plain-text feed, JSON) use `page(..., template=...)`, `message()`,
`log()` and `retry_later()` rather than saying it their own way.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from project.rpc.errors import RemoteServiceError

_Response = TypeVar("_Response", bound=HttpResponse)

logger = logging.getLogger(__name__)
RETRY_AFTER_S = 60  # what a 503 tells the browser or client to wait before trying again
View = Callable[..., HttpResponse]


def retry_later(response: _Response) -> _Response:
    """`response` (a 503) with when to come back."""
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _changing(request: HttpRequest) -> bool:
    return request.method not in ("GET", "HEAD")


@dataclasses.dataclass(frozen=True)
class Unavailable:
    """An app's pages without their service: `app` names the element id and the logged event, `what` is the
    subject of the sentence ("<what> are temporarily unavailable"), `title` the page's heading (default: what),
    `note` an optional reassurance shown on the page."""

    app: str
    what: str
    title: str = ""
    note: str = ""

    def message(self, *, changing: bool = False, with_note: bool = False) -> str:
        """ "<what> are temporarily unavailable[, so nothing was changed]. [<note> ]Try again in a minute." """
        outcome = ", so nothing was changed" if changing else ""
        note = f"{self.note} " if with_note and self.note else ""
        return f"{self.what} are temporarily unavailable{outcome}. {note}Try again in a minute."

    def log(self, request: HttpRequest) -> None:
        """Log the failure being handled (call it in the `except`), as `<app>.unavailable`."""
        logger.warning(f"{self.app}.unavailable", extra={"path": request.path}, exc_info=True)

    def page(
        self, request: HttpRequest, *, status: int, template: str = "unavailable.html", **context: Any
    ) -> HttpResponse:
        """Log, and answer `status` with the shared page, or with `template` (the app's own page, told
        `unavailable` and `changing`); a 503 says when to come back."""
        self.log(request)
        changing = _changing(request)
        shared = {
            "app": self.app,
            "title": self.title or self.what,
            "message": self.message(changing=changing, with_note=True),
        }
        response = render(
            request, template, {**shared, **context, "unavailable": True, "changing": changing}, status=status
        )
        return retry_later(response) if status == 503 else response

    def degrades(self, *, get_status: int) -> Callable[[View], View]:
        """The view, answering with `page()` when its service is down or failing: `get_status` for a GET or
        HEAD (200 where the page still shows something, else 503), 503 for a change."""

        def decorate(view: View) -> View:
            @functools.wraps(view)
            def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
                try:
                    return view(request, *args, **kwargs)
                except RemoteServiceError:
                    return self.page(request, status=503 if _changing(request) else get_status)

            return wrapper

        return decorate
