import json
import math

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from deliberation import ratelimits
from deliberation.http import rate_limit

from .forms import DeleteAccountForm, SignUpForm
from .selectors import my_data
from .services import AccountError, delete_account, register_citizen


@require_http_methods(["GET", "POST"])
@rate_limit("signup")
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


class ThrottledLoginView(auth_views.LoginView):
    """Django's log-in form with a brute-force throttle (policy "login"): failed log-ins are
    counted per typed username and per client address; while either is used up, the form is
    refused with 429 before any password is checked. A success clears its username's count
    (the owner is back in), never the address's (one known account must not reset a network's
    guesses at others)."""

    redirect_authenticated_user = True

    @staticmethod
    def _username_key(request) -> str:
        return ratelimits.hashed(request.POST.get("username", "").strip().casefold())

    def post(self, request, *args, **kwargs):
        wait = ratelimits.exceeded("login", account=self._username_key(request),
                                   address=ratelimits.client_address(request))
        if wait is None:
            return super().post(request, *args, **kwargs)
        form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
        message = _("Too many failed log-in attempts for this account or from this network. "
                    "Try again in %(minutes)s min.") % {"minutes": math.ceil(wait / 60)}
        response = self.render_to_response(self.get_context_data(form=form, throttled=message), status=429)
        response["Retry-After"] = str(wait)
        return response

    def form_invalid(self, form):
        ratelimits.count("login", account=self._username_key(self.request),
                         address=ratelimits.client_address(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        ratelimits.clear("login", account=self._username_key(self.request))
        return super().form_valid(form)
