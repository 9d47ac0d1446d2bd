"""Encryption at rest for clinical free text.

A column declared `mapped_column(EncryptedText())` stores a Fernet token (AES-128-CBC with an
HMAC-SHA256 tag, so altered ciphertext is refused, never decrypted into garbage); encrypted columns
cannot be searched or compared in SQL. Keys are the `DATA_KEYS` setting, from `TWOFOLD_DATA_KEYS`
(comma-separated, current first; older ones decrypt until `flask --app practice keys rotate` has
re-encrypted every row); in development without it one key is kept in `instance/data_keys`. Keys
load lazily, so the factory does no I/O, and production refuses to start without the variable
(`ProductionConfig.validate`), so it can never mint a key of its own.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text, TypeDecorator


class DataKeyError(RuntimeError):
    """No usable data key is configured."""


class DecryptionError(RuntimeError):
    """Stored ciphertext failed authentication under every configured key."""


def generate_key() -> str:
    """A new random key, in the form TWOFOLD_DATA_KEYS expects."""
    return Fernet.generate_key().decode()


def keyring() -> MultiFernet:
    """The configured keys: encrypt with the first, decrypt with any."""
    keys = current_app.config.get("DATA_KEYS")
    if keys:
        return _multifernet(tuple(keys))
    key_file = current_app.config.get("DATA_KEY_FILE")
    if key_file:
        return _multifernet((_read_or_create_key(key_file),))
    raise DataKeyError(
        "No data encryption key is configured. Set TWOFOLD_DATA_KEYS "
        "(make one with: flask --app practice keys generate)."
    )


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise DataKeyError("TWOFOLD_DATA_KEYS holds a value that is not a key made by `keys generate`.") from None


@lru_cache(maxsize=1)
def _read_or_create_key(key_file: str) -> str:
    """The development key; created once, owner-readable only, safe if two processes race."""
    path = Path(key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as handle:
            handle.write(generate_key() + "\n")
        try:
            os.link(draft, path)  # atomic, and fails if another process won the race
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


class EncryptedText(TypeDecorator[str]):
    """Text that the database only ever sees encrypted."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        return _seal(value.encode())

    def process_result_value(self, value: str | None, dialect) -> str | None:
        if value is None:
            return None
        return _unseal(value).decode()


class EncryptedBytes(EncryptedText):
    """A file (an export, a PDF) that the database only ever sees encrypted; rotated like text."""

    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect) -> str | None:
        return None if value is None else _seal(value)

    def process_result_value(self, value: str | None, dialect) -> bytes | None:
        return None if value is None else _unseal(value)


def _seal(plain: bytes) -> str:
    return keyring().encrypt(plain).decode()


def _unseal(token: str) -> bytes:
    try:
        return keyring().decrypt(token.encode())
    except InvalidToken:
        raise DecryptionError(
            "An encrypted value could not be decrypted: it was altered in the database, "
            "or the key that wrote it is not in TWOFOLD_DATA_KEYS."
        ) from None


class EncryptedJSON(EncryptedText):
    """A JSON document (a partner's answers) that the database only ever sees encrypted."""

    cache_ok = True

    def process_bind_param(self, value, dialect) -> str | None:
        if value is None:
            return None
        return super().process_bind_param(json.dumps(value, ensure_ascii=False, separators=(",", ":")), dialect)

    def process_result_value(self, value: str | None, dialect):
        text = super().process_result_value(value, dialect)
        return None if text is None else json.loads(text)
