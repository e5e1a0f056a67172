"""The harness the security tests share: every route of the URL conf with its converters
filled from real rows, a fingerprint of every table, and the demo world (seed_demo plus the
rows it lacks: comments, opinions, a sanction, a webhook endpoint with a delivery, materials).

Routes are found by walking `get_resolver()`; a converter this module cannot fill fails
`test_every_route_converter_is_filled`, so a new route is never silently left out."""

import hashlib
import re
import uuid
from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver

MISSING_ID = 987654  # an id no row has: the route must answer 404, never 500

# Converters that are not ids: name -> the values worth trying.
SLUG_VALUES = {
    "kind": ["notices", "faq", "events", "participation", "questions", "nonsense"],
    "page_kind": ["terms", "privacy", "nonsense"],
    "vote_type": ["pro_con", "multiple_choice", "research", "discussion", "nonsense"],
    "uidb64": ["MQ"],
    "token": ["set-password"],
}


@dataclass(frozen=True)
class Route:
    template: str  # "a/<slug:agency_slug>/debates/<int:pk>/"
    name: str  # "agency:debate_detail"
    callback: object

    @property
    def converters(self) -> list[tuple[str, str, str]]:
        """(converter, kwarg, the literal segment before it) in order."""
        found = []
        previous = ""
        for segment in self.template.strip("/").split("/"):
            match = re.fullmatch(r"<(?:(\w+):)?(\w+)>(.*)", segment)
            if match:
                found.append((match.group(1) or "str", match.group(2), previous))
            else:
                previous = segment
        return found

    @property
    def is_agency_site(self) -> bool:
        return self.template.startswith("a/<slug:agency_slug>/")


def routes(*, include_django_admin: bool = False) -> list[Route]:
    """Every URL pattern of the project, depth first (Django's own admin and the media
    server are left out unless asked: they are not our forms)."""

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                yield Route(prefix + str(pattern.pattern), namespace + (pattern.name or ""), pattern.callback)

    found = []
    for route in walk(get_resolver().url_patterns, "", ""):
        if route.template.startswith("^media/"):
            continue
        if route.template.startswith("django-admin/") and not include_django_admin:
            continue
        if route.template.startswith("accounts/sso/"):
            continue  # django-allauth's own views (external sign-in), not our forms
        if route.template.startswith("api/v1/") and "<" in route.template:
            # The open API's own operations are fuzzed against its schema by schemathesis
            # (tests/api/test_schema_conformance.py); its parameterless paths stay here.
            continue
        found.append(route)
    return found


def _model(label):
    return apps.get_model(label)


def _site_rows(label, site, **filters):
    return list(_model(label).objects.filter(agency=site, **filters).order_by("pk").values_list("pk", flat=True))


CONTENT_MODELS = {"notices": "content.Notice", "faq": "content.FaqEntry", "events": "content.SiteEvent",
                  "participation": "content.ParticipationEvent", "questions": "content.Question"}


def _ids(segment: str, kwarg: str, site, chosen: dict, route: Route) -> list[int]:
    """Real row ids a converter may take on `site`, child rows under the chosen parent."""
    t = route.template
    if kwarg == "pk":
        if segment == "debates":
            # one debate of each vote type, published or not
            ids, seen = [], set()
            for pk, vote_type in (_model("debates.Debate").objects.filter(agency=site).order_by("pk")
                                  .values_list("pk", "vote_type")):
                if vote_type not in seen:
                    seen.add(vote_type)
                    ids.append(pk)
            return ids
        if segment in ("proposals", "officer"):
            return _site_rows("proposals.Proposal", site)[:3]
        if segment == "executions":
            return _site_rows("executions.ExecutionItem", site)[:2]
        if segment == "webhooks":
            return _site_rows("webhooks.Endpoint", site)[:1]
        if segment == "notices":
            return _site_rows("content.Notice", site)[:1]
        if segment in ("qna", "questions"):
            return _site_rows("content.Question", site)[:2]
        if segment == "events":
            return _site_rows("content.SiteEvent", site)[:1]
        if segment == "participation-events":
            return _site_rows("content.ParticipationEvent", site)[:1]
        if "<slug:kind>" in t:
            label = CONTENT_MODELS.get(chosen.get("kind"))
            return _site_rows(label, site)[:1] if label else []
    if kwarg == "comment_pk":
        comments = _model("comments.Comment").objects.order_by("pk")
        if "debates/" in t:
            comments = comments.filter(debate_id=chosen.get("pk"))
        elif "proposals/" in t:
            comments = comments.filter(proposal_id=chosen.get("pk"))
        else:  # moderation: any comment on the site
            comments = (comments.filter(debate__agency=site) | comments.filter(proposal__agency=site))
        return list(comments.values_list("pk", flat=True)[:2])
    if kwarg == "opinion_pk":
        opinions = _model("debates.Opinion").objects.order_by("pk")
        if "debates/<int:pk>" in t:
            opinions = opinions.filter(debate_id=chosen.get("pk"))
        else:
            opinions = opinions.filter(debate__agency=site)
        return list(opinions.values_list("pk", flat=True)[:1])
    if kwarg == "material_pk":
        if "executions/" in t:
            return list(_model("executions.ExecutionMaterial").objects.filter(item_id=chosen.get("pk"))
                        .values_list("pk", flat=True)[:1])
        return list(_model("debates.DebateMaterial").objects.filter(debate_id=chosen.get("pk"))
                    .values_list("pk", flat=True)[:1])
    if kwarg == "key_pk":
        return _site_rows("integrations.ApiKey", site)[:1]
    if kwarg == "user_pk":  # a member of the site: someone who filed a proposal there
        return list(_model("proposals.Proposal").objects.filter(agency=site).order_by("pk")
                    .values_list("author_id", flat=True).distinct()[:1])
    if kwarg == "sanction_pk":
        return _site_rows("agencies.Sanction", site)[:1]
    if kwarg == "delivery_pk":
        return list(_model("webhooks.Delivery").objects.filter(endpoint_id=chosen.get("pk"))
                    .values_list("pk", flat=True)[:1])
    raise LookupError(f"no rows known for <{kwarg}> after '{segment}' in {t}")


