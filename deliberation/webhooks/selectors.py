"""Reads for the webhooks screens, scoped to one site: another agency's endpoint is not found."""

from django.db.models import Count, Q, QuerySet

from deliberation.agencies.models import Agency
from deliberation.errors import NotFound

from .models import Delivery, DeliveryStatus, Endpoint


def endpoints_of(*, site: Agency) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(agency=site).annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    ).order_by("created_at", "id")


def endpoint_of(*, site: Agency, pk) -> Endpoint:
    try:
        return Endpoint.objects.get(pk=pk, agency=site)
    except (Endpoint.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def delivery_log(*, endpoint: Endpoint, status: str = "") -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(endpoint=endpoint).select_related("event")
    if status in DeliveryStatus.values:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")
