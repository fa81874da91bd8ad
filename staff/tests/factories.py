from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from staff import services
from staff.models import Caseworker, Jobcenter, Team, UnitType


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.dk")
    password = factory.django.Password("pw")


class AdminFactory(UserFactory):
    is_staff = True
    is_superuser = True


class JobcenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jobcenter
        django_get_or_create = ("municipality_code",)

    name = factory.Sequence(lambda n: f"Jobcenter {n}")
    municipality_code = factory.Sequence(lambda n: f"{(n % 899) + 100:03d}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    jobcenter = factory.SubFactory(JobcenterFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    unit_type = UnitType.FLERE_SKAL_MED

    @factory.post_generation
    def leaders(self, create, extracted, **kwargs):
        if create and extracted:
            self.leaders.add(*extracted)


class CaseworkerFactory(factory.django.DjangoModelFactory):
    """Goes through the service so that the effective cap is computed as in production."""

    class Meta:
        model = Caseworker

    username = factory.Sequence(lambda n: f"caseworker{n}")
    full_name = factory.Sequence(lambda n: f"Caseworker {n}")
    team = factory.SubFactory(TeamFactory)
    role = None
    fte = Decimal("1.00")
    cap_override = None
    password = "pw"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A short test password would be refused by the service's password rules, rightly;
        # tests log in with "pw", so it is set after the service has created the login.
        password = kwargs.pop("password", None)
        caseworker = services.caseworker_create(**kwargs)
        if password:
            caseworker.user.set_password(password)
            caseworker.user.save(update_fields=["password"])
        return caseworker
