"""Backups encrypted at rest: AES-256-GCM (the `cryptography` package), in chunks, under BACKUP_KEYS.

A backup holds names, contact details and coaching notes of refugees in plain text: whoever finds a
copy could read them all. With BACKUP_KEYS set, `manage.py backup` writes the archive encrypted under
the first key, streamed (pg_dump's output never lies on disk unencrypted), and a restore decrypts it
with whichever of the keys made it (the manifest names the key by an id, never the key itself).

The file: MAGIC, the key's id, a random nonce prefix; then chunks of at most CHUNK bytes of the
archive, each sealed on its own (length, then ciphertext with its tag). A chunk's nonce is the prefix
and its number; its associated data is the header, its number and whether it is the last. So a chunk
changed, dropped, moved or added, or a file cut at a chunk's end, fails to open: nothing is restored
from a backup that is not exactly the one written.

The manifest is signed under the same key (an HMAC of its JSON with a key derived from the backup key):
what it says of the backup (when it was made, the file's checksum, the rows) cannot be changed, nor a
manifest put beside another backup's file, by anyone without the key.
"""

import base64
import binascii
import hashlib
import hmac
import json
import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

MAGIC = b"casemgmt-backup-aes256gcm-1\n"
CHUNK = 1 << 20
_KEY_ID_LENGTH = 16  # hexadecimal characters
_PREFIX_LENGTH = 8
_LENGTH = struct.Struct(">I")
_COUNTER = struct.Struct(">IB")
_TAG_LENGTH = 16
NEW_KEY_HINT = 'python -c "import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'


class BackupKeyError(ValueError):
    """A key in BACKUP_KEYS is not a key; the message says what is expected."""


class SealError(ValueError):
    """An encrypted backup that does not open; the message says why."""


def key_from_text(text: str) -> bytes:
    """A 32-byte key from its URL-safe base64 form (as NEW_KEY_HINT prints one). A password is refused:
    a backup kept for weeks must not fall to guessing."""
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupKeyError(_("A key in BACKUP_KEYS is not a key: expected 32 random bytes in URL-safe "
                               "base64 (44 characters), as this prints: %(hint)s") % {"hint": NEW_KEY_HINT})
    return key


def key_id(key: bytes) -> str:
    """What names a key in a manifest and a file: a hash of it, from which the key cannot be found."""
    return hashlib.sha256(b"casemgmt backup key id\0" + key).hexdigest()[:_KEY_ID_LENGTH]


def key_named(keys: Iterable[bytes], wanted: str) -> bytes | None:
    """The one of `keys` whose id is `wanted`, or None."""
    return next((key for key in keys if key_id(key) == wanted), None)


def configured_keys() -> list[bytes]:
    """BACKUP_KEYS: the first encrypts new backups, any of them opens an old one. Empty: no encryption."""
    return [key_from_text(text) for text in settings.BACKUP_KEYS]


