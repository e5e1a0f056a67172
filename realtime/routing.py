from django.urls import path

from .consumers import DebateConsumer

websocket_urlpatterns = [
    path("ws/debates/<int:debate_id>/", DebateConsumer.as_asgi()),
    path("ws/a/<slug:agency_slug>/debates/<int:debate_id>/", DebateConsumer.as_asgi()),
]
