"""Writes with an agency's API key: filing, withdrawing, partner supports; keys, scopes,
tenancy, idempotency and rate limits."""

import pytest
from django.test import Client

from deliberation.audit.models import AuditEntry
from deliberation.agencies.models import Agency
from deliberation.integrations.models import IdempotencyRecord
from deliberation.integrations.services import revoke_api_key
from deliberation.proposals.models import Proposal
from tests.factories import agency_admin, given_proposal

from .conftest import Api, make_key, new_proposal_body

pytestmark = pytest.mark.django_db

WRITES = [
    ("/partner/proposals", "proposals:write", lambda p: new_proposal_body()),
    ("/partner/proposals/{id}/withdraw", "proposals:write", lambda p: {}),
    ("/partner/proposals/{id}/supports", "supports:write", lambda p: {"external_ids": ["a"]}),
]


def test_filed_proposal_shows_the_partner_and_is_cross_listed(agency, key_and_api):
    key, api = key_and_api
    reply = api.post("/partner/proposals", new_proposal_body())
    assert reply.status_code == 201, reply.content
    data = reply.json()
    assert data["via"] == "구청 참여플랫폼" and data["author"] == "김민지" and data["external_author_id"] == "u-1001"
    assert data["agency"] == agency.slug and data["phase"] == "open" and data["themes"] == ["그늘막"]
    proposal = Proposal.objects.get(pk=data["id"])
    assert proposal.author.is_active is False  # the agency's partner account, which cannot log in
    # On the agency's own list and on the city's archive, marked as coming from the partner.
    for path in (f"/a/{agency.slug}/proposals/", "/proposals/"):
        html = Client().get(path).content.decode()
        assert "공원에 그늘막을 설치해 주세요" in html and "data-via-partner" in html and "구청 참여플랫폼" in html
    page = Client().get(f"/a/{agency.slug}/proposals/{proposal.pk}/").content.decode()
    assert "김민지" in page and "구청 참여플랫폼" in page
    listed = Api().get("/proposals", {"site": agency.slug}).json()["items"]
    assert [p["id"] for p in listed] == [proposal.pk] and listed[0]["via"] == "구청 참여플랫폼"
    archive = Api().get("/proposals").json()["items"]
    assert archive[0]["id"] == proposal.pk and archive[0]["agency"] == agency.slug
    assert AuditEntry.objects.filter(action="proposal.partner_filed", target_id=proposal.pk).exists()


def test_invalid_proposal_is_refused_with_field_errors(key_and_api):
    _, api = key_and_api
    reply = api.post("/partner/proposals", new_proposal_body(title="   "))
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "invalid"
    assert "title" in reply.json()["error"]["fields"]
    reply = api.post("/partner/proposals", new_proposal_body(policy_category="nonsense"))
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "invalid"
    assert api.post("/partner/proposals", {"title": "x"}).status_code == 422
    assert Proposal.objects.count() == 0


@pytest.mark.parametrize("path,scope,body", WRITES)
def test_every_write_needs_a_key_and_its_scope(agency, path, scope, body):
    proposal = given_proposal(agency=agency)
    url = path.format(id=proposal.pk)
    for reply in (Api().post(url, body(proposal)), Api("dsk_nothing_wrong").post(url, body(proposal))):
        assert reply.status_code == 401 and reply.json()["error"]["code"] == "not_authenticated"
    others = [s for s in ("proposals:write", "supports:write", "private:read") if s != scope]
    _, token = make_key(agency, scopes=others)
    reply = Api(token).post(url, body(proposal))
    assert reply.status_code == 403 and reply.json()["error"]["code"] == "insufficient_scope"


def test_private_reads_need_their_scope(agency):
    _, token = make_key(agency, scopes=["proposals:write"])
    for path in ("/partner/proposals", "/partner/debates"):
        assert Api().get(path).status_code == 401
        assert Api(token).get(path).json()["error"]["code"] == "insufficient_scope"


def test_one_agencys_key_cannot_touch_anothers_data(agency, other_agency):
    _, token_a = make_key(agency)
    _, token_b = make_key(other_agency, platform="B 플랫폼")
    filed_by_b = Api(token_b).post("/partner/proposals", new_proposal_body()).json()["id"]
    citizens_of_b = given_proposal(agency=other_agency).pk
    api_a = Api(token_a)
    for pk in (filed_by_b, citizens_of_b):
        assert api_a.post(f"/partner/proposals/{pk}/withdraw").status_code == 404
        assert api_a.post(f"/partner/proposals/{pk}/supports", {"external_ids": ["x"]}).status_code == 404
        assert api_a.get(f"/partner/proposals/{pk}").status_code == 404
    assert api_a.get("/partner/proposals").json()["count"] == 0
    assert Proposal.objects.get(pk=filed_by_b).is_public
    assert Proposal.objects.get(pk=citizens_of_b).partner_support_count == 0


