"""Citizen pages for execution items, mounted under executions/ on every site."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.board, name="execution_list"),
    path("following/", views.following, name="execution_following"),
    path("<int:pk>/", views.item_page, name="execution_detail"),
    path("<int:pk>/follow/", views.follow, name="execution_follow"),
]
