"""Moderation of comments and opinions (issue 6), by the agency's moderators and admins.

- A held comment (blocked word or pre-moderation) is approved (published) or rejected (kept
  from the page; its author is told why).
- A published comment is hidden (reason shown to its author), restored, or removed for good
  (its text is erased; the audit entry keeps it). A report is dismissed when the comment stays.
- A discussion opinion is hidden or restored.

Several moderators work one queue: every action locks its row and checks the state it expects,
so the second of two moderators acting on the same item is told it was already handled, and
nothing changes twice. The live queue (Kind.MODERATION) drops handled items from every open
moderator page at the next tick. Every action is audited in the transaction of the change."""

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.agencies.permissions import can_moderate
from deliberation.audit.services import record, snapshot
from deliberation.errors import NotFound
from deliberation.text import single_line
from deliberation.ids import row_id

from .errors import InvalidComment
from .models import Comment, CommentReport
from .services import announce_moderation, touch_thread

__all__ = ["can_moderate"]

REASON_MAX = 200
FIELDS = ["hidden_at", "hidden_reason", "held_at", "held_reason", "deleted_at", "body"]
QUEUE_SIZE = 50


def _agency_of(comment: Comment) -> Agency:
    return comment.proposal.agency if comment.proposal_id else comment.debate.agency


def _locked(actor, comment_id) -> tuple[Comment, Agency]:
    try:
        comment = Comment.objects.select_for_update(of=("self",)).select_related(
            "proposal__agency", "debate__agency").get(pk=int(comment_id))
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    agency = _agency_of(comment)
    if not can_moderate(actor, agency):
        raise NotFound()  # another agency's comment is not found, as everywhere
    if comment.deleted_at is not None:
        raise InvalidComment(_("This comment was already removed."))
    return comment, agency


def _reason(reason) -> str:
    text = single_line(reason if isinstance(reason, str) else "")
    if not text:
        raise InvalidComment(_("Give the reason: the author is told why."))
    if len(text) > REASON_MAX:
        raise InvalidComment(_("A reason is at most %(max)d characters.") % {"max": REASON_MAX})
    return text


def _resolve_reports(comment: Comment, now) -> int:
    return CommentReport.objects.filter(comment=comment, resolved_at__isnull=True).update(resolved_at=now)


def _audit(agency, actor, action, comment, before, extra=None) -> None:
    record(agency=agency, actor=actor, action=action, target=comment, before=before,
           after={**snapshot(comment, FIELDS), **(extra or {})})


@transaction.atomic
def approve_comment(*, actor, comment_id, reason="") -> Comment:
    """Publishes a held comment."""
    comment, agency = _locked(actor, comment_id)
    if comment.held_at is None:
        raise InvalidComment(_("Another moderator has already handled this comment."))
    before = snapshot(comment, FIELDS)
    comment.held_at, comment.held_reason = None, ""
    comment.save(update_fields=["held_at", "held_reason"])
    _audit(agency, actor, "comment.approved", comment, before)
    touch_thread(comment, delta=1)
    return comment


@transaction.atomic
def hide_comment(*, actor, comment_id, reason) -> Comment:
    """Hides a published comment, or rejects a held one: either way it leaves (or never reaches)
    the page, and its author sees it with the reason."""
    comment, agency = _locked(actor, comment_id)
    if comment.hidden_at is not None:
        raise InvalidComment(_("Another moderator has already hidden this comment."))
    text = _reason(reason)
    was_published = comment.held_at is None
    before = snapshot(comment, FIELDS)
    now = timezone.now()
    comment.hidden_at, comment.hidden_reason = now, text
    comment.held_at, comment.held_reason = None, ""
    comment.save(update_fields=["hidden_at", "hidden_reason", "held_at", "held_reason"])
    _resolve_reports(comment, now)
    _audit(agency, actor, "comment.hidden" if was_published else "comment.rejected", comment, before)
    if was_published:
        touch_thread(comment, delta=-1)
    else:
        announce_moderation(comment)
    return comment