def test_a_revoked_key_stops_working_at_once(agency, key_and_api):
    key, api = key_and_api
    assert api.get("/partner/whoami").status_code == 200
    revoke_api_key(agency=agency, actor=agency_admin(agency), key_id=key.pk)
    assert api.get("/partner/whoami").status_code == 401
    assert api.post("/partner/proposals", new_proposal_body()).status_code == 401
    assert AuditEntry.objects.filter(action="api_key.revoked", target_id=key.pk).exists()


def test_an_idempotent_retry_files_once_and_replays_the_first_reply(key_and_api):
    _, api = key_and_api
    headers = {"Idempotency-Key": "7d3f-retry-1"}
    first = api.post("/partner/proposals", new_proposal_body(), headers=headers)
    again = api.post("/partner/proposals", new_proposal_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Proposal.objects.count() == 1
    changed = api.post("/partner/proposals", new_proposal_body(title="다른 제목"), headers=headers)
    assert changed.status_code == 422 and changed.json()["error"]["code"] == "idempotency_key_reused"
    assert Proposal.objects.count() == 1
    # Another key, or another request, is free to use the same string.
    assert api.post("/partner/proposals", new_proposal_body(), headers={"Idempotency-Key": "other"}).status_code == 201
    assert Proposal.objects.count() == 2


def test_idempotency_keys_are_per_api_key_and_expire(agency, key_and_api):
    key, api = key_and_api
    _, other_token = make_key(agency, name="second")
    headers = {"Idempotency-Key": "same"}
    assert api.post("/partner/proposals", new_proposal_body(), headers=headers).status_code == 201
    assert Api(other_token).post("/partner/proposals", new_proposal_body(), headers=headers).status_code == 201
    assert Proposal.objects.count() == 2
    from datetime import timedelta
    from django.utils import timezone

    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.post("/partner/proposals", new_proposal_body(), headers=headers).json().get("id")
    assert Proposal.objects.count() == 3
    from deliberation.integrations.idempotency import purge_expired

    assert purge_expired() == 1  # the other key's record; the renewed one stays


def test_a_stored_error_is_replayed(agency, key_and_api):
    _, api = key_and_api
    citizens = given_proposal(agency=agency)
    headers = {"Idempotency-Key": "w-1"}
    first = api.post(f"/partner/proposals/{citizens.pk}/withdraw", headers=headers)
    assert first.status_code == 409 and first.json()["error"]["code"] == "not_withdrawable"
    again = api.post(f"/partner/proposals/{citizens.pk}/withdraw", headers=headers)
    assert again.status_code == 409 and again["Idempotent-Replayed"] == "true"


def test_withdrawal_takes_the_proposal_off_every_list_and_is_audited(agency, key_and_api):
    _, api = key_and_api
    pk = api.post("/partner/proposals", new_proposal_body()).json()["id"]
    reply = api.post(f"/partner/proposals/{pk}/withdraw")
    assert reply.status_code == 200 and reply.json()["withdrawn_at"] and reply.json()["is_public"] is False
    assert Api().get("/proposals").json()["count"] == 0
    assert Api().get("/proposals", {"site": agency.slug}).json()["count"] == 0
    assert Api().get(f"/proposals/{pk}").status_code == 404
    assert Client().get(f"/a/{agency.slug}/proposals/{pk}/").status_code == 404
    assert api.get(f"/partner/proposals/{pk}").json()["withdrawn_at"]
    entry = AuditEntry.objects.get(action="proposal.withdrawn", target_id=pk)
    assert entry.after["is_public"] is False and "production" in entry.after["via"]
    # Once is enough: it is no longer listed.
    assert api.post(f"/partner/proposals/{pk}/withdraw").status_code == 404
    # An admin's "make public" does not bring it back.
    from deliberation.proposals.admin_services import apply_bulk_action

    assert apply_bulk_action(actor=agency_admin(agency), proposal_ids=[pk], action="make_public") == (0, 1)


def test_withdrawal_only_while_open_and_only_the_partners_own(agency, key_and_api):
    _, api = key_and_api
    citizens = given_proposal(agency=agency)
    assert api.post(f"/partner/proposals/{citizens.pk}/withdraw").json()["error"]["code"] == "not_withdrawable"
    pk = api.post("/partner/proposals", new_proposal_body()).json()["id"]
    from datetime import timedelta
    from django.utils import timezone

    Proposal.objects.filter(pk=pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    reply = api.post(f"/partner/proposals/{pk}/withdraw")
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "proposal_closed"


def test_partner_supports_count_each_external_supporter_once_and_cross_thresholds(agency, key_and_api):
    _, api = key_and_api
    Agency.objects.filter(pk=agency.pk).update(answer_threshold=4)
    proposal = given_proposal(agency=agency)
    from deliberation.proposals.services import support
    from tests.factories import CitizenFactory

    support(proposal_id=proposal.pk, citizen=CitizenFactory())
    reply = api.post(f"/partner/proposals/{proposal.pk}/supports", {"external_ids": ["u1", "u2", "u2"]})
    assert reply.status_code == 200, reply.content
    assert reply.json() == {"proposal": proposal.pk, "added": 2, "partner_supports": 2, "supports": 1,
                            "total_supports": 3}
    again = api.post(f"/partner/proposals/{proposal.pk}/supports", {"external_ids": ["u2", "u1", "u3"]}).json()
    assert again["added"] == 1 and again["partner_supports"] == 3 and again["total_supports"] == 4
    proposal.refresh_from_db()
    assert proposal.partner_support_count == 3 and proposal.support_count == 1
    assert proposal.review_started_at is not None  # 1 here + 3 on the partner platform reached 4
    public = Api().get(f"/proposals/{proposal.pk}").json()
    assert (public["supports"], public["partner_supports"], public["total_supports"], public["in_review"]) == (1, 3, 4, True)
    page = Client().get(f"/a/{agency.slug}/proposals/{proposal.pk}/").content.decode()
    assert "data-partner-supports" in page


def test_partner_supports_only_while_open(agency, key_and_api):
    _, api = key_and_api
    proposal = given_proposal(agency=agency)
    from datetime import timedelta
    from django.utils import timezone

    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    reply = api.post(f"/partner/proposals/{proposal.pk}/supports", {"external_ids": ["u1"]})
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "proposal_closed"
    assert api.post(f"/partner/proposals/{proposal.pk}/supports", {"external_ids": []}).status_code == 422


def test_private_reads_show_the_agencys_hidden_data_only(agency, other_agency, key_and_api):
    _, api = key_and_api
    mine = given_proposal(agency=agency)
    Proposal.objects.filter(pk=mine.pk).update(is_public=False)
    given_proposal(agency=other_agency)
    from tests.factories import open_pro_con_debate

    draft = open_pro_con_debate(agency=agency, publish=False)
    open_pro_con_debate(agency=other_agency)
    own = api.get("/partner/proposals").json()
    assert [p["id"] for p in own["items"]] == [mine.pk] and own["items"][0]["is_public"] is False
    debates = api.get("/partner/debates").json()["items"]
    assert [d["id"] for d in debates] == [draft.pk] and debates[0]["status"] == "draft"
    assert Api().get("/debates", {"site": agency.slug}).json()["count"] == 0


def test_rate_limit_per_key_answers_429_with_retry_after(settings, key_and_api, anonymous_api):
    settings.API_RATE_LIMIT = "3/minute"
    _, api = key_and_api
    assert [api.get("/partner/whoami").status_code for _ in range(3)] == [200, 200, 200]
    reply = api.get("/partner/whoami")
    assert reply.status_code == 429 and reply.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(reply["Retry-After"]) <= 60
    assert api.post("/partner/proposals", new_proposal_body()).status_code == 429
    assert anonymous_api.get("/agencies").status_code == 200  # other callers are not affected


def test_rate_limit_per_address_for_anonymous_reads(settings, anonymous_api, key_and_api):
    settings.API_ANON_RATE_LIMIT = "2/minute"
    assert [anonymous_api.get("/agencies").status_code for _ in range(3)] == [200, 200, 429]
    assert anonymous_api.get("/proposals").json()["error"]["code"] == "rate_limited"
    _, api = key_and_api
    assert api.get("/agencies").status_code == 200  # a key has its own budget


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_idempotency_key_file_once(agency):
    """Two copies of one request at the same moment: the unique constraint makes the second
    wait for the first's commit and replay it (PostgreSQL), or SQLite serializes them."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    _, token = make_key(agency)

    def send(_):
        try:
            return Api(token).post("/partner/proposals", new_proposal_body(), headers={"Idempotency-Key": "same"})
        finally:
            connection.close()

    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(send, range(4)))
    assert {r.status_code for r in replies} == {201}
    assert len({r.json()["id"] for r in replies}) == 1
    assert Proposal.objects.count() == 1


def test_a_body_that_is_not_json_is_400_malformed_request(key_and_api):
    _, api = key_and_api
    reply = api.client.post("/api/v1/partner/proposals", "{not json", content_type="application/json",
                            headers={"Authorization": f"Bearer {api.token}"})
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "malformed_request"
    assert api.get("/no-such-operation").json()["error"]["code"] == "not_found"
