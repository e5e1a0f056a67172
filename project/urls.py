from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from deliberation.integrations.api import api, unknown_path

from . import site_urls

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_path),
    path("accounts/", include("deliberation.accounts.urls")),
    # django-allauth (external sign-in); the site's own log-in form stays at /accounts/login/.
    path("accounts/sso/", include("allauth.urls")),
    path("platform/", include("deliberation.agencies.platform_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("a/<slug:agency_slug>/", include((site_urls.urlpatterns, "agency"))),
    path("", include((site_urls.urlpatterns, "city"))),
]
# Uploaded debate materials: served by Django only in development (DEBUG); production serves
# MEDIA_ROOT from its proxy or object storage.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
