"""Schemathesis against the generated OpenAPI schema, through the WSGI app in this process (so
it sees the test database): every operation, with and without a key, never answers 5xx,
never answers an undeclared status, and every reply matches its declared schema."""

from collections import defaultdict

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from deliberation.agencies.selectors import city
from deliberation.debates.services import cast_ballot
from deliberation.comments.models import Comment
from tests.factories import AgencyFactory, CitizenFactory, given_proposal, open_pro_con_debate

from .conftest import make_key

EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def demo_like_data(db):
    """A city and an agency with proposals (one filed by the partner), a debate with a ballot
    and comments; and the agency's key with every scope."""
    agency = AgencyFactory(slug="seongdong", name="성동구")
    citizen = CitizenFactory()
    for site in (city(), agency):
        proposal = given_proposal(agency=site, themes="#교통")
        Comment.objects.create(proposal=proposal, author=citizen, body="찬성합니다")
        debate = open_pro_con_debate(agency=site)
        cast_ballot(debate=debate, citizen=citizen, option_id=debate.options.first().pk)
    _, token = make_key(agency)
    return token


@pytest.fixture
def wsgi_app():
    """The WSGI app in this process, keeping the test's database connection open between
    requests (as Django's test client does)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_schema(demo_like_data, wsgi_app, mode):
    """Each operation in turn (schemathesis' pytest loader does not run on pytest 9, so the
    operations' strategies are driven by hypothesis here): valid requests (positive) and
    requests that break the schema (negative), each sent without a key and with one."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    key = {"Authorization": f"Bearer {demo_like_data}"}
    seen = defaultdict(set)
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for headers in (None, {**(case.headers or {}), **key}):
                response = case.call_and_validate(checks=CHECKS, headers=headers)
                seen[operation.label].add(response.status_code)

        run()
    # The generated requests reached the work itself, not only the refusals.
    if mode == GenerationMode.POSITIVE:
        assert 201 in seen["POST /api/v1/partner/proposals"], seen
        assert 200 in seen["GET /api/v1/proposals"] and 200 in seen["GET /api/v1/partner/proposals"], seen
