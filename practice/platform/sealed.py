"""Encrypted values bound to their table, column and row.

`EncryptedText` (practice.platform.crypto) keeps a value secret, but a token copied into another row
still decrypts there: someone with write access to the database could move one partner's safety
answer onto the other's row. A sealed value is encrypted with its place, "table.column#id", inside
the authenticated Fernet plaintext (Fernet has no associated data), and may also be bound to the
row's plain columns that say whose it is (`bound=`); read elsewhere, or with those ids swapped, it
raises `DecryptionError`. Declare a pair: a `SealedToken()` column and `Sealed("<attr>_token",
bound=(...))`. A new row's value is sealed by an UPDATE in the same flush (`after_insert`), as its
id is only known after INSERT; key rotation re-encrypts with `MultiFernet.rotate`, keeping the binding.
"""

from __future__ import annotations

import json

from sqlalchemy import event, update
from sqlalchemy.orm import Mapper, attributes

from practice.platform.crypto import DecryptionError, EncryptedText, keyring

PENDING = ""  # what a new row holds for the moment between its INSERT and the sealing UPDATE


class SealedToken(EncryptedText):
    """The stored token of a `Sealed` value, passed through untouched (the model seals and unseals)."""

    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value

    def process_result_value(self, value, dialect):
        return value


def place(table: str, column: str, row_id: int, bound: dict[str, object] | None = None) -> str:
    """"table.column#id", then the bound columns' values ("|partner_id=3"), in name order."""
    owners = "".join(f"|{name}={bound[name]}" for name in sorted(bound or {}))
    return f"{table}.{column}#{row_id}{owners}"


def seal(value, table: str, column: str, row_id: int, bound: dict[str, object] | None = None) -> str:
    """Encrypt a JSON-able value together with the place it is stored (and whose it is)."""
    plain = json.dumps([place(table, column, row_id, bound), value], ensure_ascii=False, separators=(",", ":"))
    return keyring().encrypt(plain.encode()).decode()


def unseal(token: str, table: str, column: str, row_id: int, bound: dict[str, object] | None = None):
    """The value, if this token was sealed for exactly this table, column, row and bound values."""
    from practice.platform.crypto import _unseal

    try:
        where, value = json.loads(_unseal(token).decode())
    except (ValueError, TypeError):
        raise DecryptionError(f"{table}.{column} of row {row_id} does not hold a sealed value.") from None
    if where != place(table, column, row_id, bound):
        raise DecryptionError(
            f"{table}.{column} of row {row_id} holds a value sealed for {where}: it was copied there, "
            "so it is refused."
        )
    return value


class Sealed:
    """A model attribute whose stored form is a token bound to this row (see the module docstring)."""

    def __init__(self, token_attr: str, *, bound: tuple[str, ...] = ()) -> None:
        self.token_attr = token_attr
        self.bound = bound

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        registry = owner.__dict__.get("__sealed__")
        if registry is None:
            registry = {}
            owner.__sealed__ = registry
        registry[name] = self

    def _where(self, obj) -> tuple[str, str]:
        table = obj.__table__
        column = getattr(type(obj), self.token_attr).property.columns[0]
        return table.name, column.name

    def _bound(self, obj) -> dict[str, object]:
        return {name: getattr(obj, name) for name in self.bound}

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        cache = obj.__dict__.setdefault("_sealed_plain", {})
        if self.name in cache and obj.id is None:
            return cache[self.name][1]
        token = getattr(obj, self.token_attr)
        if token is None:
            return None
        cached = cache.get(self.name)
        if cached is not None and cached[0] == token:
            return cached[1]
        if token == PENDING and cached is not None:
            return cached[1]
        value = unseal(token, *self._where(obj), obj.id, self._bound(obj))
        cache[self.name] = (token, value)
        return value

    def __set__(self, obj, value) -> None:
        cache = obj.__dict__.setdefault("_sealed_plain", {})
        if obj.id is None:
            setattr(obj, self.token_attr, PENDING)
            cache[self.name] = (PENDING, value)
            obj.__dict__.setdefault("_sealed_pending", set()).add(self.name)
        else:
            token = seal(value, *self._where(obj), obj.id, self._bound(obj))
            setattr(obj, self.token_attr, token)
            cache[self.name] = (token, value)


@event.listens_for(Mapper, "after_insert")
def _seal_new_row(mapper, connection, target) -> None:
    pending = target.__dict__.pop("_sealed_pending", None)
    if not pending:
        return
    descriptors = type(target).__sealed__
    cache = target.__dict__["_sealed_plain"]
    values = {}
    for name in pending:
        descriptor = descriptors[name]
        table, column = descriptor._where(target)
        token = seal(cache[name][1], table, column, target.id, descriptor._bound(target))
        values[column] = token
        cache[name] = (token, cache[name][1])
        attributes.set_committed_value(target, descriptor.token_attr, token)
    table = mapper.local_table
    connection.execute(update(table).where(table.c.id == target.id).values(values))
