"""ASGI middleware for the websocket stack."""

from .registry import RAW_SEND


class KeepRawSend:
    """Outermost on websockets: keeps the server's own `send` in the scope. Broadcast frames
    go straight to it; Channels' session middleware wraps `send` to save sessions on HTTP
    responses, work a websocket frame never needs, at a measured half of the per-frame cost."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        return await self.app({**scope, RAW_SEND: send}, receive, send)
