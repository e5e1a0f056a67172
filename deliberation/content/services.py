"""Citizen writes on the Q&A board (묻고답하기): ask, edit or delete one's own question while it
waits for the agency's answer. Back-office writes are in admin_services.py.

Questions are plain text (markup stripped), with length limits, and one question per minute
per person across every site: the asker's user row is locked while the last question's time
is checked, so two quick posts from two tabs cannot both pass."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.agencies.sanctions import ensure_may_speak
from deliberation.errors import NotFound, PermissionDenied
from deliberation.text import plain_text, single_line

from .errors import AlreadyAnswered, InvalidContent, NotYours, TooSoon
from .models import Question

ASK_INTERVAL = timedelta(minutes=1)
TITLE_MIN = 2
BODY_MIN = 5


def _question_fields(*, title, body) -> dict:
    title, body = single_line(title or ""), plain_text(body or "")
    errors: dict[str, list] = {}
    if len(title) < TITLE_MIN:
        errors["title"] = [_("Write a title of at least %(n)d characters.") % {"n": TITLE_MIN}]
    elif len(title) > Question.TITLE_MAX:
        errors["title"] = [_("The title may have at most %(n)d characters.") % {"n": Question.TITLE_MAX}]
    if len(body) < BODY_MIN:
        errors["body"] = [_("Write your question in at least %(n)d characters.") % {"n": BODY_MIN}]
    elif len(body) > Question.BODY_MAX:
        errors["body"] = [_("The question may have at most %(n)d characters.") % {"n": Question.BODY_MAX}]
    if errors:
        raise InvalidContent(errors)
    return {"title": title, "body": body}


def _may_take_part(user, agency: Agency) -> None:
    """A question is speech: refused when muted or banned on the site, like a comment."""
    if not (user is not None and user.is_authenticated and user.is_active):
        raise PermissionDenied()
    ensure_may_speak(user=user, agency_id=agency.pk)


@transaction.atomic
def ask_question(*, site: Agency, author, title: str, body: str, is_private: bool = False) -> Question:
    _may_take_part(author, site)
    fields = _question_fields(title=title, body=body)
    get_user_model().objects.select_for_update().filter(pk=author.pk).first()
    now = timezone.now()
    if Question.objects.filter(author=author, created_at__gt=now - ASK_INTERVAL).exists():
        raise TooSoon()
    return Question.objects.create(agency=site, author=author, is_private=bool(is_private), created_at=now, **fields)


def _own_waiting_question(*, site: Agency, author, question_id) -> Question:
    try:
        question = Question.objects.select_for_update().get(pk=question_id, agency=site)
    except (Question.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if question.author_id != getattr(author, "pk", None):
        raise NotYours()
    if question.answered_at is not None:
        raise AlreadyAnswered()
    return question


@transaction.atomic
def edit_question(*, site: Agency, author, question_id, title: str, body: str, is_private: bool = False) -> Question:
    question = _own_waiting_question(site=site, author=author, question_id=question_id)
    for name, value in _question_fields(title=title, body=body).items():
        setattr(question, name, value)
    question.is_private = bool(is_private)
    question.save(update_fields=["title", "body", "is_private", "updated_at"])
    return question


@transaction.atomic
def delete_question(*, site: Agency, author, question_id) -> None:
    _own_waiting_question(site=site, author=author, question_id=question_id).delete()
