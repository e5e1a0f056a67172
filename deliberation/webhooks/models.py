"""Webhook endpoints of an agency, the events they are told about, and the outbox.

`WebhookEvent` is one domain event (deliberation/events.py) as recorded in the transaction
of the change; `Delivery` is that event for one endpoint: the outbox row the worker sends and
the delivery log the admin reads; `DeliveryAttempt` is one HTTP try of it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.events import Event

EVENT_LABELS = {
    Event.PROPOSAL_FILED: _("Proposal filed"),
    Event.PROPOSAL_THRESHOLD_REACHED: _("Support threshold reached (department answer)"),
    Event.PROPOSAL_IN_REVIEW: _("Proposal in review"),
    Event.PROPOSAL_ANSWER_APPROVED: _("Department answer approved"),
    Event.PROPOSAL_PROMOTED: _("Promoted to a public debate"),
    Event.DEBATE_OPENED: _("Debate opened"),
    Event.DEBATE_CLOSED: _("Debate closed"),
    Event.DEBATE_RESULTS_PUBLISHED: _("Debate results published"),
}
EVENT_CHOICES = [(event, EVENT_LABELS[event]) for event in Event.ALL]


class Endpoint(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    # The signing secret ("whsec_" + base64), kept to sign every delivery: it cannot be a
    # hash. Shown to the admin once, at creation or rotation.
    secret = models.CharField(max_length=100, editable=False)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(_("why it was disabled"), max_length=200, blank=True)
    # Deliveries that ran out of attempts since the last success (auto-disable counts these).
    failed_streak = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list:
        return [EVENT_LABELS[e] for e in Event.ALL if e in self.events]


class WebhookEvent(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=50)
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.public_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("delivered")
    FAILED = "failed", _("failed")


class Delivery(models.Model):
    """One event for one endpoint. `message_id` is the `webhook-id` header: the same on every
    retry and replay, so a partner can drop duplicates."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)  # since it was queued (or replayed)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the row while sending; another worker skips it until then.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_count = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="delivery_due",
                         condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.endpoint.url}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    series = models.PositiveSmallIntegerField(default=0)  # 0: as queued; n: the n-th replay

    class Meta:
        ordering = ["at", "id"]
