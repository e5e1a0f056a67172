import json

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from project.asgi import application

ORIGIN = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


def ws_path(debate):
    return f"/ws/a/{debate.agency.slug}/debates/{debate.pk}/"


@database_sync_to_async
def session_cookie_for(user) -> tuple[bytes, bytes]:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return (b"cookie", f"sessionid={session.session_key}".encode())


async def connect(path, headers=ORIGIN, *, user=None):
    if user is not None:
        headers = [*headers, await session_cookie_for(user)]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator, timeout=2):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def connect_and_skip_greeting(path, **kwargs):
    communicator = await connect(path, **kwargs)
    assert (await receive(communicator))["type"] == "hello"
    assert (await receive(communicator))["type"] == "tally"
    return communicator
