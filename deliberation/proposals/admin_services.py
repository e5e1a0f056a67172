"""Back-office writes on proposals: visibility, trash, the good-proposal flag, offline
entries, and the review workflow. Each checks who acts, and records an audit entry in the same
transaction as the change."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Department
from deliberation.agencies.permissions import can_administer
from deliberation.audit.services import record, snapshot
from deliberation.errors import NotFound, PermissionDenied
from deliberation.events import Event, emit
from deliberation.text import plain_text, single_line

from .errors import InvalidProposal, ReviewStateError
from .models import AnswerStatus, Decision, DepartmentAnswer, Proposal, Reassignment, Review, ReviewResult
from .payloads import answer_data
from .selectors import is_officer_of
from .services import announce_proposal, file_proposal

VISIBILITY_FIELDS = ["is_public", "trashed_at", "is_good"]


class BulkAction:
    MAKE_PUBLIC = "make_public"
    MAKE_PRIVATE = "make_private"
    TRASH = "trash"
    RESTORE = "restore"
    MARK_GOOD = "mark_good"
    UNMARK_GOOD = "unmark_good"
    CHOICES = (MAKE_PUBLIC, MAKE_PRIVATE, TRASH, RESTORE, MARK_GOOD, UNMARK_GOOD)


def _require_admin(user, agency) -> None:
    if not can_administer(user, agency):
        raise PermissionDenied()


@transaction.atomic
def apply_bulk_action(*, actor, proposal_ids, action: str) -> tuple[int, int]:
    """Applies one action to many proposals. Proposals of agencies the actor does not
    administer are refused one by one (a city admin sees partner agencies' proposals in the
    archive but does not change them). Returns (changed, refused)."""
    if action not in BulkAction.CHOICES:
        raise InvalidProposal({"action": [_("Choose an action.")]})
    changed = refused = 0
    now = timezone.now()
    rows = Proposal.objects.select_for_update().select_related("agency").filter(pk__in=list(proposal_ids))
    for proposal in rows:
        if not can_administer(actor, proposal.agency) or (
                action == BulkAction.MAKE_PUBLIC and proposal.withdrawn_at is not None):
            # A proposal its partner platform withdrew stays private: the partner withdrew it.
            refused += 1
            continue
        before = snapshot(proposal, VISIBILITY_FIELDS)
        if action == BulkAction.MAKE_PUBLIC:
            proposal.is_public = True
        elif action == BulkAction.MAKE_PRIVATE:
            proposal.is_public = False
        elif action == BulkAction.TRASH:
            proposal.trashed_at = proposal.trashed_at or now
        elif action == BulkAction.RESTORE:
            proposal.trashed_at = None
        elif action == BulkAction.MARK_GOOD:
            proposal.is_good = True
        elif action == BulkAction.UNMARK_GOOD:
            proposal.is_good = False
        after = snapshot(proposal, VISIBILITY_FIELDS)
        if after == before:
            continue
        proposal.save(update_fields=VISIBILITY_FIELDS)
        record(agency=proposal.agency, actor=actor, action=f"proposal.{action}", target=proposal,
               before=before, after=after)
        announce_proposal(proposal, comments=True)
        changed += 1
    return changed, refused


def file_offline_proposal(*, actor, agency, **fields) -> Proposal:
    """A proposal collected offline (proposal box, workshop), typed in by the agency's staff.
    The staff member is the author of record; the proposer's name and the place are shown."""
    _require_admin(actor, agency)
    return file_proposal(agency=agency, author=actor, is_offline=True, **fields)


# --- review workflow -----------------------------------------------------------------------
REVIEW_FIELDS = ["lead_department", "reassignment", "reassignment_reason", "result", "is_decided"]


