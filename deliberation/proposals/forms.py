from django import forms
from django.utils.translation import gettext_lazy as _

from deliberation.agencies.models import Agency

from .categories import policy_categories_for
from .districts import District
from .models import PolicyCategory, Proposal


class ProposalForm(forms.Form):
    """A citizen's proposal. Length limits are checked on the text as typed; the service
    strips markup and checks again."""

    agency = forms.ModelChoiceField(
        label=_("For"), queryset=Agency.objects.none(), empty_label=None,
        help_text=_("Seoul, or a partner agency: a partner agency's proposal also appears in Seoul's list."),
        error_messages={"invalid_choice": _("This agency does not take proposals.")},
    )
    title = forms.CharField(label=_("Title"), max_length=Proposal.TITLE_MAX)
    body = forms.CharField(label=_("Proposal"), max_length=Proposal.BODY_MAX, widget=forms.Textarea(attrs={"rows": 10}))
    policy_category = forms.ChoiceField(
        label=_("Policy category"), choices=[("", _("Choose a category"))] + list(PolicyCategory.choices),
        error_messages={"invalid_choice": _("Choose one of the policy categories.")},
    )
    district = forms.ChoiceField(
        label=_("District (optional)"), required=False, choices=[("", _("Whole city"))] + list(District.choices),
        error_messages={"invalid_choice": _("Choose one of Seoul's 25 districts.")},
    )
    themes = forms.CharField(
        label=_("Themes (optional)"), required=False, max_length=200,
        help_text=_("Up to 5 hashtags, e.g. #자전거도로 #모유수유"),
    )

    def __init__(self, *args, site: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        # On a partner agency's site a proposal goes to that agency; the city's site offers
        # Seoul and every participating agency.
        if site.is_city:
            self.fields["agency"].queryset = Agency.objects.filter(is_active=True).order_by("-is_city", "name")
        else:
            self.fields["agency"].queryset = Agency.objects.filter(pk=site.pk, is_active=True)
        self.fields["agency"].initial = site.pk
        self.fields["policy_category"].choices = [("", _("Choose a category")), *policy_categories_for(site)]

    def clean(self):
        cleaned = super().clean()
        agency, category = cleaned.get("agency"), cleaned.get("policy_category")
        if agency is not None and category:
            if category not in dict(policy_categories_for(agency)):
                self.add_error("policy_category", _("This agency does not take proposals in this category."))
        return cleaned
