from project.rpc.errors import ServiceError


class JobNotFound(ServiceError):
    code = "imports.job_not_found"
    http_status = 404
    default_message = "No such import."


class UploadRefused(ServiceError):
    """An upload refused at the door (its type, empty, too big), or a stored file the service cannot take."""

    code = "imports.upload_refused"
    http_status = 400
    default_message = "The upload was refused."
