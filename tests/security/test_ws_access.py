"""Every websocket group join, by role (issue 9): each pattern of realtime/routing.py, walked
(not listed by hand), is opened for every object its converters can name (public, hidden,
draft, private, trashed, another agency's, a suspended agency's, one that does not exist) as
every role. Who gets in is a table keyed by consumer class, so a new route, or a new consumer,
without an entry fails here until someone decides who may join it.

Admitted: `hello` naming the object's group, then the snapshot frame of that consumer's kind.
Refused: one `error` frame (nothing but its code and a fixed message: no title, no count), then
the exact close code, and no `hello` or data frame. A vote on a public debate is acked for
every active signed-in account not banned on the site (staff vote like anyone), refused for
the others."""

import json
import re
import time
from dataclasses import dataclass, field

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from deliberation.agencies.models import Agency, Department, Role, Sanction, SanctionKind
from deliberation.agencies.selectors import city
from deliberation.agencies.services import grant_role
from deliberation.debates.models import Debate
from deliberation.proposals.models import Proposal
from project.asgi import application
from realtime import consumers, groups
from realtime.routing import websocket_urlpatterns
from tests.factories import AgencyFactory, CitizenFactory, given_proposal, open_pro_con_debate

from ..realtime.helpers import ORIGIN, session_cookie_for

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN, FACILITATOR, MODERATOR, OFFICER = Role.ADMIN, Role.FACILITATOR, Role.MODERATOR, Role.OFFICER
MISSING_ID = 987654


@dataclass(frozen=True)
class Rule:
    """Who joins a consumer's channel. `staff` None: a public channel, where the object's
    visibility on the site decides and roles do not. Otherwise the site's members with one of
    these roles, and the platform admin (active accounts only)."""

    joins: str  # "site" | "debate" | "proposal" | "screen"
    snapshot: str  # the snapshot frame's type
    group: object  # groups.<fn>: the hello's topic
    staff: frozenset | None = None
    refusal: tuple[str, int] = ("not_found", 4404)


FORBIDDEN = ("forbidden", 4403)
ACCESS = {
    consumers.SiteDebatesConsumer: Rule("site", "debate_summary", groups.site_debates),
    consumers.SiteProposalsConsumer: Rule("site", "proposal_counts", groups.site),
    consumers.DebateConsumer: Rule("debate", "tally", groups.debate),
    consumers.DebateCommentsConsumer: Rule("debate", "comments", groups.debate_comments),
    consumers.ProposalConsumer: Rule("proposal", "proposal", groups.proposal),
    consumers.ProposalCommentsConsumer: Rule("proposal", "comments", groups.comments),
    # The facilitator screen: the debate's agency admins and facilitators, drafts and hidden
    # debates included (they rehearse before publishing); never a trashed one.
    consumers.FacilitatorConsumer: Rule("screen", "screen", groups.screen, frozenset({ADMIN, FACILITATOR}), FORBIDDEN),
    consumers.ModerationConsumer: Rule("site", "moderation", groups.moderation, frozenset({ADMIN, MODERATOR}), FORBIDDEN),
    consumers.DashboardConsumer: Rule("site", "dashboard", groups.dashboard, frozenset({ADMIN}), FORBIDDEN),
}


@dataclass(frozen=True)
class Who:
    roles: dict = field(default_factory=dict)  # site key → role
    platform: bool = False
    active: bool = True
    banned_on: str | None = None


ROLES = {
    "anonymous": None,
    "citizen": Who(),
    "banned_on_A": Who(banned_on="A"),
    "officer_A": Who(roles={"A": OFFICER}),
    "facilitator_A": Who(roles={"A": FACILITATOR}),
    "moderator_A": Who(roles={"A": MODERATOR}),
    "admin_A": Who(roles={"A": ADMIN}),
    "admin_B": Who(roles={"B": ADMIN}),
    "city_admin": Who(roles={"city": ADMIN}),
    "platform_admin": Who(platform=True),
    # Every privilege, but suspended: the session no longer authenticates.
    "suspended": Who(roles={"A": ADMIN}, platform=True, active=False),
}


@dataclass(frozen=True)
class Obj:
    site: str  # "A", "B", "C" (a suspended agency), "city"
    public: bool  # listed: published, not hidden, not trashed (proposals: public, not trashed)
    exists: bool = True
    trashed: bool = False


