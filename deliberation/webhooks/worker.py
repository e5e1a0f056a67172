"""The outbox worker: sends due deliveries, records each try, schedules retries.

Run by `manage.py deliver_webhooks` (Procfile `webhooks`), never by a request or a socket:
a dead endpoint costs this process a timeout, not a citizen's vote. Database work happens on
the calling thread only; the HTTP requests (DNS check, connect, send) run in a small thread
pool, one thread per endpoint, so one slow endpoint does not hold up the others' sends.

Delivery is at least once: a row is leased (`locked_until`) while it is sent; a worker that
dies mid-send leaves the lease to expire and the row is sent again. Partners drop duplicates
by the `webhook-id` header, which is the same on every try."""

import json
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks import Webhook

from deliberation.audit.services import record

from . import targets
from .errors import UnsafeTarget
from .models import Delivery, DeliveryAttempt, DeliveryStatus, Endpoint

logger = logging.getLogger("deliberation.webhooks")

USER_AGENT = "DemocracySeoul-Webhooks/1"
BACKOFF_BASE_SECONDS = 15
BACKOFF_FACTOR = 4
JITTER = 0.2


def max_attempts() -> int:
    return getattr(settings, "WEBHOOKS_MAX_ATTEMPTS", 8)


def timeout_seconds() -> float:
    return getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", 5.0)


def backoff(attempt: int, *, rng=random) -> timedelta:
    """The wait after the n-th failed try: 15 s × 4^(n−1), ±20 % jitter (so endpoints that
    failed together do not retry together): 15 s, 1 min, 4 min, 16 min, ~1 h, ~4 h, ~17 h;
    eight tries span about 23 hours."""
    base = BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** (attempt - 1)
    return timedelta(seconds=base * rng.uniform(1 - JITTER, 1 + JITTER))


