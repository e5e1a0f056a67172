"""Back-office actions on debates: publish / hide / unhide / trash / restore with their audit
entries, the list's tabs and filters, results published only after closing, similar
proposals, and who may do any of it (another agency's admin and citizens get 404)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deliberation.agencies.selectors import city
from deliberation.agencies.sites import site_reverse
from deliberation.audit.models import AuditEntry
from deliberation.debates import admin_services
from deliberation.debates.errors import InvalidDebate
from deliberation.debates.models import Ballot, Debate, Opinion, OpinionSupport
from deliberation.errors import PermissionDenied
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, given_proposal, platform_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def draft(agency, title="응원봉 금지", vote_type="pro_con", days=1, length=14, **kwargs):
    opens = timezone.now() + timedelta(days=days)
    if vote_type == "multiple_choice":
        kwargs.setdefault("choices", ["가", "나"])
    return admin_services.create_debate(actor=platform_admin(), agency=agency, vote_type=vote_type, title=title,
                                        opens_at=opens, closes_at=opens + timedelta(days=length), **kwargs)


def closed(agency, **kwargs):
    debate = draft(agency, days=-20, length=10, **kwargs)
    Debate.objects.filter(pk=debate.pk).update(is_published=True)
    debate.refresh_from_db()
    return debate


def test_actions_change_debates_and_leave_audit_entries(agency):
    admin = agency_admin(agency)
    debate = draft(agency)
    for action, check in [
        ("publish", lambda d: d.is_published and d.status == "scheduled"),
        ("hide", lambda d: d.is_hidden),
        ("unhide", lambda d: not d.is_hidden),
        ("trash", lambda d: d.trashed_at is not None),
        ("restore", lambda d: d.trashed_at is None),
    ]:
        assert admin_services.apply_debate_action(actor=admin, debate_ids=[debate.pk], action=action) == (1, 0)
        debate.refresh_from_db()
        assert check(debate), action
        entry = AuditEntry.objects.filter(action=f"debate.{action}", target_id=debate.pk).get()
        assert entry.actor == admin and entry.before != entry.after
    # Nothing to change is not a change, and leaves no entry.
    assert admin_services.apply_debate_action(actor=admin, debate_ids=[debate.pk], action="restore") == (0, 0)
    assert AuditEntry.objects.filter(action="debate.restore").count() == 1
    with pytest.raises(InvalidDebate):
        admin_services.apply_debate_action(actor=admin, debate_ids=[debate.pk], action="delete")


def test_another_agencys_debates_are_refused_and_counted(agency):
    other = AgencyFactory()
    mine, theirs = draft(agency, title="내 토론"), draft(other, title="남의 토론")
    admin = agency_admin(agency)
    assert admin_services.apply_debate_action(actor=admin, debate_ids=[mine.pk, theirs.pk], action="trash") == (1, 1)
    theirs.refresh_from_db()
    assert theirs.trashed_at is None
    # A vote that already closed is not published late.
    late = draft(agency, days=-20, length=10)
    assert admin_services.apply_debate_action(actor=admin, debate_ids=[late.pk], action="publish") == (0, 1)
    # The platform admin may act on any agency's debates.
    assert admin_services.apply_debate_action(actor=platform_admin(), debate_ids=[theirs.pk], action="hide") == (1, 0)


def test_the_list_has_tabs_filters_and_columns(client, agency):
    admin = agency_admin(agency)
    public = draft(agency, title="공개 토론")
    hidden = draft(agency, title="숨긴 토론")
    trashed = draft(agency, title="버린 토론")
    admin_services.apply_debate_action(actor=admin, debate_ids=[public.pk, hidden.pk], action="publish")
    admin_services.apply_debate_action(actor=admin, debate_ids=[hidden.pk], action="hide")
    admin_services.apply_debate_action(actor=admin, debate_ids=[trashed.pk], action="trash")
    discussion = draft(agency, title="토론형 토론", vote_type="discussion")
    writers = [CitizenFactory() for _ in range(2)]
    opinion = Opinion.objects.create(debate=discussion, author=writers[0], body="의견", support_count=2)
    Opinion.objects.create(debate=discussion, author=writers[1], body="다른 의견")
    OpinionSupport.objects.create(opinion=opinion, citizen=writers[1])  # a writer who also supports
    OpinionSupport.objects.create(opinion=opinion, citizen=CitizenFactory())
    Ballot.objects.create(debate=public, citizen=CitizenFactory(), option=public.options.first())
    public.similar_proposals.add(given_proposal(agency=agency))
    draft(AgencyFactory(), title="다른 기관 토론")

    client.force_login(admin)
    url = site_reverse(agency, "manage_debates")
    html = client.get(url).content.decode()
    assert "공개 토론" in html and "토론형 토론" in html
    assert "숨긴 토론" not in html and "버린 토론" not in html and "다른 기관 토론" not in html
    assert '<span class="bo-count">2</span>' in html  # public tab: the published one and the draft
    assert "숨긴 토론" in client.get(url, {"tab": "private"}).content.decode()
    assert "버린 토론" in client.get(url, {"tab": "trash"}).content.decode()
    filtered = client.get(url, {"vote_type": "discussion"}).content.decode()
    assert "토론형 토론" in filtered and "공개 토론" not in filtered
    filtered = client.get(url, {"state": "draft"}).content.decode()
    assert "토론형 토론" in filtered and "공개 토론" not in filtered
    filtered = client.get(url, {"q": "토론형"}).content.decode()
    assert "토론형 토론" in filtered and "공개 토론" not in filtered
    soon = (timezone.localdate() + timedelta(days=30)).isoformat()
    assert "공개 토론" not in client.get(url, {"period_from": soon}).content.decode()

    from deliberation.debates.admin_selectors import AdminFilters, admin_debates, with_participants
    rows = {d.title: d for d in with_participants(list(admin_debates(site=agency, filters=AdminFilters())))}
    assert rows["토론형 토론"].participants == 3  # two writers and one more supporter, each once
    assert rows["공개 토론"].participants == 1 and rows["공개 토론"].similar_count == 1


def test_bulk_actions_through_the_list(client, agency):
    admin = agency_admin(agency)
    debate = draft(agency)
    client.force_login(admin)
    response = client.post(site_reverse(agency, "manage_debate_bulk"), {"action": "publish", "debates": [debate.pk]})
    assert response.status_code == 302
    debate.refresh_from_db()
    assert debate.is_published


def test_results_are_published_only_after_the_vote_closed(client, agency):
    admin = agency_admin(agency)
    running = draft(agency, days=-1)
    admin_services.apply_debate_action(actor=admin, debate_ids=[running.pk], action="publish")
    with pytest.raises(InvalidDebate):
        admin_services.publish_results(actor=admin, debate_id=running.pk, result_text="검토하겠습니다")
    running.refresh_from_db()
    assert running.results_published_at is None and running.result_text == ""

    done = closed(agency)
    with pytest.raises(InvalidDebate) as caught:
        admin_services.publish_results(actor=admin, debate_id=done.pk, result_text="  ")
    assert "result_text" in caught.value.errors
    client.force_login(admin)
    url = site_reverse(agency, "manage_debate_result", pk=done.pk)
    assert client.get(url).status_code == 200
    assert client.post(url, {"result_text": "반대 의견을 반영해 금지합니다."}).status_code == 302
    done.refresh_from_db()
    assert done.status == "results_published" and done.result_text == "반대 의견을 반영해 금지합니다."
    assert AuditEntry.objects.filter(action="debate.results_published", target_id=done.pk).exists()
    first = done.results_published_at
    admin_services.publish_results(actor=admin, debate_id=done.pk, result_text="고친 답변")
    done.refresh_from_db()
    assert done.results_published_at == first and done.result_text == "고친 답변"


def test_similar_proposals_come_from_the_debates_site(client, agency):
    admin = agency_admin(agency)
    debate = draft(agency)
    own = given_proposal(agency=agency, title="우리 제안")
    elsewhere = given_proposal(agency=AgencyFactory(), title="남의 제안")
    with pytest.raises(InvalidDebate):
        admin_services.set_similar_proposals(actor=admin, debate_id=debate.pk, proposal_ids=[own.pk, elsewhere.pk])
    assert not debate.similar_proposals.exists()
    client.force_login(admin)
    url = site_reverse(agency, "manage_debate_similar", pk=debate.pk)
    assert "우리 제안" in client.get(url).content.decode()
    assert client.post(url, {"proposals": [own.pk]}).status_code == 302
    assert list(debate.similar_proposals.all()) == [own]
    assert client.post(url, {"proposals": [elsewhere.pk]}).status_code == 400
    assert list(debate.similar_proposals.all()) == [own]
    # The city's debates may link any agency's proposal (the city's site lists them all).
    city_debate = draft(city())
    admin_services.set_similar_proposals(actor=platform_admin(), debate_id=city_debate.pk, proposal_ids=[elsewhere.pk])
    assert list(city_debate.similar_proposals.all()) == [elsewhere]


def pages(agency, debate):
    return [
        ("get", site_reverse(agency, "manage_debates"), {}),
        ("get", site_reverse(agency, "manage_debates_export"), {}),
        ("get", site_reverse(agency, "manage_debate_create", vote_type="pro_con"), {}),
        ("get", site_reverse(agency, "manage_debate_edit", pk=debate.pk), {}),
        ("post", site_reverse(agency, "manage_debate_edit", pk=debate.pk), {"title": "탈취"}),
        ("get", site_reverse(agency, "manage_debate_result", pk=debate.pk), {}),
        ("get", site_reverse(agency, "manage_debate_results_export", pk=debate.pk), {}),
        ("post", site_reverse(agency, "manage_debate_result", pk=debate.pk), {"result_text": "탈취"}),
        ("get", site_reverse(agency, "manage_debate_similar", pk=debate.pk), {}),
        ("get", site_reverse(agency, "manage_debate_materials", pk=debate.pk), {}),
        ("post", site_reverse(agency, "manage_debate_materials", pk=debate.pk),
         {"kind": "text", "title": "탈취", "body": "탈취"}),
        ("post", site_reverse(agency, "manage_debate_bulk"), {"action": "trash", "debates": [debate.pk]}),
    ]


def test_citizens_and_other_agencies_admins_get_404_and_nothing_changes(client, agency):
    debate = closed(agency)
    other = AgencyFactory()
    audit_before = AuditEntry.objects.count()
    for user, site in [(CitizenFactory(), agency), (agency_admin(other), agency)]:
        client.force_login(user)
        for method, url, data in pages(site, debate):
            assert getattr(client, method)(url, data).status_code == 404, (url, method)
    # Another agency's admin on their own site does not reach this debate either.
    client.force_login(agency_admin(other))
    for name in ("manage_debate_edit", "manage_debate_result", "manage_debate_materials", "manage_debate_similar"):
        assert client.get(site_reverse(other, name, pk=debate.pk)).status_code == 404
    response = client.post(site_reverse(other, "manage_debate_bulk"), {"action": "trash", "debates": [debate.pk]})
    assert response.status_code == 302  # the pick is not in their list: an error message, no change
    debate.refresh_from_db()
    assert debate.trashed_at is None and debate.title == "응원봉 금지" and debate.result_text == ""
    assert not debate.materials.exists() and AuditEntry.objects.count() == audit_before
    with pytest.raises(PermissionDenied):
        admin_services.publish_results(actor=agency_admin(other), debate_id=debate.pk, result_text="탈취")
    client.logout()
    assert client.get(site_reverse(agency, "manage_debates")).status_code == 302  # to the login page


def test_the_platform_admin_may_use_every_page(client, agency):
    debate = closed(agency)
    client.force_login(platform_admin())
    for method, url, _data in pages(agency, debate):
        if method == "get":
            assert client.get(url).status_code == 200, url
    assert client.post(site_reverse(agency, "manage_debate_result", pk=debate.pk),
                       {"result_text": "답변"}).status_code == 302


def test_the_debates_admin_link_shows_for_the_agencys_admin_only(client, agency):
    url = site_reverse(agency, "manage_debates")
    client.force_login(CitizenFactory())
    assert url not in client.get(site_reverse(agency, "home")).content.decode()
    client.force_login(agency_admin(agency))
    assert url in client.get(site_reverse(agency, "home")).content.decode()


def test_the_list_costs_the_same_queries_whatever_its_length(client, agency):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin = agency_admin(agency)
    client.force_login(admin)
    url = site_reverse(agency, "manage_debates")
    draft(agency, vote_type="discussion")
    draft(agency)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(6):
        debate = draft(agency, title=f"토론 {i}", vote_type="discussion" if i % 2 else "multiple_choice")
        if i % 2:
            Opinion.objects.create(debate=debate, author=CitizenFactory(), body="의견")
        else:
            Ballot.objects.create(debate=debate, citizen=CitizenFactory())
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_result_page_shows_each_vote_types_results(client, agency):
    admin = agency_admin(agency)
    client.force_login(admin)
    discussion = closed(agency, vote_type="discussion")
    Opinion.objects.create(debate=discussion, author=CitizenFactory(), body="가장 공감받은 의견", support_count=1)
    research = closed(agency, vote_type="research", questions=[{"text": "몇 번 가셨나요?", "options": ["0", "1+"]}])
    html = client.get(site_reverse(agency, "manage_debate_result", pk=discussion.pk)).content.decode()
    assert "가장 공감받은 의견" in html and "1 support)" in html
    html = client.get(site_reverse(agency, "manage_debate_result", pk=research.pk)).content.decode()
    assert "Question 1: 몇 번 가셨나요?" in html


ANNOUNCED = []


def record_announcement(kind, *, agency_id, object_id):
    ANNOUNCED.append((kind, agency_id, object_id))


@pytest.fixture
def announcements(settings):
    from deliberation.announcements import _announcer

    settings.DELIBERATION_ANNOUNCER = f"{__name__}.record_announcement"
    _announcer.cache_clear()
    ANNOUNCED.clear()
    yield ANNOUNCED
    _announcer.cache_clear()


def test_changes_citizens_see_are_announced_after_commit_and_refusals_are_not(
        agency, announcements, django_capture_on_commit_callbacks):
    from deliberation.announcements import Kind

    admin = agency_admin(agency)
    debate = closed(agency)
    # The debate's own state and its site's list summary.
    expected = [(Kind.DEBATE_TALLY, agency.pk, debate.pk), (Kind.SITE_DEBATES, agency.pk, agency.pk),
                (Kind.FACILITATOR, agency.pk, debate.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(PermissionDenied):
            admin_services.publish_results(actor=agency_admin(AgencyFactory()), debate_id=debate.pk, result_text="x")
    assert announcements == []
    for change in (
        lambda: admin_services.publish_results(actor=admin, debate_id=debate.pk, result_text="답변"),
        lambda: admin_services.apply_debate_action(actor=admin, debate_ids=[debate.pk], action="hide"),
        lambda: admin_services.update_debate(actor=admin, debate_id=debate.pk, title="새 제목"),
        lambda: admin_services.add_material(actor=admin, debate_id=debate.pk, kind="text", title="배경", body="글"),
    ):
        announcements.clear()
        with django_capture_on_commit_callbacks(execute=True):
            change()
            assert announcements == []  # not before the commit
        assert announcements == expected
