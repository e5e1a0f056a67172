"""Back-office pages for debates, mounted under manage/debates/ on every site (before the
older manage/debates/<id>/publish/ page, which stays where it was)."""

from django.urls import path

from . import admin_views

urlpatterns = [
    path("", admin_views.debate_list, name="manage_debates"),
    path("export.xlsx", admin_views.debate_export, name="manage_debates_export"),
    path("bulk/", admin_views.debate_bulk, name="manage_debate_bulk"),
    path("new/<slug:vote_type>/", admin_views.debate_create, name="manage_debate_create"),
    path("<int:pk>/", admin_views.debate_edit, name="manage_debate_edit"),
    path("<int:pk>/result/", admin_views.debate_result, name="manage_debate_result"),
    path("<int:pk>/results.xlsx", admin_views.debate_results_export, name="manage_debate_results_export"),
    path("<int:pk>/similar/", admin_views.debate_similar, name="manage_debate_similar"),
    path("<int:pk>/materials/", admin_views.debate_materials, name="manage_debate_materials"),
    path("<int:pk>/materials/<int:material_pk>/remove/", admin_views.debate_material_remove,
         name="manage_debate_material_remove"),
]
