"""Re-encrypt every `EncryptedText` value with the current data key.

Run after putting a new key first in TWOFOLD_DATA_KEYS on every app
process; once it finishes, the old key can be removed. Rows are rewritten
in primary-key batches, one commit each, so a long run can be stopped and
started again. Each UPDATE names the ciphertext it read: a row the app
saved meanwhile (already with the current key) is left alone, never
overwritten with what was read before.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import Column, MetaData, Table, Text, and_, bindparam, select, tuple_, type_coerce, update

from practice.extensions import db
from practice.platform.crypto import DecryptionError, EncryptedText, keyring
from practice.platform.database import writing

RAW = Text()  # read and write ciphertext as it is stored, past EncryptedText


def encrypted_columns(metadata: MetaData) -> dict[Table, list[Column]]:
    """Every table with EncryptedText columns, and those columns."""
    found = {}
    for table in metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, EncryptedText)]
        if columns:
            found[table] = columns
    return found


def rotate_all(metadata: MetaData, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted column of every table; return rows examined per table."""
    return {table.name: _rotate_table(table, columns, batch_size) for table, columns in encrypted_columns(metadata).items()}


def _rotate_table(table: Table, columns: list[Column], batch_size: int) -> int:
    keys = list(table.primary_key.columns)
    query = select(*keys, *(type_coerce(c, RAW) for c in columns)).order_by(*keys).limit(batch_size)
    statement = _guarded_update(table, keys, columns)
    examined, last_key = 0, None
    while True:
        batch = query if last_key is None else query.where(tuple_(*keys) > tuple_(*last_key))
        rows = db.session.execute(batch).all()
        if not rows:
            return examined
        fernet = keyring()
        parameters = [_parameters(fernet, row, keys, columns) for row in rows]
        with writing():  # one short unit of work per batch; the guarded UPDATE needs no lock on what was read
            db.session.execute(statement, parameters)
        examined, last_key = examined + len(rows), tuple(rows[-1][: len(keys)])


def _guarded_update(table: Table, keys: list[Column], columns: list[Column]):
    """UPDATE ... SET each column to its new token WHERE the key and the old tokens still match."""
    matches = [k == bindparam(f"key_{k.name}") for k in keys]
    matches += [type_coerce(c, RAW).is_not_distinct_from(bindparam(f"old_{c.name}", type_=RAW)) for c in columns]
    return update(table).where(and_(*matches)).values({c.name: bindparam(f"new_{c.name}", type_=RAW) for c in columns})


def _parameters(fernet: MultiFernet, row, keys: list[Column], columns: list[Column]) -> dict:
    values = dict(zip([f"key_{k.name}" for k in keys], row[: len(keys)]))
    for column, token in zip(columns, row[len(keys) :]):
        values[f"old_{column.name}"] = token
        values[f"new_{column.name}"] = None if token is None else _rotated(fernet, token, column, values)
    return values


def _rotated(fernet: MultiFernet, token: str, column: Column, where: dict) -> str:
    try:
        return fernet.rotate(token.encode()).decode()
    except InvalidToken:
        row = {name[4:]: value for name, value in where.items() if name.startswith("key_")}
        raise DecryptionError(
            f"{column.table.name}.{column.name} of row {row} cannot be decrypted with any key in "
            "TWOFOLD_DATA_KEYS, so rotation stopped there (earlier batches are saved)."
        ) from None
