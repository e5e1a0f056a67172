"""Execution tracking (실행): an adopted proposal or a debate outcome followed to its
implementation. An item belongs to one agency and one of its departments; its status moves
through planned, in progress, done or dropped, and every change is a dated entry of its
timeline (an `ExecutionUpdate` with `status_to` set). Materials (meeting notes, files, links)
sit on a public board; citizens who took part in the source may follow the item."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency, Department


class ExecutionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    DROPPED = "dropped", _("dropped")


class ExecutionItem(models.Model):
    TITLE_MAX = 200
    SUMMARY_MAX = 5_000

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="execution_items")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.TextField(_("summary"), max_length=SUMMARY_MAX, blank=True)
    # Exactly one source: the adopted proposal or the debate whose outcome is carried out.
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.PROTECT, null=True, blank=True, related_name="execution_items",
        verbose_name=_("proposal"),
    )
    debate = models.ForeignKey(
        "debates.Debate", on_delete=models.PROTECT, null=True, blank=True, related_name="execution_items",
        verbose_name=_("debate"),
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="execution_items", verbose_name=_("responsible department"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ExecutionStatus.choices, default=ExecutionStatus.PLANNED
    )
    # The date of the latest status change (the timeline's last status entry).
    status_changed_on = models.DateField(_("status since"), default=timezone.localdate)
    is_public = models.BooleanField(_("public"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="execution_site_newest_idx"),
            models.Index(fields=["department", "status"], name="execution_department_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, debate__isnull=True)
                | Q(proposal__isnull=True, debate__isnull=False),
                name="execution_on_one_source",
            ),
            # One item per source: a second "track execution" opens the first.
            models.UniqueConstraint(fields=["proposal"], condition=Q(proposal__isnull=False),
                                    name="execution_one_per_proposal"),
            models.UniqueConstraint(fields=["debate"], condition=Q(debate__isnull=False),
                                    name="execution_one_per_debate"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source(self):
        return self.proposal if self.proposal_id else self.debate


class ExecutionUpdate(models.Model):
    """One dated entry of an item's timeline: a progress note, with or without a status change.
    The item's first entry is written when it is created (its starting status)."""

    BODY_MAX = 5_000

    item = models.ForeignKey(ExecutionItem, on_delete=models.CASCADE, related_name="updates")
    happened_on = models.DateField(_("date"), default=timezone.localdate)
    body = models.TextField(_("update"), max_length=BODY_MAX)
    status_from = models.CharField(max_length=20, choices=ExecutionStatus.choices, blank=True)
    status_to = models.CharField(_("new status"), max_length=20, choices=ExecutionStatus.choices, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Shown to citizens as the department's, not the person's.
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["happened_on", "posted_at", "id"]
        indexes = [models.Index(fields=["item", "happened_on"], name="execution_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.happened_on}"

    @property
    def is_status_change(self) -> bool:
        return bool(self.status_to)


class MaterialKind(models.TextChoices):
    NOTES = "notes", _("meeting notes")
    FILE = "file", _("file")
    LINK = "link", _("link")


class ExecutionMaterial(models.Model):
    """Meeting notes (text), documents and links posted on the item's public board."""

    TITLE_MAX = 200

    item = models.ForeignKey(ExecutionItem, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("kind"), max_length=10, choices=MaterialKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    meeting_on = models.DateField(_("meeting date"), null=True, blank=True)
    body = models.TextField(_("meeting notes"), blank=True)
    url = models.URLField(_("link"), blank=True)
    file = models.FileField(_("file"), upload_to="execution-materials/%Y/%m/", blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.title


class ExecutionFollow(models.Model):
    """A citizen follows an item (only those who supported, voted or gave an opinion on its
    source may). The unique constraint decides the double follow."""

    item = models.ForeignKey(ExecutionItem, on_delete=models.CASCADE, related_name="follows")
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="execution_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "citizen"], name="execution_follow_once")
        ]
