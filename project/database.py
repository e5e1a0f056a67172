"""Is this error "the database cannot be reached right now"? Then the answer is a clear 503
(HTTP) or an `unavailable` error frame (websocket), never a server error: nothing was stored,
and the same request succeeds once PostgreSQL is back (the psycopg pool reconnects by itself
and checks each connection it hands out, settings.DATABASES)."""

import threading
import time

from django.db import OperationalError, connections

# SQLSTATE classes and codes that mean the server is away, not that the query was wrong:
# 08 connection exception; 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now.
UNAVAILABLE_SQLSTATES = ("57P01", "57P02", "57P03")


def is_pool_timeout(exception: BaseException) -> bool:
    from psycopg_pool import PoolTimeout

    return isinstance(exception, OperationalError) and isinstance(exception.__cause__, PoolTimeout)


def is_database_unavailable(exception: BaseException) -> bool:
    """A Django OperationalError caused by a lost or refused PostgreSQL connection (psycopg
    raises those with no SQLSTATE, or a class 08 / 57P0x one), or by a pool that could not
    hand out a connection in time (every connection busy, or none can be made)."""
    if not isinstance(exception, OperationalError):
        return False
    cause = exception.__cause__
    try:
        import psycopg
    except ImportError:  # SQLite only: a file that is there
        return False
    if is_pool_timeout(exception):
        return True
    if not isinstance(cause, psycopg.OperationalError):
        return False
    sqlstate = getattr(cause, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in UNAVAILABLE_SQLSTATES


# A pool timeout has two causes: every connection busy (an event peak), or none can be made
# (PostgreSQL down). The pool counts its failed connection attempts; when that count grew
# within the last RECENT_SECONDS, a timeout means "unavailable", otherwise "busy".
RECENT_SECONDS = 30.0
_seen = {}  # pool id -> (connection errors seen, monotonic time they last grew)
_seen_lock = threading.Lock()


def pool_failing_to_connect(alias: str = "default") -> bool:
    pool = getattr(connections[alias], "pool", None)
    if pool is None:
        return False
    errors = pool.get_stats().get("connections_errors", 0)
    now = time.monotonic()
    with _seen_lock:
        seen, grew_at = _seen.get(id(pool), (0, float("-inf")))
        if errors > seen:
            grew_at = now
        _seen[id(pool)] = (errors, grew_at)
    return now - grew_at < RECENT_SECONDS


def unavailable_kind(exception: BaseException) -> str | None:
    """`unavailable` (PostgreSQL cannot be reached), `busy` (every pooled connection in use
    past the pool timeout), or None (not a database availability problem)."""
    if not is_database_unavailable(exception):
        return None
    if is_pool_timeout(exception) and not pool_failing_to_connect():
        return "busy"
    return "unavailable"