def fill(route: Route, site, *, missing: bool = True) -> list[str]:
    """Concrete paths for `route` on `site` (the city for the root routes, an agency for
    /a/<slug>/): every combination of real ids (capped), plus one with an id no row has."""
    partials = [({}, route.template)]
    for converter, kwarg, segment in route.converters:
        grown = []
        for chosen, path in partials:
            if kwarg == "agency_slug":
                values = [site.slug]
            elif converter == "int":
                values = _ids(segment, kwarg, site, chosen, route) or []
                if missing:
                    values = [*values, MISSING_ID]
                values = values or [MISSING_ID]
            elif kwarg in SLUG_VALUES:
                values = SLUG_VALUES[kwarg]
            else:
                raise LookupError(f"no values known for <{converter}:{kwarg}> in {route.template}")
            token = next(t for t in re.findall(r"<[^>]+>", path) if t.endswith(f"{kwarg}>"))
            for value in values:
                grown.append(({**chosen, kwarg: value}, path.replace(token, str(value), 1)))
        partials = grown[:12]
    return ["/" + path for _, path in partials]


# --- fingerprints ---------------------------------------------------------------------------
# Tables whose rows change as a side effect of any request (sessions on login).
VOLATILE_TABLES = {"django_session"}


def tables() -> list[str]:
    names = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            names.add(model._meta.db_table)
    return sorted(names - VOLATILE_TABLES)


def fingerprint() -> dict[str, tuple[int, str]]:
    """Per table: row count and a digest of every row (so updates count, not only inserts).
    PostgreSQL digests in one round trip; SQLite (in process) row by row."""
    result = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            parts = [
                f"SELECT %s, COUNT(*), md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f"FROM {connection.ops.quote_name(table)} t"
                for table in tables()
            ]
            cursor.execute(" UNION ALL ".join(parts), tables())  # nosec B608 (names from the app registry)
            return {table: (count, digest) for table, count, digest in cursor.fetchall()}
        for table in tables():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY 1")  # nosec B608 (names from the app registry)
            rows = cursor.fetchall()
            digest = hashlib.sha256(repr(rows).encode("utf-8", "surrogatepass")).hexdigest()[:16]
            result[table] = (len(rows), digest)
    return result


def row_counts(labels) -> dict[str, int]:
    return {label: _model(label).objects.count() for label in labels}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


# --- the world ------------------------------------------------------------------------------
def build_world(text=lambda field, default: default):
    """seed_demo, then the rows the demo lacks, each made through its service. `text(field,
    default)` gives the user text to store (the XSS test passes payloads). Returns a dict of
    the actors and sites."""
    from django.core.management import call_command

    from deliberation.accounts.models import User
    from deliberation.agencies.models import Agency, Role
    from deliberation.agencies.sanctions import sanction_user
    from deliberation.agencies.selectors import city
    from deliberation.comments.services import post_comment, report_comment
    from deliberation.debates.admin_services import add_material
    from deliberation.debates.models import Debate
    from deliberation.debates.services import post_opinion
    from deliberation.proposals.models import Proposal
    from deliberation.webhooks.models import Delivery, Endpoint, WebhookEvent
    from deliberation.webhooks.services import new_secret

    call_command("seed_demo", stdout=_Null())
    users = {u.username: u for u in User.objects.filter(username__in=[
        "platform", "sisul-admin", "metro-admin", "citizen", "citizen2", "sisul-moderator"])}
    sisul = Agency.objects.get(slug="sisul")
    seoul = city()
    for site in (seoul, sisul):
        proposal = Proposal.objects.filter(agency=site).order_by("pk").first()
        comment = post_comment(proposal=proposal, author=users["citizen"],
                               body=text("proposal_comment", "제안에 대한 댓글입니다."))
        report_comment(comment=comment, reporter=users["citizen2"], reason=text("report_reason", "부적절"))
        for debate in Debate.objects.filter(agency=site).order_by("pk"):
            post_comment(debate=debate, author=users["citizen2"], body=text("debate_comment", "토론 댓글입니다."))
            if debate.vote_type == "discussion":
                post_opinion(debate_id=debate.pk, author=users["citizen"], body=text("opinion", "의견입니다."))
        admin = users["platform"]
        first = Debate.objects.filter(agency=site).order_by("pk").first()
        add_material(actor=admin, debate_id=first.pk, kind="link", title=text("material_title", "참고 자료"),
                     url="https://example.org/material")
        troll = User.objects.get(username="supporter000")
        sanction_user(actor=admin, agency=site, user_id=troll.pk, kind="mute", reason=text("sanction", "도배"), days=7)
        endpoint = Endpoint.objects.create(agency=site, url="https://partner.example.org/hook",
                                           description=text("webhook_description", "파트너"),
                                           events=["proposal.filed"], secret=new_secret(), created_by=admin)
        event = WebhookEvent.objects.create(agency=site, type="proposal.filed", payload={"id": 1})
        Delivery.objects.create(event=event, endpoint=endpoint, message_id=f"msg_{uuid.uuid4().hex}")
    return {"users": users, "city": seoul, "sisul": sisul,
            "metro": Agency.objects.get(slug="seoul-metro"), "roles": Role}


class _Null:
    def write(self, *_):
        pass

    def flush(self):
        pass
