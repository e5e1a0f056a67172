from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Comment, CommentReport


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), max_length=Comment.BODY_MAX, widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("Why do you report this comment?"), max_length=CommentReport.REASON_MAX)
