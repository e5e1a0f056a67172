"""Writes on comments. Authors edit and delete their own; anyone signed in reports others'."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


@transaction.atomic
def post_comment(*, proposal: Proposal | None = None, debate=None, author, body, parent_id=None) -> Comment:
    """A comment on a proposal or a debate, or a reply to a top-level comment of the same one.
    A reply to a reply is attached to its top-level comment: threads are one level deep."""
    target = _target_filter(proposal, debate)
    if not _is_public(proposal, debate):
        raise NotFound()
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
    comment = Comment.objects.create(author=author, parent=parent, body=text, created_at=now, **target)
    _touch(comment, delta=1, now=now)
    return comment


def _touch(comment: Comment, *, delta: int, now=None) -> None:
    # Proposals keep a comment counter and stream their comments; debates count on read.
    if comment.proposal_id:
        touch_comments(comment.proposal, delta=delta, now=now)


def _own_visible(comment: Comment, user) -> None:
    if comment.author_id != user.pk:
        raise PermissionDenied(_("You can only change your own comments."))
    if not comment.is_visible:
        raise NotFound()


@transaction.atomic
def edit_comment(*, comment: Comment, user, body) -> Comment:
    _own_visible(comment, user)
    comment.body = _clean_body(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    _touch(comment, delta=0)
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, user) -> Comment:
    """The row stays (replies keep their place); its text is gone and it leaves the count."""
    _own_visible(comment, user)
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.save(update_fields=["deleted_at", "body"])
    _touch(comment, delta=-1)
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
    return CommentReport.objects.create(comment=comment, reporter=reporter, reason=text)
