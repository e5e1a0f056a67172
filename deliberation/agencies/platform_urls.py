from django.urls import path

from . import admin_views

app_name = "platform"

urlpatterns = [
    path("agencies/", admin_views.platform_agencies, name="agencies"),
    path("settings/", admin_views.platform_settings, name="settings"),
    path("integrations/", admin_views.platform_integrations, name="integrations"),
]
