"""Production mode (issue 9): secrets only from the environment, no debug pages.

Production is set up as the Makefile's `check-deploy` does (DEBUG=0, ALLOWED_HOSTS, a
SECRET_KEY from the environment). Each case runs in a fresh interpreter, because settings are
read once at start-up."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "k" * 20 + "-production-key-from-the-environment-" + "z" * 20
PRODUCTION = {"DEBUG": "0", "ALLOWED_HOSTS": "example.org", "DJANGO_SETTINGS_MODULE": "project.settings"}


def run(code: str, **env):
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env={**base, **PRODUCTION, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_refuses_to_start_without_a_secret_key_from_the_environment():
    for command in ("import django; django.setup()",
                    "from django.core.management import execute_from_command_line as m; m(['manage.py', 'check'])"):
        result = run(command)
        assert result.returncode != 0, result.stdout
        assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY" in result.stderr, result.stderr[-2000:]
    started = run("import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)",
                  SECRET_KEY=KEY)
    assert started.returncode == 0 and started.stdout.strip() == KEY, started.stderr[-2000:]


# Inside the production interpreter: a test database, then an unknown address and a view that
# fails, through the whole middleware stack with DEBUG off.
PAGES = """
    import sys, types
    import django
    django.setup()
    from django.conf import settings
    from django.test.utils import setup_test_environment, override_settings
    from django.db import connection
    from django.test import Client
    from django.urls import path

    assert settings.DEBUG is False
    # As the Procfile's release step does: the manifest storage needs collectstatic.
    import tempfile
    from django.core.management import call_command
    static_root = tempfile.mkdtemp(prefix="static-")
    override_settings(STATIC_ROOT=static_root).enable()
    call_command("collectstatic", "--noinput", verbosity=0)
    setup_test_environment(debug=False)
    connection.creation.create_test_db(verbosity=0, autoclobber=True)

    def fails(request):
        raise RuntimeError("a secret detail that must not reach the browser")

    boom = types.ModuleType("boom_urls")
    import project.urls
    boom.urlpatterns = [path("boom/", fails), *project.urls.urlpatterns]
    sys.modules["boom_urls"] = boom

    import json
    client = Client(raise_request_exception=False, HTTP_HOST="example.org")
    pages = {}
    try:
        with override_settings(ROOT_URLCONF="boom_urls"):
            for address in ("/no/such/page/", "/a/no-such-agency/", "/debates/987654/", "/boom/"):
                response = client.get(address, secure=True)
                pages[address] = [response.status_code, response.content.decode()]
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
        import shutil
        shutil.rmtree(static_root, ignore_errors=True)
    print("PAGES " + json.dumps(pages))
"""


def test_unknown_urls_and_server_errors_get_the_projects_own_pages_not_the_debug_page():
    result = run(PAGES, SECRET_KEY=KEY, DATABASE_URL="sqlite:///" + str(ROOT / "var" / "prod-mode-test.sqlite3"),
                 TEST_DB_TAG=f"prod-{os.getpid()}")
    assert result.returncode == 0, result.stderr[-3000:]
    pages = next(json.loads(line[6:]) for line in result.stdout.splitlines() if line.startswith("PAGES "))
    assert set(pages) == {"/no/such/page/", "/a/no-such-agency/", "/debates/987654/", "/boom/"}
    for address, (status, body) in pages.items():
        assert status == (500 if address == "/boom/" else 404), (address, status)
        # The project's own page ...
        assert f'data-error-page="{status}"' in body, (address, body[:500])
        # ... and nothing of Django's debug pages or of the error itself.
        for leak in ("Traceback", "You’re seeing this error because you have", "DEBUG = True",
                     "Request Method", "secret detail", "RuntimeError", "URLconf", "Django tried these URL patterns",
                     "SECRET_KEY", "DATABASES"):
            assert leak not in body, (address, leak)
    assert "Democracy Seoul" in pages["/no/such/page/"][1] or "민주주의 서울" in pages["/no/such/page/"][1]
