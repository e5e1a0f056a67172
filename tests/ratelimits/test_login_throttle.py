"""Log-in brute force (policy "login"): failed log-ins are counted per typed username and per
client address; once either is used up the form answers 429 without checking the password —
the right one included — until the window ends. A success clears its username's count."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.signals import user_login_failed
from django.test import Client

from deliberation import ratelimits
from tests.factories import PASSWORD, CitizenFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def login_policy(settings):
    # Process memory, so that time_machine moves the windows (Redis expires keys on its own clock).
    settings.REDIS_URL = ""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": {"account": "5/15 minutes", "address": "100/15 minutes"}}
    ratelimits.reset()
    yield
    ratelimits.reset()


def log_in(username, password, address="10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    return client, client.post("/accounts/login/", {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_after_five_failures_even_the_right_password_is_refused_until_the_window_ends():
    user = CitizenFactory()
    with time_machine.travel("2026-11-20 10:00:00 +0900", tick=False) as clock:
        for _ in range(5):
            client, response = log_in(user.username, "wrong-password")
            assert response.status_code == 200 and not logged_in(client)
        client, response = log_in(user.username, PASSWORD)
        assert response.status_code == 429 and not logged_in(client)
        assert "data-throttled" in response.content.decode()
        assert 60 <= int(response["Retry-After"]) <= 15 * 60
        clock.shift(timedelta(minutes=16))
        client, response = log_in(user.username, PASSWORD)
        assert response.status_code == 302 and logged_in(client)


def test_a_throttled_attempt_does_not_check_the_password():
    user = CitizenFactory()
    for _ in range(5):
        log_in(user.username, "wrong-password")
    checked = []

    def failed(sender, credentials, **kwargs):
        checked.append(credentials)

    user_login_failed.connect(failed)
    try:
        _, response = log_in(user.username, "another-guess")
    finally:
        user_login_failed.disconnect(failed)
    assert response.status_code == 429 and checked == []


def test_the_username_throttle_does_not_lock_out_others_on_the_same_address():
    victim, neighbour = CitizenFactory(), CitizenFactory()
    for _ in range(5):
        log_in(victim.username, "wrong-password")
    client, response = log_in(neighbour.username, PASSWORD)
    assert response.status_code == 302 and logged_in(client)


def test_the_username_is_counted_whatever_its_case_or_address():
    user = CitizenFactory()
    for i in range(5):
        log_in(user.username.upper() if i % 2 else user.username, "wrong-password", address=f"10.0.1.{i}")
    _, response = log_in(user.username, PASSWORD, address="10.0.2.1")
    assert response.status_code == 429


def test_failures_are_counted_per_address_across_usernames(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": {"account": "5/15 minutes", "address": "3/15 minutes"}}
    user = CitizenFactory()
    for i in range(3):
        log_in(f"guess{i}", "wrong-password")
    _, response = log_in(user.username, PASSWORD)
    assert response.status_code == 429
    client, response = log_in(user.username, PASSWORD, address="10.0.0.2")
    assert response.status_code == 302 and logged_in(client)


def test_a_success_clears_the_usernames_count_but_not_the_addresss(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": {"account": "5/15 minutes", "address": "9/15 minutes"}}
    user = CitizenFactory()
    for _ in range(4):
        log_in(user.username, "wrong-password")
    assert log_in(user.username, PASSWORD)[1].status_code == 302
    for _ in range(4):  # 4 more: under the username's 5 again, since the success cleared it
        assert log_in(user.username, "wrong-password")[1].status_code == 200
    assert log_in(user.username, PASSWORD)[1].status_code == 302
    # The address counted all 8 failures: one more, and the 10th attempt is refused.
    assert log_in("someone-else", "wrong-password")[1].status_code == 200
    assert log_in(user.username, PASSWORD)[1].status_code == 429
