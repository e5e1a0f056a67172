"""What the platform holds about one citizen: the self-service download (JSON)."""

from django.utils import timezone


def _at(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def my_data(user) -> dict:
    from deliberation.comments.models import Comment
    from deliberation.debates.models import Ballot, Opinion, OpinionSupport
    from deliberation.proposals.models import Proposal, Support

    proposals = Proposal.objects.filter(author=user).select_related("agency").prefetch_related("themes").order_by("id")
    supports = Support.objects.filter(citizen=user).select_related("proposal__agency").order_by("id")
    ballots = (Ballot.objects.filter(citizen=user).select_related("debate__agency", "option")
               .prefetch_related("choices__option__question").order_by("id"))
    comments = Comment.objects.filter(author=user).select_related("proposal__agency", "debate__agency").order_by("id")
    opinions = Opinion.objects.filter(author=user).select_related("debate__agency").order_by("id")
    opinion_supports = OpinionSupport.objects.filter(citizen=user).select_related("opinion__debate").order_by("id")
    return {
        "profile": {
            "username": user.username, "display_name": user.display_name, "email": user.email,
            "joined": _at(user.date_joined), "last_login": _at(user.last_login),
            "roles": [{"agency": m.agency.slug, "role": m.role, "department": m.department.name if m.department else None}
                      for m in user.memberships.select_related("agency", "department")],
        },
        "proposals": [{
            "id": p.pk, "site": p.agency.slug, "title": p.title, "body": p.body, "policy_category": p.policy_category,
            "district": p.district, "themes": [t.name for t in p.themes.all()], "created_at": _at(p.created_at),
            "support_count": p.support_count,
        } for p in proposals],
        "supports": [{"proposal": s.proposal_id, "site": s.proposal.agency.slug, "title": s.proposal.title,
                      "at": _at(s.created_at)} for s in supports],
        "ballots": [{
            "debate": b.debate_id, "site": b.debate.agency.slug, "title": b.debate.title,
            "option": b.option.label if b.option else None,
            "choices": [{"question": c.option.question.text if c.option.question else None, "option": c.option.label}
                        for c in b.choices.all()],
            "other_text": b.other_text, "at": _at(b.cast_at),
        } for b in ballots],
        "comments": [{
            "on": "proposal" if c.proposal_id else "debate", "id": c.proposal_id or c.debate_id,
            "site": (c.proposal or c.debate).agency.slug, "body": c.body, "at": _at(c.created_at),
            "deleted": c.deleted_at is not None, "hidden": c.hidden_at is not None,
        } for c in comments],
        "opinions": [{"debate": o.debate_id, "site": o.debate.agency.slug, "body": o.body,
                      "support_count": o.support_count, "at": _at(o.created_at)} for o in opinions],
        "opinion_supports": [{"debate": s.opinion.debate_id, "opinion": s.opinion_id, "at": _at(s.created_at)}
                             for s in opinion_supports],
    }
