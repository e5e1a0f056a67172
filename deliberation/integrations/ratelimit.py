"""Per-key and per-address rate limits of the open API, on the shared engine
(deliberation/ratelimits.py: `limits`, memory in the embedded mode, Redis when REDIS_URL is set).

Fixed windows (`API_RATE_LIMIT`, e.g. "120/minute" per key; `API_ANON_RATE_LIMIT` per client
address for reads without a key): one counter per window, one round trip per request, and
`Retry-After` is the time to the window's end."""

from django.conf import settings
from limits import parse

from deliberation import ratelimits



def reset() -> None:
    """Tests: start every limit from zero."""
    ratelimits.reset()


def check(*, key_id: int | None, address: str) -> None:
    """Counts this request; raises ratelimits.RateLimited (with the seconds to wait) past the limit."""
    if key_id is not None:
        item, who = parse(settings.API_RATE_LIMIT), ("key", str(key_id))
    else:
        item, who = parse(settings.API_ANON_RATE_LIMIT), ("ip", address or "unknown")
    ratelimits.hit_limit(item, (settings.API_RATE_LIMIT_NAMESPACE, *who))
