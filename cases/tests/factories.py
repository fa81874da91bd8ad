import datetime
import random

import factory

from cases import services
from cases.models import Citizen
from staff.tests.factories import JobcenterFactory

_rng = random.Random(4242)
_used: set[str] = set()


def synthetic_cpr() -> str:
    """A valid, unique synthetic CPR number (1930–1999, serial with 7th digit 0–3)."""
    while True:
        day = datetime.date(1930, 1, 1) + datetime.timedelta(days=_rng.randrange(0, 70 * 365))
        serial = f"{_rng.randrange(0, 4)}{_rng.randrange(0, 1000):03d}"
        number = f"{day:%d%m%y}-{serial}"
        if number not in _used:
            _used.add(number)
            return number


class CitizenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citizen

    jobcenter = factory.SubFactory(JobcenterFactory)
    name = factory.Sequence(lambda n: f"Borger {n}")
    cpr = factory.LazyFunction(synthetic_cpr)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.citizen_create(**kwargs)
