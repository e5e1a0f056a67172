"""Citizen pages for proposals, mounted under proposals/ on every site."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.proposal_list, name="proposal_list"),
    path("new/", views.proposal_new, name="proposal_new"),
    path("<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("<int:pk>/support/", views.proposal_support, name="proposal_support"),
    path("<int:pk>/support.json", views.proposal_support_json, name="proposal_support_json"),
    path("<int:pk>/withdraw.json", views.proposal_withdraw_json, name="proposal_withdraw_json"),
    path("<int:pk>/comments/", views.comment_post, name="proposal_comment"),
    path("<int:pk>/comments/<int:comment_pk>/edit/", views.comment_edit, name="proposal_comment_edit"),
    path("<int:pk>/comments/<int:comment_pk>/delete/", views.comment_delete, name="proposal_comment_delete"),
    path("<int:pk>/comments/<int:comment_pk>/report/", views.comment_report, name="proposal_comment_report"),
]
