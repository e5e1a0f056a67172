"""Back-office writes on debates: create and edit each vote type, publish / hide / trash,
publish the results with the agency's response, link similar proposals, add and remove
debate materials (토론자료).

Every function checks who acts (`can_administer` on the debate's agency), validates the whole
input before it writes anything (one InvalidDebate with every field's problems), records an
audit entry in the same transaction, forgets the cached ballot box and announces the change
after commit so open pages catch up."""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency
from deliberation.agencies.permissions import can_administer
from deliberation.audit.services import record, snapshot
from deliberation.events import Event, emit
from deliberation.errors import NotFound, PermissionDenied
from deliberation.text import plain_text, single_line

from .errors import InvalidDebate
from .models import (
    Ballot,
    Debate,
    DebateMaterial,
    DebateOption,
    Entry,
    MaterialKind,
    Opinion,
    OptionKind,
    ResearchQuestion,
    Status,
    TallyVisibility,
    VoteType,
)
from .selectors import forget_ballot_box
from .payloads import results_data
from .services import announce_debate

TITLE_MAX = 200
LABEL_MAX = 100
QUESTION_MAX = 300
RESULT_TEXT_MAX = 10_000
MAX_CHOICE_OPTIONS = 20
MAX_QUESTIONS = 10
MAX_QUESTION_OPTIONS = 8
MATERIAL_FILE_MAX = 10 * 1024 * 1024
PRO_CON_KINDS = (OptionKind.FOR, OptionKind.AGAINST, OptionKind.OTHER)
PRO_CON_DEFAULTS = {OptionKind.FOR: "찬성", OptionKind.AGAINST: "반대", OptionKind.OTHER: "기타"}
# The first bytes of the image formats browsers show; no imaging library is needed to tell them.
IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
DEBATE_FIELDS = ["title", "body", "entry", "opens_at", "closes_at", "tally_visibility", "max_choices",
                 "is_published", "is_hidden", "trashed_at", "results_published_at", "result_text"]


class DebateAction:
    PUBLISH = "publish"
    HIDE = "hide"
    UNHIDE = "unhide"
    TRASH = "trash"
    RESTORE = "restore"
    CHOICES = (PUBLISH, HIDE, UNHIDE, TRASH, RESTORE)


def _require_admin(user, agency: Agency) -> None:
    if not can_administer(user, agency):
        raise PermissionDenied()