DEBATES = {
    "A_open": Obj("A", True), "A_draft": Obj("A", False), "A_hidden": Obj("A", False),
    "A_trashed": Obj("A", False, trashed=True), "B_open": Obj("B", True), "C_open": Obj("C", True),
    "city_open": Obj("city", True), "missing": Obj("A", False, exists=False),
}
PROPOSALS = {
    "A_public": Obj("A", True), "A_private": Obj("A", False), "A_trashed": Obj("A", False, trashed=True),
    "B_public": Obj("B", True), "C_public": Obj("C", True), "city_public": Obj("city", True),
    "missing": Obj("A", False, exists=False),
}
OPEN_SITES = {"A", "B", "city"}  # C is suspended; "nowhere" has no row

# Which (slug, object) each kind of route is opened with: the route's own site first, then the
# cross-site and not-found cases. Agency routes take a slug; the city's routes have none.
PLACEMENTS = {
    ("agency", None): [("A", None), ("B", None), ("C", None), ("nowhere", None)],
    ("city", None): [("city", None)],
    ("agency", "debate_id"): [("A", key) for key in ("A_open", "A_draft", "A_hidden", "A_trashed", "B_open",
                                                      "city_open", "missing")]
    + [("C", "C_open"), ("nowhere", "A_open")],
    ("city", "debate_id"): [("city", "city_open"), ("city", "A_open"), ("city", "missing")],
    ("agency", "proposal_id"): [("A", key) for key in ("A_public", "A_private", "A_trashed", "B_public",
                                                        "city_public", "missing")] + [("C", "C_public")],
    # The city's site lists every agency's public proposals (cross-listing), a suspended
    # agency's too (the city-wide archive).
    ("city", "proposal_id"): [("city", key) for key in ("city_public", "A_public", "A_private", "A_trashed",
                                                         "B_public", "C_public", "missing")],
}


def expected_admitted(rule: Rule, role: str, slug_site: str, obj: Obj | None) -> bool:
    """The domain's rules, written out independently of the code under test."""
    if slug_site not in OPEN_SITES:
        return False
    if rule.joins == "debate" and not (obj.exists and obj.public and obj.site == slug_site):
        return False
    if rule.joins == "proposal" and not (obj.exists and obj.public and slug_site in (obj.site, "city")):
        return False
    if rule.joins == "screen" and not (obj.exists and not obj.trashed and obj.site == slug_site):
        return False
    if rule.staff is None:
        return True
    who = ROLES[role]
    if who is None or not who.active:
        return False
    return who.platform or who.roles.get(slug_site) in rule.staff


def _pattern_parts(pattern) -> tuple[str, str | None]:
    names = re.findall(r"<\w+:(\w+)>", str(pattern.pattern))
    unknown = set(names) - {"agency_slug", "debate_id", "proposal_id"}
    assert not unknown, f"{pattern.pattern}: the walk cannot fill {unknown}; add them to PLACEMENTS"
    site_kind = "agency" if "agency_slug" in names else "city"
    ids = [n for n in names if n != "agency_slug"]
    assert len(ids) <= 1, pattern.pattern
    return site_kind, (ids[0] if ids else None)


def consumer_of(pattern):
    return pattern.callback.consumer_class


def test_every_route_and_every_consumer_has_an_access_rule():
    routed = {consumer_of(p) for p in websocket_urlpatterns}
    missing = [str(p.pattern) for p in websocket_urlpatterns if consumer_of(p) not in ACCESS]
    assert not missing, f"websocket routes without an entry in ACCESS (say who may join): {missing}"
    every = {c for c in vars(consumers).values()
             if isinstance(c, type) and issubclass(c, consumers.SocketConsumer) and c is not consumers.SocketConsumer}
    assert every == routed == set(ACCESS), (every ^ set(ACCESS), routed ^ set(ACCESS))
    for pattern in websocket_urlpatterns:
        assert _pattern_parts(pattern) in PLACEMENTS, pattern.pattern


