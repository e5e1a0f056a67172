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
    """When every pooled database connection stays busy past DB_POOL_TIMEOUT (an event peak
    beyond what the processes carry), answer 503 with Retry-After instead of a server error:
    nothing was stored, and the page script or the citizen can simply try again."""

    RETRY_AFTER_SECONDS = 3

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import OperationalError
        from psycopg_pool import PoolTimeout

        if not (isinstance(exception, OperationalError) and isinstance(exception.__cause__, PoolTimeout)):
            return None
        from django.http import HttpResponse, JsonResponse
        from django.utils.translation import gettext as _

        message = _("The service is very busy right now. Nothing was saved; please try again in a moment.")
        wants_json = request.content_type == "application/json" or request.path.endswith(".json")
        if wants_json:
            response = JsonResponse({"error": {"code": "busy", "message": message}}, status=503)
        else:
            response = HttpResponse(f"<!doctype html><title>503</title><p>{message}</p>", status=503)
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
