"""Mounted at manage/integrations/webhooks/ on every site (project/site_urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.endpoint_list, name="manage_webhooks"),
    path("<int:pk>/", views.endpoint_detail, name="manage_webhook"),
    path("<int:pk>/rotate/", views.endpoint_rotate, name="manage_webhook_rotate"),
    path("<int:pk>/delete/", views.endpoint_delete, name="manage_webhook_delete"),
    path("<int:pk>/deliveries/<int:delivery_pk>/replay/", views.delivery_replay, name="manage_webhook_replay"),
]
