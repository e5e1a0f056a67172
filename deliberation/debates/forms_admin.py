"""Back-office forms for debates. They check the shape of the input (a known choice, a date,
a number); the services check the rules and who acts, and their InvalidDebate errors are
shown next to the fields named the same way here."""

from django import forms
from django.utils.translation import gettext_lazy as _
from deliberation.ids import RowIdsField

from .admin_selectors import SEARCH_MAX, AdminFilters, Tab
from .admin_services import MAX_QUESTION_OPTIONS, MAX_QUESTIONS, DebateAction, current_structure
from .models import Debate, Entry, MaterialKind, OptionKind, Status, TallyVisibility, VoteType

ANY = ("", _("Any"))
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class FilterForm(forms.Form):
    """The list's GET form. An invalid value is reported next to its field and ignored."""

    tab = forms.ChoiceField(choices=Tab.CHOICES, required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search title and text"), required=False, max_length=SEARCH_MAX)
    vote_type = forms.ChoiceField(label=_("Vote type"), required=False, choices=[ANY, *VoteType.choices])
    state = forms.ChoiceField(label=_("State"), required=False, choices=[ANY, *Status.choices])
    period_from = forms.DateField(label=_("Period from"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    period_to = forms.DateField(label=_("Period until"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("period_from") and cleaned.get("period_to") and cleaned["period_from"] > cleaned["period_to"]:
            self.add_error("period_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> AdminFilters:
        """The valid part of the input (call after is_valid())."""
        data = {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
        data["q"] = " ".join(data.get("q", "").split())
        return AdminFilters(**data)


ACTION_LABELS = {
    DebateAction.PUBLISH: _("Publish"),
    DebateAction.HIDE: _("Make private"),
    DebateAction.UNHIDE: _("Make public"),
    DebateAction.TRASH: _("Move to the trash"),
    DebateAction.RESTORE: _("Restore from the trash"),
}


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=_("With the selected debates"),
        choices=[("", _("Choose an action")), *[(a, ACTION_LABELS[a]) for a in DebateAction.CHOICES]],
        error_messages={"invalid_choice": _("Choose one of the listed actions.")},
    )
    debates = RowIdsField(
        queryset=Debate.objects.none(),
        error_messages={
            "required": _("Select at least one debate."),
            "invalid_choice": _("A selected debate is not in this list."),
            "invalid_pk_value": _("A selected debate is not in this list."),
        },
    )

    def __init__(self, *args, debates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["debates"].queryset = debates


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class DebateForm(forms.Form):
    """Create or edit a debate of one vote type. Research questions are a repeated fieldset
    (question_1_… to question_10_…), options one per line; empty questions are ignored.
    When citizens already took part (`locked`), options and questions are shown disabled."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    entry = forms.ChoiceField(label=_("Listed as"), choices=Entry.choices, initial=Entry.AGENCY_ASKS)
    opens_at = forms.DateTimeField(label=_("Voting opens"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("Voting closes"), widget=DATETIME)
    tally_visibility = forms.ChoiceField(label=_("Tally shown"), choices=TallyVisibility.choices,
                                         initial=TallyVisibility.LIVE)

    def __init__(self, *args, vote_type: str, locked: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.vote_type = vote_type
        self.structure_fields = []
        if vote_type == VoteType.PRO_CON:
            for kind, label in ((OptionKind.FOR, _("Label for 'for'")), (OptionKind.AGAINST, _("Label for 'against'")),
                                (OptionKind.OTHER, _("Label for 'other'"))):
                self._add(f"label_{kind}", forms.CharField(label=label, max_length=100))
        elif vote_type == VoteType.MULTIPLE_CHOICE:
            self._add("choices", forms.CharField(label=_("Options, one per line"),
                                                 widget=forms.Textarea(attrs={"rows": 6})))
            self._add("max_choices", forms.IntegerField(label=_("Most options a ballot may pick"), min_value=1,
                                                        initial=1))
        elif vote_type == VoteType.RESEARCH:
            for n in range(1, MAX_QUESTIONS + 1):
                self._add(f"question_{n}_text", forms.CharField(
                    label=_("Question %(number)d") % {"number": n}, required=False, max_length=300))
                self._add(f"question_{n}_options", forms.CharField(
                    label=_("Options of question %(number)d, one per line (2 to %(most)d)") % {
                        "number": n, "most": MAX_QUESTION_OPTIONS},
                    required=False, widget=forms.Textarea(attrs={"rows": 4})))
                self._add(f"question_{n}_max_choices", forms.IntegerField(
                    label=_("Most options an answer to question %(number)d may pick") % {"number": n},
                    min_value=1, required=False, initial=1))
                self._add(f"question_{n}_required", forms.BooleanField(
                    label=_("Question %(number)d must be answered") % {"number": n}, required=False, initial=True))
        if locked:
            for name in self.structure_fields:
                self.fields[name].disabled = True

    def _add(self, name, field):
        self.fields[name] = field
        self.structure_fields.append(name)

    def questions_fieldsets(self):
        """The research questions' fields, grouped for the template."""
        return [[self[f"question_{n}_{key}"] for key in ("text", "options", "max_choices", "required")]
                for n in range(1, MAX_QUESTIONS + 1)] if self.vote_type == VoteType.RESEARCH else []

    def common_fields(self):
        return [self[name] for name in self.fields if name not in self.structure_fields]

    def structure_bound_fields(self):
        return [self[name] for name in self.structure_fields] if self.vote_type != VoteType.RESEARCH else []

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {name: data[name] for name in ("title", "body", "entry", "opens_at", "closes_at", "tally_visibility")}
        if self.vote_type == VoteType.PRO_CON:
            kwargs["labels"] = {kind: data[f"label_{kind}"] for kind in (OptionKind.FOR, OptionKind.AGAINST,
                                                                         OptionKind.OTHER)}
        elif self.vote_type == VoteType.MULTIPLE_CHOICE:
            kwargs["choices"] = _lines(data["choices"])
            kwargs["max_choices"] = data["max_choices"]
        elif self.vote_type == VoteType.RESEARCH:
            kwargs["questions"] = [
                {"text": data[f"question_{n}_text"], "options": _lines(data[f"question_{n}_options"]),
                 "max_choices": data[f"question_{n}_max_choices"] or 1, "required": data[f"question_{n}_required"]}
                for n in range(1, MAX_QUESTIONS + 1)
                if data[f"question_{n}_text"] or data[f"question_{n}_options"]
            ]
        return kwargs


def debate_initial(debate: Debate) -> dict:
    initial = {name: getattr(debate, name) for name in ("title", "body", "entry", "opens_at", "closes_at",
                                                        "tally_visibility")}
    structure = current_structure(debate)
    for kind, label in structure.get("labels", []):
        initial[f"label_{kind}"] = label
    if "choices" in structure:
        initial["choices"] = "\n".join(structure["choices"])
        initial["max_choices"] = structure["max_choices"]
    for n, question in enumerate(structure.get("questions", []), start=1):
        initial.update({f"question_{n}_text": question["text"], f"question_{n}_options": "\n".join(question["options"]),
                        f"question_{n}_max_choices": question["max_choices"],
                        f"question_{n}_required": question["required"]})
    return initial


def new_debate_initial(vote_type: str) -> dict:
    if vote_type == VoteType.PRO_CON:
        return {"label_for": "찬성", "label_against": "반대", "label_other": "기타"}
    return {}


class ResultForm(forms.Form):
    result_text = forms.CharField(label=_("The agency's response"), widget=forms.Textarea(attrs={"rows": 8}))


class SimilarProposalsForm(forms.Form):
    proposals = RowIdsField(
        label=_("Similar proposals"), required=False, queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose proposals listed on this site."),
                        "invalid_pk_value": _("Choose proposals listed on this site.")},
    )

    def __init__(self, *args, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = proposals
        self.fields["proposals"].label_from_instance = lambda p: f"{p.pk}. {p.title}"


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of material"), choices=MaterialKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text (for a text)"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    url = forms.CharField(label=_("Web address (for a link)"), required=False, max_length=200)
    file = forms.FileField(label=_("File or image (at most 10 MB)"), required=False)
    alt_text = forms.CharField(label=_("Image description (for an image)"), required=False, max_length=300)