def _locked_review(review_id) -> Review:
    try:
        return Review.objects.select_for_update().select_related("proposal__agency").get(pk=review_id)
    except (Review.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@transaction.atomic
def assign_lead_department(*, actor, review_id, department_id) -> Review:
    review = _locked_review(review_id)
    agency = review.proposal.agency
    _require_admin(actor, agency)
    try:
        department = Department.objects.get(pk=department_id, agency=agency)
    except (Department.DoesNotExist, ValueError, TypeError):
        raise InvalidProposal({"department": [_("Choose one of this agency's departments.")]}) from None
    before = snapshot(review, REVIEW_FIELDS)
    review.lead_department = department
    review.assigned_at = timezone.now()
    if review.reassignment == Reassignment.PENDING:
        review.reassignment = Reassignment.DONE
    review.save(update_fields=["lead_department", "assigned_at", "reassignment"])
    record(agency=agency, actor=actor, action="review.assigned", target=review.proposal,
           before=before, after=snapshot(review, REVIEW_FIELDS))
    return review


def _require_lead_officer(user, review: Review) -> None:
    if not is_officer_of(user, review.proposal.agency, review.lead_department_id):
        raise PermissionDenied(_("Only officers of the lead department can do this."))


@transaction.atomic
def request_reassignment(*, actor, review_id, reason) -> Review:
    review = _locked_review(review_id)
    _require_lead_officer(actor, review)
    if review.answers.filter(status__in=[AnswerStatus.SUBMITTED, AnswerStatus.APPROVED]).exists():
        # Reassigning then would leave the new department unable to answer.
        raise ReviewStateError(_("Your department's answer is waiting for approval or approved: it cannot be reassigned now."))
    text = single_line(reason if isinstance(reason, str) else "")
    if not text:
        raise InvalidProposal({"reason": [_("Say why another department should answer.")]})
    before = snapshot(review, REVIEW_FIELDS)
    review.reassignment = Reassignment.PENDING
    review.reassignment_reason = text[:500]
    review.save(update_fields=["reassignment", "reassignment_reason"])
    record(agency=review.proposal.agency, actor=actor, action="review.reassignment_requested",
           target=review.proposal, before=before, after=snapshot(review, REVIEW_FIELDS))
    return review


@transaction.atomic
def submit_answer(*, actor, review_id, body, decision) -> DepartmentAnswer:
    """The lead department's opinion and decision; it waits for the admin's approval. A new
    answer may follow one that was sent back, not one that is waiting or approved."""
    review = _locked_review(review_id)
    _require_lead_officer(actor, review)
    if review.reassignment == Reassignment.PENDING:
        raise ReviewStateError(_("A reassignment is pending: the admin decides first."))
    if review.answers.filter(status__in=[AnswerStatus.SUBMITTED, AnswerStatus.APPROVED]).exists():
        raise ReviewStateError(_("An answer is already waiting for approval or approved."))
    errors = {}
    text = plain_text(body if isinstance(body, str) else "")
    if not text:
        errors["body"] = [_("Write the department's opinion.")]
    elif len(text) > DepartmentAnswer.BODY_MAX:
        errors["body"] = [_("The opinion is at most %(max)d characters.") % {"max": DepartmentAnswer.BODY_MAX}]
    if decision not in Decision.values:
        errors["decision"] = [_("Choose accept, partially accept or reject.")]
    if errors:
        raise InvalidProposal(errors)
    answer = DepartmentAnswer.objects.create(
        review=review, department=review.lead_department, body=text, decision=decision, written_by=actor,
    )
    record(agency=review.proposal.agency, actor=actor, action="answer.submitted", target=review.proposal,
           after={"answer": answer.pk, "decision": decision})
    return answer


def _locked_answer(answer_id) -> DepartmentAnswer:
    try:
        return DepartmentAnswer.objects.select_for_update().select_related(
            "review__proposal__agency").get(pk=answer_id)
    except (DepartmentAnswer.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@transaction.atomic
def approve_answer(*, actor, answer_id) -> DepartmentAnswer:
    answer = _locked_answer(answer_id)
    proposal = answer.review.proposal
    _require_admin(actor, proposal.agency)
    if answer.status != AnswerStatus.SUBMITTED:
        raise ReviewStateError(_("Only an answer waiting for approval can be approved."))
    answer.status = AnswerStatus.APPROVED
    answer.decided_by, answer.decided_at = actor, timezone.now()
    answer.save(update_fields=["status", "decided_by", "decided_at"])
    record(agency=proposal.agency, actor=actor, action="answer.approved", target=proposal,
           before={"status": AnswerStatus.SUBMITTED}, after={"status": AnswerStatus.APPROVED, "answer": answer.pk})
    if proposal.is_listed:  # what partners hear is what citizens see
        emit(Event.PROPOSAL_ANSWER_APPROVED, agency_id=proposal.agency_id, payload=lambda: answer_data(proposal, answer))
    announce_proposal(proposal)
    return answer


@transaction.atomic
def return_answer(*, actor, answer_id, note) -> DepartmentAnswer:
    answer = _locked_answer(answer_id)
    proposal = answer.review.proposal
    _require_admin(actor, proposal.agency)
    if answer.status != AnswerStatus.SUBMITTED:
        raise ReviewStateError(_("Only an answer waiting for approval can be sent back."))
    text = single_line(note if isinstance(note, str) else "")
    if not text:
        raise InvalidProposal({"note": [_("Say what the department should change.")]})
    answer.status = AnswerStatus.RETURNED
    answer.return_note = text[:500]
    answer.decided_by, answer.decided_at = actor, timezone.now()
    answer.save(update_fields=["status", "return_note", "decided_by", "decided_at"])
    record(agency=proposal.agency, actor=actor, action="answer.returned", target=proposal,
           before={"status": AnswerStatus.SUBMITTED}, after={"status": AnswerStatus.RETURNED, "note": answer.return_note})
    return answer


@transaction.atomic
def set_review_result(*, actor, review_id, result, is_decided: bool) -> Review:
    review = _locked_review(review_id)
    _require_admin(actor, review.proposal.agency)
    if result not in ReviewResult.values:
        raise InvalidProposal({"result": [_("Choose a review result.")]})
    before = snapshot(review, REVIEW_FIELDS)
    review.result, review.is_decided = result, bool(is_decided)
    review.save(update_fields=["result", "is_decided"])
    record(agency=review.proposal.agency, actor=actor, action="review.result_set", target=review.proposal,
           before=before, after=snapshot(review, REVIEW_FIELDS))
    return review


@transaction.atomic
def set_task_category(*, actor, proposal_id, name) -> Proposal:
    """Files a proposal under one of its agency's task categories (업무분류), or none ("")."""
    from deliberation.agencies.models import TaskCategory

    try:
        proposal = Proposal.objects.select_for_update(of=("self",)).select_related("agency").get(pk=int(proposal_id))
    except (Proposal.DoesNotExist, TypeError, ValueError):
        raise NotFound() from None
    _require_admin(actor, proposal.agency)
    # Control characters removed as in every user text (PostgreSQL refuses NUL in a query).
    name = single_line(name) if isinstance(name, str) else ""
    if name and not TaskCategory.objects.filter(agency=proposal.agency, name=name).exists():
        raise InvalidProposal({"task_category": [_("Choose one of this agency's task categories.")]})
    if name == proposal.task_category:
        return proposal
    before = {"task_category": proposal.task_category}
    proposal.task_category = name
    proposal.save(update_fields=["task_category"])
    record(agency=proposal.agency, actor=actor, action="proposal.task_category", target=proposal,
           before=before, after={"task_category": name})
    return proposal
