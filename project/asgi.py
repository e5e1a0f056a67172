"""HTTP goes to Django; websockets go through the origin check and session auth to realtime."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()  # before any import that touches models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from realtime.middleware import KeepRawSend  # noqa: E402
from realtime.publisher import BindPublisherLoop  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = BindPublisherLoop(
    ProtocolTypeRouter(
        {
            "http": django_asgi_app,
            "websocket": KeepRawSend(
                AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
            ),
        }
    )
)
