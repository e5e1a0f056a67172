"""Issue 9: passwords are checked by Django's validators (sign-up included), and the session
and CSRF cookies are secure in production mode (settings read in a fresh interpreter, as
tests/security/test_production_mode.py does)."""

import json

import pytest
from django.contrib.auth.password_validation import get_default_password_validators

from deliberation.accounts.models import User

from .test_production_mode import KEY, run

pytestmark = pytest.mark.django_db


def test_password_validators_are_configured():
    names = {type(v).__name__ for v in get_default_password_validators()}
    assert {"UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
            "NumericPasswordValidator"} <= names


@pytest.mark.parametrize("password", ["abc12", "qwertyuiop", "84729163405", "minji-lee"])
def test_sign_up_refuses_what_the_validators_refuse(client, password):
    # too short, common, numeric only, like the username
    response = client.post("/accounts/signup/", {
        "username": "minji-lee", "email": "minji@example.org", "password1": password, "password2": password})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not User.objects.filter(username="minji-lee").exists()


def test_sign_up_follows_the_configured_minimum_length(client, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
                                          "OPTIONS": {"min_length": 20}}]
    response = client.post("/accounts/signup/", {
        "username": "minji", "email": "minji@example.org",
        "password1": "seoul-park-walk-77", "password2": "seoul-park-walk-77"})
    assert response.status_code == 200 and not User.objects.filter(username="minji").exists()


def test_cookies_are_secure_in_production_mode_only():
    code = ("import django, json; django.setup(); from django.conf import settings as s; "
            "print('COOKIES ' + json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY]))")
    production = run(code, SECRET_KEY=KEY)
    assert production.returncode == 0, production.stderr[-2000:]
    line = next(x for x in production.stdout.splitlines() if x.startswith("COOKIES "))
    assert json.loads(line[8:]) == [True, True, True]
    development = run(code, SECRET_KEY=KEY, DEBUG="1")
    line = next(x for x in development.stdout.splitlines() if x.startswith("COOKIES "))
    assert json.loads(line[8:])[:2] == [False, False]
