"""Mapping domain errors onto HTTP once, for every JSON view and every form post."""

import json
from functools import wraps

from django.contrib import messages
from django.http import Http404, JsonResponse

from . import ratelimits
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


def run_with_messages(request, action, success=None, **kwargs) -> bool:
    """One write from a page's form post: `action(**kwargs)`. What the user may not see is a
    404 (a refusal must not tell whether it exists); any other refusal is an error message on
    the next page, and `success` a success message. True when the write went through."""
    try:
        action(**kwargs)
    except DomainError as exc:
        if exc.http_status == 404:
            raise Http404 from None
        messages.error(request, str(exc.message))
        return False
    if success is not None:
        messages.success(request, success)
    return True


def rate_limited_response(request, exc, *, json: bool):
    """429 with Retry-After: the JSON error object, or a readable page (nothing was saved)."""
    from django.shortcuts import render

    if json:
        response = error_response(exc.code, exc.message, exc.http_status)
    else:
        response = render(request, "rate_limited.html", {"retry_after": exc.retry_after, "message": exc.message},
                          status=exc.http_status)
    response["Retry-After"] = str(exc.retry_after)
    return response


def rate_limit(policy: str, *, json: bool = False):
    """Counts every POST to the view against the named policy (deliberation/ratelimits.py)
    per account and per client address, before the view reads or writes anything; past a
    limit the view does not run."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                user = getattr(request, "user", None)
                try:
                    ratelimits.hit(policy, account=user.pk if user is not None and user.is_authenticated else None,
                                   address=ratelimits.client_address(request))
                except ratelimits.RateLimited as exc:
                    return rate_limited_response(request, exc, json=json)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
