"""Each domain event fires exactly once per real event, reaches the partner signed, and
carries the object's public data. Driven through the services (and the sweep), never by
calling emit() by hand."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from deliberation.agencies.models import Agency
from deliberation.agencies.selectors import city
from deliberation.agencies.services import add_department
from deliberation.clock import sweep
from deliberation.debates import admin_services as debate_admin
from deliberation.debates.services import create_pro_con_debate
from deliberation.events import Event
from deliberation.proposals import admin_services
from deliberation.proposals.services import support, withdraw_support
from deliberation.webhooks.models import Delivery, WebhookEvent
from deliberation.webhooks.worker import deliver_due
from tests.factories import CitizenFactory, agency_admin, given_proposal, officer

from .conftest import subscribe

pytestmark = pytest.mark.django_db


def event_types(endpoint=None) -> list[str]:
    rows = Delivery.objects.all() if endpoint is None else Delivery.objects.filter(endpoint=endpoint)
    return list(rows.order_by("id").values_list("event__type", flat=True))


def test_a_filed_proposal_reaches_the_partner_signed_with_its_public_data(agency, partner):
    subscribe(partner, agency)
    proposal = given_proposal(agency=agency, title="자전거도로 확충", themes="#자전거도로")
    assert deliver_due() == {"sent": 1, "succeeded": 1, "failed": 0}
    [got] = partner.verified("main")
    body = got.payload
    assert body["type"] == Event.PROPOSAL_FILED
    assert body["agency"] == {"id": agency.pk, "slug": agency.slug, "name": agency.name, "is_city": False}
    data = body["data"]["proposal"]
    assert data["id"] == proposal.pk and data["title"] == "자전거도로 확충" and data["themes"] == ["자전거도로"]
    assert data["path"] == f"/a/{agency.slug}/proposals/{proposal.pk}/"
    assert "author" not in data  # partners get what the public page shows, not accounts
    delivery = Delivery.objects.get()
    assert got.headers["webhook-id"] == delivery.message_id
    assert body["id"] == str(delivery.event.public_id)
    assert delivery.status == "succeeded" and delivery.attempts == 1 and delivery.last_status_code == 204


def test_thresholds_fire_once_each_however_supports_come_and_go(agency, partner):
    Agency.objects.filter(pk=agency.pk).update(answer_threshold=2, debate_threshold=3)
    endpoint = subscribe(partner, agency, events=[Event.PROPOSAL_THRESHOLD_REACHED, Event.PROPOSAL_IN_REVIEW,
                                                  Event.PROPOSAL_PROMOTED])
    proposal = given_proposal(agency=agency)
    citizens = [CitizenFactory() for _ in range(4)]
    support(proposal_id=proposal.pk, citizen=citizens[0])
    assert event_types(endpoint) == []
    support(proposal_id=proposal.pk, citizen=citizens[1])  # crosses the answer threshold
    assert event_types(endpoint) == [Event.PROPOSAL_THRESHOLD_REACHED, Event.PROPOSAL_IN_REVIEW]
    withdraw_support(proposal_id=proposal.pk, citizen=citizens[1])
    support(proposal_id=proposal.pk, citizen=citizens[1])  # crosses it again: no second event
    support(proposal_id=proposal.pk, citizen=citizens[2])  # the debate threshold
    support(proposal_id=proposal.pk, citizen=citizens[3])
    assert event_types(endpoint) == [Event.PROPOSAL_THRESHOLD_REACHED, Event.PROPOSAL_IN_REVIEW,
                                     Event.PROPOSAL_PROMOTED]
    deliver_due()
    assert partner.types() == event_types(endpoint)
    reached, in_review, promoted = (r.payload["data"] for r in partner.verified())
    assert reached["threshold"] == {"kind": "answer", "supports": 2}
    assert reached["proposal"]["support_count"] == 2
    assert in_review["review"]["deadline"] and in_review["proposal"]["review_started_at"]
    assert promoted["threshold"] == {"kind": "debate", "supports": 3}
    assert promoted["proposal"]["debate_id"] == proposal.__class__.objects.get(pk=proposal.pk).debate_id


def test_an_approved_department_answer_fires_once(agency, partner):
    Agency.objects.filter(pk=agency.pk).update(answer_threshold=1)
    endpoint = subscribe(partner, agency, events=[Event.PROPOSAL_ANSWER_APPROVED])
    proposal = given_proposal(agency=agency)
    support(proposal_id=proposal.pk, citizen=CitizenFactory())
    review = proposal.__class__.objects.get(pk=proposal.pk).review
    department = add_department(agency=agency, name="교통정책과")
    admin, clerk = agency_admin(agency), officer(agency, department)
    admin_services.assign_lead_department(actor=admin, review_id=review.pk, department_id=department.pk)
    first = admin_services.submit_answer(actor=clerk, review_id=review.pk, body="검토 중", decision="partial")
    admin_services.return_answer(actor=admin, answer_id=first.pk, note="근거를 보완하세요")
    assert event_types(endpoint) == []  # a returned answer is not public
    second = admin_services.submit_answer(actor=clerk, review_id=review.pk, body="수용합니다", decision="accept")
    admin_services.approve_answer(actor=admin, answer_id=second.pk)
    assert event_types(endpoint) == [Event.PROPOSAL_ANSWER_APPROVED]
    deliver_due()
    [got] = partner.verified()
    assert got.payload["data"]["answer"] == {
        "id": second.pk, "department": "교통정책과", "decision": "accept", "body": "수용합니다",
        "approved_at": got.payload["data"]["answer"]["approved_at"]}


def test_the_sweep_tells_a_debate_opened_and_closed_once_each(agency, partner):
    endpoint = subscribe(partner, agency, events=[Event.DEBATE_OPENED, Event.DEBATE_CLOSED])
    now = timezone.now()
    debate = create_pro_con_debate(agency=agency, title="응원봉", opens_at=now + timedelta(hours=1),
                                   closes_at=now + timedelta(hours=2))
    assert sweep(now=now)["debates_opened"] == 0
    assert sweep(now=now + timedelta(hours=1, seconds=1))["debates_opened"] == 1
    assert sweep(now=now + timedelta(hours=1, seconds=31)) == {"proposals_failed": 0, "debates_opened": 0,
                                                                "debates_closed": 0, "idempotency_records_purged": 0}
    assert event_types(endpoint) == [Event.DEBATE_OPENED]
    assert sweep(now=now + timedelta(hours=3))["debates_closed"] == 1
    assert sweep(now=now + timedelta(hours=4))["debates_closed"] == 0
    assert event_types(endpoint) == [Event.DEBATE_OPENED, Event.DEBATE_CLOSED]
    deliver_due()
    opened, closed = (r.payload["data"]["debate"] for r in partner.verified())
    assert opened["id"] == closed["id"] == debate.pk
    assert (opened["status"], closed["status"]) == ("in_progress", "closed")


def test_a_draft_debate_is_not_told_and_a_short_one_gets_both_events_in_order(agency, partner):
    endpoint = subscribe(partner, agency, events=[Event.DEBATE_OPENED, Event.DEBATE_CLOSED])
    now = timezone.now()
    create_pro_con_debate(agency=agency, title="초안", opens_at=now - timedelta(hours=2),
                          closes_at=now + timedelta(hours=1), publish=False)
    create_pro_con_debate(agency=agency, title="짧은 투표", opens_at=now + timedelta(minutes=1),
                          closes_at=now + timedelta(minutes=2))
    sweep(now=now + timedelta(minutes=5))
    assert event_types(endpoint) == [Event.DEBATE_OPENED, Event.DEBATE_CLOSED]


def test_results_published_fires_on_the_first_publication_only(agency, partner):
    endpoint = subscribe(partner, agency, events=[Event.DEBATE_RESULTS_PUBLISHED])
    now = timezone.now()
    debate = create_pro_con_debate(agency=agency, title="응원봉", opens_at=now - timedelta(days=2),
                                   closes_at=now - timedelta(days=1))
    admin = agency_admin(agency)
    debate_admin.publish_results(actor=admin, debate_id=debate.pk, result_text="반대가 많아 금지하지 않습니다.")
    debate_admin.publish_results(actor=admin, debate_id=debate.pk, result_text="수정된 답변")
    assert event_types(endpoint) == [Event.DEBATE_RESULTS_PUBLISHED]
    deliver_due()
    [got] = partner.verified()
    data = got.payload["data"]
    assert data["result_text"] == "반대가 많아 금지하지 않습니다."
    assert data["debate"]["status"] == "results_published"
    assert [o["label"] for o in data["results"]["options"]] == ["찬성", "반대", "기타"]


def test_the_city_hears_its_agencies_proposals_but_not_their_debates(agency, other_agency, partner):
    city_endpoint = subscribe(partner, city(), name="city")
    own = subscribe(partner, agency, name="own")
    other = subscribe(partner, other_agency, name="other")
    given_proposal(agency=agency)
    now = timezone.now()
    create_pro_con_debate(agency=agency, title="기관 토론", opens_at=now, closes_at=now + timedelta(days=1))
    sweep(now=now + timedelta(seconds=1))
    assert event_types(own) == [Event.PROPOSAL_FILED, Event.DEBATE_OPENED]
    assert event_types(city_endpoint) == [Event.PROPOSAL_FILED]
    assert event_types(other) == []
    assert WebhookEvent.objects.filter(type=Event.PROPOSAL_FILED).count() == 1  # one event, two deliveries
    deliver_due()
    assert len(partner.verified("city")) == 1 and len(partner.verified("own")) == 2


def test_only_enabled_endpoints_subscribed_to_the_event_get_a_delivery(agency, partner):
    subscribe(partner, agency, name="debates", events=[Event.DEBATE_OPENED])
    disabled = subscribe(partner, agency, name="off")
    disabled.is_enabled = False
    disabled.save()
    given_proposal(agency=agency)
    assert not Delivery.objects.exists() and not WebhookEvent.objects.exists()


def test_a_rolled_back_change_leaves_no_event(agency, partner):
    subscribe(partner, agency)
    with pytest.raises(RuntimeError), transaction.atomic():
        given_proposal(agency=agency)
        assert Delivery.objects.count() == 1  # written with the proposal, in its transaction
        raise RuntimeError("the request failed after filing")
    assert not Delivery.objects.exists() and not WebhookEvent.objects.exists()


def test_debates_already_open_or_closed_at_deploy_are_not_announced_late(agency, partner):
    """Migration debates.0005 marks past transitions, so the first sweep sends no burst."""
    import importlib

    from django.apps import apps

    from deliberation.debates.models import Debate

    migration = importlib.import_module("deliberation.debates.migrations.0005_webhook_events")
    now = timezone.now()
    past = create_pro_con_debate(agency=agency, title="지난 토론", opens_at=now - timedelta(days=9),
                                 closes_at=now - timedelta(days=2))
    running = create_pro_con_debate(agency=agency, title="진행 중", opens_at=now - timedelta(days=1),
                                    closes_at=now + timedelta(days=1))
    Debate.objects.update(opened_event_at=None, closed_event_at=None)  # as before the migration
    migration.mark_past_transitions(apps, None)
    endpoint = subscribe(partner, agency, events=[Event.DEBATE_OPENED, Event.DEBATE_CLOSED])
    assert sweep(now=now + timedelta(seconds=1))["debates_opened"] == 0
    assert event_types(endpoint) == []
    assert Debate.objects.get(pk=past.pk).closed_event_at == past.closes_at
    sweep(now=now + timedelta(days=2))
    assert event_types(endpoint) == [Event.DEBATE_CLOSED]
    assert Delivery.objects.get().event.payload["debate"]["id"] == running.pk
