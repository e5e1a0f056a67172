"""Input shapes for the content pages. The forms check the shape (a date, a number, a known
choice); the services check the rules and strip markup, and their InvalidContent errors are
shown next to the fields named the same way here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .admin_selectors import SEARCH_MAX, Filters
from .models import FaqEntry, Notice, ParticipationEvent, Question, SiteEvent, SitePage

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ANY = ("", _("Any"))


def _moment(label, required=True):
    return forms.DateTimeField(label=label, required=required, widget=DATETIME)


# --- citizen side --------------------------------------------------------------------------
class QuestionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=Question.TITLE_MAX)
    body = forms.CharField(label=_("Your question"), max_length=Question.BODY_MAX,
                           widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("Plain text, at most %(n)d characters.") % {"n": Question.BODY_MAX})
    is_private = forms.BooleanField(label=_("Private: only I and the site's administrators can read it"),
                                    required=False)


# --- back office ---------------------------------------------------------------------------
class FilterForm(forms.Form):
    """The list's GET form. An invalid value is reported next to its field and ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=SEARCH_MAX)
    state = forms.ChoiceField(label=_("State"), required=False, choices=[ANY])
    visibility = forms.ChoiceField(label=_("Visibility"), required=False,
                                   choices=[ANY, ("public", _("Public")), ("hidden", _("Hidden"))])
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, spec, **kwargs):
        super().__init__(*args, **kwargs)
        if spec.states:
            self.fields["state"].choices = [ANY, *spec.states]
        else:
            del self.fields["state"]
        self.fields["date_from"].label = _("%(what)s from") % {"what": spec.date_label}
        self.fields["date_to"].label = _("%(what)s until") % {"what": spec.date_label}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> Filters:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data["q"] = " ".join(data.get("q", "").split())
        return Filters(**data)


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=_("With the selected rows"),
        choices=[("", _("Choose an action")), ("show", _("Make public")), ("hide", _("Hide"))],
        error_messages={"required": _("Choose one of the listed actions."),
                        "invalid_choice": _("Choose one of the listed actions.")})
    items = forms.TypedMultipleChoiceField(coerce=int, error_messages={"required": _("Select at least one row.")})

    def __init__(self, *args, ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [(str(pk), str(pk)) for pk in ids]
        self.fields["items"].error_messages["invalid_choice"] = _("A selected row is not in this list.")


class NoticeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=Notice.TITLE_MAX)
    body = forms.CharField(label=_("Text"), max_length=Notice.BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}))
    pinned = forms.BooleanField(label=_("Pinned to the top"), required=False)
    published_at = _moment(_("Published at (empty: now)"), required=False)
    is_public = forms.BooleanField(label=_("Public"), required=False, initial=True)


class FaqForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=FaqEntry.QUESTION_MAX)
    answer = forms.CharField(label=_("Answer"), max_length=FaqEntry.ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 8}))
    category = forms.CharField(label=_("Category"), max_length=FaqEntry.CATEGORY_MAX, required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=32_767, initial=0, required=False)
    is_public = forms.BooleanField(label=_("Public"), required=False, initial=True)


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=SiteEvent.TITLE_MAX)
    place = forms.CharField(label=_("Place"), max_length=SiteEvent.PLACE_MAX)
    starts_at = _moment(_("Starts"))
    ends_at = _moment(_("Ends"))
    body = forms.CharField(label=_("Text"), max_length=SiteEvent.BODY_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 6}))
    is_public = forms.BooleanField(label=_("Public"), required=False, initial=True)


class ParticipationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=ParticipationEvent.TITLE_MAX)
    body = forms.CharField(label=_("Text"), max_length=ParticipationEvent.BODY_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 6}))
    starts_at = _moment(_("Starts"))
    ends_at = _moment(_("Ends"))
    announces_at = _moment(_("Winners announced on"))
    winners = forms.CharField(label=_("Winners (shown from the announcement date)"), required=False,
                              max_length=ParticipationEvent.WINNERS_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    is_public = forms.BooleanField(label=_("Public"), required=False, initial=True)


EDIT_FORMS = {"notices": NoticeForm, "faq": FaqForm, "events": EventForm, "participation": ParticipationForm}


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=Question.ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 8}))


class SitePageForm(forms.Form):
    body = forms.CharField(label=_("Text (empty: show the city's text)"), required=False,
                           max_length=SitePage.BODY_MAX, widget=forms.Textarea(attrs={"rows": 20}))


class FeaturedForm(forms.Form):
    debates = forms.TypedMultipleChoiceField(label=_("Featured debates"), coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, debates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["debates"].choices = [(d.pk, d.title) for d in debates]