def _world():
    now = timezone.now()
    sites = {"A": AgencyFactory(), "B": AgencyFactory(), "C": AgencyFactory(), "city": city()}
    slugs = {key: agency.slug for key, agency in sites.items()}
    slugs["nowhere"] = "no-such-agency"
    titles = {}  # every object's title carries a marker that must never reach a refused socket

    def debate(key, site, **changes):
        marker = f"토론표지{key}"
        made = open_pro_con_debate(agency=sites[site], title=marker)
        if changes:
            Debate.objects.filter(pk=made.pk).update(**changes)
        titles[marker] = made.pk
        return made.pk

    def proposal(key, site, **changes):
        marker = f"제안표지{key}"
        made = given_proposal(agency=sites[site], title=marker)
        if changes:
            Proposal.objects.filter(pk=made.pk).update(**changes)
        titles[marker] = made.pk
        return made.pk

    debates = {
        "A_open": debate("A_open", "A"), "A_draft": debate("A_draft", "A", is_published=False),
        "A_hidden": debate("A_hidden", "A", is_hidden=True), "A_trashed": debate("A_trashed", "A", trashed_at=now),
        "B_open": debate("B_open", "B"), "C_open": debate("C_open", "C"), "city_open": debate("city_open", "city"),
        "missing": MISSING_ID,
    }
    proposals = {
        "A_public": proposal("A_public", "A"), "A_private": proposal("A_private", "A", is_public=False),
        "A_trashed": proposal("A_trashed", "A", trashed_at=now), "B_public": proposal("B_public", "B"),
        "C_public": proposal("C_public", "C"), "city_public": proposal("city_public", "city"),
        "missing": MISSING_ID,
    }
    users = {}
    department = Department.objects.create(agency=sites["A"], name="담당부서")
    for role, who in ROLES.items():
        if who is None:
            continue
        user = CitizenFactory(is_platform_admin=who.platform)
        for site, staff_role in who.roles.items():
            grant_role(user=user, agency=sites[site], role=staff_role,
                       department=department if staff_role == OFFICER else None)
        if who.banned_on:
            Sanction.objects.create(agency=sites[who.banned_on], user=user, kind=SanctionKind.BAN, reason="시험",
                                    created_by=user)
        users[role] = user
    # Suspended after their rows were made (a session of the account is made later, as if
    # it had signed in before the suspension).
    Agency.objects.filter(pk=sites["C"].pk).update(is_active=False)
    type(users["suspended"]).objects.filter(pk=users["suspended"].pk).update(is_active=False)
    option = Debate.objects.get(pk=debates["A_open"]).options.order_by("pk").first().pk
    return {"sites": {k: a.pk for k, a in sites.items()}, "slugs": slugs, "debates": debates,
            "proposals": proposals, "users": users, "titles": titles, "option": option}


def _cases(world):
    """(pattern, rule, slug key, object key, path, object id or site id) for every route."""
    cases = []
    for pattern in websocket_urlpatterns:
        rule = ACCESS[consumer_of(pattern)]
        site_kind, id_name = _pattern_parts(pattern)
        for slug_key, obj_key in PLACEMENTS[(site_kind, id_name)]:
            values = {"agency_slug": world["slugs"][slug_key]}
            if id_name == "debate_id":
                values[id_name] = world["debates"][obj_key]
            elif id_name == "proposal_id":
                values[id_name] = world["proposals"][obj_key]
            path = "/" + re.sub(r"<\w+:(\w+)>", lambda m, values=values: str(values[m.group(1)]), str(pattern.pattern))
            group_id = values.get(id_name) if id_name else world["sites"].get(slug_key)
            cases.append((pattern, rule, slug_key, obj_key, path, group_id))
    return cases


async def _frames(communicator, timeout=3):
    """Frames until the socket closes or goes quiet: (list of decoded frames, close code)."""
    frames = []
    while True:
        try:
            output = await communicator.receive_output(timeout=timeout)
        except TimeoutError:
            return frames, None
        if output["type"] == "websocket.close":
            return frames, output.get("code")
        frames.append(output)


async def _join(path, cookie):
    headers = list(ORIGIN) + ([cookie] if cookie else [])
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected, path
    first = json.loads(await communicator.receive_from(timeout=5))
    if first["type"] != "hello":
        _, code = await _frames(communicator)
        await communicator.disconnect()
        return [first], code
    snapshot = json.loads(await communicator.receive_from(timeout=5))
    await communicator.disconnect()
    return [first, snapshot], None