@transaction.atomic
def restore_comment(*, actor, comment_id, reason) -> Comment:
    comment, agency = _locked(actor, comment_id)
    if comment.hidden_at is None:
        raise InvalidComment(_("This comment is not hidden."))
    text = _reason(reason)
    before = snapshot(comment, FIELDS)
    comment.hidden_at, comment.hidden_reason = None, ""
    comment.save(update_fields=["hidden_at", "hidden_reason"])
    _audit(agency, actor, "comment.restored", comment, before, {"reason": text})
    touch_thread(comment, delta=1)
    return comment


@transaction.atomic
def remove_comment(*, actor, comment_id, reason) -> Comment:
    """Deletes a comment for good: its text is erased from the page and the row (the audit entry
    keeps it, for appeals); replies keep their place under "removed"."""
    comment, agency = _locked(actor, comment_id)
    text = _reason(reason)
    was_published = comment.is_visible
    before = snapshot(comment, FIELDS)
    now = timezone.now()
    comment.deleted_at, comment.body = now, ""
    comment.held_at, comment.held_reason = None, ""
    comment.save(update_fields=["deleted_at", "body", "held_at", "held_reason"])
    _resolve_reports(comment, now)
    _audit(agency, actor, "comment.removed", comment, before, {"reason": text})
    if was_published:
        touch_thread(comment, delta=-1)
    else:
        announce_moderation(comment)
    return comment


@transaction.atomic
def dismiss_reports(*, actor, comment_id, reason="") -> Comment:
    """The comment stays: its open reports are closed."""
    comment, agency = _locked(actor, comment_id)
    before = snapshot(comment, FIELDS)
    if not _resolve_reports(comment, timezone.now()):
        raise InvalidComment(_("This comment has no open reports (another moderator may have handled them)."))
    _audit(agency, actor, "comment.reports_dismissed", comment, before)
    announce_moderation(comment)
    return comment


COMMENT_ACTIONS = {
    "approve": approve_comment, "reject": hide_comment, "hide": hide_comment,
    "restore": restore_comment, "remove": remove_comment, "dismiss": dismiss_reports,
}


