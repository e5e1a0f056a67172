"""Moderation of comments (issue 6, first part): hide, restore and remove with a reason, by the
agency's moderators and admins. A hidden comment leaves every page at once (its proposal's
comment stream is announced); its author still sees it, with the reason. Every action is
audited."""

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency, Role
from deliberation.agencies.permissions import has_role, is_platform_admin
from deliberation.audit.services import record, snapshot
from deliberation.errors import NotFound
from deliberation.proposals.services import touch_comments
from deliberation.text import single_line

from .errors import InvalidComment
from .models import Comment

REASON_MAX = 200
FIELDS = ["hidden_at", "hidden_reason", "deleted_at"]


def can_moderate(user, agency: Agency) -> bool:
    return is_platform_admin(user) or has_role(user, agency, Role.ADMIN, Role.MODERATOR)


def _agency_of(comment: Comment) -> Agency:
    return comment.proposal.agency if comment.proposal_id else comment.debate.agency


def _locked(comment_id) -> Comment:
    try:
        return Comment.objects.select_for_update(of=("self",)).select_related(
            "proposal__agency", "debate__agency").get(pk=int(comment_id))
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _reason(reason) -> str:
    text = single_line(reason if isinstance(reason, str) else "")
    if not text:
        raise InvalidComment(_("Give the reason: the author is told why."))
    if len(text) > REASON_MAX:
        raise InvalidComment(_("A reason is at most %(max)d characters.") % {"max": REASON_MAX})
    return text


@transaction.atomic
def hide_comment(*, actor, comment_id, reason) -> Comment:
    """Hides a visible comment. Two moderators acting at once: the row lock orders them, and
    the second finds it already hidden (a clear error, nothing changed twice)."""
    comment = _locked(comment_id)
    agency = _agency_of(comment)
    if not can_moderate(actor, agency):
        raise NotFound()  # another agency's comment is not found, as everywhere
    if comment.deleted_at is not None:
        raise InvalidComment(_("This comment was deleted."))
    if comment.hidden_at is not None:
        raise InvalidComment(_("Another moderator has already hidden this comment."))
    before = snapshot(comment, FIELDS)
    comment.hidden_at, comment.hidden_reason = timezone.now(), _reason(reason)
    comment.save(update_fields=["hidden_at", "hidden_reason"])
    record(agency=agency, actor=actor, action="comment.hidden", target=comment, before=before,
           after=snapshot(comment, FIELDS))
    _announce(comment, delta=-1)
    return comment


@transaction.atomic
def restore_comment(*, actor, comment_id, reason) -> Comment:
    comment = _locked(comment_id)
    agency = _agency_of(comment)
    if not can_moderate(actor, agency):
        raise NotFound()
    if comment.hidden_at is None:
        raise InvalidComment(_("This comment is not hidden."))
    text = _reason(reason)
    before = snapshot(comment, FIELDS)
    comment.hidden_at, comment.hidden_reason = None, ""
    comment.save(update_fields=["hidden_at", "hidden_reason"])
    record(agency=agency, actor=actor, action="comment.restored", target=comment, before=before,
           after={**snapshot(comment, FIELDS), "reason": text})
    _announce(comment, delta=1)
    return comment


def _announce(comment: Comment, *, delta: int) -> None:
    # Proposals keep a visible-comment counter and stream their comments to open pages.
    if comment.proposal_id:
        touch_comments(comment.proposal, delta=delta)


def moderation_queue(*, site: Agency, reported_only: bool = False) -> QuerySet[Comment]:
    """Comments on the site's own proposals and debates, newest first, with their report
    counts; reported ones first when asked."""
    on_site = Q(proposal__agency=site) | Q(debate__agency=site)
    qs = (
        Comment.objects.filter(on_site, deleted_at__isnull=True)
        .select_related("author", "proposal", "debate")
        .annotate(report_count=Count("reports"))
    )
    if reported_only:
        qs = qs.filter(report_count__gt=0).order_by("-report_count", "-created_at")
    else:
        qs = qs.order_by("-created_at", "-id")
    return qs
