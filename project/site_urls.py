"""The pages of one participation site, mounted at / for the city and at /a/<slug>/ for
each partner agency (namespaces "city" and "agency")."""

from django.urls import include, path

from deliberation.agencies import dashboard_views, member_views, settings_views
from deliberation.agencies import views as agency_views
from deliberation.comments import moderation_views
from deliberation.debates import admin_views as debate_admin
from deliberation.debates import facilitation_views
from deliberation.debates import views as debate_views
from deliberation.integrations import views as integration_views

urlpatterns = [
    path("", agency_views.site_home, name="home"),
    path("debates/", debate_views.debate_list, name="debate_list"),
    path("debates/<int:pk>/", debate_views.debate_detail, name="debate_detail"),
    path("debates/<int:pk>/ballot/", debate_views.cast_ballot_form, name="debate_ballot"),
    path("debates/<int:pk>/ballot.json", debate_views.cast_ballot_json, name="debate_ballot_json"),
    path("debates/<int:pk>/opinions/", debate_views.opinion_post, name="debate_opinion"),
    path("debates/<int:pk>/comments/", debate_views.comment_post, name="debate_comment"),
    path("debates/<int:pk>/comments/<int:comment_pk>/edit/", debate_views.comment_edit, name="debate_comment_edit"),
    path("debates/<int:pk>/comments/<int:comment_pk>/delete/", debate_views.comment_delete, name="debate_comment_delete"),
    path("debates/<int:pk>/comments/<int:comment_pk>/report/", debate_views.comment_report, name="debate_comment_report"),
    path("debates/<int:pk>/opinions/<int:opinion_pk>/support/", debate_views.opinion_support, name="debate_opinion_support"),
    path("proposals/", include("deliberation.proposals.urls")),
    path("executions/", include("deliberation.executions.urls")),
    path("manage/proposals/", include("deliberation.proposals.manage_urls")),
    path("manage/executions/", include("deliberation.executions.manage_urls")),
    path("manage/debates/", include("deliberation.debates.manage_urls")),
    path("manage/debates/<int:pk>/publish/", debate_admin.publish_debate, name="manage_debate_publish"),
    path("manage/debates/<int:pk>/screen/", facilitation_views.screen, name="manage_debate_screen"),
    path("manage/moderation/", moderation_views.queue, name="manage_moderation"),
    path("manage/moderation/<int:comment_pk>/", moderation_views.act, name="manage_moderation_act"),
    path("manage/moderation/opinions/<int:opinion_pk>/", moderation_views.act_on_opinion,
         name="manage_moderation_opinion"),
    path("manage/moderation/sanctions/", moderation_views.sanctions_page, name="manage_sanctions"),
    path("manage/moderation/sanctions/<int:sanction_pk>/lift/", moderation_views.lift_sanction,
         name="manage_sanction_lift"),
    path("manage/moderation/settings/", moderation_views.moderation_settings, name="manage_moderation_settings"),
    path("manage/settings/", settings_views.agency_settings, name="manage_settings"),
    path("manage/settings/categories/", settings_views.task_categories, name="manage_settings_categories"),
    path("manage/settings/departments/", settings_views.departments, name="manage_settings_departments"),
    path("manage/settings/themes/", settings_views.themes, name="manage_settings_themes"),
    path("manage/settings/staff/", settings_views.staff, name="manage_settings_staff"),
    path("manage/members/", member_views.member_list, name="manage_members"),
    path("manage/members/<int:user_pk>/", member_views.member_detail, name="manage_member"),
    path("manage/integrations/webhooks/", include("deliberation.webhooks.urls")),
    path("manage/content/", include("deliberation.content.manage_urls")),
    path("", include("deliberation.content.urls")),
    path("manage/statistics/", include("deliberation.statistics.urls")),
    path("manage/dashboard/", dashboard_views.live_dashboard, name="manage_live_dashboard"),
    path("manage/integrations/", integration_views.integrations, name="manage_integrations"),
    path("manage/integrations/keys/<int:key_pk>/revoke/", integration_views.revoke,
         name="manage_integrations_revoke"),
]
