"""Public reads: the cross-listing rule, filters, pagination, and nothing hidden ever shown."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deliberation.agencies.models import Agency, Department
from deliberation.agencies.selectors import city
from deliberation.comments.models import Comment
from deliberation.debates.models import Debate, TallyVisibility
from deliberation.debates.services import cast_ballot
from deliberation.proposals.models import AnswerStatus, DepartmentAnswer, Proposal, Review
from tests.factories import CitizenFactory, given_proposal, open_pro_con_debate

from .conftest import Api

pytestmark = pytest.mark.django_db


def ids(reply):
    assert reply.status_code == 200, reply.content
    return [item["id"] for item in reply.json()["items"]]


def test_agencies_list_the_city_first(agency):
    Agency.objects.create(slug="closed-one", name="닫힌 기관", is_active=False)
    items = Api().get("/agencies").json()["items"]
    assert items[0]["is_city"] and items[0]["slug"] == "seoul"
    assert [a["slug"] for a in items[1:]] == [agency.slug]
    assert Api().get(f"/agencies/{agency.slug}").json()["url"] == f"/a/{agency.slug}/"
    assert Api().get("/agencies/closed-one").status_code == 404


def test_cross_listing_agency_proposals_on_their_site_and_the_citys_archive(agency, other_agency):
    citys = given_proposal(agency=city())
    agencys = given_proposal(agency=agency)
    others = given_proposal(agency=other_agency)
    assert ids(Api().get("/proposals", {"site": agency.slug})) == [agencys.pk]
    archive = Api().get("/proposals").json()["items"]
    assert [p["id"] for p in archive] == [others.pk, agencys.pk, citys.pk]
    assert {p["agency"] for p in archive} == {"seoul", agency.slug, other_agency.slug}
    assert ids(Api().get("/proposals", {"agency": agency.slug})) == [agencys.pk]
    assert Api().get("/proposals", {"site": "no-such-agency"}).status_code == 404


def test_private_trashed_and_withdrawn_proposals_never_show(agency):
    shown = given_proposal(agency=agency)
    private = given_proposal(agency=agency)
    trashed = given_proposal(agency=agency)
    Proposal.objects.filter(pk=private.pk).update(is_public=False)
    Proposal.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())
    assert ids(Api().get("/proposals")) == [shown.pk]
    for hidden in (private, trashed):
        assert Api().get(f"/proposals/{hidden.pk}").json()["error"]["code"] == "not_found"
        assert Api().get(f"/proposals/{hidden.pk}/comments").status_code == 404


def test_filters_by_phase_category_and_text(agency):
    now = timezone.now()
    open_one = given_proposal(agency=agency, title="버스 노선 신설", policy_category="transport")
    failed = given_proposal(agency=agency, title="공원 조성", policy_category="environment")
    closed = given_proposal(agency=agency, title="도서관 연장 운영", policy_category="welfare")
    Proposal.objects.filter(pk=failed.pk).update(closes_at=now - timedelta(days=1))
    Proposal.objects.filter(pk=closed.pk).update(closes_at=now - timedelta(days=1), review_started_at=now - timedelta(days=3))
    assert ids(Api().get("/proposals", {"phase": "open"})) == [open_one.pk]
    assert ids(Api().get("/proposals", {"phase": "failed"})) == [failed.pk]
    assert ids(Api().get("/proposals", {"phase": "closed"})) == [closed.pk]
    assert ids(Api().get("/proposals", {"category": "transport"})) == [open_one.pk]
    assert ids(Api().get("/proposals", {"q": "도서관"})) == [closed.pk]
    phases = {p["id"]: p["phase"] for p in Api().get("/proposals").json()["items"]}
    assert phases == {open_one.pk: "open", failed.pk: "failed", closed.pk: "closed"}


def test_pagination_and_a_fixed_number_of_queries(agency):
    for n in range(5):
        given_proposal(agency=agency, title=f"제안 {n}", themes="#교통")
    first = Api().get("/proposals", {"limit": 2}).json()
    second = Api().get("/proposals", {"limit": 2, "offset": 2}).json()
    assert first["count"] == 5 and len(first["items"]) == 2 and second["offset"] == 2
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in second["items"]}
    assert Api().get("/proposals", {"limit": 101}).status_code == 422
    api = Api()
    api.get("/proposals", {"limit": 2})
    with CaptureQueriesContext(connection) as few:
        api.get("/proposals", {"limit": 2})
    with CaptureQueriesContext(connection) as many:
        api.get("/proposals", {"limit": 5})
    assert len(many) == len(few)


def test_comments_visible_only_and_answers_approved_only(agency):
    proposal = given_proposal(agency=agency)
    author = CitizenFactory()
    shown = Comment.objects.create(proposal=proposal, author=author, body="좋은 제안입니다")
    Comment.objects.create(proposal=proposal, author=author, body="숨김", hidden_at=timezone.now())
    Comment.objects.create(proposal=proposal, author=author, body="대기", held_at=timezone.now())
    Comment.objects.create(proposal=proposal, author=author, body="", deleted_at=timezone.now())
    assert ids(Api().get(f"/proposals/{proposal.pk}/comments")) == [shown.pk]
    review = Review.objects.create(proposal=proposal, started_at=timezone.now(), deadline=timezone.now())
    department = Department.objects.create(agency=agency, name="교통과")
    approved = DepartmentAnswer.objects.create(review=review, department=department, body="수용합니다", decision="accept",
                                               written_by=author, status=AnswerStatus.APPROVED, decided_at=timezone.now())
    DepartmentAnswer.objects.create(review=review, department=department, body="초안", decision="reject", written_by=author)
    answers = Api().get(f"/proposals/{proposal.pk}/answers").json()
    assert [a["id"] for a in answers] == [approved.pk] and answers[0]["department"] == "교통과"


def test_debates_never_show_drafts_hidden_or_trashed(agency):
    shown = open_pro_con_debate(agency=agency)
    open_pro_con_debate(agency=agency, publish=False)
    hidden = open_pro_con_debate(agency=agency)
    trashed = open_pro_con_debate(agency=agency)
    Debate.objects.filter(pk=hidden.pk).update(is_hidden=True)
    Debate.objects.filter(pk=trashed.pk).update(trashed_at=timezone.now())
    assert ids(Api().get("/debates", {"site": agency.slug})) == [shown.pk]
    assert ids(Api().get("/debates")) == []  # the city's own debates only: not cross-listed
    for pk in (hidden.pk, trashed.pk):
        assert Api().get(f"/debates/{pk}").status_code == 404
        assert Api().get(f"/debates/{pk}/comments").status_code == 404


def test_a_hidden_tally_is_null_until_results_are_published(agency):
    debate = open_pro_con_debate(agency=agency)
    Debate.objects.filter(pk=debate.pk).update(tally_visibility=TallyVisibility.AFTER_RESULTS)
    option = debate.options.first()
    cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=option.pk)
    tally = Api().get(f"/debates/{debate.pk}").json()["tally"]
    assert tally["visible"] is False and tally["total"] is None
    assert {o["count"] for o in tally["options"]} == {None}
    now = timezone.now()
    Debate.objects.filter(pk=debate.pk).update(opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1),
                                                results_published_at=now, result_text="검토 후 반영하겠습니다.")
    data = Api().get(f"/debates/{debate.pk}").json()
    assert data["status"] == "results_published" and data["result"] == "검토 후 반영하겠습니다."
    assert data["tally"]["visible"] and data["tally"]["total"] == 1
    assert {o["id"]: o["count"] for o in data["tally"]["options"]}[option.pk] == 1
    assert ids(Api().get("/debates", {"site": agency.slug, "state": "results_published"})) == [debate.pk]


def test_a_live_tally_shows_counts_and_no_result_before_publication(agency):
    debate = open_pro_con_debate(agency=agency)
    option = debate.options.first()
    cast_ballot(debate=debate, citizen=CitizenFactory(), option_id=option.pk)
    data = Api().get(f"/debates/{debate.pk}").json()
    assert data["status"] == "in_progress" and data["result"] is None
    assert data["tally"]["visible"] and data["tally"]["total"] == 1


def test_docs_page_and_schema(anonymous_api):
    docs = anonymous_api.client.get("/api/v1/docs")
    assert docs.status_code == 200
    page = docs.content.decode()  # Swagger UI from ninja's own static files: no CDN, works offline
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page
    schema = anonymous_api.client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"400", "404", "422", "429"} <= declared, (method, path)
            if path.startswith("/api/v1/partner/"):
                assert {"401", "403"} <= declared and operation.get("security"), (method, path)
                if method == "post":
                    assert "409" in declared


def test_executions_public_items_with_their_timeline_cross_listed_to_the_city(agency, other_agency):
    from deliberation.agencies.services import add_department
    from deliberation.executions.models import ExecutionItem, ExecutionUpdate
    from tests.factories import agency_admin

    def item(site, **fields):
        admin, department = agency_admin(site), add_department(agency=site, name="담당과")
        made = ExecutionItem.objects.create(
            agency=site, title=fields.pop("title", "실행 과제"), debate=open_pro_con_debate(agency=site),
            department=department, created_by=admin, **fields)
        for body, status in (("계획 수립", "planned"), ("공사 시작", "in_progress")):
            ExecutionUpdate.objects.create(item=made, body=body, status_to=status, posted_by=admin,
                                           department=department)
        return made

    ours = item(agency, status="in_progress")
    hidden = item(agency, is_public=False, title="비공개 과제")
    theirs = item(other_agency, status="done")
    assert set(ids(Api().get("/executions"))) == {ours.pk, theirs.pk}  # the city's board: every agency's
    assert ids(Api().get("/executions", {"site": agency.slug})) == [ours.pk]
    assert ids(Api().get("/executions", {"status": "done"})) == [theirs.pk]
    detail = Api().get(f"/executions/{ours.pk}").json()
    assert detail["agency"] == agency.slug and detail["status"] == "in_progress"
    assert [u["body"] for u in detail["updates"]] == ["계획 수립", "공사 시작"]
    assert detail["debate"] == ours.debate_id and detail["url"] == f"/a/{agency.slug}/executions/{ours.pk}/"
    assert Api().get(f"/executions/{hidden.pk}").status_code == 404
