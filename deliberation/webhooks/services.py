"""Writes on webhook endpoints by an agency's admins: register, edit, enable/disable, rotate
the secret, delete, replay a delivery. Each checks who acts (`can_administer` of the
endpoint's agency) and records an audit entry in the same transaction. The secret never
enters an audit entry."""

import base64
import secrets as secrets_module

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.agencies.permissions import can_administer
from deliberation.audit.services import record, snapshot
from deliberation.errors import NotFound, PermissionDenied
from deliberation.events import Event
from deliberation.text import single_line

from . import targets
from .errors import EndpointDisabled, InvalidEndpoint, UnsafeTarget
from .models import Delivery, DeliveryStatus, Endpoint

FIELDS = ["url", "description", "events", "is_enabled"]
URL_MAX = 500


def new_secret() -> str:
    """Standard Webhooks' form: "whsec_" and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets_module.token_bytes(32)).decode("ascii")


def _require_admin(user, agency: Agency) -> None:
    if not can_administer(user, agency):
        raise PermissionDenied()


def _clean(*, url, description, events) -> dict:
    errors = {}
    url = (url or "").strip() if isinstance(url, str) else ""
    if not url or len(url) > URL_MAX:
        errors["url"] = [_("Enter the endpoint's URL (at most 500 characters).")]
    else:
        try:
            targets.check(url)
        except UnsafeTarget as exc:
            errors["url"] = [exc.message]
    events = [e for e in Event.ALL if e in set(events or ())]
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    if errors:
        raise InvalidEndpoint(errors)
    return {"url": url, "description": single_line(description or "")[:200], "events": events}


@transaction.atomic
def register_endpoint(*, actor, agency: Agency, url: str, description: str = "", events) -> tuple[Endpoint, str]:
    """A new enabled endpoint with its own signing secret, returned once here."""
    _require_admin(actor, agency)
    data = _clean(url=url, description=description, events=events)
    secret = new_secret()
    endpoint = Endpoint.objects.create(agency=agency, secret=secret, created_by=actor
                                       if getattr(actor, "is_authenticated", False) else None, **data)
    record(agency=agency, actor=actor, action="webhook.created", target=endpoint, after=snapshot(endpoint, FIELDS))
    return endpoint, secret


def _locked(actor, agency: Agency, endpoint_id) -> Endpoint:
    """The site's endpoint, row-locked; another agency's is "not found"."""
    try:
        endpoint = Endpoint.objects.select_for_update().select_related("agency").get(pk=endpoint_id, agency=agency)
    except (Endpoint.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    _require_admin(actor, endpoint.agency)
    return endpoint


@transaction.atomic
def update_endpoint(*, actor, agency: Agency, endpoint_id, url: str, description: str, events,
                    is_enabled: bool) -> Endpoint:
    endpoint = _locked(actor, agency, endpoint_id)
    data = _clean(url=url, description=description, events=events)
    before = snapshot(endpoint, FIELDS)
    for name, value in data.items():
        setattr(endpoint, name, value)
    endpoint.is_enabled = bool(is_enabled)
    if endpoint.is_enabled and not before["is_enabled"]:
        endpoint.disabled_reason, endpoint.failed_streak = "", 0
    elif not endpoint.is_enabled and before["is_enabled"]:
        endpoint.disabled_reason = "disabled by an admin"
    after = snapshot(endpoint, FIELDS)
    if after != before:
        endpoint.save()
        record(agency=endpoint.agency, actor=actor, action="webhook.edited", target=endpoint, before=before, after=after)
    return endpoint


@transaction.atomic
def rotate_secret(*, actor, agency: Agency, endpoint_id) -> tuple[Endpoint, str]:
    """A new secret at once; deliveries sent from now on are signed with it (including
    retries of older events)."""
    endpoint = _locked(actor, agency, endpoint_id)
    endpoint.secret = new_secret()
    endpoint.secret_rotated_at = timezone.now()
    endpoint.save(update_fields=["secret", "secret_rotated_at"])
    record(agency=endpoint.agency, actor=actor, action="webhook.secret_rotated", target=endpoint,
           after={"secret_rotated_at": endpoint.secret_rotated_at.isoformat()})
    return endpoint, endpoint.secret


@transaction.atomic
def delete_endpoint(*, actor, agency: Agency, endpoint_id) -> None:
    """The endpoint and its delivery log go; the audit entry stays."""
    endpoint = _locked(actor, agency, endpoint_id)
    record(agency=endpoint.agency, actor=actor, action="webhook.deleted", target=endpoint,
           before=snapshot(endpoint, FIELDS))
    endpoint.delete()


@transaction.atomic
def replay_delivery(*, actor, agency: Agency, endpoint_id, delivery_id) -> Delivery:
    """Sends a delivery again now (the worker picks it up within a second or so), with a
    fresh set of tries and the same `webhook-id`. Its earlier tries stay in the log."""
    endpoint = _locked(actor, agency, endpoint_id)
    try:
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id, endpoint=endpoint)
    except (Delivery.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not endpoint.is_enabled:
        raise EndpointDisabled()
    before = {"status": delivery.status, "attempts": delivery.attempts}
    now = timezone.now()
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, now
    delivery.locked_until = None
    delivery.replay_count += 1
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "locked_until", "replay_count"])
    record(agency=endpoint.agency, actor=actor, action="webhook.replayed", target=endpoint, before=before,
           after={"status": delivery.status, "delivery": delivery.pk, "message_id": delivery.message_id})
    return delivery