def manifest_signature(manifest: dict, key: bytes) -> str:
    """The HMAC-SHA256 of `manifest` (all of it but its "signature"), as written in its JSON with sorted
    keys, under a key derived from `key` (the encryption key itself signs nothing)."""
    signed = json.dumps({name: value for name, value in manifest.items() if name != "signature"},
                        sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    signing_key = hmac.new(key, b"casemgmt backup manifest signing key", hashlib.sha256).digest()
    return hmac.new(signing_key, signed, hashlib.sha256).hexdigest()


def manifest_signed_correctly(manifest: dict, key: bytes) -> bool:
    """Whether `manifest` bears its signature under `key` (compared in constant time, as bytes: any text
    may stand where the signature should)."""
    signature = str(manifest.get("signature", "")).encode("utf-8", errors="replace")
    return hmac.compare_digest(signature, manifest_signature(manifest, key).encode("ascii"))


def seal(chunks: Iterable[bytes], target: BinaryIO, key: bytes, *, chunk_size: int | None = None) -> None:
    """Write the bytes of `chunks` (any sizes) to `target`, encrypted under `key`, in parts of
    `chunk_size` (CHUNK) bytes."""
    chunk_size = chunk_size or CHUNK
    prefix = os.urandom(_PREFIX_LENGTH)
    header = MAGIC + key_id(key).encode("ascii") + prefix
    target.write(header)
    cipher = AESGCM(key)
    for number, (plain, last) in enumerate(_rechunked(chunks, chunk_size)):
        nonce = prefix + struct.pack(">I", number)
        sealed = cipher.encrypt(nonce, plain, header + _COUNTER.pack(number, last))
        target.write(_LENGTH.pack(len(sealed)) + sealed)


def _rechunked(chunks: Iterable[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """`chunks` cut again into pieces of `size` bytes (the last may be shorter, or empty when there is
    nothing), each with whether it is the last."""
    buffer = bytearray()
    ready: bytes | None = None
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            if ready is not None:
                yield ready, False
            ready, buffer = bytes(buffer[:size]), buffer[size:]
    if ready is not None:
        if not buffer:
            yield ready, True
            return
        yield ready, False
    yield bytes(buffer), True


def header_key_id(source: BinaryIO) -> str:
    """The id of the key an encrypted backup was sealed under, read from its header."""
    head = source.read(len(MAGIC) + _KEY_ID_LENGTH)
    if not head.startswith(MAGIC) or len(head) != len(MAGIC) + _KEY_ID_LENGTH:
        raise SealError(_("the file does not start like an encrypted casemgmt backup"))
    return head[len(MAGIC):].decode("ascii", errors="replace")


def unseal(source: BinaryIO, target: BinaryIO, keys: Iterable[bytes], *,
           chunk_size: int | None = None) -> None:
    """Write the archive sealed in `source` to `target`, with the one of `keys` it was sealed under; no
    part may be longer than `chunk_size` (CHUNK) bytes. Raises SealError when the file is not exactly
    what seal wrote."""
    chunk_size = chunk_size or CHUNK
    wanted = header_key_id(source)
    key = key_named(keys, wanted)
    if key is None:
        raise SealError(_("it was encrypted with the key %(id)s, and none of BACKUP_KEYS is that key: add "
                          "it to BACKUP_KEYS (any position but the first keeps new backups under the "
                          "current key)") % {"id": wanted})
    prefix = source.read(_PREFIX_LENGTH)
    if len(prefix) != _PREFIX_LENGTH:
        raise SealError(_("the file ends inside its header"))
    header = MAGIC + wanted.encode("ascii") + prefix
    cipher = AESGCM(key)
    longest = chunk_size + _TAG_LENGTH
    number = 0
    pending = _read_sealed(source, longest)
    if pending is None:
        raise SealError(_("the file holds no data after its header: it was cut short"))
    while pending is not None:
        following = _read_sealed(source, longest)
        last = following is None
        nonce = prefix + struct.pack(">I", number)
        try:
            target.write(cipher.decrypt(nonce, pending, header + _COUNTER.pack(number, last)))
        except InvalidTag:
            raise SealError(_("part %(number)s does not open with its key: the file was changed, cut "
                              "short or put together from other files") % {"number": number + 1}) from None
        pending, number = following, number + 1


def _read_sealed(source: BinaryIO, longest: int) -> bytes | None:
    """The next sealed chunk, or None at the end of the file."""
    length = source.read(_LENGTH.size)
    if not length:
        return None
    if len(length) != _LENGTH.size:
        raise SealError(_("the file ends inside a part's length: it was cut short"))
    (size,) = _LENGTH.unpack(length)
    if not _TAG_LENGTH <= size <= longest:
        raise SealError(_("a part claims %(size)s bytes, which no backup part has: the file was changed")
                        % {"size": size})
    sealed = source.read(size)
    if len(sealed) != size:
        raise SealError(_("the file ends inside a part: it was cut short"))
    return sealed
