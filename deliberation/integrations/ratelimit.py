"""Per-key and per-address rate limits of the open API, through the `limits` library: its
memory storage in the embedded mode, Redis (shared by every process) when REDIS_URL is set.

Fixed windows (`API_RATE_LIMIT`, e.g. "120/minute" per key; `API_ANON_RATE_LIMIT` per client
address for reads without a key): one counter per window, one round trip per request, and
`Retry-After` is the time to the window's end."""

import math
import time
from functools import lru_cache

from django.conf import settings
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from .errors import RateLimited


@lru_cache(maxsize=4)
def _limiter(url: str) -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(storage_from_string(url))


def storage_url() -> str:
    return settings.REDIS_URL or "memory://"


def limiter() -> FixedWindowRateLimiter:
    return _limiter(storage_url())


def reset() -> None:
    """Tests: start every limit from zero."""
    limiter().storage.reset()


def check(*, key_id: int | None, address: str) -> None:
    """Counts this request; raises RateLimited (with the seconds to wait) past the limit."""
    if key_id is not None:
        item, who = parse(settings.API_RATE_LIMIT), ("key", str(key_id))
    else:
        item, who = parse(settings.API_ANON_RATE_LIMIT), ("ip", address or "unknown")
    engine = limiter()
    if not engine.hit(item, settings.API_RATE_LIMIT_NAMESPACE, *who):
        reset_at = engine.get_window_stats(item, settings.API_RATE_LIMIT_NAMESPACE, *who).reset_time
        raise RateLimited(retry_after=max(1, math.ceil(reset_at - time.time())))
