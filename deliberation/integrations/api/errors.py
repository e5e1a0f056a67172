"""Every error reply of the open API is `{"error": {"code", "message"}}` (DomainError.as_dict),
with the status the error carries."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from deliberation.errors import DomainError, NotFound

from ..errors import ApiErrorCode, NotAuthenticated

_CODES = {400: ApiErrorCode.MALFORMED, 401: ApiErrorCode.NOT_AUTHENTICATED, 403: ApiErrorCode.INSUFFICIENT_SCOPE,
          404: "not_found", 429: ApiErrorCode.RATE_LIMITED}


def _reply(api, request, error: dict, status: int):
    return api.create_response(request, {"error": error}, status=status)


def install(api) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = _reply(api, request, exc.as_dict(), exc.http_status)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc):
        return _reply(api, request, NotAuthenticated().as_dict(), 401)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return _reply(api, request, NotFound().as_dict(), 404)

    @api.exception_handler(ValidationError)
    def invalid(request, exc: ValidationError):
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            name = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
            fields.setdefault(name, []).append(str(error.get("msg", "invalid")))
        return _reply(api, request, {"code": str(ApiErrorCode.INVALID),
                                     "message": _("The request does not match the schema."), "fields": fields}, 422)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        code = _CODES.get(exc.status_code, "error")
        return _reply(api, request, {"code": str(code), "message": str(exc)}, exc.status_code)
