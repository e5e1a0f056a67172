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