def _locked_debate(debate_id) -> Debate:
    try:
        return Debate.objects.select_for_update().select_related("agency").get(pk=debate_id)
    except (Debate.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def _changed(debate: Debate, actor, action: str, before: dict, after: dict) -> None:
    """The common tail of every change: audit, cache, announcement."""
    record(agency=debate.agency, actor=actor, action=action, target=debate, before=before, after=after)
    forget_ballot_box(debate.pk)
    announce_debate(debate)


def _text(value) -> str:
    return plain_text(value) if isinstance(value, str) else ""


def _line(value) -> str:
    return single_line(value) if isinstance(value, str) else ""


# --- validation ------------------------------------------------------------------------------
def _settings(errors, *, title, body, entry, opens_at, closes_at, tally_visibility) -> dict:
    title = _line(title)
    if not title:
        errors["title"] = [_("Give the debate a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("The title must be 200 characters or fewer.")]
    if entry not in Entry.values:
        errors["entry"] = [_("Choose where the debate is listed.")]
    if tally_visibility not in TallyVisibility.values:
        errors["tally_visibility"] = [_("Choose when citizens see the tally.")]
    if opens_at is None:
        errors["opens_at"] = [_("Say when the vote opens.")]
    if closes_at is None or (opens_at is not None and closes_at <= opens_at):
        errors["closes_at"] = [_("The vote must close after it opens.")]
    return {"title": title, "body": _text(body), "entry": entry, "opens_at": opens_at, "closes_at": closes_at,
            "tally_visibility": tally_visibility}


def _labels(errors, labels) -> list[tuple[str, str]]:
    labels = labels if isinstance(labels, dict) else {}
    result = []
    for kind in PRO_CON_KINDS:
        label = _line(labels.get(kind, PRO_CON_DEFAULTS[kind]))
        if not label or len(label) > LABEL_MAX:
            errors[f"label_{kind}"] = [_("Each answer needs a label of at most 100 characters.")]
        result.append((kind, label))
    return result


def _option_labels(values) -> list[str]:
    return [_line(v) for v in (values or []) if _line(v)]


def _choices(errors, choices, max_choices) -> tuple[list[str], int]:
    labels = _option_labels(choices)
    if len(labels) < 2:
        errors["choices"] = [_("Give at least two options.")]
    elif len(labels) > MAX_CHOICE_OPTIONS:
        errors["choices"] = [_("Give at most 20 options.")]
    elif len(set(labels)) != len(labels) or any(len(label) > LABEL_MAX for label in labels):
        errors["choices"] = [_("Options must be different, each at most 100 characters.")]
    if not isinstance(max_choices, int) or isinstance(max_choices, bool) or not 1 <= max_choices <= max(len(labels), 1):
        errors["max_choices"] = [_("A ballot may pick from 1 up to the number of options.")]
    return labels, max_choices


def _questions(errors, questions) -> list[dict]:
    questions = [q for q in (questions or []) if isinstance(q, dict) and (_line(q.get("text")) or q.get("options"))]
    if not questions:
        errors["questions"] = [_("Give the survey at least one question.")]
    elif len(questions) > MAX_QUESTIONS:
        errors["questions"] = [_("A survey has at most 10 questions.")]
    cleaned = []
    for number, question in enumerate(questions, start=1):
        text = _line(question.get("text"))
        if not text or len(text) > QUESTION_MAX:
            errors[f"question_{number}_text"] = [_("Write the question (at most 300 characters).")]
        options = _option_labels(question.get("options"))
        if not 2 <= len(options) <= MAX_QUESTION_OPTIONS or len(set(options)) != len(options) or any(
                len(label) > LABEL_MAX for label in options):
            errors[f"question_{number}_options"] = [_("Give 2 to 8 different options, one per line.")]
        most = question.get("max_choices", 1)
        if not isinstance(most, int) or isinstance(most, bool) or not 1 <= most <= max(len(options), 1):
            errors[f"question_{number}_max_choices"] = [_("An answer may pick from 1 up to the number of options.")]
        cleaned.append({"text": text, "required": bool(question.get("required", True)), "max_choices": most,
                        "options": options})
    return cleaned


def _structure(errors, vote_type, *, labels, choices, max_choices, questions) -> dict:
    if vote_type == VoteType.PRO_CON:
        return {"labels": _labels(errors, labels), "max_choices": 1}
    if vote_type == VoteType.MULTIPLE_CHOICE:
        labels, most = _choices(errors, choices, max_choices)
        return {"choices": labels, "max_choices": most}
    if vote_type == VoteType.RESEARCH:
        return {"questions": _questions(errors, questions), "max_choices": 1}
    return {"max_choices": 1}


def _write_structure(debate: Debate, structure: dict) -> None:
    """Replaces the options and questions (only ever called while no ballot exists)."""
    debate.options.all().delete()
    debate.questions.all().delete()
    if "labels" in structure:
        DebateOption.objects.bulk_create(
            DebateOption(debate=debate, kind=kind, label=label, position=i)
            for i, (kind, label) in enumerate(structure["labels"]))
    for i, label in enumerate(structure.get("choices", [])):
        DebateOption.objects.create(debate=debate, kind=OptionKind.CHOICE, label=label, position=i)
    for i, question in enumerate(structure.get("questions", [])):
        row = ResearchQuestion.objects.create(debate=debate, text=question["text"], position=i,
                                              required=question["required"], max_choices=question["max_choices"])
        DebateOption.objects.bulk_create(
            DebateOption(debate=debate, question=row, kind=OptionKind.CHOICE, label=label, position=j)
            for j, label in enumerate(question["options"]))


def current_structure(debate: Debate) -> dict:
    """The options and questions as the editor and the validation see them."""
    options = list(debate.options.filter(question__isnull=True).order_by("position", "id"))
    if debate.vote_type == VoteType.PRO_CON:
        return {"labels": [(o.kind, o.label) for o in options], "max_choices": 1}
    if debate.vote_type == VoteType.MULTIPLE_CHOICE:
        return {"choices": [o.label for o in options], "max_choices": debate.max_choices}
    if debate.vote_type == VoteType.RESEARCH:
        return {"questions": [
            {"text": q.text, "required": q.required, "max_choices": q.max_choices,
             "options": [o.label for o in q.options.order_by("position", "id")]}
            for q in debate.questions.order_by("position", "id")], "max_choices": 1}
    return {"max_choices": 1}


def has_participation(debate: Debate) -> bool:
    return Ballot.objects.filter(debate=debate).exists() or Opinion.objects.filter(debate=debate).exists()


# --- create and edit -------------------------------------------------------------------------
@transaction.atomic
def create_debate(
    *, actor, agency: Agency, vote_type: str, title: str, body: str = "", entry: str = Entry.AGENCY_ASKS,
    opens_at, closes_at, tally_visibility: str = TallyVisibility.LIVE, labels: dict | None = None,
    choices: list[str] | None = None, max_choices: int = 1, questions: list[dict] | None = None,
) -> Debate:
    """A draft debate of any vote type; publishing is a separate action. Nothing is stored
    when any part of the input is invalid."""
    _require_admin(actor, agency)
    errors: dict[str, list] = {}
    if vote_type not in VoteType.values:
        raise InvalidDebate({"vote_type": [_("Choose a vote type.")]})
    fields = _settings(errors, title=title, body=body, entry=entry, opens_at=opens_at, closes_at=closes_at,
                       tally_visibility=tally_visibility)
    structure = _structure(errors, vote_type, labels=labels, choices=choices, max_choices=max_choices,
                           questions=questions)
    if errors:
        raise InvalidDebate(errors)
    debate = Debate.objects.create(agency=agency, vote_type=vote_type, is_published=False,
                                   max_choices=structure["max_choices"], **fields)
    _write_structure(debate, structure)
    record(agency=agency, actor=actor, action="debate.created", target=debate,
           after={**snapshot(debate, DEBATE_FIELDS), "vote_type": vote_type, **_structure_snapshot(structure)})
    return debate


def _structure_snapshot(structure: dict) -> dict:
    return {key: value for key, value in structure.items() if key != "max_choices"}


@transaction.atomic
def update_debate(
    *, actor, debate_id, title: str | None = None, body: str | None = None, entry: str | None = None,
    opens_at=None, closes_at=None, tally_visibility: str | None = None, labels: dict | None = None,
    choices: list[str] | None = None, max_choices: int | None = None, questions: list[dict] | None = None,
) -> Debate:
    """Edits a debate; an argument left out (None) keeps its current value. The options and
    questions may change only while nobody has voted (or written an opinion): a ballot's
    meaning must not change under it."""
    debate = _locked_debate(debate_id)
    _require_admin(actor, debate.agency)
    errors: dict[str, list] = {}

    def keep(value, name):
        return getattr(debate, name) if value is None else value

    fields = _settings(errors, title=keep(title, "title"), body=keep(body, "body"), entry=keep(entry, "entry"),
                       opens_at=keep(opens_at, "opens_at"), closes_at=keep(closes_at, "closes_at"),
                       tally_visibility=keep(tally_visibility, "tally_visibility"))
    old = current_structure(debate)
    structure = _structure(
        errors, debate.vote_type, labels=labels if labels is not None else dict(old.get("labels", [])),
        choices=choices if choices is not None else old.get("choices"),
        max_choices=max_choices if max_choices is not None else old["max_choices"],
        questions=questions if questions is not None else old.get("questions"))
    if errors:
        raise InvalidDebate(errors)
    structure_changed = structure != old
    if structure_changed and has_participation(debate):
        raise InvalidDebate({"__all__": [_(
            "Citizens have already voted in this debate: its options and questions can no longer change. "
            "The title, text, period and tally visibility can.")]})
    before = {**snapshot(debate, DEBATE_FIELDS), **_structure_snapshot(old)}
    for name, value in fields.items():
        setattr(debate, name, value)
    debate.max_choices = structure["max_choices"]
    debate.save(update_fields=[*fields, "max_choices"])
    if structure_changed:
        _write_structure(debate, structure)
    after = {**snapshot(debate, DEBATE_FIELDS), **_structure_snapshot(structure)}
    if after != before:
        _changed(debate, actor, "debate.edited", before, after)
    return debate


# --- publish, hide, trash ----------------------------------------------------------------------
@transaction.atomic
def apply_debate_action(*, actor, debate_ids, action: str) -> tuple[int, int]:
    """One action on many debates. Debates of agencies the actor does not administer are
    refused one by one, as are publications of debates whose vote already closed. Returns
    (changed, refused)."""
    if action not in DebateAction.CHOICES:
        raise InvalidDebate({"action": [_("Choose an action.")]})
    changed = refused = 0
    now = timezone.now()
    for debate in Debate.objects.select_for_update().select_related("agency").filter(pk__in=list(debate_ids)):
        if not can_administer(actor, debate.agency):
            refused += 1
            continue
        before = snapshot(debate, DEBATE_FIELDS)
        if action == DebateAction.PUBLISH:
            if not debate.is_published and debate.closes_at <= now:
                refused += 1
                continue
            debate.is_published = True
        elif action == DebateAction.HIDE:
            debate.is_hidden = True
        elif action == DebateAction.UNHIDE:
            debate.is_hidden = False
        elif action == DebateAction.TRASH:
            debate.trashed_at = debate.trashed_at or now
        elif action == DebateAction.RESTORE:
            debate.trashed_at = None
        after = snapshot(debate, DEBATE_FIELDS)
        if after == before:
            continue
        debate.save(update_fields=["is_published", "is_hidden", "trashed_at"])
        _changed(debate, actor, f"debate.{action}", before, after)
        changed += 1
    return changed, refused


@transaction.atomic
def publish_results(*, actor, debate_id, result_text: str) -> Debate:
    """The tallies and the agency's written response (토론결과) become public; only once the
    vote has closed. Publishing again edits the response and keeps the first date."""
    debate = _locked_debate(debate_id)
    _require_admin(actor, debate.agency)
    now = timezone.now()
    if debate.status_at(now) not in (Status.CLOSED, Status.RESULTS_PUBLISHED):
        raise InvalidDebate({"__all__": [_("Results can be published only after the vote has closed.")]})
    text = _text(result_text)
    if not text:
        raise InvalidDebate({"result_text": [_("Write the agency's response to the debate.")]})
    if len(text) > RESULT_TEXT_MAX:
        raise InvalidDebate({"result_text": [_("The response must be 10,000 characters or fewer.")]})
    before = snapshot(debate, DEBATE_FIELDS)
    first_publication = debate.results_published_at is None
    debate.result_text = text
    debate.results_published_at = debate.results_published_at or now
    debate.save(update_fields=["result_text", "results_published_at"])
    after = snapshot(debate, DEBATE_FIELDS)
    if after != before:
        _changed(debate, actor, "debate.results_published", before, after)
    if first_publication and not debate.is_hidden and debate.trashed_at is None:
        # Once: an edit of the response later is not a second publication.
        emit(Event.DEBATE_RESULTS_PUBLISHED, agency_id=debate.agency_id, payload=lambda: results_data(debate))
    return debate


@transaction.atomic
def set_similar_proposals(*, actor, debate_id, proposal_ids) -> Debate:
    """The proposals shown as similar (유사제안): any proposal the debate's site lists."""
    from deliberation.proposals.selectors import proposals_for_site

    debate = _locked_debate(debate_id)
    _require_admin(actor, debate.agency)
    try:
        wanted = {int(pk) for pk in proposal_ids}
    except (TypeError, ValueError):
        raise InvalidDebate({"proposals": [_("Choose proposals listed on this site.")]}) from None
    found = set(proposals_for_site(site=debate.agency).filter(pk__in=wanted).values_list("pk", flat=True))
    if found != wanted:
        raise InvalidDebate({"proposals": [_("Choose proposals listed on this site.")]})
    before = {"similar_proposals": sorted(debate.similar_proposals.values_list("pk", flat=True))}
    after = {"similar_proposals": sorted(wanted)}
    if before != after:
        debate.similar_proposals.set(wanted)
        _changed(debate, actor, "debate.similar_proposals_set", before, after)
    return debate


# --- materials -------------------------------------------------------------------------------
MATERIAL_FIELDS = ["kind", "title", "body", "url", "file", "alt_text", "position"]


DOCUMENT_EXTENSIONS = {
    "pdf", "hwp", "hwpx", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "txt", "csv", "zip",
}


def _is_document(upload) -> bool:
    name = getattr(upload, "name", "") or ""
    return "." in name and name.rsplit(".", 1)[1].lower() in DOCUMENT_EXTENSIONS


def _is_image(upload) -> bool:
    head = upload.read(16)
    upload.seek(0)
    return head.startswith(IMAGE_SIGNATURES) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")


@transaction.atomic
def add_material(*, actor, debate_id, kind: str, title: str, body: str = "", url: str = "", file=None,
                 alt_text: str = "") -> DebateMaterial:
    """Debate materials (토론자료): a text, a link (http or https), a file of at most 10 MB, or a
    card-news image (PNG, JPEG, GIF or WebP) with its description for screen readers."""
    debate = _locked_debate(debate_id)
    _require_admin(actor, debate.agency)
    errors: dict[str, list] = {}
    if kind not in MaterialKind.values:
        raise InvalidDebate({"kind": [_("Choose the kind of material.")]})
    title, body, url, alt_text = _line(title), _text(body), (url or "").strip(), _line(alt_text)
    if not title or len(title) > TITLE_MAX:
        errors["title"] = [_("Give the material a title of at most 200 characters.")]
    if kind == MaterialKind.TEXT and not body:
        errors["body"] = [_("Write the text.")]
    if kind == MaterialKind.LINK:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 200:
            errors["url"] = [_("Give a web address starting with http:// or https://.")]
    if kind in (MaterialKind.FILE, MaterialKind.IMAGE):
        if file is None:
            errors["file"] = [_("Choose a file to upload.")]
        elif file.size > MATERIAL_FILE_MAX:
            errors["file"] = [_("The file must be 10 MB or smaller.")]
        elif kind == MaterialKind.IMAGE and not _is_image(file):
            errors["file"] = [_("Upload a PNG, JPEG, GIF or WebP image.")]
        elif kind == MaterialKind.FILE and not _is_document(file):
            # Uploads are served from the site's own origin: an HTML or SVG file there could
            # run script in citizens' sessions, so only document formats are taken.
            errors["file"] = [_("Upload a document: PDF, HWP, Word, Excel, PowerPoint, text, CSV or ZIP.")]
    if kind == MaterialKind.IMAGE and not alt_text:
        errors["alt_text"] = [_("Describe the image for people who cannot see it.")]
    if errors:
        raise InvalidDebate(errors)
    position = debate.materials.count()
    material = DebateMaterial(
        debate=debate, kind=kind, title=title, position=position,
        body=body if kind == MaterialKind.TEXT else "",
        url=url if kind == MaterialKind.LINK else "",
        alt_text=alt_text if kind == MaterialKind.IMAGE else "")
    if kind in (MaterialKind.FILE, MaterialKind.IMAGE):
        material.file = file
    material.save()
    _changed(debate, actor, "debate.material_added", {}, {"material": material.pk, **snapshot(material, MATERIAL_FIELDS)})
    return material


@transaction.atomic
def remove_material(*, actor, material_id) -> None:
    try:
        material = DebateMaterial.objects.select_related("debate__agency").get(pk=material_id)
    except (DebateMaterial.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    debate = _locked_debate(material.debate_id)
    _require_admin(actor, debate.agency)
    before = {"material": material.pk, **snapshot(material, MATERIAL_FIELDS)}
    stored = material.file.name if material.file else ""
    material.delete()
    if stored:
        storage = material.file.storage
        transaction.on_commit(lambda: storage.delete(stored))
    _changed(debate, actor, "debate.material_removed", before, {})
