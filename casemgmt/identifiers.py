"""Belgian identifiers: validation (python-stdnum), encryption at rest, keyed hashing and masking.

A national register or BIS number is never stored in plain text: the database holds a Fernet
token (keys rotate: encrypt with the first key, decrypt with any) and an HMAC for matching.
"""

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.be import ssn, vat


def _fernet_key(raw: str) -> bytes:
    """Accept a Fernet key as is, or derive one from any other secret string."""
    try:
        if len(base64.urlsafe_b64decode(raw.encode())) == 32:
            return raw.encode()
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw.encode()).digest())


@lru_cache(maxsize=4)
def _cipher(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])


def cipher() -> MultiFernet:
    return _cipher(tuple(settings.IDENTIFIER_KEYS))


def national_number_clean(value: str) -> tuple[str, str]:
    """Validate a national register or BIS number; return (compact digits, "nn" or "bis").

    Raises ValidationError with a message saying what is wrong and what is expected."""
    expected = _("Expected 11 digits, e.g. 85.07.30-033.28 (national register or BIS number).")
    try:
        number = ssn.validate(value)
    except stdnum_errors.InvalidLength:
        raise ValidationError(
            _("This number does not have 11 digits. %(expected)s") % {"expected": expected},
            code="identifier_length",
        ) from None
    except stdnum_errors.InvalidFormat:
        raise ValidationError(
            _("This number contains characters other than digits. %(expected)s")
            % {"expected": expected},
            code="identifier_format",
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("The check digits do not match: a digit was probably mistyped. %(expected)s")
            % {"expected": expected},
            code="identifier_checksum",
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("This is not a valid national register or BIS number (the birth date part is "
              "impossible). %(expected)s") % {"expected": expected},
            code="identifier_invalid",
        ) from None
    return number, ssn.guess_type(number) or "nn"


def enterprise_number_clean(value: str) -> str:
    """Validate a KBO/BCE enterprise number; return it as 10 digits."""
    expected = _("Expected 10 digits starting with 0 or 1, e.g. 0403.019.261.")
    try:
        return vat.validate(value)
    except stdnum_errors.InvalidLength:
        raise ValidationError(
            _("An enterprise number has 10 digits. %(expected)s") % {"expected": expected},
            code="enterprise_number_length",
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(
            _("The check digits of this enterprise number do not match. %(expected)s")
            % {"expected": expected},
            code="enterprise_number_checksum",
        ) from None
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("This is not a valid enterprise number. %(expected)s") % {"expected": expected},
            code="enterprise_number_invalid",
        ) from None


def identifier_hash(number: str) -> str:
    """Keyed hash of a compact number, so equal numbers match without being readable."""
    key = settings.IDENTIFIER_HASH_KEY.encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def identifier_encrypt(number: str) -> str:
    return cipher().encrypt(number.encode()).decode()


def identifier_decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("identifier cannot be decrypted with the configured keys") from error


def identifier_rotate(token: str) -> str:
    """Re-encrypt a token under the first (newest) key."""
    return cipher().rotate(token.encode()).decode()


def identifier_mask(number: str) -> str:
    """Show only the last two check digits: ••.••.••-•••.28."""
    return f"••.••.••-•••.{number[-2:]}"
