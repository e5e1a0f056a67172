"""HTTP goes to Django; websockets go through the origin check and session auth to realtime."""

import gc
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()  # before any import that touches models

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from realtime.middleware import KeepRawSend  # noqa: E402
from realtime.publisher import BindPublisherLoop  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# A server holding thousands of sockets has hundreds of thousands of long-lived objects; with
# the default thresholds the cyclic collector walks them often enough to stall the event loop
# (ack p99 982 ms -> 96 ms at 1,000 ballots/s, docs/performance.md). Freeze what start-up
# made and collect young objects less often. GC_THRESHOLDS="gen0,gen1,gen2" overrides.
gc.freeze()
gc.set_threshold(*(int(n) for n in os.environ.get("GC_THRESHOLDS", "100000,50,100").split(",")))
# The group-commit thread waits for the GIL at every round trip while the event loop is busy
# writing frames; a short switch interval bounds each wait. 5 ms → 1 ms halved ack p50 at
# 2,000 ballots/s (47 → 17 ms); 1 ms → 0.2 ms brought ack p99 from ~75 to 39–47 ms
# (docs/performance.md). PY_SWITCH_INTERVAL (seconds) overrides.
sys.setswitchinterval(float(os.environ.get("PY_SWITCH_INTERVAL", "0.0002")))

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
