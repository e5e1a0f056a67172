"""The publisher's reads get their own small connection pool.

Under an HTTP rush every request thread holds a pooled connection for its whole request (its
wait for a proposal's row lock included); the publisher, reading the state it streams through
the same pool, queued behind them and frames fell seconds behind the tick
(docs/performance.md, threshold rush). In production the `realtime` alias is the same database
with its own pool; reads made inside `reads_for_realtime()` are routed there. Writes, and
everything outside the publisher, use `default` as before. Without the alias (SQLite, which
has no pool) nothing changes."""

import contextvars
from contextlib import contextmanager

from django.conf import settings

ALIAS = "realtime"
_reading_for_realtime = contextvars.ContextVar("reading_for_realtime", default=False)


@contextmanager
def reads_for_realtime():
    token = _reading_for_realtime.set(True)
    try:
        yield
    finally:
        _reading_for_realtime.reset(token)


def read_with_own_pool(fn, *args, **kwargs):
    with reads_for_realtime():
        return fn(*args, **kwargs)


class RealtimeReadsRouter:
    def db_for_read(self, model, **hints):
        if _reading_for_realtime.get() and ALIAS in settings.DATABASES:
            return ALIAS
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == ALIAS else None
