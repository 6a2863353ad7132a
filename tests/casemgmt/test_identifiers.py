"""Belgian identifiers: validation with clear errors, encryption with key rotation, hashing, masking."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation
from stdnum.be import ssn

from casemgmt.identifiers import (
    enterprise_number_clean,
    identifier_decrypt,
    identifier_encrypt,
    identifier_hash,
    identifier_mask,
    identifier_rotate,
    national_number_clean,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def with_check_digits(prefix: str, born_from_2000: bool = False) -> str:
    """Complete nine digits (YYMMDD + serial) with the mod-97 check of the national register."""
    check = 97 - int(("2" if born_from_2000 else "") + prefix) % 97
    return f"{prefix}{check:02d}"


# National register and BIS numbers


@pytest.mark.parametrize(
    ("written", "compact", "kind"),
    [
        ("85.07.30-033.28", "85073003328", "nn"),
        ("85073003328", "85073003328", "nn"),
        ("17 07 30 033 84", "17073003384", "nn"),  # born from 2000: the check starts with a 2
        ("98 47 28 997 65", "98472899765", "bis"),  # BIS: birth month + 40
        ("01 49 07 001 85", "01490700185", "bis"),
    ],
)
def test_valid_national_register_and_bis_numbers_are_accepted(written, compact, kind):
    assert national_number_clean(written) == (compact, kind)


@pytest.mark.parametrize(
    ("prefix", "born_from_2000", "kind"),
    [
        ("850000033", False, "nn"),  # month and day unknown
        ("850700033", False, "nn"),  # day unknown
        ("170000033", True, "nn"),
        ("170700033", True, "nn"),
        ("852000033", False, "bis"),  # BIS with unknown month: 00 + 20
        ("854700033", False, "bis"),  # BIS with unknown day
    ],
)
def test_numbers_of_people_with_an_unknown_birth_day_or_month_are_accepted(prefix, born_from_2000, kind):
    number = with_check_digits(prefix, born_from_2000)
    assert ssn.is_valid(number)  # the reference implementation agrees the number exists

    assert national_number_clean(number) == (number, kind)


@pytest.mark.parametrize(
    ("written", "code", "reason"),
    [
        ("85.07.30-033.2", "identifier_length", "does not have 11 digits"),
        ("85.07.30-033.281", "identifier_length", "does not have 11 digits"),
        ("", "identifier_format", "characters other than digits"),
        ("85.07.30-O33.28", "identifier_format", "characters other than digits"),
        ("85.07.30-033.29", "identifier_checksum", "check digits do not match"),
        ("17 07 30 033 85", "identifier_checksum", "check digits do not match"),
        (with_check_digits("851300033"), "identifier_invalid", "birth date part is impossible"),
    ],
)
def test_an_invalid_national_number_says_what_is_wrong_and_what_is_expected(written, code, reason):
    with pytest.raises(ValidationError) as refused:
        national_number_clean(written)

    message = refused.value.messages[0]
    assert refused.value.code == code
    assert reason in message
    assert "Expected 11 digits, e.g. 85.07.30-033.28" in message


def test_each_kind_of_mistake_in_a_national_number_has_its_own_message():
    mistakes = ["85.07.30-033.2", "85.07.30-O33.28", "85.07.30-033.29", with_check_digits("851300033")]
    messages = set()
    for written in mistakes:
        with pytest.raises(ValidationError) as refused:
            national_number_clean(written)
        messages.add(refused.value.messages[0])

    assert len(messages) == len(mistakes)


# Enterprise numbers (KBO/BCE)


@pytest.mark.parametrize(
    "written",
    ["0403.019.261", "0403019261", "BE 0403.019.261", "403.019.261"],  # the last: old 9-digit format
)
def test_a_valid_enterprise_number_is_accepted_as_ten_digits(written):
    assert enterprise_number_clean(written) == "0403019261"


@pytest.mark.parametrize(
    ("written", "code", "reason"),
    [
        ("0403.019.262", "enterprise_number_checksum", "check digits"),
        ("0403.019.2", "enterprise_number_length", "has 10 digits"),
        ("0403.019.2611", "enterprise_number_length", "has 10 digits"),
        ("2403.019.261", "enterprise_number_invalid", "not a valid enterprise number"),
        ("0403.O19.261", "enterprise_number_invalid", "not a valid enterprise number"),
    ],
)
def test_an_invalid_enterprise_number_says_what_is_wrong_and_what_is_expected(written, code, reason):
    with pytest.raises(ValidationError) as refused:
        enterprise_number_clean(written)

    message = refused.value.messages[0]
    assert refused.value.code == code
    assert reason in message
    assert "Expected 10 digits starting with 0 or 1, e.g. 0403.019.261." in message


# Encryption at rest, keyed hash, masking


def test_an_encrypted_number_decrypts_to_itself_and_does_not_show_it():
    token = identifier_encrypt("85073003328")

    assert "85073003328" not in token
    assert identifier_decrypt(token) == "85073003328"


def test_encrypting_the_same_number_twice_gives_different_tokens_but_one_hash():
    assert identifier_encrypt("85073003328") != identifier_encrypt("85073003328")
    assert identifier_hash("85073003328") == identifier_hash("85073003328")
    assert identifier_hash("85073003328") != identifier_hash("98472899765")
    assert "85073003328" not in identifier_hash("85073003328")


def test_the_hash_depends_on_the_secret_key():
    plain = identifier_hash("85073003328")

    with override_settings(IDENTIFIER_HASH_KEY="another-secret"):
        assert identifier_hash("85073003328") != plain


def test_a_passphrase_that_is_not_a_fernet_key_still_encrypts():
    with override_settings(IDENTIFIER_KEYS=["a long passphrase chosen by the operator"]):
        token = identifier_encrypt("85073003328")
        assert identifier_decrypt(token) == "85073003328"


def test_rotating_keys_keeps_old_tokens_readable_and_moves_them_to_the_new_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    # given a number encrypted under the old key
    with override_settings(IDENTIFIER_KEYS=[old]):
        token = identifier_encrypt("85073003328")

    # when the new key is put in front, the old token still decrypts, and rotation re-encrypts it
    with override_settings(IDENTIFIER_KEYS=[new, old]):
        assert identifier_decrypt(token) == "85073003328"
        rotated = identifier_rotate(token)

    # then with the old key retired, only the rotated token can be read
    with override_settings(IDENTIFIER_KEYS=[new]):
        assert identifier_decrypt(rotated) == "85073003328"
        with pytest.raises(ValueError, match="cannot be decrypted"):
            identifier_decrypt(token)


def test_a_token_cannot_be_read_without_its_key():
    token = identifier_encrypt("85073003328")

    with override_settings(IDENTIFIER_KEYS=[Fernet.generate_key().decode()]), \
            pytest.raises(ValueError, match="cannot be decrypted"):
        identifier_decrypt(token)


def test_masking_shows_only_the_last_two_digits():
    masked = identifier_mask("85073003328")

    assert masked == "••.••.••-•••.28"
    assert not any(digit in masked[:-2] for digit in "0123456789")
