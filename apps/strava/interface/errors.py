from project.rpc.errors import ServiceError


class MissingScope(ServiceError):
    code = "strava.missing_scope"
    default_message = "Runnerly needs to see all your activities."


class StravaRefused(ServiceError):
    code = "strava.refused"
    http_status = 502
    default_message = "Strava did not accept the request. Try again in a minute."
