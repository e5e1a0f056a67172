"""Every form and JSON endpoint under hypothesis-generated garbage (issue 9).

The URL conf is walked (tests/security/harness.py); converters are filled with real rows of
the demo world. Every route that accepts POST (it does not answer 405) gets garbage form posts
and garbage JSON bodies — built from the field names its real forms use (harvested from every
page's <form>s) plus random names, with text, NUL and control characters, digits that are not
numbers ("²"), huge numbers, long strings, lists, and bodies that are not JSON at all — as
anonymous, as a citizen and as the site's admin (the platform admin for the city). CSRF is not
enforced (Django's test client), so the garbage reaches the views' own validation.

Pass: no request gets a 5xx or raises, and a request that was refused (4xx) changed no row of
any table (a digest of every row, not only counts)."""

import json
from collections import Counter, defaultdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from . import harness

EXAMPLES_PER_ROUTE = 3  # random ones per route and role, after the classic ones below
EXAMPLES_PER_JSON_ROUTE = 30  # the few JSON endpoints get more


def classics(names):
    """The same hard cases on every route: each known field at once set to NUL, to a digit
    that is not a number, to a number past 64 bits, to a list; JSON that is not an object."""
    names = sorted(names) or ["x"]
    return [
        ("form", {n: "a\x00b" for n in names}),
        ("form", {n: "²" for n in names}),
        ("form", {n: str(2**64) for n in names}),
        ("form", {n: ["1", "x", ""] for n in names}),
        ("json", json.dumps({n: ["²", None, {"a": 1}] for n in names}).encode()),
        ("json", b"[]"),
    ]


# --- the forms the pages really have --------------------------------------------------------
class _Forms(HTMLParser):
    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.fields = defaultdict(set)  # action path -> field names
        self.values = defaultdict(set)  # field name -> values offered (options, checkboxes)
        self._action = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._action = urlsplit(attrs.get("action") or self.page).path
        elif tag in ("input", "textarea", "select", "button") and attrs.get("name"):
            name = attrs["name"]
            self.fields[self._action or self.page].add(name)
            if attrs.get("value") is not None and tag in ("input", "button"):
                self.values[name].add(attrs["value"])
            if tag == "select":
                self._select = name
        elif tag == "option" and self._select and attrs.get("value") is not None:
            self.values[self._select].add(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None
        elif tag == "select":
            self._select = None


def harvest_forms(client, paths):
    fields, values = defaultdict(set), defaultdict(set)
    for path in paths:
        response = client.get(path)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = _Forms(path)
            parser.feed(response.content.decode())
            for action, names in parser.fields.items():
                fields[action] |= names
            for name, offered in parser.values.items():
                values[name] |= offered
    return fields, values


# --- garbage --------------------------------------------------------------------------------
_chars = st.characters(blacklist_categories=("Cs",))
_text = st.text(alphabet=_chars, max_size=30)
_nasty = st.sampled_from([
    "", " ", "\x00", "a\x00b", "²", "①", "٣", "-1", "0", "1e309", "NaN", "9" * 30, str(2**63), "0x1F",
    "<script>alert(1)</script>", "'; DROP TABLE x; --", "../../etc/passwd", "2026-02-30", "2026-13-01T25:61",
    "on", "true", "null", "[]", "{}", "é" * 3000, "x" * 70000, "\r\n" * 50, "\u202e", "%00", "%s%s%n",
])
_value = st.one_of(_text, _nasty, st.integers().map(str), st.floats(allow_nan=True).map(str))


def form_bodies(names, offered):
    name = st.one_of(st.sampled_from(sorted(names)), _text) if names else _text
    value = st.one_of(_value, st.sampled_from(sorted(offered))) if offered else _value
    return st.dictionaries(name, st.one_of(value, st.lists(value, max_size=4)), max_size=8)


_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), _text, _nasty)


def json_bodies(names):
    key = st.one_of(st.sampled_from(sorted(names)), _text) if names else _text
    value = st.recursive(_json_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(_text, inner, max_size=3)),
                         max_leaves=8)
    return st.one_of(
        st.dictionaries(key, value, max_size=6).map(lambda d: json.dumps(d).encode()),
        value.map(lambda v: json.dumps(v).encode()),  # JSON, not an object
        st.binary(max_size=64),  # not JSON, maybe not UTF-8
        st.sampled_from([b"", b"{", b'{"a":' + b"[" * 3000, b"\xff\xfe", b'{"option": 1e999}', b"NaN"]),
    )


