from project.rpc.errors import ServiceError


class InvalidMonth(ServiceError):
    code = "reports.invalid_month"
    default_message = "There is no such month."
