"""The rules of execution tracking, through the services: what may be tracked, by whom, the
timeline and its order, materials, following, the counter, and the audit trail."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deliberation.agencies.services import add_department
from deliberation.audit.models import AuditEntry
from deliberation.debates.models import Ballot, Opinion
from deliberation.errors import NotFound, PermissionDenied
from deliberation.executions import services
from deliberation.executions.errors import ExecutionErrorCode
from deliberation.executions.models import ExecutionFollow, ExecutionItem, ExecutionUpdate
from deliberation.executions.selectors import executions_count, status_history, timeline
from deliberation.proposals import admin_services as proposal_admin
from deliberation.proposals.models import Support
from tests.factories import AgencyFactory, CitizenFactory, agency_admin, given_proposal_in_review, officer

from .helpers import adopted_proposal, closed_debate, item_for

pytestmark = pytest.mark.django_db


def codes(exc_info):
    return str(exc_info.value.code)


# --- what may be tracked -----------------------------------------------------------------------
def test_an_adopted_proposal_becomes_an_item_with_its_first_timeline_entry_and_an_audit_entry(agency):
    admin = agency_admin(agency)
    proposal, department = adopted_proposal(agency, admin=admin)
    item = services.create_item(actor=admin, proposal_id=proposal.pk, department_id=department.pk,
                                title=" 야간 조명 <b>설치</b> ", summary="계획", note="착수 회의 예정")
    assert (item.agency, item.proposal, item.debate, item.department) == (agency, proposal, None, department)
    assert item.title == "야간 조명 설치" and item.status == "planned"
    [entry] = timeline(item=item)
    assert (entry.status_from, entry.status_to, entry.body) == ("", "planned", "착수 회의 예정")
    audit = AuditEntry.objects.get(action="execution.created")
    assert (audit.agency, audit.actor, audit.target_id) == (agency, admin, item.pk)
    assert audit.after["proposal"] == proposal.pk and audit.after["execution_status"] == "planned"


def test_a_partial_accept_and_an_adopted_review_result_count_as_adopted(agency):
    admin = agency_admin(agency)
    partial, department = adopted_proposal(agency, admin=admin, decision="partial")
    assert services.create_item(actor=admin, proposal_id=partial.pk, department_id=department.pk, title="부분")
    rejected, department = adopted_proposal(agency, admin=admin, decision="reject")
    with pytest.raises(Exception) as refused:
        services.create_item(actor=admin, proposal_id=rejected.pk, department_id=department.pk, title="거절")
    assert codes(refused) == ExecutionErrorCode.NOT_ADOPTED
    proposal_admin.set_review_result(actor=admin, review_id=rejected.review.pk, result="adopted", is_decided=True)
    assert services.create_item(actor=admin, proposal_id=rejected.pk, department_id=department.pk, title="심사채택")
    assert ExecutionItem.objects.count() == 2


def test_a_proposal_in_review_without_an_approved_answer_is_not_adopted(agency):
    admin = agency_admin(agency)
    department = add_department(agency=agency, name="교통과")
    proposal = given_proposal_in_review(agency=agency)
    proposal_admin.assign_lead_department(actor=admin, review_id=proposal.review.pk, department_id=department.pk)
    proposal_admin.submit_answer(actor=officer(agency, department), review_id=proposal.review.pk,
                                 body="수용", decision="accept")  # waiting for approval
    with pytest.raises(Exception) as refused:
        services.create_item(actor=admin, proposal_id=proposal.pk, department_id=department.pk, title="x")
    assert codes(refused) == ExecutionErrorCode.NOT_ADOPTED
    assert ExecutionItem.objects.count() == 0


def test_a_debate_is_tracked_only_once_its_results_are_published(agency):
    admin = agency_admin(agency)
    department = add_department(agency=agency, name="체육시설팀")
    closed = closed_debate(agency, admin=admin, publish_results=False)
    with pytest.raises(Exception) as refused:
        services.create_item(actor=admin, debate_id=closed.pk, department_id=department.pk, title="응원봉")
    assert codes(refused) == ExecutionErrorCode.NOT_ADOPTED
    published = closed_debate(agency, admin=admin)
    item = services.create_item(actor=admin, debate_id=published.pk, department_id=department.pk, title="응원봉")
    assert item.debate == published and item.proposal is None


def test_one_item_per_source_and_exactly_one_source(agency):
    admin = agency_admin(agency)
    proposal, department = adopted_proposal(agency, admin=admin)
    first = services.create_item(actor=admin, proposal_id=proposal.pk, department_id=department.pk, title="첫째")
    with pytest.raises(Exception) as again:
        services.create_item(actor=admin, proposal_id=proposal.pk, department_id=department.pk, title="둘째")
    assert codes(again) == ExecutionErrorCode.ALREADY_TRACKED and again.value.item_id == first.pk
    debate = closed_debate(agency, admin=admin)
    with pytest.raises(Exception) as both:
        services.create_item(actor=admin, proposal_id=proposal.pk, debate_id=debate.pk,
                             department_id=department.pk, title="둘 다")
    assert codes(both) == ExecutionErrorCode.INVALID
    assert ExecutionItem.objects.count() == 1


def test_the_department_must_be_the_source_agencys_and_the_input_is_checked_whole(agency, other_agency):
    admin = agency_admin(agency)
    proposal, _department = adopted_proposal(agency, admin=admin)
    foreign = add_department(agency=other_agency, name="남의 부서")
    with pytest.raises(Exception) as refused:
        services.create_item(actor=admin, proposal_id=proposal.pk, department_id=foreign.pk, title="",
                             status="finished")
    assert codes(refused) == ExecutionErrorCode.INVALID
    assert set(refused.value.errors) == {"department", "title", "status"}
    assert ExecutionItem.objects.count() == 0 and ExecutionUpdate.objects.count() == 0


def test_another_agencys_admin_cannot_track_or_touch_an_item(agency, other_agency):
    proposal, department = adopted_proposal(agency)
    stranger_admin = agency_admin(other_agency)
    with pytest.raises(PermissionDenied):
        services.create_item(actor=stranger_admin, proposal_id=proposal.pk, department_id=department.pk, title="x")
    item = item_for(agency)
    with pytest.raises(PermissionDenied):
        services.post_update(actor=stranger_admin, item_id=item.pk, body="남의 기관")
    with pytest.raises(PermissionDenied):
        services.edit_item(actor=stranger_admin, item_id=item.pk, title="x", summary="", department_id=department.pk,
                           is_public=False)
    assert services.apply_visibility(actor=stranger_admin, agency=other_agency, item_ids=[item.pk],
                                     action="make_hidden") == 0
    item.refresh_from_db()
    assert item.is_public and item.title == "야간 조명 설치" and item.updates.count() == 1


# --- the timeline ----------------------------------------------------------------------------------
def test_status_changes_are_dated_entries_in_order_each_audited(agency):
    admin = agency_admin(agency)
    today = timezone.localdate()
    item = item_for(agency, admin=admin)
    ExecutionItem.objects.filter(pk=item.pk).update(status_changed_on=today - timedelta(days=30))
    ExecutionUpdate.objects.filter(item=item).update(happened_on=today - timedelta(days=30))
    services.post_update(actor=admin, item_id=item.pk, body="착공", status="in_progress",
                         happened_on=today - timedelta(days=10))
    services.post_update(actor=admin, item_id=item.pk, body="지난주 주민 설명회", happened_on=today - timedelta(days=20))
    services.post_update(actor=admin, item_id=item.pk, body="준공", status="done", happened_on=today)
    entries = list(timeline(item=item))
    assert entries[0].status_to == "planned"  # the entry written when the item was created
    assert [e.body for e in entries[1:]] == ["지난주 주민 설명회", "착공", "준공"]
    assert [(e.status_from, e.status_to) for e in status_history(item=item)] == [
        ("", "planned"), ("planned", "in_progress"), ("in_progress", "done")]
    item.refresh_from_db()
    assert (item.status, item.status_changed_on) == ("done", today)
    actions = list(AuditEntry.objects.filter(target_id=item.pk, target_type="executionitem")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["execution.created", "execution.status_changed", "execution.updated",
                       "execution.status_changed"]
    last = AuditEntry.objects.filter(action="execution.status_changed").order_by("id").last()
    assert last.before["execution_status"] == "in_progress" and last.after["execution_status"] == "done"


def test_an_update_cannot_be_dated_in_the_future_nor_a_status_change_before_the_last(agency):
    admin = agency_admin(agency)
    item = item_for(agency, admin=admin)
    today = timezone.localdate()
    with pytest.raises(Exception) as future:
        services.post_update(actor=admin, item_id=item.pk, body="내일", happened_on=today + timedelta(days=1))
    assert codes(future) == ExecutionErrorCode.INVALID and "happened_on" in future.value.errors
    with pytest.raises(Exception) as backdated:
        services.post_update(actor=admin, item_id=item.pk, body="예전", status="in_progress",
                             happened_on=today - timedelta(days=1))
    assert "happened_on" in backdated.value.errors
    with pytest.raises(Exception) as same:
        services.post_update(actor=admin, item_id=item.pk, body="그대로", status="planned")
    assert "status" in same.value.errors
    with pytest.raises(Exception) as empty:
        services.post_update(actor=admin, item_id=item.pk, body="  <p></p> ")
    assert "body" in empty.value.errors
    assert item.updates.count() == 1
    assert not AuditEntry.objects.filter(action__in=["execution.updated", "execution.status_changed"]).exists()


def test_an_officer_posts_updates_only_on_their_departments_items(agency):
    admin = agency_admin(agency)
    item = item_for(agency, admin=admin)
    own = officer(agency, item.department)
    other = officer(agency, add_department(agency=agency, name="다른 부서"))
    update = services.post_update(actor=own, item_id=item.pk, body="부서 진행 상황", status="in_progress")
    assert (update.posted_by, update.department, update.status_to) == (own, item.department, "in_progress")
    with pytest.raises(PermissionDenied):
        services.post_update(actor=other, item_id=item.pk, body="남의 부서")
    with pytest.raises(PermissionDenied):
        services.edit_item(actor=own, item_id=item.pk, title="바꿈", summary="", department_id=item.department_id,
                           is_public=True)
    with pytest.raises(PermissionDenied):
        services.add_material(actor=own, item_id=item.pk, kind="link", title="자료", url="https://example.org")
    assert item.updates.count() == 2


# --- materials -------------------------------------------------------------------------------------
def test_materials_take_documents_notes_and_links_only(agency, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = agency_admin(agency)
    item = item_for(agency, admin=admin)
    for name, size, field in (("evil.html", 10, "file"), ("big.pdf", 10 * 1024 * 1024 + 1, "file")):
        with pytest.raises(Exception) as refused:
            services.add_material(actor=admin, item_id=item.pk, kind="file", title="자료",
                                  file=SimpleUploadedFile(name, b"x" * size))
        assert field in refused.value.errors
    with pytest.raises(Exception) as bad_link:
        services.add_material(actor=admin, item_id=item.pk, kind="link", title="링크", url="javascript:alert(1)")
    assert "url" in bad_link.value.errors
    pdf = services.add_material(actor=admin, item_id=item.pk, kind="file", title="회의 자료",
                                file=SimpleUploadedFile("minutes.PDF", b"%PDF-1.4"))
    notes = services.add_material(actor=admin, item_id=item.pk, kind="notes", title="1차 회의록",
                                  body="<script>x</script>참석 5명", meeting_on=timezone.localdate())
    assert notes.body == "참석 5명" and pdf.file.name.endswith(".PDF")
    services.remove_material(actor=admin, item_id=item.pk, material_id=pdf.pk)
    assert list(item.materials.values_list("title", flat=True)) == ["1차 회의록"]
    assert list(AuditEntry.objects.filter(action__startswith="execution.material").order_by("id")
                .values_list("action", flat=True)) == ["execution.material_added"] * 2 + ["execution.material_removed"]


# --- following -------------------------------------------------------------------------------------
def test_a_supporter_follows_once_and_a_stranger_cannot(agency):
    item = item_for(agency)
    supporter = Support.objects.get(proposal=item.proposal).citizen
    follow = services.follow(item=item, citizen=supporter)
    assert (follow.item, follow.citizen) == (item, supporter)
    with pytest.raises(Exception) as twice:
        services.follow(item=item, citizen=supporter)
    assert codes(twice) == ExecutionErrorCode.ALREADY_FOLLOWING
    with pytest.raises(Exception) as stranger:
        services.follow(item=item, citizen=CitizenFactory())
    assert codes(stranger) == ExecutionErrorCode.MAY_NOT_FOLLOW
    assert ExecutionFollow.objects.filter(item=item).count() == 1
    services.unfollow(item=item, citizen=supporter)
    assert ExecutionFollow.objects.count() == 0


def test_voters_and_opinion_authors_follow_a_debates_item_and_a_hidden_item_is_not_found(agency):
    admin = agency_admin(agency)
    department = add_department(agency=agency, name="체육시설팀")
    debate = closed_debate(agency, admin=admin)
    item = services.create_item(actor=admin, debate_id=debate.pk, department_id=department.pk, title="금지 시행")
    voter, author = CitizenFactory(), CitizenFactory()
    Ballot.objects.create(debate=debate, citizen=voter, option=debate.options.first())
    Opinion.objects.create(debate=debate, author=author, body="찬성합니다")
    services.follow(item=item, citizen=voter)
    services.follow(item=item, citizen=author)
    assert item.follows.count() == 2
    services.apply_visibility(actor=admin, agency=agency, item_ids=[item.pk], action="make_hidden")
    item.refresh_from_db()
    with pytest.raises(NotFound):
        services.follow(item=item, citizen=voter)


# --- the home-page counter -----------------------------------------------------------------------
def test_executions_count_follows_the_cross_listing_rule_and_the_date(agency, other_agency):
    from deliberation.agencies.selectors import city

    item_for(agency, title="A1")
    old = item_for(agency, title="A2 old")
    ExecutionItem.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=800))
    item_for(agency, title="A3 hidden", is_public=False)
    item_for(other_agency, title="B1")
    since = timezone.now() - timedelta(days=730)
    assert executions_count(agency, since) == 1
    assert executions_count(other_agency, since) == 1
    assert executions_count(city(), since) == 2
    assert executions_count(city(), timezone.now() - timedelta(days=900)) == 3
    assert executions_count(AgencyFactory(), since) == 0