# --- the walk -------------------------------------------------------------------------------
ROLES = ["anonymous", "citizen", "admin"]


def settings_login_url() -> str:
    from django.conf import settings
    from django.shortcuts import resolve_url

    return resolve_url(settings.LOGIN_URL)


def _user(world, role, route):
    users = world["users"]
    if role == "citizen":
        return users["citizen"]
    if role == "admin":
        return users["sisul-admin"] if route.is_agency_site else users["platform"]
    return None


@pytest.mark.django_db
def test_garbage_posts_to_every_form_and_json_endpoint_never_5xx_and_refusals_change_nothing():
    world = harness.build_world()
    routes = harness.routes()
    paths = {route: harness.fill(route, world["sisul"] if route.is_agency_site else world["city"])
             for route in routes}

    looker = Client()
    looker.force_login(world["users"]["platform"])
    fields, offered = harvest_forms(looker, [p for ps in paths.values() for p in ps])
    sisul_admin = Client()
    sisul_admin.force_login(world["users"]["sisul-admin"])
    more_fields, more_offered = harvest_forms(sisul_admin, [p for r, ps in paths.items() if r.is_agency_site for p in ps])
    for action, names in more_fields.items():
        fields[action] |= names
    for name, values in more_offered.items():
        offered[name] |= values
    all_offered = set().union(*offered.values())

    failures = []
    stats = Counter()
    for role in ROLES:
        for route in routes:
            user = _user(world, role, route)
            client = Client()
            if user is not None:
                client.force_login(user)
            route_paths = paths[route]
            probe = client.post(route_paths[0])
            if probe.status_code == 405:
                stats["get-only route probes"] += 1
                continue
            if user is None and probe.status_code == 302 and probe["Location"].startswith(settings_login_url()):
                # login_required answered before the view: nothing of the body is read
                stats["anonymous routes sent to log in"] += 1
                continue
            names = set().union(*(fields.get(p, set()) for p in route_paths))
            stats[f"{role} routes"] += 1

            state = {"rows": harness.fingerprint()}

            def send(path, form=None, body=None):
                before = state["rows"]
                try:
                    if body is not None:
                        response = client.post(path, data=body, content_type="application/json")
                    else:
                        response = client.post(path, data=form)
                except Exception as exc:  # the test client re-raises what the view raised
                    state["rows"] = harness.fingerprint()
                    return f"raised {type(exc).__name__}: {exc}"[:300]
                finally:
                    if user is not None and "_auth_user_id" not in client.session:
                        client.force_login(user)  # a garbage post to logout/ logged us out
                status = response.status_code
                stats[f"{status // 100}xx"] += 1
                if status >= 500:
                    return f"status {status}"
                after = state["rows"] = harness.fingerprint()
                if 400 <= status < 500 and harness.changed_tables(before, after):
                    return f"refused with {status} but changed {harness.changed_tables(before, after)}"
                return None

            is_json = route.template.endswith(".json")

            @settings(max_examples=EXAMPLES_PER_JSON_ROUTE if is_json else EXAMPLES_PER_ROUTE, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(path=st.sampled_from(route_paths),
                   payload=st.one_of(form_bodies(names, all_offered).map(lambda f: ("form", f)),
                                     json_bodies(names).map(lambda b: ("json", b))))
            def fuzz(path, payload):
                kind, data = payload
                stats[f"{kind} posts"] += 1
                problem = send(path, **({"form": data} if kind == "form" else {"body": data}))
                assert problem is None, problem

            for classic in classics(names):
                fuzz = example(path=route_paths[0], payload=classic)(fuzz)
            try:
                fuzz()
            except AssertionError as exc:
                failures.append(f"{role} {route.name} {route.template}: {str(exc)[:1500]}")

    print(f"\nHTTP fuzz: {dict(stats)}")
    assert not failures, "\n\n".join(failures)
    assert stats["admin routes"] > 100 and stats["citizen routes"] > 100 and stats["anonymous routes"] >= 10
    assert stats["form posts"] + stats["json posts"] > 2000 and stats["4xx"] > 500