async def _walk(world, cases):
    cookies = {role: (await session_cookie_for(user)) for role, user in world["users"].items()}
    failures, admitted, refused = [], 0, 0
    for pattern, rule, slug_key, obj_key, path, group_id in cases:
        obj = None if obj_key is None else (DEBATES if rule.joins in ("debate", "screen") else PROPOSALS)[obj_key]
        for role in ROLES:
            frames, code = await _join(path, cookies.get(role))
            want = expected_admitted(rule, role, slug_key, obj)
            label = f"{role} on {path} ({consumer_of(pattern).__name__}, {obj_key or slug_key})"
            if want:
                admitted += 1
                hello, snapshot = frames[0], frames[-1]
                ok = (len(frames) == 2 and hello["type"] == "hello" and hello["topic"] == rule.group(group_id)
                      and snapshot["type"] == rule.snapshot)
                if ok and rule.joins == "site":
                    ok = _site_list_shows_only_public(snapshot, world, slug_key)
                if not ok:
                    failures.append(f"{label}: should be admitted, got {frames} close {code}")
            else:
                refused += 1
                error = frames[0]
                leaked = [marker for marker in world["titles"] if marker in json.dumps(frames, ensure_ascii=False)]
                ok = (len(frames) == 1 and error["type"] == "error" and set(error) == {"type", "code", "message"}
                      and (error["code"], code) == rule.refusal and not leaked)
                if not ok:
                    failures.append(f"{label}: should be refused {rule.refusal}, got {frames} close {code}")
    return failures, admitted, refused


def _site_list_shows_only_public(snapshot, world, slug_key) -> bool:
    """A public list's snapshot names only the objects that site lists."""
    if snapshot["type"] == "debate_summary":
        shown = {int(k) for k in snapshot["debates"]}
        listed = {world["debates"][k] for k, o in DEBATES.items() if o.exists and o.public and o.site == slug_key}
        return shown == listed
    if snapshot["type"] == "proposal_counts":
        shown = {int(k) for k in snapshot["proposals"]}
        listed = {world["proposals"][k] for k, o in PROPOSALS.items()
                  if o.exists and o.public and (o.site == slug_key or slug_key == "city")}
        return shown == listed
    return True


async def _votes(world):
    """One ballot per role on agency A's open debate: (role, ack or the error's code)."""
    debate_id = world["debates"]["A_open"]
    path = f"/ws/a/{world['slugs']['A']}/debates/{debate_id}/"
    outcomes = {}
    for role in ROLES:
        user = world["users"].get(role)
        headers = list(ORIGIN) + ([await session_cookie_for(user)] if user is not None else [])
        communicator = WebsocketCommunicator(application, path, headers=headers)
        assert (await communicator.connect(timeout=5))[0]
        assert json.loads(await communicator.receive_from(timeout=5))["type"] == "hello"
        assert json.loads(await communicator.receive_from(timeout=5))["type"] == "tally"
        await communicator.send_to(text_data=json.dumps({"type": "vote", "ref": role, "option": world["option"]}))
        while True:
            frame = json.loads(await communicator.receive_from(timeout=5))
            if frame.get("ref") == role:
                outcomes[role] = "ack" if frame["type"] == "ack" else frame["code"]
                break
        await communicator.disconnect()
    return outcomes


def test_every_websocket_join_by_role():
    started = time.monotonic()
    world = _world()
    cases = _cases(world)
    failures, admitted, refused = async_to_sync(_walk)(world, cases)
    elapsed = time.monotonic() - started
    print(f"\n{len(websocket_urlpatterns)} websocket routes, {len(ACCESS)} consumers, "
          f"{len(cases)} route × object placements, {len(ROLES)} roles: {admitted + refused} joins "
          f"({admitted} admitted, {refused} refused) in {elapsed:.1f} s")
    assert not failures, f"{len(failures)} of {admitted + refused} joins wrong:\n" + "\n".join(failures[:40])
    assert len(websocket_urlpatterns) == len({str(p.pattern) for p, *_ in cases})  # every route walked
    # The cases the brief names, so that a change to PLACEMENTS cannot drop them unnoticed.
    walked = {(consumer_of(p).__name__, s, o) for p, _, s, o, _, _ in cases}
    assert {("ModerationConsumer", "A", None), ("DebateConsumer", "A", "B_open"),
            ("DebateConsumer", "A", "A_draft"), ("ProposalConsumer", "A", "A_private"),
            ("FacilitatorConsumer", "A", "A_trashed"), ("DashboardConsumer", "C", None)} <= walked
    assert not expected_admitted(ACCESS[consumers.ModerationConsumer], "admin_B", "A", None)
    assert admitted and refused


def test_a_vote_is_acked_for_every_signed_in_account_not_banned_on_the_site():
    world = _world()
    outcomes = async_to_sync(_votes)(world)
    expected = {role: "ack" for role in ROLES}
    expected.update(anonymous="not_authenticated", suspended="not_authenticated", banned_on_A="banned")
    assert outcomes == expected
    print(f"\nvotes: {sum(v == 'ack' for v in outcomes.values())} acked, "
          f"{sum(v != 'ack' for v in outcomes.values())} refused ({len(outcomes)} roles)")
