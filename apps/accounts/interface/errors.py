from project.rpc.errors import InvalidRequest, ServiceError


class UserNotFound(ServiceError):
    code = "accounts.user_not_found"
    http_status = 404
    default_message = "No such user."


class InvalidPageSize(InvalidRequest):  # bad arguments: an InvalidRequest, with the code callers know
    code = "accounts.invalid_page_size"
    default_message = "limit must be between 1 and 500."
