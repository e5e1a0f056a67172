"""Comments on proposals and on debates: one level of replies, edits and deletes by their
authors, reports by anyone signed in. A comment belongs to exactly one of the two."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommentQuerySet(models.QuerySet):
    def visible(self):
        """Published: not deleted, not hidden by a moderator, not held for review."""
        return self.filter(deleted_at__isnull=True, hidden_at__isnull=True, held_at__isnull=True)


class Comment(models.Model):
    BODY_MAX = 2_000

    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    debate = models.ForeignKey(
        "debates.Debate", on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    # Replies are one level deep: a reply's parent is always a top-level comment.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(_("comment"), max_length=BODY_MAX, validators=[MaxLengthValidator(BODY_MAX)])
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted comment keeps its row (its replies stay readable) and loses its text.
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)
    # Held for review (a blocked word, or pre-moderation): not published until a moderator
    # approves it. Its author sees it, marked as waiting.
    held_at = models.DateTimeField(null=True, blank=True)
    held_reason = models.CharField(max_length=200, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["proposal", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["debate", "created_at"], name="comment_debate_thread_idx"),
            models.Index(fields=["held_at"], condition=models.Q(held_at__isnull=False), name="comment_held_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=False, debate__isnull=True)
                | models.Q(proposal__isnull=True, debate__isnull=False),
                name="comment_on_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.body[:50]

    @property
    def target(self):
        return self.proposal if self.proposal_id else self.debate

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None and self.held_at is None


class CommentReport(models.Model):
    REASON_MAX = 300

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=REASON_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    # Handled: the comment was hidden or removed, or a moderator kept it (dismissed the report).
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once_per_user")
        ]
