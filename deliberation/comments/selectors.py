from django.db.models import Prefetch, Q, QuerySet

from .models import Comment

VISIBLE = Q(deleted_at__isnull=True, hidden_at__isnull=True, held_at__isnull=True)


def _own_unpublished(viewer) -> Q:
    """A comment a moderator hid, or one held for review, stays visible to its author (with
    the reason, or marked as waiting)."""
    if viewer is None or not viewer.is_authenticated:
        return Q(pk__in=[])
    return Q(author=viewer, deleted_at__isnull=True) & (Q(hidden_at__isnull=False) | Q(held_at__isnull=False))


def thread(*, proposal=None, debate=None, viewer=None) -> QuerySet[Comment]:
    """Top-level comments of a proposal or a debate in order, each with its replies. A removed
    comment still shows (as removed) when it has visible replies, so they keep their context."""
    target = {"proposal": proposal} if proposal is not None else {"debate": debate}
    replies = Comment.objects.filter(VISIBLE | _own_unpublished(viewer)).select_related("author")
    # replies__id: a comment without replies joins one row of NULLs, which is not a reply.
    visible_reply = Q(replies__id__isnull=False, replies__deleted_at__isnull=True, replies__hidden_at__isnull=True,
                      replies__held_at__isnull=True)
    return (
        Comment.objects.filter(parent__isnull=True, **target)
        .filter(VISIBLE | visible_reply | _own_unpublished(viewer))
        .distinct()
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
    )


def visible_count(*, proposal=None, debate=None) -> int:
    target = {"proposal": proposal} if proposal is not None else {"debate": debate}
    return Comment.objects.visible().filter(**target).count()


def recent_visible(*, proposal_id: int | None = None, debate_id: int | None = None, limit: int = 50) -> list[Comment]:
    target = {"proposal_id": proposal_id} if proposal_id is not None else {"debate_id": debate_id}
    rows = Comment.objects.visible().filter(**target).select_related("author").order_by("-created_at", "-id")[:limit]
    return list(reversed(rows))


def stream_entries(comments: list[Comment]) -> list[dict]:
    """What a live comment stream carries per comment (the page renders it as text only)."""
    return [
        {"id": c.pk, "parent": c.parent_id, "author": str(c.author), "body": c.body,
         "created_at": c.created_at.isoformat(), "edited": c.edited_at is not None}
        for c in comments
    ]


LIVE_COMMENTS = 50


def debate_comments_state(debate_id: int) -> dict | None:
    """The latest visible comments of a public debate, for its open pages (the same shape as a
    proposal's `comments` frame, keyed by "debate")."""
    from deliberation.debates.models import Debate

    debate = Debate.objects.filter(
        pk=debate_id, is_published=True, is_hidden=False, trashed_at__isnull=True).only("pk").first()
    if debate is None:
        return None
    return {
        "debate": debate.pk,
        "comments": Comment.objects.visible().filter(debate=debate).count(),
        "recent_comments": stream_entries(recent_visible(debate_id=debate.pk, limit=LIVE_COMMENTS)),
    }


def visible_comments(*, proposal=None, debate=None) -> QuerySet[Comment]:
    """Published comments of one proposal or debate, oldest first (the open API's list)."""
    target = {"proposal": proposal} if proposal is not None else {"debate": debate}
    return Comment.objects.visible().filter(**target).select_related("author").order_by("created_at", "id")
