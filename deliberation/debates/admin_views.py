"""Back office for debates. For now: publishing a draft debate (one promoted from a proposal
at the debate threshold) with its period. The full debate editor comes with the debates issue."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deliberation.agencies.permissions import can_administer
from deliberation.agencies.sites import site_reverse, site_view
from deliberation.errors import DomainError

from . import services
from .errors import InvalidDebate
from .models import Debate


class PublishDebateForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    opens_at = forms.DateTimeField(label=gettext_lazy("Voting opens"),
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    closes_at = forms.DateTimeField(label=gettext_lazy("Voting closes"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


@login_required
@site_view
def publish_debate(request, pk):
    debate = Debate.objects.filter(pk=pk, agency=request.site, is_published=False).first()
    if debate is None or not can_administer(request.user, request.site):
        raise Http404
    now = timezone.localtime().replace(second=0, microsecond=0)
    initial = {"title": debate.title, "opens_at": max(now, timezone.localtime(debate.opens_at)),
               "closes_at": max(now + timedelta(days=14), timezone.localtime(debate.closes_at))}
    form = PublishDebateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_debate(actor=request.user, debate_id=debate.pk, **form.cleaned_data)
        except InvalidDebate as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The debate is published."))
            return redirect(site_reverse(request.site, "debate_detail", pk=debate.pk))
    source = getattr(debate, "source_proposal", None)
    return render(request, "debates/manage/publish.html", {"debate": debate, "form": form, "source": source},
                  status=400 if form.errors else 200)
