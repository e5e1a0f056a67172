from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Scope


class NewKeyForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100,
                           help_text=_("For you: what the key is for, e.g. \"district platform, production\"."))
    platform_name = forms.CharField(label=_("partner platform"), max_length=100,
                                    help_text=_("Shown on proposals it files, as \"via …\"."))
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
