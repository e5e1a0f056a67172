"""Agency settings (환경설정): every setting shows on its own site at once, never on another's;
bad input is refused with a message and changes nothing; every change is audited."""


import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deliberation.agencies.contrast import contrast_with_white, darkened_to_pass
from deliberation.agencies.models import Agency, Department, HiddenTheme, Membership, Role, TaskCategory
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.proposals.models import Proposal, Theme
from tests.factories import CitizenFactory, agency_admin, given_proposal, officer

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def settings_post(agency, **overrides):
    data = {
        "name": agency.name, "site_title": "", "primary_colour": agency.primary_colour, "banner_text": "",
        "logo_alt": "", "support_period_days": 30, "answer_threshold": 50, "debate_threshold": 500,
        "review_deadline_days": 20,
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin_client(client, agency):
    client.force_login(agency_admin(agency))
    return client


# --- colour contrast ---------------------------------------------------------------------
@pytest.mark.parametrize("colour,ratio", [("#ffffff", 1.0), ("#000000", 21.0), ("#767676", 4.54), ("#1d4ed8", 6.70)])
def test_contrast_ratio_matches_wcag_reference_values(colour, ratio):
    assert contrast_with_white(colour) == pytest.approx(ratio, abs=0.01)


def test_a_suggested_colour_passes_and_is_the_lightest_that_does():
    suggestion = darkened_to_pass("#facc15")
    assert contrast_with_white(suggestion) >= 4.5
    assert suggestion != "#facc15" and contrast_with_white("#facc15") < 4.5


def test_a_low_contrast_colour_is_refused_with_the_ratio_and_a_suggestion(admin_client, agency):
    response = admin_client.post(site_reverse(agency, "manage_settings"), settings_post(agency, primary_colour="#facc15"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "1.53:1" in html and darkened_to_pass("#facc15") in html
    agency.refresh_from_db()
    assert agency.primary_colour == "#0f766e"
    assert not AuditEntry.objects.filter(agency=agency, action="settings.updated").exists()


# --- look: title, banner, logo, footer links ------------------------------------------------
def test_title_banner_colour_and_links_show_at_once_on_this_site_only(admin_client, agency, other_agency):
    response = admin_client.post(site_reverse(agency, "manage_settings"), settings_post(
        agency, site_title="공단이 묻습니다", primary_colour="#9d174d", banner_text="함께 만드는 공단",
        link_label_0="개인정보처리방침", link_url_0="https://example.org/privacy"))
    assert response.status_code == 302
    html = admin_client.get(site_reverse(agency, "home")).content.decode()
    assert "공단이 묻습니다" in html and "#9d174d" in html and "함께 만드는 공단" in html
    assert 'href="https://example.org/privacy"' in html and "개인정보처리방침" in html
    other = admin_client.get(site_reverse(other_agency, "home")).content.decode()
    assert "공단이 묻습니다" not in other and "#9d174d" not in other and "example.org/privacy" not in other
    entry = AuditEntry.objects.get(agency=agency, action="settings.updated")
    assert entry.after["primary_colour"] == "#9d174d" and entry.before["primary_colour"] == "#0f766e"
    assert entry.after["footer_links"] == [{"label": "개인정보처리방침", "url": "https://example.org/privacy"}]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "example.org", "data:text/html,hi"])
def test_a_footer_link_must_be_http_or_https(admin_client, agency, url):
    response = admin_client.post(site_reverse(agency, "manage_settings"),
                                 settings_post(agency, link_label_0="링크", link_url_0=url))
    assert response.status_code == 200 and "http://" in response.content.decode()
    agency.refresh_from_db()
    assert agency.footer_links == []


def test_a_logo_is_shown_in_the_header_with_its_description(admin_client, agency, other_agency, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = admin_client.post(site_reverse(agency, "manage_settings"),
                                 settings_post(agency, logo_alt="공단 로고", logo_file=logo))
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.logo.name.startswith("agency-logos/") and agency.logo.size == len(PNG)
    html = admin_client.get(site_reverse(agency, "home")).content.decode()
    assert f'src="{agency.logo.url}" alt="공단 로고"' in html
    assert agency.logo.url not in admin_client.get(site_reverse(other_agency, "home")).content.decode()


@pytest.mark.parametrize("name,content,alt,message", [
    ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "로고", "PNG, JPEG"),
    ("big.png", PNG + b"\x00" * (1024 * 1024), "로고", "1 MB"),
    ("logo.png", PNG, "", "Describe the logo"),
])
def test_a_bad_logo_is_refused(admin_client, agency, settings, tmp_path, name, content, alt, message):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(site_reverse(agency, "manage_settings"), settings_post(
        agency, logo_alt=alt, logo_file=SimpleUploadedFile(name, content)), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    agency.refresh_from_db()
    assert not agency.logo
    assert list(tmp_path.rglob("*")) == [] or not any(p.is_file() for p in tmp_path.rglob("*"))


# --- policy and task categories ---------------------------------------------------------
def test_a_site_offers_only_the_policy_categories_it_chose(admin_client, agency, other_agency):
    response = admin_client.post(site_reverse(agency, "manage_settings"),
                                 settings_post(agency, policy_categories=["transport", "housing"]))
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.policy_categories == ["transport", "housing"]
    form = admin_client.get(site_reverse(agency, "proposal_new")).content.decode()
    assert 'value="transport"' in form and 'value="housing"' in form and 'value="welfare"' not in form
    assert 'value="welfare"' in admin_client.get(site_reverse(other_agency, "proposal_new")).content.decode()
    before = Proposal.objects.count()
    refused = admin_client.post(site_reverse(agency, "proposal_new"), {
        "agency": agency.pk, "title": "복지 제안", "body": "본문입니다", "policy_category": "welfare"})
    assert refused.status_code == 400 and Proposal.objects.count() == before


def test_task_categories_are_per_agency_and_a_rename_relabels_only_this_agencys_proposals(admin_client, agency, other_agency):
    url = site_reverse(agency, "manage_settings_categories")
    admin_client.post(url, {"action": "add", "name": "시설관리"})
    category = TaskCategory.objects.get(agency=agency)
    mine = given_proposal(agency=agency)
    theirs = given_proposal(agency=other_agency)
    Proposal.objects.filter(pk__in=[mine.pk, theirs.pk]).update(task_category="시설관리")
    TaskCategory.objects.create(agency=other_agency, name="시설관리")
    admin_client.post(url, {"action": "rename", "id": category.pk, "name": "시설운영"})
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert (mine.task_category, theirs.task_category) == ("시설운영", "시설관리")
    assert "시설운영" in admin_client.get(url).content.decode()
    # Another agency's category id through this site: not found, nothing changes.
    foreign = TaskCategory.objects.get(agency=other_agency)
    assert admin_client.post(url, {"action": "remove", "id": foreign.pk}).status_code == 404
    assert TaskCategory.objects.filter(pk=foreign.pk).exists()
    admin_client.post(url, {"action": "remove", "id": category.pk})
    assert not TaskCategory.objects.filter(agency=agency).exists()
    actions = list(AuditEntry.objects.filter(agency=agency, action__startswith="task_category").values_list("action", flat=True))
    assert sorted(actions) == ["task_category.added", "task_category.removed", "task_category.renamed"]


# --- departments and officers -------------------------------------------------------------
def test_departments_are_added_renamed_removed_and_officers_granted_and_revoked(admin_client, agency):
    url = site_reverse(agency, "manage_settings_departments")
    admin_client.post(url, {"action": "add", "name": "시설안전처"})
    department = Department.objects.get(agency=agency, name="시설안전처")
    person = CitizenFactory(username="officer-kim")
    admin_client.post(url, {"action": "grant_officer", "id": department.pk, "username": "officer-kim"})
    membership = Membership.objects.get(user=person, agency=agency, role=Role.OFFICER)
    assert membership.department_id == department.pk
    assert "officer-kim" in admin_client.get(url).content.decode()
    admin_client.post(url, {"action": "rename", "id": department.pk, "name": "안전관리처"})
    department.refresh_from_db()
    assert department.name == "안전관리처"
    admin_client.post(url, {"action": "revoke", "membership": membership.pk})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    admin_client.post(url, {"action": "remove", "id": department.pk})
    assert not Department.objects.filter(pk=department.pk).exists()
    assert AuditEntry.objects.filter(agency=agency, action__startswith="department.").count() == 3
    assert AuditEntry.objects.filter(agency=agency, action__in=["role.granted.officer", "role.revoked.officer"]).count() == 2


def test_an_unknown_username_or_another_agencys_department_is_refused(admin_client, agency, other_agency):
    url = site_reverse(agency, "manage_settings_departments")
    foreign = Department.objects.create(agency=other_agency, name="남의 부서")
    CitizenFactory(username="someone")
    assert admin_client.post(url, {"action": "grant_officer", "id": foreign.pk, "username": "someone"}).status_code == 404
    assert admin_client.post(url, {"action": "rename", "id": foreign.pk, "name": "x"}).status_code == 404
    mine = Department.objects.create(agency=agency, name="내 부서")
    admin_client.post(url, {"action": "grant_officer", "id": mine.pk, "username": "nobody-here"})
    assert not Membership.objects.filter(agency=agency, role=Role.OFFICER).exists()
    foreign.refresh_from_db()
    assert foreign.name == "남의 부서"


def test_a_department_with_answers_stays(admin_client, agency):
    from tests.factories import given_proposal_in_review
    from deliberation.proposals.admin_services import assign_lead_department, submit_answer

    department = Department.objects.create(agency=agency, name="답변부서")
    proposal = given_proposal_in_review(agency=agency)
    admin = Membership.objects.get(agency=agency, role=Role.ADMIN).user
    assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=department.pk)
    submit_answer(actor=officer(agency, department), review_id=proposal.review.pk, decision="accept", body="수용합니다")
    admin_client.post(site_reverse(agency, "manage_settings_departments"), {"action": "remove", "id": department.pk})
    assert Department.objects.filter(pk=department.pk).exists()


# --- staff roles ----------------------------------------------------------------------------
def test_facilitators_and_moderators_are_granted_and_revoked_by_username(admin_client, agency, other_agency):
    url = site_reverse(agency, "manage_settings_staff")
    person = CitizenFactory(username="mod-lee")
    admin_client.post(url, {"action": "grant", "username": "mod-lee", "role": "moderator"})
    admin_client.post(url, {"action": "grant", "username": "mod-lee", "role": "facilitator"})
    assert set(Membership.objects.filter(user=person, agency=agency).values_list("role", flat=True)) == {"moderator", "facilitator"}
    assert not Membership.objects.filter(user=person, agency=other_agency).exists()
    moderator = Membership.objects.get(user=person, agency=agency, role="moderator")
    admin_client.post(url, {"action": "revoke", "membership": moderator.pk})
    assert list(Membership.objects.filter(user=person, agency=agency).values_list("role", flat=True)) == ["facilitator"]
    foreign = Membership.objects.create(user=person, agency=other_agency, role="moderator")
    assert admin_client.post(url, {"action": "revoke", "membership": foreign.pk}).status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_an_admin_cannot_take_away_their_own_admin_role(client, agency):
    admin = agency_admin(agency)
    client.force_login(admin)
    own = Membership.objects.get(user=admin, agency=agency, role="admin")
    client.post(site_reverse(agency, "manage_settings_staff"), {"action": "revoke", "membership": own.pk})
    assert Membership.objects.filter(pk=own.pk).exists()


# --- themes -------------------------------------------------------------------------------
def test_hiding_a_theme_hides_it_on_this_site_only(admin_client, agency, other_agency):
    given_proposal(agency=agency, themes="#자전거도로")
    given_proposal(agency=other_agency, themes="#자전거도로")
    theme = Theme.objects.get(name="자전거도로")
    admin_client.post(site_reverse(agency, "manage_settings_themes"), {"action": "hide", "id": theme.pk})
    assert HiddenTheme.objects.filter(agency=agency, theme=theme).count() == 1
    assert "#자전거도로" not in admin_client.get(site_reverse(agency, "proposal_list")).content.decode()
    assert "#자전거도로" in admin_client.get(site_reverse(other_agency, "proposal_list")).content.decode()
    admin_client.post(site_reverse(agency, "manage_settings_themes"), {"action": "show", "id": theme.pk})
    assert "#자전거도로" in admin_client.get(site_reverse(agency, "proposal_list")).content.decode()


def test_merging_themes_moves_this_sites_proposals_only(admin_client, agency, other_agency):
    a = given_proposal(agency=agency, themes="#자전거 #자전거도로")
    b = given_proposal(agency=agency, themes="#자전거")
    c = given_proposal(agency=other_agency, themes="#자전거")
    source, target = Theme.objects.get(name="자전거"), Theme.objects.get(name="자전거도로")
    admin_client.post(site_reverse(agency, "manage_settings_themes"),
                      {"action": "merge", "source": source.pk, "target": target.pk})
    assert sorted(t.name for t in a.themes.all()) == ["자전거도로"]
    assert [t.name for t in b.themes.all()] == ["자전거도로"]
    assert [t.name for t in c.themes.all()] == ["자전거"]
    entry = AuditEntry.objects.get(agency=agency, action="theme.merged")
    assert entry.after == {"into": "자전거도로", "proposals": 2}


def test_a_theme_used_only_elsewhere_is_not_found_here(admin_client, agency, other_agency):
    given_proposal(agency=other_agency, themes="#남의테마")
    theme = Theme.objects.get(name="남의테마")
    response = admin_client.post(site_reverse(agency, "manage_settings_themes"), {"action": "hide", "id": theme.pk})
    assert response.status_code == 404 and not HiddenTheme.objects.exists()


# --- isolation ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["manage_settings", "manage_settings_categories", "manage_settings_departments",
                                  "manage_settings_themes", "manage_settings_staff"])
def test_another_agencys_admin_gets_not_found_and_changes_nothing(client, agency, other_agency, name):
    client.force_login(agency_admin(other_agency))
    url = site_reverse(agency, name)
    assert client.get(url).status_code == 404
    before = (Agency.objects.get(pk=agency.pk).name, AuditEntry.objects.count(), Department.objects.count())
    assert client.post(url, {**settings_post(agency, name="탈취"), "action": "add"}).status_code == 404
    assert (Agency.objects.get(pk=agency.pk).name, AuditEntry.objects.count(), Department.objects.count()) == before
