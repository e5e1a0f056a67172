"""Every public URL of the project, walked from the URL conf (not listed by hand), requested
as each role: only the intended roles get data.

The back office (manage/, platform/) has its own walk (tests/test_back_office_access.py),
the open API (api/) its schema fuzzing and key tests (tests/api/), Django's admin is not
ours. Everything else — the city's pages at /, an agency's at /a/<slug>/, and accounts/ — is
classified here by URL name; a route without an entry in ACCESS fails until someone decides
who may use it.

Each route that names an object is requested once per variant of that object: visible,
each way it can be hidden (private, trashed, draft, unpublished, …) and another agency's
(cross-site). Whoever the selectors let see a hidden object gets 200 with its title; everyone
else gets 404 and the title is absent. On every response, whatever the route: no hidden
object's title, hidden comment or unapproved answer appears to a role that may not see it,
and no other user's e-mail address appears at all."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from deliberation.agencies.models import Department, Membership
from deliberation.agencies.selectors import city
from deliberation.comments.services import post_comment
from deliberation.content.models import Notice, ParticipationEvent, Question, SiteEvent
from deliberation.debates.models import Debate, VoteType
from deliberation.debates.services import post_opinion
from deliberation.executions.models import ExecutionItem
from deliberation.proposals.models import AnswerStatus, Decision, DepartmentAnswer
from tests.factories import AgencyFactory, CitizenFactory, given_proposal_in_review
from tests.security.harness import routes

ANON, CITIZEN, AUTHOR = "anonymous", "citizen", "author"
OFFICER, FACILITATOR, MODERATOR = "officer", "facilitator", "moderator"
OTHER_ADMIN, ADMIN, PLATFORM = "other_agency_admin", "admin", "platform_admin"
ROLES = [ANON, CITIZEN, AUTHOR, OFFICER, FACILITATOR, MODERATOR, OTHER_ADMIN, ADMIN, PLATFORM]
STAFF = (OFFICER, FACILITATOR, MODERATOR, ADMIN)
EVERYONE = frozenset(ROLES)

# Left to their own walks (see the module docstring).
ELSEWHERE = ("manage/", "a/<slug:agency_slug>/manage/", "platform/", "django-admin/", "api/")

# How a route answers GET:
PUBLIC = "public"  # 200 for everyone
OPEN = "open"  # anything but a refusal or an error (log-in, log-out, language: forms and redirects)
SIGNED_IN = "signed-in"  # anonymous → log in; everyone else 200
SELF = "self"  # as SIGNED_IN, and the page is about the requester: their username shows
DETAIL = "detail"  # the object's page: 200 with its title for who may see it, else 404
REPORT = "report"  # log-in required, then as DETAIL (the report form of a comment)
AUTHOR_ONLY = "author"  # log-in required, then only the author of the object (edit forms)
POST_ONLY = "post"  # GET → 405 for everyone; POST {} on a hidden/cross object → 404 for who may not see it
POST_LOGIN = "post-login"  # as POST_ONLY behind a log-in (anonymous → log in)

# URL name (without the city:/agency: namespace) → (kind, the object its ids name).
ACCESS = {
    "accounts:signup": (OPEN, None),
    "accounts:login": (OPEN, None),  # a signed-in user is redirected home
    "accounts:logout": (OPEN, None),  # POST only
    "accounts:password_reset": (PUBLIC, None),
    "accounts:password_reset_done": (PUBLIC, None),
    "accounts:password_reset_confirm": (PUBLIC, None),  # an invalid link: the "link expired" page
    "accounts:password_reset_complete": (PUBLIC, None),
    "accounts:me": (SELF, None),
    "accounts:my_data": (SELF, None),
    "accounts:delete_me": (SELF, None),
    "set_language": (OPEN, None),
    "home": (PUBLIC, None),
    "debate_list": (PUBLIC, None),
    "debate_detail": (DETAIL, "debate"),
    "debate_ballot": (POST_ONLY, "debate"),
    "debate_ballot_json": (POST_ONLY, "debate"),
    "debate_opinion": (POST_ONLY, "debate"),
    "debate_opinion_support": (POST_ONLY, "debate"),
    "debate_comment": (POST_ONLY, "debate"),
    "debate_comment_edit": (AUTHOR_ONLY, "debate"),
    "debate_comment_delete": (POST_LOGIN, "debate"),
    "debate_comment_report": (REPORT, "debate"),
    "proposal_list": (PUBLIC, None),
    "proposal_new": (SIGNED_IN, None),
    "proposal_detail": (DETAIL, "proposal"),
    "proposal_support": (POST_ONLY, "proposal"),
    "proposal_support_json": (POST_ONLY, "proposal"),
    "proposal_withdraw_json": (POST_ONLY, "proposal"),
    "proposal_comment": (POST_ONLY, "proposal"),
    "proposal_comment_edit": (AUTHOR_ONLY, "proposal"),
    "proposal_comment_delete": (POST_LOGIN, "proposal"),
    "proposal_comment_report": (REPORT, "proposal"),
    "execution_list": (PUBLIC, None),
    "execution_following": (SIGNED_IN, None),
    "execution_detail": (DETAIL, "execution"),
    "execution_follow": (POST_ONLY, "execution"),
    "notice_list": (PUBLIC, None),
    "notice_detail": (DETAIL, "notice"),
    "faq": (PUBLIC, None),
    "qna_list": (PUBLIC, None),
    "qna_ask": (SIGNED_IN, None),
    "qna_detail": (DETAIL, "question"),
    "qna_edit": (AUTHOR_ONLY, "question"),
    "qna_delete": (POST_LOGIN, "question"),
    "event_list": (PUBLIC, None),
    "event_detail": (DETAIL, "event"),
    "participation_list": (PUBLIC, None),
    "participation_detail": (DETAIL, "participation"),
    "terms": (PUBLIC, None),
    "privacy": (PUBLIC, None),
    "agency_list": (PUBLIC, None),
}

# Each object's variants: "visible", the hidden ones, and "cross" (another agency's visible one).
VARIANTS = {
    "proposal": ["visible", "private", "trashed", "cross"],
    "debate": ["visible", "draft", "hidden", "trashed", "cross"],
    "execution": ["visible", "hidden", "cross"],
    "notice": ["visible", "private", "scheduled", "cross"],
    "question": ["visible", "private", "hidden", "cross"],
    "event": ["visible", "hidden", "cross"],
    "participation": ["visible", "hidden", "cross"],
}
# Who may see a hidden object on its public page, besides nobody (as the selectors decide):
# an agency's admins and the platform admin see a private or trashed proposal
# (proposal_on_site: not its author) and a hidden execution item (item_on_site); a question
# the asker made private or an admin hid is read by the asker and the site's admins
# (content.selectors._readable_questions). Drafts, hidden debates, unpublished notices and
# events are seen by nobody here: staff preview them in the back office.
HIDDEN_SEEN_BY = {"proposal": {ADMIN, PLATFORM}, "execution": {ADMIN, PLATFORM},
                  "question": {AUTHOR, ADMIN, PLATFORM}}
# The city's site cross-lists every agency's proposals and execution items.
CROSS_LISTED_ON_CITY = {"proposal", "execution"}


def public_routes():
    """(name, template) of every named route not left to another walk; the city's and an
    agency's copies of the site patterns both count."""
    found = []
    for route in routes():
        if route.template.startswith(ELSEWHERE):
            continue
        assert route.name, f"{route.template} has no name: name it so ACCESS can classify it"
        found.append((route.name, route.template))
    return sorted(set(found))


