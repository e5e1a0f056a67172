from django.urls import path

from .consumers import (
    DashboardConsumer, DebateCommentsConsumer, DebateConsumer, FacilitatorConsumer, ModerationConsumer, ProposalCommentsConsumer, ProposalConsumer, SiteDebatesConsumer, SiteProposalsConsumer,
)

websocket_urlpatterns = [
    path("ws/debates/", SiteDebatesConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/debates/", SiteDebatesConsumer.as_asgi()),
    path("ws/debates/<int:debate_id>/", DebateConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/debates/<int:debate_id>/", DebateConsumer.as_asgi()),
    path("ws/debates/<int:debate_id>/comments/", DebateCommentsConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/debates/<int:debate_id>/comments/", DebateCommentsConsumer.as_asgi()),
    path("ws/moderation/", ModerationConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/moderation/", ModerationConsumer.as_asgi()),
    path("ws/debates/<int:debate_id>/screen/", FacilitatorConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/debates/<int:debate_id>/screen/", FacilitatorConsumer.as_asgi()),
    path("ws/proposals/", SiteProposalsConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/proposals/", SiteProposalsConsumer.as_asgi()),
    path("ws/proposals/<int:proposal_id>/", ProposalConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/proposals/<int:proposal_id>/", ProposalConsumer.as_asgi()),
    path("ws/proposals/<int:proposal_id>/comments/", ProposalCommentsConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/proposals/<int:proposal_id>/comments/", ProposalCommentsConsumer.as_asgi()),
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/dashboard/", DashboardConsumer.as_asgi()),
]
