"""Writes on execution items. Every back-office function checks who acts, validates the whole
input before writing (one InvalidExecution with each field's problems), and records an audit
entry in the same transaction as the change. Following is a citizen's action: not audited,
decided by a unique constraint."""

from datetime import date
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Department
from deliberation.audit.services import record, snapshot
from deliberation.debates.admin_services import DOCUMENT_EXTENSIONS, MATERIAL_FILE_MAX
from deliberation.debates.models import Debate
from deliberation.errors import NotFound, PermissionDenied
from deliberation.proposals.models import Proposal
from deliberation.text import plain_text, single_line
from deliberation.ids import row_id

from .errors import AlreadyFollowing, AlreadyTracked, InvalidExecution, MayNotFollow, NotAdopted, NotFollowing
from .models import (
    ExecutionFollow,
    ExecutionItem,
    ExecutionMaterial,
    ExecutionStatus,
    ExecutionUpdate,
    MaterialKind,
)
from .permissions import can_manage_executions, can_post_update
from .selectors import has_published_results, is_adopted, item_of_source, took_part

ITEM_FIELDS = ["title", "summary", "department", "status", "status_changed_on", "is_public"]
STATUS_FIELDS = ["status", "status_changed_on"]
MATERIAL_FIELDS = ["kind", "title", "meeting_on", "body", "url", "file"]
NOTES_MAX = 20_000
URL_MAX = 200


class VisibilityAction:
    MAKE_PUBLIC = "make_public"
    MAKE_HIDDEN = "make_hidden"
    CHOICES = (MAKE_PUBLIC, MAKE_HIDDEN)


def _text(value) -> str:
    return plain_text(value) if isinstance(value, str) else ""


def _line(value) -> str:
    return single_line(value) if isinstance(value, str) else ""


def _department(errors, agency, department_id) -> Department | None:
    department = None
    if department_id not in (None, ""):
        department = Department.objects.filter(pk=row_id(department_id),
                                               agency=agency).first()
    if department is None:
        errors["department"] = [_("Choose one of this agency's departments.")]
    return department


def _title_and_summary(errors, title, summary) -> tuple[str, str]:
    title, summary = _line(title), _text(summary)
    if not title or len(title) > ExecutionItem.TITLE_MAX:
        errors["title"] = [_("Give the item a title of at most 200 characters.")]
    if len(summary) > ExecutionItem.SUMMARY_MAX:
        errors["summary"] = [_("The summary is at most 5,000 characters.")]
    return title, summary


def _audited(item: ExecutionItem, fields) -> dict:
    """The fields for an audit entry; `status` is written `execution_status` so the log does
    not confuse it with a department answer's approval status."""
    values = snapshot(item, fields)
    if "status" in values:
        values["execution_status"] = values.pop("status")
    return values


