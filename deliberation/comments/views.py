"""The comment actions of any page that hosts a thread (a proposal, a debate): post, edit,
delete, report. Each app's view resolves its page into a `Thread` and calls one of these."""

from dataclasses import dataclass
from typing import Callable

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from deliberation.errors import DomainError
from deliberation.http import run_with_messages

from . import services
from .forms import CommentForm, ReportForm
from .models import Comment


@dataclass(frozen=True)
class Thread:
    target: object  # the Proposal or Debate the comments are on
    detail_url: str
    # Renders the host page again with a refused comment form (the draft survives), status 400.
    render_with_form: Callable[[CommentForm], HttpResponse]

    @property
    def on_target(self) -> dict:
        """{"proposal": p} or {"debate": d}: how a comment names what it is on."""
        return {"proposal" if self.target._meta.model_name == "proposal" else "debate": self.target}

    def comment(self, comment_pk) -> Comment:
        try:
            return Comment.objects.get(pk=comment_pk, **self.on_target)
        except (Comment.DoesNotExist, ValueError, TypeError):
            raise Http404 from None


def post(request, thread: Thread):
    if not request.user.is_authenticated:
        return redirect_to_login(thread.detail_url)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.post_comment(
                author=request.user, body=form.cleaned_data["body"], parent_id=form.cleaned_data["parent"],
                **thread.on_target)
        except DomainError as exc:
            form.add_error("body", str(exc.message))
        else:
            if comment.held_at is not None:
                messages.info(request, _("Your comment is waiting for a moderator's review. Only you can see it until it is published."))
            return redirect(f"{thread.detail_url}#comment-{comment.pk}")
    return thread.render_with_form(form)


def edit(request, thread: Thread, comment_pk):
    comment = thread.comment(comment_pk)
    if comment.author_id != request.user.pk or comment.deleted_at or comment.hidden_at:
        raise Http404
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(comment=comment, user=request.user, body=form.cleaned_data["body"])
        except DomainError as exc:
            form.add_error("body", str(exc.message))
        else:
            messages.success(request, _("Your comment has been updated."))
            return redirect(f"{thread.detail_url}#comment-{comment.pk}")
    return render(request, "comments/edit.html", {
        "comment_target": thread.target, "comment": comment, "form": form, "back_url": thread.detail_url,
    }, status=400 if form.errors else 200)


def delete(request, thread: Thread, comment_pk):
    comment = thread.comment(comment_pk)
    run_with_messages(request, services.delete_comment, _("Your comment has been deleted."),
                      comment=comment, user=request.user)
    return redirect(thread.detail_url)


def report(request, thread: Thread, comment_pk):
    comment = thread.comment(comment_pk)
    if not comment.is_visible:
        raise Http404
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_comment(comment=comment, reporter=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error("reason", str(exc.message))
        else:
            messages.success(request, _("Thank you. A moderator will look at this comment."))
            return redirect(thread.detail_url)
    return render(request, "comments/report.html", {
        "comment_target": thread.target, "comment": comment, "form": form, "back_url": thread.detail_url,
    }, status=400 if form.errors else 200)
