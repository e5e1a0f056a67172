"""Writes on comments. Authors edit and delete their own; anyone signed in reports others'.

A new comment is published at once unless its site holds it for review: it contains one of the
agency's blocked words, or the agency or the debate is pre-moderated. A held comment is shown
to its author only, marked as waiting, until a moderator approves or rejects it (moderation.py).
A muted or banned user cannot comment on that site (deliberation/agencies/sanctions.py)."""

import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from deliberation.agencies.sanctions import ensure_may_speak
from deliberation.announcements import Kind, announce_change
from deliberation.errors import NotFound, PermissionDenied
from deliberation.proposals.models import Proposal
from deliberation.proposals.services import touch_comments
from deliberation.text import plain_text, single_line

from .errors import AlreadyReported, InvalidComment
from .models import Comment, CommentReport


def _clean_body(body) -> str:
    if not isinstance(body, str):
        raise InvalidComment(_("Write a comment."))
    text = plain_text(body)
    if not text:
        raise InvalidComment(_("Write a comment."))
    if len(text) > Comment.BODY_MAX:
        raise InvalidComment(_("A comment is at most %(max)d characters.") % {"max": Comment.BODY_MAX})
    return text


def _target_filter(proposal, debate) -> dict:
    if (proposal is None) == (debate is None):
        raise ValueError("a comment is on a proposal or on a debate")
    return {"proposal": proposal} if proposal is not None else {"debate": debate}


def _is_public(proposal, debate) -> bool:
    if proposal is not None:
        return proposal.is_listed
    return debate.is_published and not debate.is_hidden and debate.trashed_at is None


def _folded(text: str) -> str:
    # Full-width letters, compatibility forms and case do not get a blocked word through.
    return unicodedata.normalize("NFKC", text).casefold()


def blocked_word_in(text: str, blocked_words: str) -> str | None:
    """The first of the agency's blocked words (one per line) that the text contains."""
    folded = _folded(text)
    for line in blocked_words.splitlines():
        word = _folded(line.strip())
        if word and word in folded:
            return line.strip()
    return None


def _hold_reason(agency, debate, text: str) -> str:
    """Why a new comment waits for a moderator ("" when it is published at once)."""
    word = blocked_word_in(text, agency.blocked_words)
    if word is not None:
        return gettext("blocked word: %(word)s") % {"word": word}
    if agency.premoderation or (debate is not None and debate.premoderation):
        return gettext("pre-moderation")
    return ""


@transaction.atomic
def post_comment(*, proposal: Proposal | None = None, debate=None, author, body, parent_id=None) -> Comment:
    """A comment on a proposal or a debate, or a reply to a top-level comment of the same one.
    A reply to a reply is attached to its top-level comment: threads are one level deep."""
    target = _target_filter(proposal, debate)
    if not _is_public(proposal, debate):
        raise NotFound()
    agency = (proposal or debate).agency
    ensure_may_speak(user=author, agency_id=agency.pk)
    text = _clean_body(body)
    parent = None
    if parent_id not in (None, ""):
        try:
            parent = Comment.objects.get(pk=int(parent_id), **target)
        except (Comment.DoesNotExist, TypeError, ValueError):
            raise InvalidComment(_("The comment you reply to does not exist.")) from None
        if parent.parent_id is not None:
            parent = parent.parent
        if not parent.is_visible:
            raise InvalidComment(_("The comment you reply to is no longer shown."))
    now = timezone.now()
    held_reason = _hold_reason(agency, debate, text)
    comment = Comment.objects.create(
        author=author, parent=parent, body=text, created_at=now,
        held_at=now if held_reason else None, held_reason=held_reason, **target,
    )
    if held_reason:
        announce_moderation(comment)
    else:
        touch_thread(comment, delta=1, now=now)
    return comment


def touch_thread(comment: Comment, *, delta: int, now=None) -> None:
    """A comment was published, changed or withdrawn: proposals keep a counter; both stream
    their latest comments to open pages, and the site's moderators see the change."""
    if comment.proposal_id:
        touch_comments(comment.proposal, delta=delta, now=now)
    else:
        announce_change(Kind.DEBATE_COMMENTS, agency_id=comment.debate.agency_id, object_id=comment.debate_id)
    announce_moderation(comment)


def announce_moderation(comment: Comment) -> None:
    agency_id = comment.proposal.agency_id if comment.proposal_id else comment.debate.agency_id
    announce_change(Kind.MODERATION, agency_id=agency_id, object_id=agency_id)


def _own_editable(comment: Comment, user) -> None:
    if comment.author_id != user.pk:
        raise PermissionDenied(_("You can only change your own comments."))
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise NotFound()


@transaction.atomic
def edit_comment(*, comment: Comment, user, body) -> Comment:
    """An author edits a published or a held comment. The edit is checked like a new comment:
    a blocked word sends a published comment back for review."""
    _own_editable(comment, user)
    agency = comment.target.agency
    ensure_may_speak(user=user, agency_id=agency.pk)
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    was_published = comment.held_at is None
    word = blocked_word_in(comment.body, agency.blocked_words)
    if word is not None and was_published:
        comment.held_at, comment.held_reason = comment.edited_at, gettext("blocked word: %(word)s") % {"word": word}
    comment.save(update_fields=["body", "edited_at", "held_at", "held_reason"])
    if was_published:
        touch_thread(comment, delta=-1 if comment.held_at else 0)
    else:
        announce_moderation(comment)
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, user) -> Comment:
    """The row stays (replies keep their place); its text is gone and it leaves the count."""
    _own_editable(comment, user)
    was_published = comment.held_at is None
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.save(update_fields=["deleted_at", "body"])
    if was_published:
        touch_thread(comment, delta=-1)
    else:
        announce_moderation(comment)
    return comment


@transaction.atomic
def report_comment(*, comment: Comment, reporter, reason) -> CommentReport:
    if comment.author_id == reporter.pk:
        raise InvalidComment(_("You cannot report your own comment."))
    if not comment.is_visible:
        raise NotFound()
    text = single_line(reason if isinstance(reason, str) else "")
    if not text:
        raise InvalidComment(_("Say why you report this comment."))
    if len(text) > CommentReport.REASON_MAX:
        raise InvalidComment(_("A reason is at most %(max)d characters.") % {"max": CommentReport.REASON_MAX})
    if CommentReport.objects.filter(comment=comment, reporter=reporter).exists():
        raise AlreadyReported()
    report = CommentReport.objects.create(comment=comment, reporter=reporter, reason=text)
    announce_moderation(comment)
    return report
