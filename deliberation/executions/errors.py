"""Refusals of the execution services, each with a stable code (tests match on it)."""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from deliberation.errors import DomainError


class ExecutionErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_ADOPTED = "not_adopted"
    ALREADY_TRACKED = "already_tracked"
    MAY_NOT_FOLLOW = "may_not_follow"
    ALREADY_FOLLOWING = "already_following"
    NOT_FOLLOWING = "not_following"


class InvalidExecution(DomainError):
    """Per-field problems (`errors` maps field names to messages, "__all__" for the form)."""

    code = ExecutionErrorCode.INVALID
    message = _("Please correct the errors below.")
    http_status = 400

    def __init__(self, errors: dict[str, list]):
        super().__init__()
        self.errors = errors


class NotAdopted(DomainError):
    code = ExecutionErrorCode.NOT_ADOPTED
    http_status = 409


class AlreadyTracked(DomainError):
    code = ExecutionErrorCode.ALREADY_TRACKED
    message = _("This proposal or debate already has an execution item.")
    http_status = 409

    def __init__(self, *, item_id: int):
        super().__init__()
        self.item_id = item_id


class MayNotFollow(DomainError):
    code = ExecutionErrorCode.MAY_NOT_FOLLOW
    message = _("Only citizens who supported the proposal, or voted or gave an opinion in the debate, "
                "can follow this item.")
    http_status = 403


class AlreadyFollowing(DomainError):
    code = ExecutionErrorCode.ALREADY_FOLLOWING
    message = _("You already follow this item.")
    http_status = 409


class NotFollowing(DomainError):
    code = ExecutionErrorCode.NOT_FOLLOWING
    message = _("You do not follow this item.")
    http_status = 409
