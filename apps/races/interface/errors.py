from project.rpc.errors import ServiceError


class RaceNotFound(ServiceError):
    code = "races.race_not_found"
    http_status = 404
    default_message = "No such race."


class InvalidSearch(ServiceError):
    code = "races.invalid_search"
    default_message = "The search is not valid."


class InvalidRace(ServiceError):
    """The race cannot be stored as described; `fields` says what to fix, by field name."""

    code = "races.invalid_race"
    default_message = "The race is not valid."


class NotAllowed(ServiceError):
    """Only the runner who added a race, or staff, may change it."""

    code = "races.not_allowed"
    http_status = 403
    default_message = "Only the runner who added this race, or staff, can change it."


class InvalidResult(ServiceError):
    """That run cannot be the runner's result (`fields["run_id"]` says why)."""

    code = "races.invalid_result"
    default_message = "That run cannot be your result."
