import re

import pytest
from django.core import mail

from deliberation.accounts.models import User
from tests.factories import PASSWORD, CitizenFactory

pytestmark = pytest.mark.django_db


def test_sign_up_logs_the_citizen_in(client):
    response = client.post("/accounts/signup/", {
        "username": "minji", "display_name": "민지", "email": "minji@example.org",
        "password1": "seoul-park-walk-77", "password2": "seoul-park-walk-77",
    })
    assert response.status_code == 302
    assert User.objects.get(username="minji").display_name == "민지"
    assert "민지" in client.get("/").content.decode()


@pytest.mark.parametrize("password", ["1234", "password", "minji"])
def test_weak_passwords_are_refused_with_a_message(client, password):
    response = client.post("/accounts/signup/", {
        "username": "minji", "email": "m@example.org", "password1": password, "password2": password,
    })
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not User.objects.filter(username="minji").exists()


def test_duplicate_email_is_refused(client):
    CitizenFactory(email="taken@example.org")
    response = client.post("/accounts/signup/", {
        "username": "other", "email": "Taken@example.org",
        "password1": "seoul-park-walk-77", "password2": "seoul-park-walk-77",
    })
    assert response.status_code == 200 and not User.objects.filter(username="other").exists()


def test_log_in_and_out(client):
    user = CitizenFactory()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_a_form_error(client):
    user = CitizenFactory()
    response = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()


def test_password_reset_by_email(client):
    user = CitizenFactory(email="reset@example.org")
    page = client.get("/accounts/password-reset/").content.decode()
    assert "비밀번호" in page and "Django" not in page  # our page, not the admin's
    client.post("/accounts/password-reset/", {"email": "reset@example.org"})
    assert len(mail.outbox) == 1
    assert "민주주의 서울" in mail.outbox[0].subject
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "new-seoul-river-88", "new_password2": "new-seoul-river-88"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("new-seoul-river-88")


def test_one_account_works_on_every_agency_site(client, agency, other_agency):
    user = CitizenFactory(display_name="한계정")
    client.force_login(user)
    for url in ("/", f"/a/{agency.slug}/", f"/a/{other_agency.slug}/"):
        assert "한계정" in client.get(url).content.decode()


def test_korean_by_default_and_english_on_request(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="ko">' in html and "로그인" in html  # the browser's language does not decide
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Log in" in html


SIGNUP = {"username": "minji", "email": "minji@example.org",
          "password1": "seoul-park-walk-77", "password2": "seoul-park-walk-77"}


def test_sign_up_returns_to_the_page_that_asked_for_an_account(client):
    # A visitor sent to log in from "propose" follows the sign-up link and comes back to the form.
    login_page = client.get("/accounts/login/?next=/a/sisul/proposals/new/").content.decode()
    assert 'href="/accounts/signup/?next=/a/sisul/proposals/new/"' in login_page
    response = client.post("/accounts/signup/?next=/a/sisul/proposals/new/", SIGNUP)
    assert response.status_code == 302 and response["Location"] == "/a/sisul/proposals/new/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_sign_up_never_redirects_to_another_site(client, target):
    response = client.post("/accounts/signup/", {**SIGNUP}, QUERY_STRING=f"next={target}")
    assert response.status_code == 302 and response["Location"] == "/"
