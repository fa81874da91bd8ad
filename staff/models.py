from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class UnitType(models.TextChoices):
    STANDARD = "standard", _("Standard cash-benefit unit")
    FLERE_SKAL_MED = "flere_skal_med", _("Flere skal med")
    PSYCHIATRIC = "psychiatric", _("Psychiatric unit")
    TRIAL = "trial", _("Low-caseload trial unit")


class Role(models.TextChoices):
    STANDARD = "standard", _("Caseworker, standard unit")
    BUSINESS_CONSULTANT = "business_consultant", _("Caseworker and business consultant")
    FLERE_SKAL_MED = "flere_skal_med", _("Coordinating caseworker, Flere skal med")
    PSYCHIATRIC = "psychiatric", _("Caseworker, psychiatric unit")
    TRIAL = "trial", _("Caseworker, trial unit")


DEFAULT_POLICY_CAPS = {
    Role.STANDARD: 100,
    Role.BUSINESS_CONSULTANT: 50,
    Role.FLERE_SKAL_MED: 45,
    Role.PSYCHIATRIC: 25,
    Role.TRIAL: 50,
}


class Complexity(models.TextChoices):
    """How demanding a case is (sagstyngde). Cases carry it; a policy weighs each kind."""

    SIMPLE = "simple", _("Simple")
    COMPLEX = "complex", _("Complex")
    VERY_COMPLEX = "very_complex", _("Very complex")


# Loads and weights are kept in hundredths, as integers: a weight has at most two decimals,
# so a sum of weights is exact, and the cap decision ("load + weight <= cap") is integer
# arithmetic in Python and in SQL alike. No float is ever part of it.
HUNDREDTHS = 100


def weight_column(complexity: str) -> str:
    """The caseworker's column that holds what a case of `complexity` weighs for them."""
    return f"weight_{Complexity(complexity).value}_hundredths"


def hundredths(value) -> int:
    """A weight or load as an exact number of hundredths (Decimal("1.25") -> 125)."""
    exact = Decimal(str(value)) * HUNDREDTHS
    if exact != exact.to_integral_value():
        raise ValueError(f"{value} has more than two decimals")
    return int(exact)


def from_hundredths(value: int) -> Decimal:
    return (Decimal(value) / HUNDREDTHS).quantize(Decimal("0.01"))


def load_number(hundredths: int) -> str:
    """A load as people read it: 42,5 and 40, not 42,50 and 40,00 (the locale's decimal mark)."""
    decimals = 0 if hundredths % HUNDREDTHS == 0 else (1 if hundredths % 10 == 0 else 2)
    return number_format(Decimal(hundredths) / HUNDREDTHS, decimal_pos=decimals)


def _weight_field(label):
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("5.00"))],
        help_text=_("What one case of this complexity counts in a caseload: more than 0, at most 5."),
    )


class CaseworkerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ON_LEAVE = "on_leave", _("On leave")


class Jobcenter(TimeStamped):
    name = models.CharField(_("name"), max_length=200)
    municipality_code = models.CharField(
        _("municipality code"),
        max_length=3,
        unique=True,
        validators=[RegexValidator(r"^\d{3}$", _("Three digits, e.g. 101."))],
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("jobcenter")
        verbose_name_plural = _("jobcenters")
        constraints = [
            models.CheckConstraint(
                condition=Q(municipality_code__regex=r"^[0-9]{3}$"),
                name="jobcenter_municipality_code_three_digits",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality_code})"


class Team(TimeStamped):
    jobcenter = models.ForeignKey(
        Jobcenter, on_delete=models.PROTECT, related_name="teams", verbose_name=_("jobcenter")
    )
    name = models.CharField(_("name"), max_length=200)
    unit_type = models.CharField(_("unit type"), max_length=32, choices=UnitType.choices)
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams_led", blank=True, verbose_name=_("leaders")
    )

    class Meta:
        ordering = ["jobcenter_id", "name", "id"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["jobcenter", "name"], name="team_unique_name_per_jobcenter")]

    def __str__(self) -> str:
        return self.name


