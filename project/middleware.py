"""The UI language: Korean unless the visitor chose English with the language switch."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language does not decide: a
    Seoul public site speaks Korean by default, and English is what a visitor selects (the
    choice is kept in Django's language cookie by the set_language view)."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ServiceBusyMiddleware:
    """When the database cannot serve the request, answer 503 with Retry-After instead of a
    server error (or, with DEBUG, a traceback page): nothing was stored, and the page script
    or the citizen can simply try again. Two causes (project/database.py):

    - every pooled connection stays busy past DB_POOL_TIMEOUT (an event peak beyond what the
      processes carry): code `busy`;
    - PostgreSQL is down or restarting (a lost or refused connection): code `unavailable`.
      The pool reconnects by itself; no server restart is needed once it is back."""

    RETRY_AFTER_SECONDS = 3

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from project.database import unavailable_kind

        kind = unavailable_kind(exception)
        if kind is None:
            return None
        import logging

        from django.http import HttpResponse, JsonResponse
        from django.utils.html import escape
        from django.utils.translation import gettext as _

        logging.getLogger("project.database").error(
            "database %s: %s %s answered 503 (%s)", kind, request.method, request.path, exception)
        if kind == "busy":
            code, message = "busy", _("The service is very busy right now. Nothing was saved; please try again in a moment.")
        else:
            code, message = "unavailable", _(
                "The service is briefly unavailable. Nothing was saved; please try again in a moment.")
        wants_json = request.content_type == "application/json" or request.path.endswith(".json")
        if wants_json:
            response = JsonResponse({"error": {"code": code, "message": message}}, status=503)
        else:
            response = HttpResponse(
                f'<!doctype html><meta charset="utf-8"><title>503</title><h1>503</h1><p>{escape(message)}</p>',
                status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
