import pytest
from channels.layers import channel_layers

from realtime.publisher import reset_publisher

from .factories import AgencyFactory, CitizenFactory, open_pro_con_debate  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_realtime(settings):
    """Each test gets its own channel layer and publisher (they hold loop-bound state)."""
    settings.REALTIME_TICK_SECONDS = 0.05
    channel_layers.backends = {}
    reset_publisher()
    yield
    channel_layers.backends = {}
    reset_publisher()


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def other_agency(db):
    return AgencyFactory()


@pytest.fixture
def citizen(db):
    return CitizenFactory()


@pytest.fixture
def debate(agency):
    return open_pro_con_debate(agency=agency)
