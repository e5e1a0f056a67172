"""Back-office pages for execution items, mounted under manage/executions/ on every site."""

from django.urls import path

from . import admin_views

urlpatterns = [
    path("", admin_views.item_list, name="manage_executions"),
    path("export.xlsx", admin_views.item_export, name="manage_executions_export"),
    path("bulk/", admin_views.item_bulk, name="manage_execution_bulk"),
    path("new/", admin_views.item_create, name="manage_execution_create"),
    path("<int:pk>/", admin_views.item_detail, name="manage_execution"),
    path("<int:pk>/materials/<int:material_pk>/remove/", admin_views.material_remove,
         name="manage_execution_material_remove"),
]
