"""Back office of site content, mounted under manage/content/ on every site."""

from django.urls import path

from . import admin_views

urlpatterns = [
    path("", admin_views.overview, name="manage_content"),
    path("featured/", admin_views.featured, name="manage_content_featured"),
    path("pages/<slug:page_kind>/", admin_views.site_page_edit, name="manage_content_page"),
    path("questions/<int:pk>/", admin_views.question_answer, name="manage_content_answer"),
    path("<slug:kind>/", admin_views.item_list, name="manage_content_list"),
    path("<slug:kind>/export.xlsx", admin_views.item_export, name="manage_content_export"),
    path("<slug:kind>/bulk/", admin_views.item_bulk, name="manage_content_bulk"),
    path("<slug:kind>/new/", admin_views.item_edit, name="manage_content_new"),
    path("<slug:kind>/<int:pk>/", admin_views.item_edit, name="manage_content_edit"),
    path("<slug:kind>/<int:pk>/delete/", admin_views.item_delete, name="manage_content_delete"),
]
