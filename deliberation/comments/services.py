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


@transaction.atomic
def post_comment(*, proposal: Proposal, author, body, parent_id=None) -> Comment:
    """A comment, or a reply to a top-level comment of the same proposal. A reply to a reply
    is attached to its top-level comment: threads are one level deep."""
    if not proposal.is_listed:
        raise NotFound()
    text = _clean_body(body)
    parent = None
    if parent_id not in (None, ""):
        try:
            parent = Comment.objects.get(pk=int(parent_id), proposal=proposal)
        except (Comment.DoesNotExist, TypeError, ValueError):
            raise InvalidComment(_("The comment you reply to does not exist.")) from None
        if parent.parent_id is not None:
            parent = parent.parent
        if not parent.is_visible:
            raise InvalidComment(_("The comment you reply to is no longer shown."))
    now = timezone.now()
    comment = Comment.objects.create(proposal=proposal, author=author, parent=parent, body=text, created_at=now)
    touch_comments(proposal, delta=1, now=now)
    return comment


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
    touch_comments(comment.proposal, delta=0)
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, user) -> Comment:
    """The row stays (replies keep their place); its text is gone and it leaves the count."""
    _own_visible(comment, user)
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.save(update_fields=["deleted_at", "body"])
    touch_comments(comment.proposal, delta=-1)
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
