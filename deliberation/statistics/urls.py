"""Statistics pages, mounted under manage/statistics/ on every site."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.statistics_page, name="manage_statistics"),
    path("export.xlsx", views.statistics_xlsx, name="manage_statistics_xlsx"),
    path("export.csv", views.statistics_csv, name="manage_statistics_csv"),
]
