"""Every back-office URL, walked automatically: each pattern under manage/ (on the city's site
and on an agency's) and platform/ is requested as each role, with its ids filled from real
rows of that site. Who may enter is a small table keyed by URL-name prefix, so a new
back-office URL without an entry fails here until someone decides who may use it.

Expected: the roles in the table (and the platform admin, everywhere) get in (neither 403 nor
404 nor a log-in redirect); anonymous visitors are sent to log in; everyone else gets 404
(agency screens: another agency's object is "not found") or 403 (platform screens)."""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from deliberation.agencies.models import Department, Membership, Role, Sanction
from deliberation.agencies.selectors import city
from deliberation.comments.services import post_comment
from deliberation.debates import services as debates
from deliberation.debates.models import Debate, DebateMaterial, VoteType
from deliberation.content.models import Notice, Question
from deliberation.executions.models import ExecutionItem, ExecutionMaterial
from deliberation.integrations.services import create_api_key
from deliberation.webhooks.models import Delivery, Endpoint, WebhookEvent
from tests.factories import AgencyFactory, CitizenFactory, given_proposal_in_review, open_pro_con_debate

pytestmark = pytest.mark.django_db

ADMIN, OFFICER, FACILITATOR, MODERATOR = "admin", "officer", "facilitator", "moderator"
ROLES = ["anonymous", "citizen", OFFICER, FACILITATOR, MODERATOR, "other_agency_admin", ADMIN, "platform_admin"]

# URL-name prefix (without namespace; "platform:" for the platform's own) → roles that get in,
# besides the platform admin. The longest matching prefix decides.
ACCESS = {
    "platform:": set(),
    "manage_settings": {ADMIN},
    "manage_member": {ADMIN},
    "manage_dashboard": {ADMIN},
    "manage_audit_log": {ADMIN},
    "manage_proposal": {ADMIN},
    "manage_officer": {OFFICER, ADMIN},
    "manage_debate": {ADMIN},
    "manage_debate_screen": {FACILITATOR, ADMIN},
    "manage_moderation": {MODERATOR, ADMIN},
    "manage_sanction": {MODERATOR, ADMIN},
    "manage_content": {ADMIN},
    "manage_executions": {OFFICER, ADMIN},  # an officer: the items of their own department
    "manage_execution": {OFFICER, ADMIN},
    "manage_executions_export": {ADMIN},
    "manage_execution_bulk": {ADMIN},
    "manage_execution_create": {ADMIN},
    "manage_execution_material": {ADMIN},
    "manage_integrations": {ADMIN},
    "manage_webhook": {ADMIN},
    "manage_live_dashboard": {ADMIN},
    "manage_statistics": {ADMIN},
    # The city's statistics cover every agency: the platform admin's alone.
    "city:manage_statistics": set(),
}


def _walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), namespace, entry.name


def back_office_urls():
    """(namespace, name, route) of every named pattern under manage/ or platform/."""
    found = set()
    for route, namespace, name in _walk(get_resolver().url_patterns):
        if namespace == "agency" and route.startswith("a/<slug:agency_slug>/manage/"):
            found.add((namespace, name, route))
        elif namespace == "city" and route.startswith("manage/"):
            found.add((namespace, name, route))
        elif namespace == "platform":
            found.add((namespace, name, route))
    return sorted(found)


def allowed_roles(namespace: str, name: str) -> set[str] | None:
    key = "platform:" if namespace == "platform" else name
    # A "<namespace>:<prefix>" entry, when one matches, decides for that site kind alone.
    scoped = [prefix for prefix in ACCESS if f"{namespace}:{name}".startswith(prefix) and ":" in prefix
              and namespace != "platform"]
    if scoped:
        return ACCESS[max(scoped, key=len)] | {"platform_admin"}
    matches = [prefix for prefix in ACCESS if key.startswith(prefix) and ":" not in prefix.rstrip(":")]
    if not matches:
        return None
    return ACCESS[max(matches, key=len)] | {"platform_admin"}


URLS = back_office_urls()


def test_the_walk_finds_the_back_office():
    names = {name for _, name, _ in URLS}
    assert {"manage_settings", "manage_members", "manage_proposals", "manage_debates", "manage_moderation",
            "agencies", "settings"} <= names
    assert len(URLS) >= 40


@pytest.mark.parametrize("namespace,name,route", URLS, ids=[f"{ns}:{n}" for ns, n, _ in URLS])
def test_every_back_office_url_has_an_access_entry(namespace, name, route):
    assert allowed_roles(namespace, name) is not None, (
        f"{namespace}:{name} ({route}) has no entry in ACCESS: say which roles may use it")


