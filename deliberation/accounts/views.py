import json

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .forms import DeleteAccountForm, SignUpForm
from .selectors import my_data
from .services import AccountError, delete_account, register_citizen


@require_http_methods(["GET", "POST"])
def signup(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = register_citizen(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data.get("display_name", ""),
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_safe_next(request) or "city:home")
    return render(request, "accounts/signup.html", {"form": form})


def _safe_next(request) -> str:
    """Where to go after signing up: a page of this site only (never another host, so a link
    cannot turn the sign-up form into an open redirect)."""
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return target if allowed else ""


@login_required
@require_GET
def me(request):
    return render(request, "accounts/me.html", {"delete_form": DeleteAccountForm()})


@login_required
@require_GET
def my_data_download(request):
    body = json.dumps(my_data(request.user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-data-{request.user.username}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_me(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            delete_account(user=request.user, password=form.cleaned_data["password"])
        except AccountError as exc:
            form.add_error("password", str(exc.message))
        else:
            logout(request)
            messages.success(request, _("Your account is deleted. Your votes and supports still count, without your name."))
            return redirect("city:home")
    return render(request, "accounts/me.html", {"delete_form": form}, status=400 if form.errors else 200)
