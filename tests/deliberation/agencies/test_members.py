"""Members (회원관리): search and filter, roles, suspension on one site, activity of one site."""

import pytest

from deliberation.agencies.models import Membership, Role, Sanction
from deliberation.agencies.sanctions import Banned
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.comments.services import post_comment
from deliberation.debates import services as debates
from deliberation.debates.selectors import forget_ballot_box
from deliberation.proposals.services import support
from tests.factories import CitizenFactory, agency_admin, given_proposal, open_pro_con_debate, platform_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, agency):
    client.force_login(agency_admin(agency))
    return client


@pytest.fixture
def active_here(agency, other_agency):
    """kim took part here (2 proposals, a support, a ballot, a comment) and elsewhere; park only elsewhere."""
    kim = CitizenFactory(username="kim", display_name="김시민", email="kim@example.org")
    park = CitizenFactory(username="park", display_name="박시민", email="park@example.org")
    first = given_proposal(agency=agency, author=kim, title="김의 첫 제안")
    given_proposal(agency=agency, author=kim, title="김의 둘째 제안")
    given_proposal(agency=other_agency, author=kim, title="김의 다른 기관 제안")
    support(proposal_id=given_proposal(agency=agency).pk, citizen=kim)
    debate = open_pro_con_debate(agency=agency)
    forget_ballot_box()
    debates.cast_ballot(debate=debate, citizen=kim, option_id=debate.options.first().pk)
    post_comment(proposal=first, author=kim, body="덧붙입니다")
    given_proposal(agency=other_agency, author=park)
    return kim, park


def test_the_list_shows_who_took_part_here_and_searches_them(admin_client, agency, active_here):
    url = site_reverse(agency, "manage_members")
    html = admin_client.get(url).content.decode()
    assert ">kim<" in html and ">park<" not in html
    assert ">kim<" in admin_client.get(url, {"q": "김시민"}).content.decode()
    assert ">kim<" in admin_client.get(url, {"q": "kim@example"}).content.decode()
    assert ">kim<" not in admin_client.get(url, {"q": "nobody"}).content.decode()
    # Another site's participant is not found here even by name.
    assert ">park<" not in admin_client.get(url, {"q": "park"}).content.decode()


def test_the_role_filter(admin_client, agency, active_here):
    kim, _ = active_here
    mod = CitizenFactory(username="mod")
    Membership.objects.create(user=mod, agency=agency, role=Role.MODERATOR)
    url = site_reverse(agency, "manage_members")
    moderators = admin_client.get(url, {"role": "moderator"}).content.decode()
    assert ">mod<" in moderators and ">kim<" not in moderators
    citizens = admin_client.get(url, {"role": "citizen"}).content.decode()
    assert ">kim<" in citizens and ">mod<" not in citizens


def test_activity_counts_only_this_site(admin_client, agency, other_agency, active_here):
    kim, _ = active_here
    response = admin_client.get(site_reverse(agency, "manage_member", user_pk=kim.pk))
    activity = response.context["activity"]
    assert {k: v["count"] for k, v in activity.items()} == {
        "proposals": 2, "supports": 1, "ballots": 1, "comments": 1, "opinions": 0}
    html = response.content.decode()
    assert "김의 첫 제안" in html and "김의 다른 기관 제안" not in html


def test_a_member_of_another_site_only_is_not_found_here(admin_client, agency, active_here):
    _, park = active_here
    assert admin_client.get(site_reverse(agency, "manage_member", user_pk=park.pk)).status_code == 404


def test_suspend_and_restore_on_this_site_only(admin_client, agency, other_agency, active_here):
    kim, _ = active_here
    url = site_reverse(agency, "manage_member", user_pk=kim.pk)
    admin_client.post(url, {"action": "suspend", "reason": "반복된 광고", "days": ""})
    ban = Sanction.objects.get(agency=agency, user=kim, lifted_at__isnull=True)
    assert ban.kind == "ban" and ban.reason == "반복된 광고"
    here, elsewhere = given_proposal(agency=agency), given_proposal(agency=other_agency)
    with pytest.raises(Banned):
        support(proposal_id=here.pk, citizen=kim)
    support(proposal_id=elsewhere.pk, citizen=kim)  # another site is not affected
    assert "반복된 광고" in admin_client.get(url).content.decode()
    admin_client.post(url, {"action": "restore"})
    ban.refresh_from_db()
    assert ban.lifted_at is not None
    support(proposal_id=here.pk, citizen=kim)
    assert {"sanction.ban", "sanction.lifted"} <= set(AuditEntry.objects.filter(agency=agency).values_list("action", flat=True))


def test_roles_are_granted_and_revoked_from_the_member_page(admin_client, agency, other_agency, active_here):
    kim, _ = active_here
    url = site_reverse(agency, "manage_member", user_pk=kim.pk)
    admin_client.post(url, {"action": "grant", "role": "facilitator"})
    membership = Membership.objects.get(user=kim, agency=agency)
    assert membership.role == "facilitator" and not Membership.objects.filter(user=kim, agency=other_agency).exists()
    admin_client.post(url, {"action": "revoke", "membership": membership.pk})
    assert not Membership.objects.filter(user=kim).exists()


def test_platform_wide_suspension_is_for_the_platform_admin_only(client, agency, active_here):
    kim, _ = active_here
    url = site_reverse(agency, "manage_member", user_pk=kim.pk)
    client.force_login(agency_admin(agency))
    client.post(url, {"action": "suspend_account"})
    kim.refresh_from_db()
    assert kim.is_active
    client.force_login(platform_admin())
    client.post(url, {"action": "suspend_account"})
    kim.refresh_from_db()
    assert not kim.is_active
    client.post(url, {"action": "restore_account"})
    kim.refresh_from_db()
    assert kim.is_active
    assert list(AuditEntry.objects.filter(action__startswith="account.").order_by("id").values_list("action", flat=True)) == [
        "account.suspended", "account.restored"]


def test_another_agencys_admin_gets_not_found(client, agency, other_agency, active_here):
    kim, _ = active_here
    client.force_login(agency_admin(other_agency))
    assert client.get(site_reverse(agency, "manage_members")).status_code == 404
    assert client.post(site_reverse(agency, "manage_member", user_pk=kim.pk),
                       {"action": "suspend", "reason": "x"}).status_code == 404
    assert not Sanction.objects.exists()


def test_the_list_costs_a_fixed_number_of_queries(admin_client, agency, django_assert_max_num_queries):
    for _ in range(12):
        given_proposal(agency=agency)
    with django_assert_max_num_queries(14):
        admin_client.get(site_reverse(agency, "manage_members"))
