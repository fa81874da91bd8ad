"""Background work of the pages: the password-reset e-mail.

Sending it in the request made a registered address answer about ten times slower than an
unknown one, which told anybody which addresses are registered. The request now only hands
the user's id to the worker; the worker makes the link (a fresh token) and sends it, in the
language of the request that asked.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from core.reliability import RELIABLE

RESET_TEMPLATES = {
    "subject_template_name": "registration/password_reset_subject.txt",
    "email_template_name": "registration/password_reset_email.html",
}


@shared_task(name="web.send_password_reset", **RELIABLE)
def send_password_reset(user_id: int, *, domain: str, protocol: str, language: str, extra: dict) -> bool:
    """Send the reset link to the user, if they can still reset their password."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return False
    with translation.override(language):
        context = {
            "email": user.email,
            "domain": domain,
            "site_name": domain,
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "user": user,
            "token": default_token_generator.make_token(user),
            "protocol": protocol,
            **extra,
        }
        PasswordResetForm().send_mail(
            RESET_TEMPLATES["subject_template_name"],
            RESET_TEMPLATES["email_template_name"],
            context,
            None,
            user.email,
        )
    return True
