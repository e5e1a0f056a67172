"""Back-office pages for proposals, mounted under manage/proposals/ on every site."""

from django.urls import path

from . import admin_views

urlpatterns = [
    path("", admin_views.proposal_list, name="manage_proposals"),
    path("export.xlsx", admin_views.proposal_export, name="manage_proposals_export"),
    path("bulk/", admin_views.proposal_bulk, name="manage_proposal_bulk"),
    path("offline/", admin_views.offline_proposal, name="manage_proposal_offline"),
    path("dashboard/", admin_views.dashboard_view, name="manage_dashboard"),
    path("audit/", admin_views.audit_log_view, name="manage_audit_log"),
    path("officer/", admin_views.officer_queue_view, name="manage_officer_queue"),
    path("officer/<int:pk>/", admin_views.officer_answer, name="manage_officer_answer"),
    path("<int:pk>/", admin_views.proposal_review, name="manage_proposal_review"),
    path("<int:pk>/task-category/", admin_views.proposal_task_category, name="manage_proposal_task_category"),
]
