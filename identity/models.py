"""Who a single sign-on identity is here, and what the identity provider's groups grant.

`ExternalLogin` links a stable identifier at an identity provider (OIDC `sub`/`oid`, the SAML
NameID or an attribute such as KOMBIT's UUID) to one login: the link, never the name or the
e-mail, is how a returning person is recognised. `GroupGrant` rows, kept by administrators,
say what a group asserted by the identity provider gives: administrator rights, the
leadership of a team, or work as a caseworker in a team. Grants are applied afresh at every
login, so a group taken away at the identity provider takes its access away here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from staff.models import Role, Team


class Provider(models.TextChoices):
    OIDC = "oidc", _("OpenID Connect")
    SAML = "saml", _("SAML 2.0")


class ExternalLogin(models.Model):
    provider = models.CharField(_("identity provider"), max_length=8, choices=Provider.choices)
    subject = models.CharField(
        _("stable identifier"), max_length=255, help_text=_("As the identity provider sends it; never a name.")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_logins", verbose_name=_("login")
    )
    created_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("last login"), null=True, blank=True)

    class Meta:
        ordering = ["provider", "subject"]
        verbose_name = _("external login")
        verbose_name_plural = _("external logins")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="external_login_unique_subject"),
            models.UniqueConstraint(fields=["provider", "user"], name="external_login_one_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.subject}"


class Grant(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    LEADER = "leader", _("Team leader")
    CASEWORKER = "caseworker", _("Caseworker")


class GroupGrant(models.Model):
    group = models.CharField(
        _("group"),
        max_length=255,
        help_text=_("The group's name or identifier exactly as the identity provider sends it."),
    )
    provider = models.CharField(
        _("identity provider"),
        max_length=8,
        choices=Provider.choices,
        blank=True,
        help_text=_("Empty: the group counts whichever identity provider asserts it."),
    )
    grants = models.CharField(_("grants"), max_length=16, choices=Grant.choices)
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="group_grants",
        verbose_name=_("team"),
        help_text=_("The team led, or worked in. Not for administrators."),
    )
    caseworker_role = models.CharField(
        _("caseload role"),
        max_length=32,
        choices=Role.choices,
        blank=True,
        help_text=_("For a caseworker created at their first login; empty: the team's unit type."),
    )

    class Meta:
        ordering = ["group", "grants", "team_id"]
        verbose_name = _("group grant")
        verbose_name_plural = _("group grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(grants="administrator", team__isnull=True)
                | (~Q(grants="administrator") & Q(team__isnull=False)),
                name="group_grant_team_unless_administrator",
            ),
            models.UniqueConstraint(fields=["group", "provider", "grants", "team"], name="group_grant_unique"),
        ]

    def __str__(self) -> str:
        what = self.get_grants_display()
        return f"{self.group} → {what}" + (f" ({self.team})" if self.team_id else "")
