"""CPR numbers: validation with the century rule, masking, keyed digests and encryption.

Rules (docs/domain.md): `DDMMYY-SSSS` or `DDMMYYSSSS`; a real date whose century follows from
the seventh digit; never rejected for failing modulus 11 (numbers without it have been
issued since 2007); never a key, because a person's CPR number can change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

# ASCII digits only: `\d` would also take full-width (０６１０８５) and Arabic-Indic digits,
# and one person could be registered once per script.
_CPR_INPUT = re.compile(r"^\s*([0-9]{2})([0-9]{2})([0-9]{2})-?([0-9]{4})\s*$")

# Anything shaped like a CPR number inside free text (log lines, exception messages), in
# every form it takes in a request line: digits of any script or percent-encoded, and a
# separator that is a hyphen, a dash, a space or a plus, plain or percent-encoded.
_DIGIT = r"(?:\d|%3\d|%EF%BC%9\d|%D9%A\d|%DB%B\d)"
_SEPARATOR = r"(?:[-\u2010-\u2015 +]|%2D|%20|%2B|%E2%80%9[0-5])?"
CPR_IN_TEXT = re.compile(rf"(?<!\d)({_DIGIT}{{6}}){_SEPARATOR}({_DIGIT}{{4}})(?!\d)", re.IGNORECASE)


@dataclass(frozen=True)
class Cpr:
    number: str  # normalised, DDMMYY-SSSS
    birth_date: date

    @property
    def masked(self) -> str:
        return mask(self.number)


def century_year(yy: int, seventh_digit: int) -> int:
    if seventh_digit <= 3:
        return 1900 + yy
    if seventh_digit in (4, 9):
        return 2000 + yy if yy <= 36 else 1900 + yy
    return 2000 + yy if yy <= 57 else 1800 + yy


def parse(value: str, *, today: date | None = None) -> Cpr:
    """Return the normalised number and birth date, or raise ValidationError."""
    match = _CPR_INPUT.match(value or "")
    if not match:
        raise ValidationError(_("Enter a CPR number as DDMMYY-SSSS or DDMMYYSSSS."), code="format")
    dd, mm, yy, serial = match.groups()
    year = century_year(int(yy), int(serial[0]))
    try:
        birth = date(year, int(mm), int(dd))
    except ValueError:
        raise ValidationError(_("The CPR number does not start with a real date."), code="date") from None
    if birth > (today or date.today()):
        raise ValidationError(_("The CPR number's birth date lies in the future."), code="future")
    return Cpr(number=f"{dd}{mm}{yy}-{serial}", birth_date=birth)


def mask(number: str) -> str:
    digits = re.sub(r"\D", "", number or "")
    if len(digits) != 10:
        return "XXXXXX-XXXX"
    return f"{digits[:6]}-XXXX"


def _master_keys() -> list[str]:
    return [settings.CPR_ENCRYPTION_KEY, *getattr(settings, "CPR_ENCRYPTION_KEY_FALLBACKS", [])]


def _derive(master: str, purpose: bytes) -> bytes:
    return hmac.new(master.encode(), purpose, hashlib.sha256).digest()


def digest(number: str) -> str:
    """Keyed HMAC-SHA256 of the normalised number: unique index and exact look-up."""
    normalised = parse(number).number if not _is_normalised(number) else number
    key = _derive(settings.CPR_ENCRYPTION_KEY, b"cpr-lookup-digest")
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def _is_normalised(number: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{6}-[0-9]{4}", number or ""))


def mask_text(text: str) -> str:
    return CPR_IN_TEXT.sub(lambda m: f"{m.group(1)}-XXXX", text)


class CprMaskingFilter(logging.Filter):
    """Masks anything shaped like a CPR number in a log record, arguments included."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must neither hide the record nor its arguments
            message = f"{record.msg} (arguments: {record.args!r})"
        masked = mask_text(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        record.msg, record.args = masked, None
        # Extra fields (`logger.info(..., extra={...})`) are output by the JSON formatter.
        # Nested too: Celery's task-failure record carries a dict with the exception text.
        for key, value in list(record.__dict__.items()):
            if key not in _RECORD_ATTRIBUTES:
                record.__dict__[key] = _masked(value)
        return True


def _masked(value):
    """`value` with every string in it masked; containers are copied, never changed in place."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_masked(item) for item in value)
    return value


# What every LogRecord has; anything else on a record came in as an extra field.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class EncryptedCprField(EncryptedCharField):
    """django-fernet-encrypted-fields, keyed by CPR_ENCRYPTION_KEY instead of SECRET_KEY.

    The library derives its Fernet keys from SECRET_KEY; CPR numbers get a key of their
    own so that rotating the session secret never makes them unreadable. Fallback keys
    decrypt old rows (MultiFernet), the first key encrypts.
    """

    @cached_property
    def keys(self) -> list[bytes]:
        return [base64.urlsafe_b64encode(_derive(k, b"cpr-fernet")) for k in _master_keys() if k]
