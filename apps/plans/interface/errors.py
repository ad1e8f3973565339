from project.rpc.errors import ServiceError


class PlanNotFound(ServiceError):
    code = "plans.plan_not_found"
    http_status = 404
    default_message = "No such plan."


class InvalidPlan(ServiceError):
    code = "plans.invalid_plan"
    default_message = "The plan cannot be made."
