from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EVENT_CHOICES


class EndpointForm(forms.Form):
    """Input shape only; the rules (https, public address, at least one event) are the
    service's, reported back on these fields."""

    url = forms.CharField(label=_("URL"), max_length=500,
                          help_text=_("https:// address of your platform that receives the events."))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(label=_("Events"), choices=EVENT_CHOICES, required=False,
                                       widget=forms.CheckboxSelectMultiple)


class EndpointEditForm(EndpointForm):
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False)
