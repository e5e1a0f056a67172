"""Public content pages, mounted at the root of every site (project/site_urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("faq/", views.faq, name="faq"),
    path("qna/", views.qna_list, name="qna_list"),
    path("qna/ask/", views.qna_ask, name="qna_ask"),
    path("qna/<int:pk>/", views.qna_detail, name="qna_detail"),
    path("qna/<int:pk>/edit/", views.qna_edit, name="qna_edit"),
    path("qna/<int:pk>/delete/", views.qna_delete, name="qna_delete"),
    path("events/", views.event_list, name="event_list"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("participation-events/", views.participation_list, name="participation_list"),
    path("participation-events/<int:pk>/", views.participation_detail, name="participation_detail"),
    path("terms/", views.terms, name="terms"),
    path("privacy/", views.privacy, name="privacy"),
    path("agencies/", views.agency_list, name="agency_list"),
]
