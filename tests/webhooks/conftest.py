import pytest

from deliberation.events import Event
from deliberation.webhooks import services
from tests.factories import agency_admin

from .partner import Partner, Serving


@pytest.fixture(autouse=True)
def local_receiver_allowed(settings):
    """The stand-in listens on http://127.0.0.1: allowed in these tests only (production
    never sets either; `check --deploy` fails when it does)."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2.0


@pytest.fixture
def partner():
    with Serving(Partner()) as running:
        yield running


def subscribe(partner: Partner, agency, name: str = "main", events=Event.ALL, admin=None):
    """An endpoint of `agency` pointing at the stand-in, which learns its secret."""
    endpoint, secret = services.register_endpoint(
        actor=admin or agency_admin(agency), agency=agency, url=partner.url(name), events=list(events),
        description="partner")
    partner.secrets[name] = secret
    return endpoint