def body_of(delivery: Delivery) -> str:
    event = delivery.event
    agency = event.agency
    return json.dumps({
        "type": event.type,
        "id": str(event.public_id),
        "timestamp": event.occurred_at.isoformat(),
        "agency": {"id": agency.pk, "slug": agency.slug, "name": agency.name, "is_city": agency.is_city},
        "data": event.payload,
    }, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    url: str
    secret: str
    message_id: str
    body: str


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def signed_headers(*, secret: str, message_id: str, body: str, at: datetime | None = None) -> dict[str, str]:
    at = at or datetime.now(dt_timezone.utc)
    return {
        "content-type": "application/json; charset=utf-8",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def send(outgoing: Outgoing, *, timeout: float) -> Outcome:
    """One HTTP try, no database. The target is checked again here (DNS may have changed
    since registration) and the connection goes to the address that was checked, with the
    URL's host name kept for TLS (SNI, certificate) and the Host header. No redirects."""
    started = time.monotonic()

    def done(status_code=None, error=""):
        return Outcome(status_code, error[:300], int((time.monotonic() - started) * 1000))

    try:
        target = targets.check(outgoing.url)
    except UnsafeTarget as exc:
        return done(error=f"refused: {exc.message}")
    parts = urlsplit(outgoing.url)
    address = f"[{target.address}]" if ":" in target.address else target.address
    pinned = urlunsplit((target.scheme, f"{address}:{target.port}", parts.path or "/", parts.query, ""))
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host:  # an IPv6 literal
        host_header = f"[{target.host}]" if target.port == default_port else f"[{target.host}]:{target.port}"
    headers = {"host": host_header, **signed_headers(
        secret=outgoing.secret, message_id=outgoing.message_id, body=outgoing.body)}
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            with client.stream("POST", pinned, content=outgoing.body.encode("utf-8"), headers=headers,
                               extensions=extensions) as response:
                return done(status_code=response.status_code,
                            error="" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}")
    except httpx.TimeoutException:
        return done(error=f"timeout after {timeout:g} s")
    except httpx.HTTPError as exc:
        return done(error=f"{type(exc).__name__}: {exc}")


def _unlocked(now):
    return Q(locked_until__isnull=True) | Q(locked_until__lt=now)


def claim_due(*, now, limit: int, lease: timedelta) -> list[Delivery]:
    """Leases up to `limit` due deliveries of enabled endpoints for this worker. Each lease
    is a conditional UPDATE, so two workers never send one row at the same time."""
    due = (Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now,
                                   endpoint__is_enabled=True).filter(_unlocked(now))
           .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    claimed = [pk for pk in list(due)
               if Delivery.objects.filter(pk=pk, status=DeliveryStatus.PENDING).filter(_unlocked(now))
               .update(locked_until=now + lease)]
    return list(Delivery.objects.filter(pk__in=claimed).select_related("event__agency", "endpoint")
                .order_by("next_attempt_at", "id"))


@transaction.atomic
def record_outcome(delivery: Delivery, outcome: Outcome, *, now) -> Delivery | None:
    if not Delivery.objects.select_for_update().filter(pk=delivery.pk).exists():
        return None  # its endpoint was deleted while this try was on the wire
    attempt = delivery.attempts + 1
    DeliveryAttempt.objects.create(delivery=delivery, number=attempt, at=now, status_code=outcome.status_code,
                                   error=outcome.error, duration_ms=outcome.duration_ms, series=delivery.replay_count)
    delivery.attempts = attempt
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    delivery.last_duration_ms = outcome.duration_ms
    delivery.locked_until = None
    if outcome.ok:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
        Endpoint.objects.filter(pk=delivery.endpoint_id, failed_streak__gt=0).update(failed_streak=0)
    elif attempt >= max_attempts():
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        _count_failure(delivery.endpoint_id)
    else:
        delivery.next_attempt_at = now + backoff(attempt)
    delivery.save(update_fields=[
        "attempts", "last_attempt_at", "last_status_code", "last_error", "last_duration_ms", "locked_until",
        "status", "delivered_at", "next_attempt_at",
    ])
    return delivery


def _count_failure(endpoint_id: int) -> None:
    """A delivery ran out of tries. After WEBHOOKS_AUTO_DISABLE_AFTER of them in a row (no
    success between), the endpoint is disabled, audited with no actor; 0 turns this off."""
    Endpoint.objects.filter(pk=endpoint_id).update(failed_streak=F("failed_streak") + 1)
    limit = getattr(settings, "WEBHOOKS_AUTO_DISABLE_AFTER", 5)
    if not limit:
        return
    endpoint = Endpoint.objects.select_related("agency").get(pk=endpoint_id)
    if endpoint.is_enabled and endpoint.failed_streak >= limit:
        endpoint.is_enabled = False
        endpoint.disabled_reason = f"{endpoint.failed_streak} deliveries failed in a row"
        endpoint.save(update_fields=["is_enabled", "disabled_reason"])
        record(agency=endpoint.agency, actor=None, action="webhook.auto_disabled", target=endpoint,
               before={"is_enabled": True}, after={"is_enabled": False, "reason": endpoint.disabled_reason})


def _send_in_order(group: list[Outgoing], timeout: float) -> list[Outcome | None]:
    """One endpoint's deliveries of this pass, oldest first, one at a time: a partner sees
    them in the order they happened (a retry may still arrive after a later event). After a
    failure the rest wait for a later pass (None), so a dead endpoint costs one timeout a
    pass, in its own thread."""
    outcomes: list[Outcome | None] = []
    for outgoing in group:
        if outcomes and not outcomes[-1].ok:
            outcomes.append(None)
            continue
        outcomes.append(send(outgoing, timeout=timeout))
    return outcomes


def deliver_due(*, now=None, limit: int = 50, concurrency: int | None = None) -> dict[str, int]:
    """One pass: lease what is due, send each endpoint's share in order and the endpoints in
    parallel, record every outcome. With `now` given (tests) outcomes are recorded then."""
    given, now = now, now or timezone.now()
    timeout = timeout_seconds()
    batch = claim_due(now=now, limit=limit, lease=timedelta(seconds=timeout * limit + 30))
    if not batch:
        return {"sent": 0, "succeeded": 0, "failed": 0}
    groups: dict[int, list[Delivery]] = {}
    for delivery in batch:
        groups.setdefault(delivery.endpoint_id, []).append(delivery)
    outgoing = [[Outgoing(d.pk, d.endpoint.url, d.endpoint.secret, d.message_id, body_of(d)) for d in group]
                for group in groups.values()]
    workers = min(len(groups), concurrency or getattr(settings, "WEBHOOKS_CONCURRENCY", 8))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook") as pool:
        results = list(pool.map(lambda group: _send_in_order(group, timeout), outgoing))
    finished = given or timezone.now()
    counts = {"sent": 0, "succeeded": 0, "failed": 0}
    for group, outcomes in zip(groups.values(), results):
        for delivery, outcome in zip(group, outcomes):
            if outcome is None:  # not tried: free it for the next pass
                Delivery.objects.filter(pk=delivery.pk).update(locked_until=None)
                continue
            record_outcome(delivery, outcome, now=finished)
            counts["sent"] += 1
            counts["succeeded" if outcome.ok else "failed"] += 1
            if not outcome.ok:
                logger.info("webhook %s to endpoint %s: %s", delivery.message_id, delivery.endpoint_id, outcome.error)
    return counts