@pytest.fixture
def world(request):
    """A site (the agency, or the city for city: URLs) with a row of every kind the URLs name,
    and a user for each role on it."""
    namespace = request.node.callspec.params["namespace"]
    site = city() if namespace == "city" else AgencyFactory()
    other = AgencyFactory()
    users = {role: CitizenFactory() for role in ROLES if role != "anonymous"}
    department = Department.objects.create(agency=site, name="담당부서")
    for role in (ADMIN, FACILITATOR, MODERATOR):
        Membership.objects.create(user=users[role], agency=site, role=role)
    Membership.objects.create(user=users[OFFICER], agency=site, role=Role.OFFICER, department=department)
    Membership.objects.create(user=users["other_agency_admin"], agency=other, role=Role.ADMIN)
    users["platform_admin"].is_platform_admin = True
    users["platform_admin"].save()

    proposal = given_proposal_in_review(agency=site)
    proposal.review.lead_department = department
    proposal.review.save()
    debate = open_pro_con_debate(agency=site)
    draft = open_pro_con_debate(agency=site, title="초안 토론")
    Debate.objects.filter(pk=draft.pk).update(is_published=False)
    now = timezone.now()
    talk = Debate.objects.create(agency=site, title="토론형", vote_type=VoteType.DISCUSSION, is_published=True,
                                 opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3))
    opinion = debates.post_opinion(debate_id=talk.pk, author=users["citizen"], body="의견입니다")
    comment = post_comment(proposal=proposal, author=users["citizen"], body="댓글입니다")
    offender = CitizenFactory()
    sanction = Sanction.objects.create(agency=site, user=offender, kind="mute", reason="테스트",
                                       created_by=users[ADMIN])
    material = DebateMaterial.objects.create(debate=debate, kind="text", title="자료", body="본문")
    ids = {"comment_pk": comment.pk, "opinion_pk": opinion.pk, "sanction_pk": sanction.pk,
           "material_pk": material.pk, "vote_type": VoteType.PRO_CON, "user_pk": proposal.author_id}
    # Rows of the screens issue 8 and the integrations added.
    notice = Notice.objects.create(agency=site, title="공지", body="본문", created_by=users[ADMIN])
    question = Question.objects.create(agency=site, author=users["citizen"], title="질문", body="질문 본문입니다")
    execution = ExecutionItem.objects.create(agency=site, title="실행 과제", debate=debate, department=department,
                                             created_by=users[ADMIN])
    execution_material = ExecutionMaterial.objects.create(item=execution, kind="text", title="회의록", body="내용",
                                                          added_by=users[ADMIN])
    key, _secret = create_api_key(agency=site, actor=users[ADMIN], name="키", platform_name="협력 플랫폼",
                                  scopes=["proposals:write"])
    endpoint = Endpoint.objects.create(agency=site, url="https://partner.example/hooks", events=["proposal.filed"],
                                       secret="whsec_dGVzdHNlY3JldHRlc3RzZWNyZXQ=", created_by=users[ADMIN])
    event = WebhookEvent.objects.create(type="proposal.filed", agency=site, payload={})
    delivery = Delivery.objects.create(event=event, endpoint=endpoint, message_id=f"msg_{event.pk}")
    ids.update(kind="notices", page_kind="terms", key_pk=key.pk, delivery_pk=delivery.pk)
    rows = {"manage/content/questions/": question.pk, "manage/content/": notice.pk,
            "manage/executions/": execution.pk, "manage/integrations/webhooks/": endpoint.pk}
    if "material_pk" in ids:
        ids["execution_material_pk"] = execution_material.pk
    return {"site": site, "users": users, "proposal": proposal, "debate": debate, "draft": draft, "ids": ids,
            "rows": rows}


def url_for(namespace, name, route, world) -> str:
    kwargs = {}
    for part in route.split("<")[1:]:
        kind, _, rest = part.partition(":")
        param = rest.split(">")[0]
        if param == "agency_slug":
            kwargs[param] = world["site"].slug
        elif param == "pk" and "publish/" in route:
            kwargs[param] = world["draft"].pk
        elif param == "pk" and "manage/proposals/" in route:
            kwargs[param] = world["proposal"].pk
        elif param == "pk" and "manage/debates/" in route:
            kwargs[param] = world["debate"].pk
        elif param == "pk" and any(prefix in route for prefix in world["rows"]):
            kwargs[param] = next(pk for prefix, pk in world["rows"].items() if prefix in route)
        elif param == "material_pk" and "manage/executions/" in route:
            kwargs[param] = world["ids"]["execution_material_pk"]
        elif param in world["ids"]:
            kwargs[param] = world["ids"][param]
        else:
            pytest.fail(f"{namespace}:{name}: the walk does not know how to fill <{kind}:{param}>; add it to url_for")
    return reverse(f"{namespace}:{name}", kwargs=kwargs or None)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("namespace,name,route", URLS, ids=[f"{ns}:{n}" for ns, n, _ in URLS])
def test_roles_on_every_back_office_url(client, world, namespace, name, route, role):
    allowed = allowed_roles(namespace, name)
    if allowed is None:
        pytest.fail(f"{namespace}:{name} has no entry in ACCESS")
    if role != "anonymous":
        client.force_login(world["users"][role])
    url = url_for(namespace, name, route, world)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    status, location = response.status_code, response.get("Location", "")
    login = status == 302 and "/accounts/login/" in location
    if role == "anonymous":
        assert login, f"{url}: anonymous got {status} {location}"
    elif role in allowed:
        assert status not in (403, 404) and not login, f"{url}: {role} should get in, got {status}"
    else:
        expected = (403,) if namespace == "platform" else (404,)
        assert status in expected, f"{url}: {role} should be refused, got {status}"