# --- opinions (discussion debates) -----------------------------------------------------------
def _locked_opinion(actor, opinion_id):
    from deliberation.debates.models import Opinion

    try:
        opinion = Opinion.objects.select_for_update(of=("self",)).select_related("debate__agency").get(
            pk=int(opinion_id))
    except (Opinion.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not can_moderate(actor, opinion.debate.agency):
        raise NotFound()
    return opinion


def _opinion_changed(opinion) -> None:
    from deliberation.debates.services import announce_debate

    announce_debate(opinion.debate)
    agency_id = opinion.debate.agency_id
    from deliberation.announcements import Kind, announce_change

    announce_change(Kind.MODERATION, agency_id=agency_id, object_id=agency_id)


@transaction.atomic
def hide_opinion(*, actor, opinion_id, reason):
    opinion = _locked_opinion(actor, opinion_id)
    if opinion.hidden_at is not None:
        raise InvalidComment(_("Another moderator has already hidden this opinion."))
    text = _reason(reason)
    before = snapshot(opinion, ["hidden_at", "hidden_reason"])
    opinion.hidden_at, opinion.hidden_reason = timezone.now(), text
    opinion.save(update_fields=["hidden_at", "hidden_reason"])
    record(agency=opinion.debate.agency, actor=actor, action="opinion.hidden", target=opinion, before=before,
           after=snapshot(opinion, ["hidden_at", "hidden_reason"]))
    _opinion_changed(opinion)
    return opinion


@transaction.atomic
def restore_opinion(*, actor, opinion_id, reason):
    opinion = _locked_opinion(actor, opinion_id)
    if opinion.hidden_at is None:
        raise InvalidComment(_("This opinion is not hidden."))
    text = _reason(reason)
    before = snapshot(opinion, ["hidden_at", "hidden_reason"])
    opinion.hidden_at, opinion.hidden_reason = None, ""
    opinion.save(update_fields=["hidden_at", "hidden_reason"])
    record(agency=opinion.debate.agency, actor=actor, action="opinion.restored", target=opinion, before=before,
           after={"hidden_at": None, "reason": text})
    _opinion_changed(opinion)
    return opinion


OPINION_ACTIONS = {"hide": hide_opinion, "restore": restore_opinion}


# --- the queue (reads) ----------------------------------------------------------------------
class Queue:
    HELD = "held"
    REPORTED = "reported"
    RECENT = "recent"
    HIDDEN = "hidden"
    CHOICES = (HELD, REPORTED, RECENT, HIDDEN)


def _on_site(site: Agency) -> Q:
    return Q(proposal__agency=site) | Q(debate__agency=site)


def moderation_queue(*, site: Agency, queue: str = Queue.RECENT) -> QuerySet[Comment]:
    """The site's comments for one queue, with their open report counts:
    held (waiting for review, oldest first), reported (open reports, most reported first),
    recent (published, newest first) and hidden (newest first)."""
    qs = (
        Comment.objects.filter(_on_site(site), deleted_at__isnull=True)
        .select_related("author", "proposal", "debate")
        .annotate(report_count=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
    )
    if queue == Queue.HELD:
        return qs.filter(held_at__isnull=False).order_by("held_at", "id")
    if queue == Queue.REPORTED:
        return qs.filter(report_count__gt=0, hidden_at__isnull=True).order_by("-report_count", "-created_at", "-id")
    if queue == Queue.HIDDEN:
        return qs.filter(hidden_at__isnull=False).order_by("-hidden_at", "-id")
    return qs.filter(held_at__isnull=True, hidden_at__isnull=True).order_by("-created_at", "-id")


def recent_opinions(*, site: Agency, limit: int = QUEUE_SIZE):
    from deliberation.debates.models import Opinion

    return (
        Opinion.objects.filter(debate__agency=site, debate__trashed_at__isnull=True)
        .select_related("author", "debate").order_by("-created_at", "-id")[:limit]
    )


def queue_counts(*, site: Agency) -> dict[str, int]:
    on_site = _on_site(site)
    comments = Comment.objects.filter(on_site, deleted_at__isnull=True)
    return {
        Queue.HELD: comments.filter(held_at__isnull=False).count(),
        Queue.REPORTED: comments.filter(hidden_at__isnull=True, reports__resolved_at__isnull=True,
                                        reports__isnull=False).distinct().count(),
        "open_reports": CommentReport.objects.filter(
            Q(comment__proposal__agency=site) | Q(comment__debate__agency=site),
            resolved_at__isnull=True, comment__deleted_at__isnull=True, comment__hidden_at__isnull=True,
        ).count(),
    }


def _comment_item(comment: Comment) -> dict:
    target = comment.proposal if comment.proposal_id else comment.debate
    return {
        "id": comment.pk, "author": str(comment.author), "author_id": comment.author_id,
        "body": comment.body, "created_at": comment.created_at.isoformat(),
        "target": {"type": "proposal" if comment.proposal_id else "debate", "id": target.pk, "title": target.title},
        "held": comment.held_reason if comment.held_at else None,
        "hidden": comment.hidden_reason if comment.hidden_at else None,
        "reports": comment.report_count,
    }


def moderation_state(agency_id: int) -> dict | None:
    """What a live moderator page shows: the counts of each queue and its newest items (held,
    reported, recent comments, recent opinions). Sent when any of the site's comments, reports or
    opinions change; handled items leave every open moderator page with the next frame."""
    site = Agency.objects.filter(pk=agency_id).first()
    if site is None:
        return None
    return {
        "site": site.pk,
        "counts": queue_counts(site=site),
        "held": [_comment_item(c) for c in moderation_queue(site=site, queue=Queue.HELD)[:QUEUE_SIZE]],
        "reported": [_comment_item(c) for c in moderation_queue(site=site, queue=Queue.REPORTED)[:QUEUE_SIZE]],
        "recent": [_comment_item(c) for c in moderation_queue(site=site, queue=Queue.RECENT)[:QUEUE_SIZE]],
        "opinions": [
            {"id": o.pk, "author": str(o.author), "author_id": o.author_id, "body": o.body,
             "created_at": o.created_at.isoformat(), "supports": o.support_count,
             "target": {"type": "debate", "id": o.debate_id, "title": o.debate.title},
             "hidden": (o.hidden_reason or "-") if o.hidden_at else None}
            for o in recent_opinions(site=site)
        ],
    }


# --- the site's moderation settings ---------------------------------------------------------
BLOCKED_WORDS_MAX = 500
BLOCKED_WORD_LENGTH_MAX = 50


def _blocked_words(text) -> str:
    lines = []
    for line in (text if isinstance(text, str) else "").splitlines():
        word = single_line(line)
        if not word or word in lines:
            continue
        if len(word) > BLOCKED_WORD_LENGTH_MAX:
            raise InvalidComment(_("A blocked word or phrase is at most %(max)d characters: %(word)s")
                                 % {"max": BLOCKED_WORD_LENGTH_MAX, "word": word[:60]})
        lines.append(word)
    if len(lines) > BLOCKED_WORDS_MAX:
        raise InvalidComment(_("At most %(max)d blocked words.") % {"max": BLOCKED_WORDS_MAX})
    return "\n".join(lines)


def moderated_debates(*, site: Agency):
    """The site's debates that can still take comments, for the per-debate pre-moderation switch."""
    from deliberation.debates.models import Debate

    return Debate.objects.filter(agency=site, trashed_at__isnull=True).order_by("-created_at", "-id")[:100]


@transaction.atomic
def update_moderation_settings(*, actor, agency: Agency, premoderation: bool, blocked_words,
                               premoderated_debates=None) -> Agency:
    """Blocked words (one per line), pre-moderation of the whole site, and of single debates
    (the ids listed are pre-moderated, the site's others are not). Audited; applies to comments
    posted from now on (comments already published stay published)."""
    from deliberation.debates.models import Debate

    if not can_moderate(actor, agency):
        raise NotFound()
    words = _blocked_words(blocked_words)
    debate_ids = {row_id(pk) for pk in (premoderated_debates or [])}
    if None in debate_ids:
        raise InvalidComment(_("Unknown debate."))
    site_debates = Debate.objects.filter(agency=agency, trashed_at__isnull=True)
    if debate_ids - set(site_debates.filter(pk__in=debate_ids).values_list("pk", flat=True)):
        raise InvalidComment(_("Unknown debate."))
    locked = Agency.objects.select_for_update().get(pk=agency.pk)
    before = {**snapshot(locked, ["premoderation", "blocked_words"]),
              "premoderated_debates": sorted(site_debates.filter(premoderation=True).values_list("pk", flat=True))}
    locked.premoderation, locked.blocked_words = bool(premoderation), words
    locked.save(update_fields=["premoderation", "blocked_words"])
    site_debates.exclude(pk__in=debate_ids).filter(premoderation=True).update(premoderation=False)
    site_debates.filter(pk__in=debate_ids, premoderation=False).update(premoderation=True)
    after = {**snapshot(locked, ["premoderation", "blocked_words"]), "premoderated_debates": sorted(debate_ids)}
    if after != before:
        record(agency=agency, actor=actor, action="moderation.settings", target=locked, before=before, after=after)
    agency.premoderation, agency.blocked_words = locked.premoderation, locked.blocked_words
    return agency


def moderated_site_id(user, site_slug: str | None) -> int | None:
    """For the realtime join check: the site at this path, if `user` moderates it."""
    from deliberation.agencies.selectors import site_for_slug

    try:
        site = site_for_slug(site_slug)
    except NotFound:
        return None
    return site.pk if can_moderate(user, site) else None
