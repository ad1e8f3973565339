from project.rpc.errors import ServiceError


class RaceNotFound(ServiceError):
    code = "races.race_not_found"
    http_status = 404
    default_message = "No such race."


class InvalidSearch(ServiceError):
    code = "races.invalid_search"
    default_message = "The search is not valid."
