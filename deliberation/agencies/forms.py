from django import forms
from django.utils.translation import gettext_lazy as _

from deliberation.accounts.models import User

from .models import Agency, Department, PlatformSettings, Role
from .site_settings import FOOTER_LINKS_MAX, InvalidSetting, clean_footer_links, colour_problem, logo_problem


class ColourInput(forms.TextInput):
    input_type = "color"


class AgencySettingsForm(forms.ModelForm):
    """The look of the site and its policy numbers. The service checks everything again."""

    logo_file = forms.FileField(
        label=_("Logo (PNG, JPEG, GIF or WebP, at most 1 MB)"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    policy_categories = forms.MultipleChoiceField(
        label=_("Policy categories this site offers"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all of them."),
    )

    class Meta:
        model = Agency
        fields = [
            "name", "site_title", "primary_colour", "banner_text", "logo_alt", "support_period_days",
            "answer_threshold", "debate_threshold", "review_deadline_days",
        ]
        widgets = {"primary_colour": ColourInput()}
        help_texts = {
            "site_title": _('Shown over the site\'s debates, e.g. "서울시설공단이 묻습니다". Empty: "<name> asks".'),
            "primary_colour": _("White text on it, and links and bars in it, must stay readable (WCAG AA contrast)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from deliberation.proposals.models import PolicyCategory

        self.fields["policy_categories"].choices = PolicyCategory.choices
        self.fields["policy_categories"].initial = self.instance.policy_categories or PolicyCategory.values
        links = list(self.instance.footer_links or [])
        for i in range(FOOTER_LINKS_MAX):
            link = links[i] if i < len(links) else {}
            self.fields[f"link_label_{i}"] = forms.CharField(
                label=_("Footer link %(n)d: label") % {"n": i + 1}, required=False, max_length=50,
                initial=link.get("label", ""))
            self.fields[f"link_url_{i}"] = forms.CharField(
                label=_("Footer link %(n)d: address (http:// or https://)") % {"n": i + 1}, required=False,
                max_length=300, initial=link.get("url", ""), widget=forms.URLInput)

    def clean_primary_colour(self):
        colour = self.cleaned_data["primary_colour"].lower()
        if problem := colour_problem(colour):
            raise forms.ValidationError(problem)
        return colour

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if upload and (problem := logo_problem(upload)):
            raise forms.ValidationError(problem)
        return upload

    def clean(self):
        cleaned = super().clean()
        answer, debate = cleaned.get("answer_threshold"), cleaned.get("debate_threshold")
        if answer is not None and debate is not None and debate <= answer:
            self.add_error("debate_threshold", _("The debate threshold must be above the answer threshold."))
        try:
            cleaned["footer_links"] = clean_footer_links(
                (cleaned.get(f"link_label_{i}"), cleaned.get(f"link_url_{i}")) for i in range(FOOTER_LINKS_MAX))
        except InvalidSetting as exc:
            self.add_error(None, str(exc.message))
        has_logo = cleaned.get("logo_file") or (self.instance.logo and not cleaned.get("remove_logo"))
        if has_logo and not (cleaned.get("logo_alt") or "").strip():
            self.add_error("logo_alt", _("Describe the logo for people who cannot see it."))
        return cleaned

    def settings_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        from deliberation.proposals.models import PolicyCategory

        data["policy_categories"] = self.cleaned_data["policy_categories"] or PolicyCategory.values
        data["footer_links"] = self.cleaned_data["footer_links"]
        return data


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)


class StaffRoleForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    department = forms.ModelChoiceField(
        label=_("Department (for an officer)"), queryset=Department.objects.none(), required=False,
        error_messages={"invalid_choice": _("Choose one of this agency's departments.")},
    )

    def __init__(self, *args, agency, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = agency.departments.all()
        if roles is not None:
            self.fields["role"].choices = [(value, label) for value, label in Role.choices if value in roles]


class ThemeMergeForm(forms.Form):
    source = forms.IntegerField(label=_("Merge this theme"))
    target = forms.IntegerField(label=_("into this theme"))


class NewAgencyForm(forms.ModelForm):
    admin_username = forms.CharField(
        label=_("Agency admin (username)"), required=False,
        help_text=_("An existing account that will run this agency's site."),
    )

    class Meta:
        model = Agency
        fields = ["name", "slug", "primary_colour", "banner_text"]
        widgets = {"primary_colour": ColourInput()}

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if slug in {"seoul", "a", "ws", "static", "accounts", "platform", "api", "admin", "media"}:
            raise forms.ValidationError(_("This address is reserved."))
        return slug

    def clean_primary_colour(self):
        colour = self.cleaned_data["primary_colour"].lower()
        if problem := colour_problem(colour):
            raise forms.ValidationError(problem)
        return colour

    def clean_admin_username(self):
        username = self.cleaned_data.get("admin_username", "").strip()
        if not username:
            return None
        try:
            return User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise forms.ValidationError(_("No active account has this username.")) from None


class PlatformSettingsForm(forms.ModelForm):
    class Meta:
        model = PlatformSettings
        fields = ["platform_name", "default_support_period_days", "default_answer_threshold",
                  "default_debate_threshold", "default_review_deadline_days"]

    def clean(self):
        cleaned = super().clean()
        answer, debate = cleaned.get("default_answer_threshold"), cleaned.get("default_debate_threshold")
        if answer is not None and debate is not None and debate <= answer:
            self.add_error("default_debate_threshold", _("The debate threshold must be above the answer threshold."))
        return cleaned


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the member is told)"), max_length=200)
    days = forms.IntegerField(label=_("Days (empty: until restored)"), required=False, min_value=1, max_value=3650)