class CaseloadPolicy(TimeStamped):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, unique=True)
    cap = models.PositiveIntegerField(_("cases per full-time caseworker"))
    # What a case weighs, by complexity; 1 each by default, so that the cap is a count.
    weight_simple = _weight_field(_("weight of a simple case"))
    weight_complex = _weight_field(_("weight of a complex case"))
    weight_very_complex = _weight_field(_("weight of a very complex case"))
    # New colleagues carry less: for their first `new_hire_months`, the cap is the policy's
    # times `new_hire_share`. 0 months (the default) is no reduction.
    new_hire_months = models.PositiveSmallIntegerField(
        _("months a new colleague carries less"), default=0, validators=[MaxValueValidator(60)]
    )
    new_hire_share = models.DecimalField(
        _("share of the cap a new colleague carries"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("E.g. 0.5: half the cap while the colleague is new."),
    )

    class Meta:
        ordering = ["role"]
        verbose_name = _("caseload policy")
        verbose_name_plural = _("caseload policies")
        constraints = [
            models.CheckConstraint(condition=Q(cap__gte=0), name="policy_cap_not_negative"),
            models.CheckConstraint(
                condition=Q(weight_simple__gt=0, weight_simple__lte=5)
                & Q(weight_complex__gt=0, weight_complex__lte=5)
                & Q(weight_very_complex__gt=0, weight_very_complex__lte=5),
                name="policy_weights_in_range",
            ),
            models.CheckConstraint(
                condition=Q(new_hire_share__gt=0, new_hire_share__lte=1), name="policy_new_hire_share_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.cap}"

    @property
    def weights(self) -> dict[str, Decimal]:
        return {
            Complexity.SIMPLE: self.weight_simple,
            Complexity.COMPLEX: self.weight_complex,
            Complexity.VERY_COMPLEX: self.weight_very_complex,
        }

    @property
    def weighted(self) -> bool:
        """Whether any weight differs from 1, i.e. whether load and count can differ."""
        return any(weight != 1 for weight in self.weights.values())


class Caseworker(TimeStamped):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseworker", verbose_name=_("login")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="caseworkers", verbose_name=_("team"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    fte = models.DecimalField(
        _("FTE"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
        help_text=_("Share of full time, e.g. 0.5 for half time."),
    )
    cap_override = models.PositiveIntegerField(
        _("cap override"), null=True, blank=True, help_text=_("Replaces the policy cap when set.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseworkerStatus.choices, default=CaseworkerStatus.ACTIVE
    )
    accepting_new_cases = models.BooleanField(_("accepting new cases"), default=True)
    # The caseworker's own choices of e-mail: a digest when cases come to them, and a
    # reminder the working day before each meeting.
    notify_new_cases = models.BooleanField(_("e-mail when cases come to me"), default=True)
    meeting_reminders = models.BooleanField(_("e-mail a reminder the working day before a meeting"), default=True)
    # Maintained by the services in the same transaction as the change that moves them:
    # `cap` is the effective cap, `open_cases` the number of open cases held, and
    # `load_hundredths` (below) their weight. The allocation's conditional UPDATE
    # ("load + weight <= cap", in hundredths) is what makes the cap hold.
    cap = models.PositiveIntegerField(_("effective cap"), default=0, editable=False)
    open_cases = models.PositiveIntegerField(_("open cases"), default=0, editable=False)
    # The load: the sum of the weights of the open cases held, in hundredths, maintained
    # beside the count. The cap decision is `load + weight <= cap`, in hundredths.
    load_hundredths = models.PositiveIntegerField(_("load (hundredths)"), default=0, db_default=0, editable=False)
    # What a case of each complexity weighs for this caseworker: the weights of their role's
    # policy, copied here in the same transaction as the policy changes, so that the one
    # statement of an intake reads them from the row it claims.
    weight_simple_hundredths = models.PositiveIntegerField(default=HUNDREDTHS, db_default=HUNDREDTHS, editable=False)
    weight_complex_hundredths = models.PositiveIntegerField(default=HUNDREDTHS, db_default=HUNDREDTHS, editable=False)
    weight_very_complex_hundredths = models.PositiveIntegerField(
        default=HUNDREDTHS, db_default=HUNDREDTHS, editable=False
    )
    # The identity provider's stable identifier for this person (an Entra ID object id, a
    # KOMBIT UUID, a persistent SAML NameID): how single sign-on finds the record at the
    # first login. Never a name or an e-mail address, which change and repeat.
    external_id = models.CharField(
        _("single sign-on identifier"),
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The identity provider's stable identifier for this person; links their first single sign-on."),
    )
    started_on = models.DateField(
        _("started on"),
        default=timezone.localdate,
        db_default=Now(),
        help_text=_("The first working day; a new colleague's cap is reduced for the policy's first months."),
    )

    class Meta:
        ordering = ["full_name", "id"]
        verbose_name = _("caseworker")
        verbose_name_plural = _("caseworkers")
        constraints = [
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1), name="caseworker_fte_in_range"),
            models.CheckConstraint(
                condition=Q(cap_override__isnull=True) | Q(cap_override__gte=0),
                name="caseworker_cap_override_not_negative",
            ),
            models.CheckConstraint(condition=Q(cap__gte=0), name="caseworker_cap_not_negative"),
            models.CheckConstraint(condition=Q(open_cases__gte=0), name="caseworker_open_cases_not_negative"),
            models.CheckConstraint(condition=Q(load_hundredths__gte=0), name="caseworker_load_not_negative"),
        ]
        indexes = [models.Index(fields=["team", "status"], name="caseworker_team_status")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_available(self) -> bool:
        return self.status == CaseworkerStatus.ACTIVE and self.accepting_new_cases

    @property
    def load(self) -> Decimal:
        return from_hundredths(self.load_hundredths)

    @property
    def is_over_cap(self) -> bool:
        return self.load_hundredths > self.cap * HUNDREDTHS

    def weight_of(self, complexity: str) -> int:
        """What a case of `complexity` weighs for this caseworker, in hundredths."""
        return getattr(self, weight_column(complexity))
