"""Back-office forms for execution items. They check the shape of the input; the services
check the rules and who acts, and their InvalidExecution errors land on the fields named the
same way here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Department
from deliberation.ids import RowIdsField

from .models import ExecutionItem, ExecutionStatus, MaterialKind
from .selectors import SEARCH_MAX, AdminFilters
from .services import VisibilityAction

ANY = ("", _("Any"))
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search title and summary"), required=False, max_length=SEARCH_MAX)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[ANY, *ExecutionStatus.choices])
    department = forms.ModelChoiceField(label=_("Responsible department"), required=False,
                                        queryset=Department.objects.none(), empty_label=_("Any"))
    visibility = forms.ChoiceField(label=_("Visibility"), required=False,
                                   choices=[ANY, ("public", _("Public")), ("hidden", _("Hidden"))])

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(agency=agency)

    def filters(self) -> AdminFilters:
        data = self.cleaned_data
        return AdminFilters(
            status=data.get("status") or "", department=data["department"].pk if data.get("department") else None,
            visibility=data.get("visibility") or "", q=" ".join((data.get("q") or "").split()),
        )


ACTION_LABELS = {VisibilityAction.MAKE_PUBLIC: _("Make public"), VisibilityAction.MAKE_HIDDEN: _("Hide")}


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=_("With the selected items"),
        choices=[("", _("Choose an action")), *[(a, ACTION_LABELS[a]) for a in VisibilityAction.CHOICES]],
        error_messages={"invalid_choice": _("Choose one of the listed actions.")},
    )
    items = RowIdsField(
        queryset=ExecutionItem.objects.none(),
        error_messages={
            "required": _("Select at least one item."),
            "invalid_choice": _("A selected item is not in this list."),
            "invalid_pk_value": _("A selected item is not in this list."),
        },
    )

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = items


class ItemForm(forms.Form):
    """Create (with a source, a starting status and a note) or edit an item."""

    proposal = forms.ModelChoiceField(label=_("Adopted proposal"), required=False, queryset=None,
                                      empty_label=_("None"))
    debate = forms.ModelChoiceField(label=_("Debate with published results"), required=False, queryset=None,
                                    empty_label=_("None"))
    title = forms.CharField(label=_("Title"), max_length=ExecutionItem.TITLE_MAX)
    summary = forms.CharField(label=_("Summary"), required=False, max_length=ExecutionItem.SUMMARY_MAX,
                              widget=forms.Textarea(attrs={"rows": 5}))
    department = forms.ModelChoiceField(label=_("Responsible department"), queryset=Department.objects.none())
    status = forms.ChoiceField(label=_("Starting status"), choices=ExecutionStatus.choices,
                               initial=ExecutionStatus.PLANNED)
    note = forms.CharField(label=_("First timeline note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    is_public = forms.BooleanField(label=_("Show on the public board"), required=False, initial=True)

    def __init__(self, *args, agency, proposals=None, debates=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(agency=agency)
        if editing:
            for name in ("proposal", "debate", "status", "note"):
                del self.fields[name]
        else:
            self.fields["proposal"].queryset = proposals
            self.fields["debate"].queryset = debates
            self.fields["proposal"].label_from_instance = lambda p: f"{p.pk}. {p.title}"
            self.fields["debate"].label_from_instance = lambda d: f"{d.pk}. {d.title}"

    def clean(self):
        cleaned = super().clean()
        if "proposal" in self.fields and bool(cleaned.get("proposal")) == bool(cleaned.get("debate")):
            raise forms.ValidationError(_("Choose either a proposal or a debate."))
        return cleaned


class UpdateForm(forms.Form):
    happened_on = forms.DateField(label=_("Date"), widget=DATE)
    body = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    status = forms.ChoiceField(label=_("Change the status to"), required=False,
                               choices=[("", _("No change")), *ExecutionStatus.choices])


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of material"), choices=MaterialKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    meeting_on = forms.DateField(label=_("Meeting date (for meeting notes)"), required=False, widget=DATE)
    body = forms.CharField(label=_("Meeting notes"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    url = forms.CharField(label=_("Web address (for a link)"), required=False, max_length=200)
    file = forms.FileField(label=_("Document (at most 10 MB)"), required=False)