def _locked_item(item_id) -> ExecutionItem:
    try:
        return ExecutionItem.objects.select_for_update().select_related("agency").get(pk=item_id)
    except (ExecutionItem.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# --- creating an item ------------------------------------------------------------------------------
@transaction.atomic
def create_item(*, actor, proposal_id=None, debate_id=None, department_id, title: str, summary: str = "",
                status: str = ExecutionStatus.PLANNED, note: str = "", is_public: bool = True,
                today: date | None = None) -> ExecutionItem:
    """An execution item for an adopted proposal or a debate whose results are published, run
    by one of the source agency's departments. Its timeline starts with the first status and
    `note`. One item per source: a second attempt raises AlreadyTracked with the first's id."""
    if bool(proposal_id) == bool(debate_id):
        raise InvalidExecution({"__all__": [_("Choose either a proposal or a debate.")]})
    today = today or timezone.localdate()
    if proposal_id:
        source = Proposal.objects.select_for_update().select_related("agency").filter(
            pk=row_id(proposal_id)).first()
    else:
        source = Debate.objects.select_for_update().select_related("agency").filter(
            pk=row_id(debate_id)).first()
    if source is None or source.trashed_at is not None:
        raise NotFound()
    agency = source.agency
    if not can_manage_executions(actor, agency):
        raise PermissionDenied()
    existing = item_of_source(proposal=source) if proposal_id else item_of_source(debate=source)
    if existing is not None:
        raise AlreadyTracked(item_id=existing.pk)
    if proposal_id and not is_adopted(source):
        raise NotAdopted(_("Only an adopted proposal can be tracked: its approved department answer accepts it "
                           "(fully or partly), or its review result is adopted."))
    if debate_id and not has_published_results(source):
        raise NotAdopted(_("A debate can be tracked once it has closed and its results are published."))
    errors: dict[str, list] = {}
    title, summary = _title_and_summary(errors, title, summary)
    department = _department(errors, agency, department_id)
    if status not in ExecutionStatus.values:
        errors["status"] = [_("Choose a status.")]
    note = _text(note)
    if len(note) > ExecutionUpdate.BODY_MAX:
        errors["note"] = [_("The note is at most 5,000 characters.")]
    if errors:
        raise InvalidExecution(errors)
    now = timezone.now()
    item = ExecutionItem(
        agency=agency, title=title, summary=summary, department=department, status=status,
        status_changed_on=today, is_public=bool(is_public), created_by=actor, created_at=now, updated_at=now,
        proposal=source if proposal_id else None, debate=source if debate_id else None,
    )
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # A colleague tracked the same source a moment ago: the constraint decided.
        raise AlreadyTracked(item_id=item_of_source(proposal=item.proposal, debate=item.debate).pk) from None
    ExecutionUpdate.objects.create(
        item=item, happened_on=today, status_to=status, department=department, posted_by=actor, posted_at=now,
        body=note or str(_("Execution tracking started.")),
    )
    record(agency=agency, actor=actor, action="execution.created", target=item,
           after={**_audited(item, ITEM_FIELDS), "proposal": item.proposal_id, "debate": item.debate_id})
    return item


@transaction.atomic
def edit_item(*, actor, item_id, title: str, summary: str, department_id, is_public: bool) -> ExecutionItem:
    """Title, summary, department and visibility. The status changes only through an update,
    so every change stays on the timeline."""
    item = _locked_item(item_id)
    if not can_manage_executions(actor, item.agency):
        raise PermissionDenied()
    errors: dict[str, list] = {}
    title, summary = _title_and_summary(errors, title, summary)
    department = _department(errors, item.agency, department_id)
    if errors:
        raise InvalidExecution(errors)
    before = _audited(item, ITEM_FIELDS)
    item.title, item.summary, item.department, item.is_public = title, summary, department, bool(is_public)
    after = _audited(item, ITEM_FIELDS)
    if after != before:
        item.updated_at = timezone.now()
        item.save(update_fields=["title", "summary", "department", "is_public", "updated_at"])
        record(agency=item.agency, actor=actor, action="execution.edited", target=item, before=before, after=after)
    return item


@transaction.atomic
def apply_visibility(*, actor, agency, item_ids, action: str) -> int:
    """Makes many items of `agency` public or hidden; items of other agencies are not found.
    Returns how many changed."""
    if action not in VisibilityAction.CHOICES:
        raise InvalidExecution({"action": [_("Choose an action.")]})
    if not can_manage_executions(actor, agency):
        raise PermissionDenied()
    wanted = action == VisibilityAction.MAKE_PUBLIC
    changed = 0
    for item in ExecutionItem.objects.select_for_update().filter(agency=agency, pk__in=list(item_ids)):
        if item.is_public == wanted:
            continue
        item.is_public = wanted
        item.save(update_fields=["is_public"])
        record(agency=agency, actor=actor, action=f"execution.{action}", target=item,
               before={"is_public": not wanted}, after={"is_public": wanted})
        changed += 1
    return changed


# --- the timeline --------------------------------------------------------------------------------
@transaction.atomic
def post_update(*, actor, item_id, body: str, happened_on: date | None = None, status: str = "",
                today: date | None = None) -> ExecutionUpdate:
    """A dated progress note by an admin or an officer of the item's department, optionally
    moving the status. The date may be in the past (a meeting last week) but not in the future,
    and a status change may not be dated before the previous one: the timeline stays in order."""
    item = _locked_item(item_id)
    if not can_post_update(actor, item):
        raise PermissionDenied()
    today = today or timezone.localdate()
    happened_on = happened_on or today
    errors: dict[str, list] = {}
    text = _text(body)
    if not text:
        errors["body"] = [_("Write what happened.")]
    elif len(text) > ExecutionUpdate.BODY_MAX:
        errors["body"] = [_("The update is at most 5,000 characters.")]
    if not isinstance(happened_on, date) or happened_on > today:
        errors["happened_on"] = [_("The date cannot be in the future.")]
    if status and status not in ExecutionStatus.values:
        errors["status"] = [_("Choose a status.")]
    elif status == item.status:
        errors["status"] = [_("The item already has this status.")]
    elif status and isinstance(happened_on, date) and happened_on < item.status_changed_on:
        errors["happened_on"] = [_("A status change cannot be dated before the previous one (%(date)s).")
                                 % {"date": item.status_changed_on.isoformat()}]
    if errors:
        raise InvalidExecution(errors)
    now = timezone.now()
    update = ExecutionUpdate.objects.create(
        item=item, happened_on=happened_on, body=text, status_from=item.status if status else "",
        status_to=status, department=item.department, posted_by=actor, posted_at=now,
    )
    before = _audited(item, STATUS_FIELDS)
    if status:
        item.status, item.status_changed_on = status, happened_on
    item.updated_at = now
    item.save(update_fields=["status", "status_changed_on", "updated_at"])
    record(agency=item.agency, actor=actor, action="execution.status_changed" if status else "execution.updated",
           target=item, before=before if status else {},
           after={"update": update.pk, "happened_on": happened_on.isoformat(),
                  **(_audited(item, STATUS_FIELDS) if status else {})})
    return update


# --- materials -----------------------------------------------------------------------------------
def _is_document(upload) -> bool:
    name = getattr(upload, "name", "") or ""
    return "." in name and name.rsplit(".", 1)[1].lower() in DOCUMENT_EXTENSIONS


@transaction.atomic
def add_material(*, actor, item_id, kind: str, title: str, body: str = "", url: str = "", file=None,
                 meeting_on: date | None = None) -> ExecutionMaterial:
    """Meeting notes (text, with the meeting's date), a document of at most 10 MB in the same
    formats as debate materials (never HTML or images: uploads are served from the site's own
    origin), or an http(s) link."""
    item = _locked_item(item_id)
    if not can_manage_executions(actor, item.agency):
        raise PermissionDenied()
    if kind not in MaterialKind.values:
        raise InvalidExecution({"kind": [_("Choose the kind of material.")]})
    errors: dict[str, list] = {}
    title, body, url = _line(title), _text(body), (url or "").strip() if isinstance(url, str) else ""
    if not title or len(title) > ExecutionMaterial.TITLE_MAX:
        errors["title"] = [_("Give the material a title of at most 200 characters.")]
    if kind == MaterialKind.NOTES:
        if not body:
            errors["body"] = [_("Write the meeting notes.")]
        elif len(body) > NOTES_MAX:
            errors["body"] = [_("Meeting notes are at most 20,000 characters.")]
        if meeting_on and meeting_on > timezone.localdate():
            errors["meeting_on"] = [_("The date cannot be in the future.")]
    if kind == MaterialKind.LINK:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > URL_MAX:
            errors["url"] = [_("Give a web address starting with http:// or https://.")]
    if kind == MaterialKind.FILE:
        if file is None:
            errors["file"] = [_("Choose a file to upload.")]
        elif file.size > MATERIAL_FILE_MAX:
            errors["file"] = [_("The file must be 10 MB or smaller.")]
        elif not _is_document(file):
            errors["file"] = [_("Upload a document: PDF, HWP, Word, Excel, PowerPoint, text, CSV or ZIP.")]
    if errors:
        raise InvalidExecution(errors)
    material = ExecutionMaterial(
        item=item, kind=kind, title=title, added_by=actor,
        body=body if kind == MaterialKind.NOTES else "",
        meeting_on=meeting_on if kind == MaterialKind.NOTES else None,
        url=url if kind == MaterialKind.LINK else "",
    )
    if kind == MaterialKind.FILE:
        material.file = file
    material.save()
    item.updated_at = timezone.now()
    item.save(update_fields=["updated_at"])
    record(agency=item.agency, actor=actor, action="execution.material_added", target=item,
           after={"material": material.pk, **snapshot(material, MATERIAL_FIELDS)})
    return material


@transaction.atomic
def remove_material(*, actor, item_id, material_id) -> None:
    item = _locked_item(item_id)
    if not can_manage_executions(actor, item.agency):
        raise PermissionDenied()
    material = ExecutionMaterial.objects.filter(pk=row_id(material_id),
                                                item=item).first()
    if material is None:
        raise NotFound()
    before = {"material": material.pk, **snapshot(material, MATERIAL_FIELDS)}
    stored = material.file.name if material.file else ""
    storage = material.file.storage
    material.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))
    record(agency=item.agency, actor=actor, action="execution.material_removed", target=item, before=before)


# --- following -----------------------------------------------------------------------------------
@transaction.atomic
def follow(*, item: ExecutionItem, citizen) -> ExecutionFollow:
    """Only a citizen who took part in the source follows; the unique constraint decides the
    double follow (in a savepoint, so the caller's transaction stays usable)."""
    if not item.is_public:
        raise NotFound()
    if not took_part(item=item, user=citizen):
        raise MayNotFollow()
    try:
        with transaction.atomic():
            return ExecutionFollow.objects.create(item=item, citizen=citizen)
    except IntegrityError:
        raise AlreadyFollowing() from None


@transaction.atomic
def unfollow(*, item: ExecutionItem, citizen) -> None:
    deleted, _rows = ExecutionFollow.objects.filter(item=item, citizen=citizen).delete()
    if not deleted:
        raise NotFollowing()
