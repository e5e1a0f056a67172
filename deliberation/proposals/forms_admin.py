"""Back-office forms for proposals. They check the shape of the input (a known choice, a
length, a date); the services check the rules and who acts."""

from django import forms
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency, Department
from deliberation.ids import RowIdsField

from .admin_selectors import NONE, SEARCH_MAX, AdminFilters, Tab
from .admin_services import BulkAction
from .districts import District
from .models import (
    AnswerStatus, Decision, DepartmentAnswer, PolicyCategory, Proposal, Reassignment, ReviewResult,
)

ANY = ("", _("Any"))


def _choices(choices, none_label=None):
    """Filter choices: "any", then "not yet" (NONE) when given, then the stored values."""
    extra = [(NONE, none_label)] if none_label else []
    return [ANY, *extra, *[(value, label) for value, label in choices if value]]


class FilterForm(forms.Form):
    """The list's GET form. An invalid value is reported next to its field and ignored."""

    tab = forms.ChoiceField(choices=Tab.CHOICES, required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search title and text"), required=False, max_length=SEARCH_MAX)
    created_from = forms.DateField(label=_("Created from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(label=_("Created until"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    review_from = forms.DateField(label=_("Review started from"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    review_to = forms.DateField(label=_("Review started until"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    agency = forms.ChoiceField(label=_("Agency"), required=False)
    department = forms.ChoiceField(label=_("Lead department"), required=False)
    category = forms.ChoiceField(label=_("Policy category"), required=False,
                                 choices=_choices(PolicyCategory.choices))
    decision = forms.ChoiceField(label=_("Department decision"), required=False,
                                 choices=_choices(Decision.choices, _("No answer yet")))
    approval = forms.ChoiceField(label=_("Admin approval"), required=False,
                                 choices=_choices(AnswerStatus.choices, _("No answer yet")))
    reassignment = forms.ChoiceField(label=_("Reassignment"), required=False,
                                     choices=_choices(Reassignment.choices, _("Not requested")))
    result = forms.ChoiceField(label=_("Review result"), required=False,
                               choices=_choices(ReviewResult.choices, _("Not yet decided")))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, data, *, site: Agency):
        super().__init__(data)
        self.site = site
        departments = Department.objects.select_related("agency").order_by("agency__name", "name")
        if site.is_city:
            agencies = Agency.objects.order_by("-is_city", "name").values_list("slug", "name")
            self.fields["agency"].choices = [ANY, *agencies]
            self.fields["department"].choices = [ANY, (NONE, _("Not assigned")), *[
                (str(d.pk), f"{d.agency.name} · {d.name}") for d in departments]]
        else:
            del self.fields["agency"]
            self.fields["department"].choices = [ANY, (NONE, _("Not assigned")), *[
                (str(d.pk), d.name) for d in departments.filter(agency=site)]]

    def clean(self):
        cleaned = super().clean()
        for start, end in (("created_from", "created_to"), ("review_from", "review_to")):
            if cleaned.get(start) and cleaned.get(end) and cleaned[start] > cleaned[end]:
                self.add_error(end, _("The end date is before the start date."))
        return cleaned

    def filters(self) -> AdminFilters:
        """The valid part of the input (call after is_valid())."""
        data = {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}
        data["q"] = " ".join(data.get("q", "").split())
        data.setdefault("tab", Tab.ALL)
        return AdminFilters(**{key: value for key, value in data.items() if key in AdminFilters.__dataclass_fields__})


BULK_LABELS = {
    BulkAction.MAKE_PUBLIC: _("Make public"),
    BulkAction.MAKE_PRIVATE: _("Make private"),
    BulkAction.TRASH: _("Move to the trash"),
    BulkAction.RESTORE: _("Restore from the trash"),
    BulkAction.MARK_GOOD: _("Mark as good proposal"),
    BulkAction.UNMARK_GOOD: _("Remove the good-proposal mark"),
}


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=_("With the selected proposals"),
        choices=[("", _("Choose an action")), *[(a, BULK_LABELS[a]) for a in BulkAction.CHOICES]],
        error_messages={"invalid_choice": _("Choose one of the listed actions.")},
    )
    proposals = RowIdsField(
        queryset=Proposal.objects.none(),
        error_messages={
            "required": _("Select at least one proposal."),
            "invalid_choice": _("A selected proposal is not in this list."),
            "invalid_pk_value": _("A selected proposal is not in this list."),
        },
    )

    def __init__(self, *args, proposals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].queryset = proposals


class OfflineProposalForm(forms.Form):
    """A proposal collected offline (a proposal box, a workshop) typed in by staff."""

    title = forms.CharField(label=_("Title"), max_length=Proposal.TITLE_MAX)
    body = forms.CharField(label=_("Proposal text"), max_length=Proposal.BODY_MAX,
                           widget=forms.Textarea(attrs={"rows": 10}))
    policy_category = forms.ChoiceField(
        label=_("Policy category"), choices=[("", _("Choose a category")), *PolicyCategory.choices],
        error_messages={"invalid_choice": _("Choose one of the policy categories.")},
    )
    district = forms.ChoiceField(
        label=_("District (optional)"), required=False, choices=[("", _("Whole city")), *District.choices],
        error_messages={"invalid_choice": _("Choose one of Seoul's 25 districts.")},
    )
    themes = forms.CharField(label=_("Themes (optional)"), required=False, max_length=200,
                             help_text=_("Up to 5 hashtags, e.g. #자전거도로 #모유수유"))
    offline_author_name = forms.CharField(
        label=_("Proposer's name"), max_length=50,
        help_text=_("As written on the form; write 익명 if the proposer gave no name."),
    )
    offline_source = forms.CharField(
        label=_("Where it was collected"), max_length=100,
        help_text=_("e.g. proposal box at a community centre, a citizens' workshop"),
    )

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the categories the site offers (its settings), as on the citizens' form.
        from .categories import policy_categories_for

        self.fields["policy_category"].choices = [("", _("Choose a category")), *policy_categories_for(agency)]


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Lead department"), queryset=Department.objects.none(), empty_label=_("Choose a department"),
        error_messages={"invalid_choice": _("Choose one of this agency's departments."),
                        "required": _("Choose one of this agency's departments.")},
    )

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(agency=agency)


class DecideAnswerForm(forms.Form):
    """Approve or send back the answer waiting for approval; the id guards against deciding
    on an answer other than the one on screen."""

    answer = forms.IntegerField(widget=forms.HiddenInput)


class ReturnAnswerForm(DecideAnswerForm):
    note = forms.CharField(label=_("What should the department change?"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Review result"), required=False, choices=ReviewResult.choices,
        error_messages={"invalid_choice": _("Choose a review result.")},
    )
    is_decided = forms.BooleanField(label=_("Decided proposal"), required=False)


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Department opinion"), max_length=DepartmentAnswer.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("Write the department's opinion.")},
    )
    decision = forms.ChoiceField(
        label=_("Department decision"), choices=[("", _("Choose a decision")), *Decision.choices],
        error_messages={"invalid_choice": _("Choose accept, partially accept or reject."),
                        "required": _("Choose accept, partially accept or reject.")},
    )


class ReassignmentForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should another department answer?"), max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why another department should answer.")},
    )
