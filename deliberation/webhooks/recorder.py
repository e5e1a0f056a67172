"""The handler of domain events (settings.DELIBERATION_EVENT_HANDLER): one `WebhookEvent`
row and one outbox `Delivery` per subscribed, enabled endpoint, written in the transaction of
the change (deliberation/events.py). A rolled-back change leaves no event; a committed one
has its deliveries committed with it, so a crash right after commit loses nothing: the
worker finds the rows when it comes back.

Who hears an event: the endpoints of the event's agency; for proposal events also the
city's endpoints, since the city's platform archives every agency's proposals. Debates are
not cross-listed, so the city's endpoints hear only the city's own debates."""

import uuid

from django.utils import timezone

from deliberation.agencies.selectors import city_id

from .models import Delivery, Endpoint, WebhookEvent

CITY_HEARS_PREFIX = "proposal."


def listeners(event: str, agency_id: int) -> list[Endpoint]:
    agencies = [agency_id]
    city = city_id()
    if event.startswith(CITY_HEARS_PREFIX) and city and city != agency_id:
        agencies.append(city)
    return [
        endpoint for endpoint in Endpoint.objects.filter(agency_id__in=agencies, is_enabled=True).only("id", "events")
        if event in endpoint.events
    ]


def record_event(event: str, *, agency_id: int, payload) -> WebhookEvent | None:
    endpoints = listeners(event, agency_id)
    if not endpoints:
        return None  # nobody listens: no row, and the payload is never built
    if callable(payload):
        payload = payload()
    now = timezone.now()
    row = WebhookEvent.objects.create(type=event, agency_id=agency_id, payload=payload, occurred_at=now)
    Delivery.objects.bulk_create(
        Delivery(event=row, endpoint=endpoint, message_id=f"msg_{uuid.uuid4().hex}", next_attempt_at=now, created_at=now)
        for endpoint in endpoints
    )
    return row
