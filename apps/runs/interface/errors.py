from project.rpc.errors import ServiceError


class RunNotFound(ServiceError):
    code = "runs.run_not_found"
    http_status = 404
    default_message = "No such run."


class InvalidRun(ServiceError):
    code = "runs.invalid_run"
    default_message = "The run cannot be stored."


class InvalidCursor(ServiceError):
    code = "runs.invalid_cursor"
    default_message = "The page cursor is not valid; start again from the first page."
