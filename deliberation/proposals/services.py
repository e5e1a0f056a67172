from django.db import transaction

from deliberation.agencies.models import Agency

from .models import Proposal


@transaction.atomic
def file_proposal(*, agency: Agency, author, title: str, body: str, policy_category: str = "other") -> Proposal:
    proposal = Proposal(agency=agency, author=author, title=title, body=body, policy_category=policy_category)
    proposal.full_clean()
    proposal.save()
    return proposal
