"""Factories for plain rows; services for the states that rules produce."""

from datetime import timedelta

import factory
from django.utils import timezone

from deliberation.accounts.models import User
from deliberation.agencies.models import Agency, Role
from deliberation.agencies.selectors import city
from deliberation.agencies.services import grant_role, register_agency
from deliberation.debates.services import create_pro_con_debate

PASSWORD = "correct-horse-battery-9"


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"citizen{n}")
    display_name = factory.Sequence(lambda n: f"시민{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgencyFactory(factory.Factory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"유관기관{n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")
    primary_colour = "#0f766e"

    @classmethod
    def _create(cls, model_class, **kwargs):
        return register_agency(**kwargs)


def agency_admin(agency: Agency) -> User:
    user = CitizenFactory()
    grant_role(user=user, agency=agency, role=Role.ADMIN)
    return user


def platform_admin() -> User:
    return CitizenFactory(is_platform_admin=True)


def open_pro_con_debate(*, agency: Agency | None = None, **kwargs):
    now = timezone.now()
    kwargs.setdefault("opens_at", now - timedelta(hours=1))
    kwargs.setdefault("closes_at", now + timedelta(days=7))
    return create_pro_con_debate(
        agency=agency or city(), title=kwargs.pop("title", "플라스틱 응원봉 금지, 찬성하십니까?"), **kwargs
    )


# --- proposals: the back office's helpers (rows through the services that make them) ---
def given_proposal(*, agency: Agency | None = None, author: User | None = None, **kwargs):
    """A proposal filed through the service, as a citizen (or staff, for offline ones) would."""
    from deliberation.proposals.services import file_proposal

    kwargs.setdefault("title", "자전거도로를 넓혀 주세요")
    kwargs.setdefault("body", "출퇴근길 자전거도로가 좁아 위험합니다.")
    return file_proposal(agency=agency or city(), author=author or CitizenFactory(), **kwargs)


def given_proposal_in_review(*, agency: Agency | None = None, supporters: int = 1, **kwargs):
    """A proposal whose supports crossed the agency's answer threshold, so its review started.
    The threshold is lowered to `supporters` on the agency's row instead of making 50 users."""
    from deliberation.proposals.services import support

    agency = agency or city()
    Agency.objects.filter(pk=agency.pk).update(answer_threshold=supporters)
    proposal = given_proposal(agency=agency, **kwargs)
    for _ in range(supporters):
        support(proposal_id=proposal.pk, citizen=CitizenFactory())
    proposal.refresh_from_db()
    return proposal


def officer(agency: Agency, department) -> User:
    user = CitizenFactory()
    grant_role(user=user, agency=agency, role=Role.OFFICER, department=department)
    return user
