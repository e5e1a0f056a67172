from django.urls import path

from . import admin_views

app_name = "platform"

urlpatterns = [path("agencies/", admin_views.platform_agencies, name="agencies")]
