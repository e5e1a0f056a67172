from django import forms
from django.utils.translation import gettext_lazy as _

from deliberation.accounts.models import User

from .models import Agency


class AgencySettingsForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = [
            "name", "primary_colour", "banner_text", "support_period_days",
            "answer_threshold", "debate_threshold", "review_deadline_days",
        ]
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"})}

    def clean(self):
        cleaned = super().clean()
        answer, debate = cleaned.get("answer_threshold"), cleaned.get("debate_threshold")
        if answer is not None and debate is not None and debate <= answer:
            self.add_error("debate_threshold", _("The debate threshold must be above the answer threshold."))
        return cleaned


class NewAgencyForm(forms.ModelForm):
    admin_username = forms.CharField(
        label=_("Agency admin (username)"), required=False,
        help_text=_("An existing account that will run this agency's site."),
    )

    class Meta:
        model = Agency
        fields = ["name", "slug", "primary_colour", "banner_text"]
        widgets = {"primary_colour": forms.TextInput(attrs={"type": "color"})}

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if slug in {"seoul", "a", "ws", "static", "accounts", "platform", "api", "admin"}:
            raise forms.ValidationError(_("This address is reserved."))
        return slug

    def clean_admin_username(self):
        username = self.cleaned_data.get("admin_username", "").strip()
        if not username:
            return None
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise forms.ValidationError(_("No active account has this username.")) from None
