import os
import re
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest

from .browsing import chromium
from .servers import ServerStack


@pytest.fixture
def server_stack(tmp_path):
    stack = ServerStack(tmp_path, redis_url=os.environ.get("REDIS_URL") or None)
    yield stack
    stack.stop()


@pytest.fixture
def browser():
    """Chromium for one test. A browser module calls browsing.require_chromium() first."""
    with chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def module_browser():
    """One Chromium for a whole module (startup is a second or two a test), for modules whose
    tests each open their own contexts: such a module overrides `browser` with it."""
    with chromium() as browser:
        yield browser


class HttpSession:
    """A logged-in citizen over plain HTTP (cookies + CSRF), as a phone's browser would be."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def login(self, username: str, password: str = "demo-pass-2026") -> "HttpSession":
        html = self.opener.open(self.base + "/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        self.opener.open(urllib.request.Request(self.base + "/accounts/login/", data=data.encode(),
                                                headers={"Referer": self.base + "/accounts/login/"}))
        assert any(c.name == "sessionid" for c in self.jar), "login failed"
        return self

    def post_json(self, path: str, body: bytes):
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        request = urllib.request.Request(self.base + path, data=body, headers={
            "Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": self.base + "/"})
        try:
            with self.opener.open(request) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture
def http_session():
    return HttpSession
