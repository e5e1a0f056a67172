"""Mapping domain errors onto HTTP once, for every JSON view."""

import json

from django.http import JsonResponse

from .errors import DomainError, ErrorCode


def error_response(code: str, message, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": str(code), "message": str(message)}}, status=status)


def domain_error_response(exc: DomainError) -> JsonResponse:
    return error_response(exc.code, exc.message, exc.http_status)


class BadJson(DomainError):
    code = ErrorCode.INVALID
    http_status = 400


def json_body(request) -> dict:
    if request.content_type != "application/json":
        raise BadJson("Send a JSON object with Content-Type: application/json.")
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…" nested too deep
        raise BadJson("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadJson("The request body must be a JSON object.")
    return body


def add_domain_error(form, exc: DomainError) -> None:
    """A service's refusal shown on a form: per field when it names fields (the `errors` map of
    InvalidProposal, InvalidDebate, InvalidExecution), else on top of the form."""
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict):
        for field, messages in errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, str(message))
    else:
        form.add_error(None, str(exc.message))