def entry(name: str):
    namespace, _, short = name.rpartition(":")
    return ACCESS.get(name) or (ACCESS.get(short) if namespace in ("city", "agency") else None)


ROUTES = public_routes()


def _cases():
    for name, template in ROUTES:
        found = entry(name)
        obj = found[1] if found else None
        for variant in VARIANTS.get(obj, [None]):
            yield pytest.param(name, template, variant, id=f"{name}[{variant}]" if variant else name)


CASES = list(_cases())


def test_the_walk_finds_every_public_route():
    names = {name for name, _ in ROUTES}
    assert {"city:home", "agency:proposal_detail", "accounts:my_data", "agency:qna_edit"} <= names
    assert not any(name.startswith(("platform:", "admin:")) or "manage_" in name for name in names)
    assert len(ROUTES) >= 90


@pytest.mark.parametrize("name,template", ROUTES, ids=[name for name, _ in ROUTES])
def test_every_public_route_has_an_access_entry(name, template):
    assert entry(name) is not None, f"{name} ({template}) has no entry in ACCESS: say who may use it"


# --- the world ------------------------------------------------------------------------------
@dataclass
class Site:
    agency: object
    staff: dict = field(default_factory=dict)  # role → user
    objects: dict = field(default_factory=dict)  # (kind, variant) → row
    comments: dict = field(default_factory=dict)  # (kind, variant) → comment pk
    opinions: dict = field(default_factory=dict)  # variant → opinion pk


