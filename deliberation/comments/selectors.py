from django.db.models import Prefetch, Q, QuerySet


from .models import Comment


def _own_hidden(viewer) -> Q:
    """A moderator's hidden comment stays visible to its author, with the reason."""
    if viewer is None or not viewer.is_authenticated:
        return Q(pk__in=[])
    return Q(author=viewer, hidden_at__isnull=False, deleted_at__isnull=True)


def thread(*, proposal=None, debate=None, viewer=None) -> QuerySet[Comment]:
    """Top-level comments of a proposal or a debate in order, each with its replies. A removed
    comment still shows (as removed) when it has visible replies, so they keep their context."""
    target = {"proposal": proposal} if proposal is not None else {"debate": debate}
    replies = Comment.objects.filter(deleted_at__isnull=True, hidden_at__isnull=True).select_related("author")
    visible_reply = Q(replies__deleted_at__isnull=True, replies__hidden_at__isnull=True)
    return (
        Comment.objects.filter(parent__isnull=True, **target)
        .filter(Q(deleted_at__isnull=True, hidden_at__isnull=True) | visible_reply | _own_hidden(viewer))
        .distinct()
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
    )


def recent_visible(*, proposal_id: int, limit: int = 50) -> list[Comment]:
    rows = (
        Comment.objects.filter(proposal_id=proposal_id, deleted_at__isnull=True, hidden_at__isnull=True)
        .select_related("author").order_by("-created_at", "-id")[:limit]
    )
    return list(reversed(rows))
