import pytest
from channels.layers import channel_layers

from deliberation.agencies.selectors import forget_city_id
from deliberation.debates.selectors import forget_ballot_box
from realtime import admission
from realtime.publisher import reset_publisher

from .factories import AgencyFactory, CitizenFactory, open_pro_con_debate  # noqa: F401


def pytest_addoption(parser):
    parser.addoption("--faults", action="store_true",
                     help="run only the fault tests (tests/faults: killed servers, stopped PostgreSQL and Redis)")


def pytest_collection_modifyitems(config, items):
    """Fault tests run with --faults only (`make faults`), and then alone: they start and kill
    their own servers, PostgreSQL and Redis, and take minutes.

    Transactional tests may use every alias: in production mode the realtime publisher
    reads through its own `realtime` alias (a mirror of `default` in tests; realtime/db.py)."""
    faults_only = config.getoption("--faults")
    kept, dropped = [], []
    for item in items:
        is_fault = item.get_closest_marker("faults") is not None
        (kept if is_fault == faults_only else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and marker.kwargs.get("transaction") and "databases" not in marker.kwargs:
            item.add_marker(pytest.mark.django_db(*marker.args, **marker.kwargs, databases="__all__"), append=False)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The real hasher costs 0.1-0.3 s per account; tests make hundreds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


GENEROUS = "100000/minute"


@pytest.fixture(autouse=True)
def generous_rate_limits(settings):
    """Tests make many votes, posts and frames from one account and one address: every policy
    is raised out of the way and every counter starts from zero (Redis keeps them between
    runs). Rate-limit tests set the limits they test explicitly (tests/ratelimits/)."""
    from deliberation import ratelimits

    settings.RATE_LIMITS = {name: {"account": GENEROUS, "address": GENEROUS} for name in settings.RATE_LIMITS}
    ratelimits.reset()
    yield
    ratelimits.reset()


@pytest.fixture(autouse=True)
def fresh_realtime(settings):
    """Each test gets its own channel layer and publisher (they hold loop-bound state)."""
    settings.REALTIME_TICK_SECONDS = 0.05
    channel_layers.backends = {}
    reset_publisher()
    admission.forget()
    forget_ballot_box()
    forget_city_id()
    yield
    channel_layers.backends = {}
    reset_publisher()


@pytest.fixture(autouse=True)
def city_in_transactional_tests(request):
    """A transactional test starts from a flushed database, without the city row that
    migration agencies.0002 creates: put it back as that migration does."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from deliberation.agencies.models import Agency

    Agency.objects.get_or_create(is_city=True, defaults={"slug": "seoul", "name": "서울시"})
    forget_city_id()


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


@pytest.fixture(scope="session", autouse=True)
def close_database_threads(django_db_setup, django_db_blocker):
    """Async tests leave connections open in asgiref's database thread (and in psycopg's
    pool); end them so the test database can be dropped at the end."""
    yield
    from asgiref.sync import async_to_sync
    from channels.db import database_sync_to_async
    from django.db import connections

    with django_db_blocker.unblock():
        async_to_sync(database_sync_to_async(connections.close_all))()
        for conn in connections.all():
            if hasattr(conn, "close_pool"):
                conn.close_pool()
        default = connections["default"]
        if default.vendor == "postgresql":
            import psycopg

            params = {k: v for k, v in default.get_connection_params().items() if k in ("host", "port", "user", "password")}
            with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [default.settings_dict["NAME"]],
                )
