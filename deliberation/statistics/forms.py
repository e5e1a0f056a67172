"""The statistics page's GET form: a date range, defaulting to the last 12 months."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .periods import MAX_MONTHS, Period, months_between


class RangeForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, today=None):
        super().__init__(data)
        self.today = today or timezone.localdate()
        default = Period.default(self.today)
        self.fields["start"].widget.attrs["placeholder"] = default.start.isoformat()
        self.fields["end"].widget.attrs["placeholder"] = default.end.isoformat()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or Period.default(end).start
        if start > end:
            self.add_error("end", _("The end date is before the start date."))
        elif months_between(start, end) > MAX_MONTHS:
            self.add_error("start", _("The range may cover at most five years (60 months)."))
        elif end > self.today + timedelta(days=366):
            self.add_error("end", _("The range may not end more than a year from today."))
        else:
            cleaned["period"] = Period(start=start, end=end)
        return cleaned

    def period(self) -> Period:
        """The chosen range (call after is_valid())."""
        return self.cleaned_data["period"]