def _title(site_key, kind, variant):
    return f"uwk-{site_key}-{kind}-{variant}-title"


def _build_site(site_key, agency, author, *, staff_roles):
    site = Site(agency=agency)
    department = Department.objects.create(agency=agency, name=f"uwk 부서 {site_key}")
    for role in staff_roles:
        user = CitizenFactory(username=f"uwk-{site_key}-{role}")
        Membership.objects.create(user=user, agency=agency, role=role,
                                  department=department if role == OFFICER else None)
        site.staff[role] = user
    now = timezone.now()
    admin = site.staff.get(ADMIN) or author
    hidden = {}  # (kind, variant) → the update that hides it, applied once comments exist

    for variant in ("visible", "private", "trashed"):
        proposal = given_proposal_in_review(agency=agency, author=author, title=_title(site_key, "proposal", variant),
                                            body=f"uwk-{site_key}-proposal-{variant}-body")
        site.objects["proposal", variant] = proposal
        site.comments["proposal", variant] = post_comment(proposal=proposal, author=author,
                                                          body=f"uwk-{site_key}-comment-{variant}").pk
    hidden["proposal", "private"] = {"is_public": False}
    hidden["proposal", "trashed"] = {"trashed_at": now}
    visible = site.objects["proposal", "visible"]
    DepartmentAnswer.objects.create(review=visible.review, department=department, decision=Decision.ACCEPT,
                                    body=f"uwk-{site_key}-unapproved-answer", written_by=author,
                                    status=AnswerStatus.SUBMITTED)
    removed = post_comment(proposal=visible, author=author, body=f"uwk-{site_key}-hidden-comment")
    type(removed).objects.filter(pk=removed.pk).update(hidden_at=now)

    for variant in ("visible", "draft", "hidden", "trashed", "source-1", "source-2"):
        debate = Debate.objects.create(agency=agency, title=_title(site_key, "debate", variant),
                                       vote_type=VoteType.DISCUSSION, is_published=True,
                                       opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=3))
        site.objects["debate", variant] = debate
        site.comments["debate", variant] = post_comment(debate=debate, author=author,
                                                        body=f"uwk-{site_key}-debate-comment-{variant}").pk
        site.opinions[variant] = post_opinion(debate_id=debate.pk, author=author,
                                              body=f"uwk-{site_key}-opinion-{variant}").pk
    hidden["debate", "draft"] = {"is_published": False}
    hidden["debate", "hidden"] = {"is_hidden": True}
    hidden["debate", "trashed"] = {"trashed_at": now}

    for variant, source in (("visible", "source-1"), ("hidden", "source-2")):
        site.objects["execution", variant] = ExecutionItem.objects.create(
            agency=agency, title=_title(site_key, "execution", variant), debate=site.objects["debate", source],
            department=department, created_by=admin, is_public=variant == "visible")
    for variant in ("visible", "private", "scheduled"):
        site.objects["notice", variant] = Notice.objects.create(
            agency=agency, title=_title(site_key, "notice", variant), body="uwk", created_by=admin,
            is_public=variant != "private",
            published_at=now + timedelta(days=3) if variant == "scheduled" else now - timedelta(hours=1))
    for variant in ("visible", "private", "hidden"):
        site.objects["question", variant] = Question.objects.create(
            agency=agency, author=author, title=_title(site_key, "question", variant), body="uwk 질문",
            is_private=variant == "private", is_public=variant != "hidden")
    for variant in ("visible", "hidden"):
        # This month, so the calendar's default month lists it.
        site.objects["event", variant] = SiteEvent.objects.create(
            agency=agency, title=_title(site_key, "event", variant), place="시청", is_public=variant == "visible",
            starts_at=now, ends_at=now + timedelta(hours=2))
        site.objects["participation", variant] = ParticipationEvent.objects.create(
            agency=agency, title=_title(site_key, "participation", variant), is_public=variant == "visible",
            starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=5),
            announces_at=now + timedelta(days=6))
    for (kind, variant), changes in hidden.items():
        row = site.objects[kind, variant]
        type(row).objects.filter(pk=row.pk).update(**changes)
    return site


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One world for the module (every request is a GET, or a POST refused before it writes,
    and each test runs in its own savepoint): the city and agency A with their staff and a row
    of every kind in every variant, agency B with its admin and rows. Rolled back at the end."""
    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]), transaction.atomic():
        author = CitizenFactory(username="uwk-author")
        users = {CITIZEN: CitizenFactory(username="uwk-citizen"), AUTHOR: author,
                 PLATFORM: CitizenFactory(username="uwk-platform", is_platform_admin=True)}
        sites = {
            "city": _build_site("city", city(), author, staff_roles=STAFF),
            "a": _build_site("a", AgencyFactory(slug="uwk-a"), author, staff_roles=STAFF),
            "b": _build_site("b", AgencyFactory(slug="uwk-b"), author, staff_roles=(ADMIN,)),
        }
        users[OTHER_ADMIN] = sites["b"].staff[ADMIN]
        yield {"users": users, "sites": sites}
        transaction.set_rollback(True)


def _here(name):
    """The site key a route is on (accounts and the language switch count as the city's)."""
    return "a" if name.startswith("agency:") else "city"


def user_for(world, here, role):
    if role == ANON:
        return None
    if role in world["users"]:
        return world["users"][role]
    return world["sites"][here].staff[role]


def seen_by(kind, variant, here) -> frozenset:
    """Who may see the object a case names on its public page."""
    if variant == "visible":
        return EVERYONE
    if variant == "cross":
        return EVERYONE if here == "city" and kind in CROSS_LISTED_ON_CITY else frozenset()
    return frozenset(HIDDEN_SEEN_BY.get(kind, ()))


def secrets(world, here, name):
    """(text, roles that may read it) of everything hidden in the world, as seen by a
    requester of a page on site `here`: 'admin' is that site's admin, B's is 'other_agency_admin'."""
    found = []
    for key, site in world["sites"].items():
        site_admins = {ADMIN} if key == here else ({OTHER_ADMIN} if key == "b" else set())
        for kind, variant in site.objects:
            if variant in ("visible", "source-1", "source-2"):
                continue
            readers = set(HIDDEN_SEEN_BY.get(kind, ()))
            if ADMIN in readers:
                readers = readers - {ADMIN} | site_admins
            if name == "accounts:my_data":
                readers.add(AUTHOR)  # the author's own download lists everything they wrote
            found.append((_title(key, kind, variant), readers))
        found.append((f"uwk-{key}-hidden-comment", {AUTHOR}))
        found.append((f"uwk-{key}-unapproved-answer", set()))  # the public page shows approved answers only
    return found


def url_for(world, name, template, variant, kind) -> tuple[str, str | None]:
    """The path, and the title of the object it names (None when it names none)."""
    here = _here(name)
    owner = world["sites"]["b" if variant == "cross" else here]
    key = (kind, "visible" if variant == "cross" else variant)
    kwargs, title = {}, None
    for converter, kwarg in re.findall(r"<(?:(\w+):)?(\w+)>", template):
        if kwarg == "agency_slug":
            kwargs[kwarg] = world["sites"][here].agency.slug
        elif kwarg == "pk":
            kwargs[kwarg] = owner.objects[key].pk
            title = _title("b" if variant == "cross" else here, *key)
        elif kwarg == "comment_pk":
            kwargs[kwarg] = owner.comments[key]
        elif kwarg == "opinion_pk":
            kwargs[kwarg] = owner.opinions[key[1]]
        elif kwarg == "uidb64":
            kwargs[kwarg] = "MQ"
        elif kwarg == "token":
            kwargs[kwarg] = "set-password"
        else:
            pytest.fail(f"{name}: the walk does not know how to fill <{converter}:{kwarg}>; add it to url_for")
    return reverse(name, kwargs=kwargs or None), title


def _login_redirect(response):
    return response.status_code == 302 and "/accounts/login/" in response.get("Location", "")


@pytest.mark.django_db
@pytest.mark.parametrize("name,template,variant", CASES)
def test_roles_on_every_public_url(world, name, template, variant):
    found = entry(name)
    if found is None:
        pytest.fail(f"{name} has no entry in ACCESS")
    kind, obj = found
    here = _here(name)
    url, title = url_for(world, name, template, variant, obj)
    seen = seen_by(obj, variant, here) if obj else EVERYONE
    hidden_texts = secrets(world, here, name)
    emails = {role: user.email for role in ROLES if role != ANON
              for user in [user_for(world, here, role)]}
    problems = []
    for role in ROLES:
        client = Client()
        user = user_for(world, here, role)
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        status, body = response.status_code, response.content.decode("utf-8", "replace")
        expected = _expected(kind, role, seen)
        refused = expected in ("404", "login", "405")
        if not _matches(expected, response):
            problems.append(f"{role}: expected {expected}, got {status} {response.get('Location', '')}")
        if status >= 500:
            problems.append(f"{role}: server error {status}")
        if title and refused and title in body:
            problems.append(f"{role}: refused ({status}) but the object's title is in the response")
        if title and expected == "200" and kind in (DETAIL,) and title not in body:
            problems.append(f"{role}: 200 without the object's title")
        for text, readers in hidden_texts:
            if role not in readers and text in body:
                problems.append(f"{role}: {text!r} is in the response ({status})")
        for other, email in emails.items():
            if other != role and email in body:
                problems.append(f"{role}: {other}'s e-mail address {email} is in the response")
        if kind == SELF and user is not None and status == 200 and user.username not in body:
            problems.append(f"{role}: the page about the requester does not name them")
        if kind in (POST_ONLY, POST_LOGIN) and variant not in (None, "visible") and role not in seen:
            posted = client.post(url, {})
            allowed = (404, 401) if role == ANON or kind == POST_ONLY else (404,)
            if not (posted.status_code in allowed or _login_redirect(posted)):
                problems.append(f"{role}: POST expected 404, got {posted.status_code} {posted.get('Location', '')}")
            if title and title in posted.content.decode("utf-8", "replace"):
                problems.append(f"{role}: POST refused but the object's title is in the response")
    assert not problems, f"{url}:\n  " + "\n  ".join(problems)


def _expected(kind, role, seen) -> str:
    """'200', '404', 'login', '405' or 'open' (anything but 403/404/5xx)."""
    if kind == PUBLIC:
        return "200"
    if kind == OPEN:
        return "open"
    if kind in (SIGNED_IN, SELF):
        return "login" if role == ANON else "200"
    if kind == DETAIL:
        return "200" if role in seen else "404"
    if kind == REPORT:
        return "login" if role == ANON else ("200" if role in seen else "404")
    if kind == AUTHOR_ONLY:
        return "login" if role == ANON else ("200" if role == AUTHOR and AUTHOR in seen else "404")
    if kind == POST_LOGIN:
        return "login" if role == ANON else "405"
    if kind == POST_ONLY:
        return "405"
    raise AssertionError(kind)


def _matches(expected, response) -> bool:
    status = response.status_code
    if expected == "login":
        return _login_redirect(response)
    if expected == "open":
        return status not in (403, 404) and status < 500
    return status == int(expected)
