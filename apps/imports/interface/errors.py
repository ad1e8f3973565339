from project.rpc.errors import ServiceError


class JobNotFound(ServiceError):
    code = "imports.job_not_found"
    http_status = 404
    default_message = "No such import."
