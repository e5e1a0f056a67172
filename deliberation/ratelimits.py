"""The one rate-limit engine of HTTP pages, the open API and websocket messages, through the
`limits` library (fixed windows: one counter per window, one storage call per check).

Named policies live in settings.RATE_LIMITS: each gives "N/period" limits (several windows
joined with ";") per account and per client address. Two storages:

- `shared`: Redis when REDIS_URL is set (every process counts together), process memory in
  the embedded mode. HTTP endpoints and the login throttle use it.
- `local`: always this process's memory, a few microseconds a check. The websocket hot path
  uses it (a Redis round trip per frame would cost more than the vote itself); with several
  server processes each counts on its own (see docs/security.md, "rate limits").

Per-address limits are deliberately generous: a town-hall event puts hundreds of phones behind
one venue Wi-Fi address (NAT), so the per-account limits do the real work and the per-address
ones only stop a single machine flooding. The client address is REMOTE_ADDR (the ASGI server
rewrites it from a trusted proxy); X-Forwarded-For is never read here.

When the shared storage cannot be reached the check lets the request through (logged): a Redis
outage must not refuse every ballot of an event."""

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from .errors import DomainError, ErrorCode

logger = logging.getLogger(__name__)


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED
    message = _("Too many requests. Try again later.")
    http_status = 429

    def __init__(self, retry_after: int, message=None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Policy:
    name: str
    account: tuple[RateLimitItem, ...]
    address: tuple[RateLimitItem, ...]


@lru_cache(maxsize=64)
def _parsed(name: str, account: str, address: str) -> Policy:
    def items(text: str) -> tuple[RateLimitItem, ...]:
        text = (text or "").strip()
        return () if text.lower() in ("", "off", "none") else tuple(parse_many(text))

    return Policy(name, items(account), items(address))


def policy(name: str) -> Policy:
    """The named policy as settings say now (tests change settings; parsing is cached)."""
    spec = settings.RATE_LIMITS[name]
    return _parsed(name, spec.get("account", ""), spec.get("address", ""))


@lru_cache(maxsize=4)
def _shared(url: str) -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(storage_from_string(url))


def shared() -> FixedWindowRateLimiter:
    return _shared(settings.REDIS_URL or "memory://")


class SweepFreeMemoryStorage(Storage):
    """Fixed-window counters in this process's memory for the websocket limits, without the
    sweeping thread of limits' own MemoryStorage: that one starts a thread every 10 ms while
    counts arrive, and each sweep walks every key with the GIL held (3.7 ms for 24,000 keys),
    which raised the median ack at 2,000 ballots/s by ~12 ms (docs/performance.md, B⁷). Here an
    expired counter restarts when it is next counted, and all expired ones are dropped at most
    once per PRUNE_SECONDS by the caller. Used from the event loop's thread only."""

    STORAGE_SCHEME = None
    PRUNE_SECONDS = 60.0

    def __init__(self):
        super().__init__()
        self.counts: dict[str, tuple[int, float]] = {}  # key -> (count, window end)
        self.next_prune = time.time() + self.PRUNE_SECONDS

    @property
    def base_exceptions(self):
        return ValueError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        if now >= self.next_prune:
            self.counts = {k: v for k, v in self.counts.items() if v[1] > now}
            self.next_prune = now + self.PRUNE_SECONDS
        count, ends = self.counts.get(key, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + expiry
        self.counts[key] = (count + amount, ends)
        return count + amount

    def get(self, key: str) -> int:
        count, ends = self.counts.get(key, (0, 0.0))
        return count if ends > time.time() else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        ends = self.counts.get(key, (0, 0.0))[1]
        return ends if ends > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        dropped = len(self.counts)
        self.counts.clear()
        return dropped

    def clear(self, key: str) -> None:
        self.counts.pop(key, None)


_local = FixedWindowRateLimiter(SweepFreeMemoryStorage())


def local() -> FixedWindowRateLimiter:
    return _local


def reset() -> None:
    """Tests: start every limit from zero (Redis keeps counters between runs)."""
    _local.storage.reset()
    try:
        shared().storage.reset()
    except Exception:  # the fault tests stop Redis
        logger.warning("rate limit storage unavailable; not reset", exc_info=True)


def _retry_after(engine, item, ids) -> int:
    reset_at = engine.get_window_stats(item, *ids).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def _limits(name: str, account, address) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    """Each (limit, identifiers) of the policy for this caller, the account's first. Two
    identifiers per key: `limits` escapes each one, and this runs for every websocket frame."""
    rules = policy(name)
    limits = []
    if account is not None and rules.account:
        ids = (f"{settings.RATE_LIMIT_NAMESPACE}:{name}:account", str(account))
        for item in rules.account:
            limits.append((item, ids))
    if address is not None and rules.address:
        ids = (f"{settings.RATE_LIMIT_NAMESPACE}:{name}:address", address or "unknown")
        for item in rules.address:
            limits.append((item, ids))
    return limits


def hit(name: str, *, account=None, address: str | None = None, engine: FixedWindowRateLimiter | None = None,
        message=None) -> None:
    """Counts one request of `account` (an id, or any stable key) from `address` against the
    policy; raises RateLimited (with the seconds to wait) past any of its limits. The account
    is counted first: an account already over its own limit is refused without using up the
    address's budget, which the rest of a venue's hall shares."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    for item, ids in _limits(name, account, address):
        hit_limit(item, ids, engine=engine, message=message)


def hit_limit(item: RateLimitItem, ids: tuple[str, ...], *, engine: FixedWindowRateLimiter | None = None,
              message=None) -> None:
    """One limit of one caller (the open API's per-key limits come here directly)."""
    engine = engine or shared()
    try:
        allowed = engine.hit(item, *ids)
        retry_after = 0 if allowed else _retry_after(engine, item, ids)
    except Exception:  # the storage is down: let the request through rather than refuse everyone
        logger.warning("rate limit storage unavailable; %s not limited", ids[:2], exc_info=True)
        return
    if not allowed:
        raise RateLimited(retry_after=retry_after, message=message)


def exceeded(name: str, *, account=None, address: str | None = None) -> int | None:
    """Seconds to wait when any limit of the policy is already used up, else None; counts
    nothing (the login throttle asks before it checks a password and counts only failures)."""
    if not settings.RATE_LIMITS_ENABLED:
        return None
    engine = shared()
    try:
        for item, ids in _limits(name, account, address):
            if not engine.test(item, *ids):
                return _retry_after(engine, item, ids)
    except Exception:
        logger.warning("rate limit storage unavailable; %s not limited", name, exc_info=True)
    return None


def count(name: str, *, account=None, address: str | None = None) -> None:
    """Counts one event (a failed log-in) without refusing anything."""
    if not settings.RATE_LIMITS_ENABLED:
        return
    engine = shared()
    try:
        for item, ids in _limits(name, account, address):
            engine.hit(item, *ids)
    except Exception:
        logger.warning("rate limit storage unavailable; %s not counted", name, exc_info=True)


def clear(name: str, *, account=None, address: str | None = None) -> None:
    engine = shared()
    try:
        for item, ids in _limits(name, account, address):
            engine.clear(item, *ids)
    except Exception:
        logger.warning("rate limit storage unavailable; %s not cleared", name, exc_info=True)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hashed(text: str) -> str:
    """A short fixed-length key for user-typed text (a username): no odd characters or
    unbounded length in storage keys."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
