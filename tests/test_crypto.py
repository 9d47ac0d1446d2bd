"""Encryption at rest: what reaches the disk, key rotation, tampering, and where keys come from."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Column, Integer, Table, Text, insert, select, text

from config import DevelopmentConfig, ProductionConfig
from practice import create_app
from practice.extensions import db
from practice.platform.crypto import DataKeyError, DecryptionError, EncryptedText, generate_key, keyring

CANARY = "canary q7x3z: she is afraid of him when he drinks"
CONTROL = "control: plain text the dump must be able to see"


@pytest.fixture()
def canary_table(app):
    """A throwaway table with an encrypted column, visible to `keys rotate` while the test runs."""
    table = Table(
        "crypto_canary", db.metadata,
        Column("id", Integer, primary_key=True), Column("note", EncryptedText()), Column("plain", Text),
    )
    table.create(db.engine)
    yield table
    db.session.rollback()
    table.drop(db.engine)
    db.metadata.remove(table)


def write_notes(table, *notes: str | None) -> None:
    db.session.execute(insert(table), [{"note": note} for note in notes])
    db.session.commit()


def read_notes(table) -> list[str | None]:
    return list(db.session.scalars(select(table.c.note).order_by(table.c.id)))


def raw_dump() -> str:
    """What someone with a copy of the database would see."""
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        return "\n".join(db.session.scalars(text("SELECT CAST(c AS text) FROM crypto_canary AS c")))
    path = Path(db.engine.url.database)
    files = [path, path.with_name(path.name + "-wal")]
    return b"".join(f.read_bytes() for f in files if f.exists()).decode("latin-1")


@pytest.mark.asvs("6.1.2")
def test_the_raw_database_holds_no_clinical_text(canary_table):
    db.session.execute(insert(canary_table), {"note": CANARY, "plain": CONTROL})
    dump = raw_dump()
    assert CONTROL in dump  # the dump does show stored text...
    assert CANARY not in dump and "q7x3z" not in dump  # ...but not encrypted text
    assert read_notes(canary_table) == [CANARY]


@pytest.mark.asvs("6.2.4")
def test_keys_rotate_re_encrypts_every_row_so_the_old_key_can_go(app, runner, canary_table, monkeypatch):
    old, new = generate_key(), generate_key()
    monkeypatch.setitem(app.config, "DATA_KEYS", [old])
    write_notes(canary_table, "first", None, "third")

    monkeypatch.setitem(app.config, "DATA_KEYS", [new])
    with pytest.raises(DecryptionError):
        read_notes(canary_table)
    db.session.rollback()

    monkeypatch.setitem(app.config, "DATA_KEYS", [new, old])
    result = runner.invoke(args=["keys", "rotate", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "crypto_canary: 3 rows" in result.output

    monkeypatch.setitem(app.config, "DATA_KEYS", [new])
    assert read_notes(canary_table) == ["first", None, "third"]


def test_rotation_never_overwrites_a_value_saved_while_it_runs(app, canary_table, monkeypatch):
    from practice.platform import key_rotation
    write_notes(canary_table, "as read by the rotation")
    original = key_rotation._parameters

    def save_meanwhile(*args):
        parameters = original(*args)
        db.session.execute(canary_table.update().values(note="saved meanwhile"))
        return parameters

    monkeypatch.setattr(key_rotation, "_parameters", save_meanwhile)
    key_rotation.rotate_all(db.metadata)
    assert read_notes(canary_table) == ["saved meanwhile"]


@pytest.mark.asvs("6.2.1")
def test_altered_ciphertext_is_refused_with_a_clear_error(canary_table):
    write_notes(canary_table, CANARY)
    token = db.session.scalar(text("SELECT note FROM crypto_canary"))
    altered = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    db.session.execute(text("UPDATE crypto_canary SET note = :note"), {"note": altered})
    with pytest.raises(DecryptionError, match="altered"):
        read_notes(canary_table)


def test_keys_generate_prints_a_usable_key(runner):
    result = runner.invoke(args=["keys", "generate"])
    assert result.exit_code == 0
    Fernet(result.output.strip())


@pytest.mark.parametrize("keys", ["", "not-a-key", f"{Fernet.generate_key().decode()},short"])
def test_production_refuses_to_start_without_valid_data_keys(monkeypatch, keys):
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("TWOFOLD_DATA_KEYS", keys)
    with pytest.raises(RuntimeError, match="TWOFOLD_DATA_KEYS"):
        create_app(ProductionConfig)


def test_development_keeps_a_generated_key_in_the_instance_folder_made_on_first_use(tmp_path):
    key_file = tmp_path / "instance" / "data_keys"
    config = type("Dev", (DevelopmentConfig,), {"DATA_KEYS": [], "DATA_KEY_FILE": str(key_file), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app(config)
    assert not key_file.exists()  # the factory does no I/O
    with app.app_context():
        token = EncryptedText().process_bind_param(CANARY, None)
        assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert EncryptedText().process_result_value(token, None) == CANARY
    assert Fernet(key_file.read_text().strip()).decrypt(token.encode()).decode() == CANARY


def test_no_key_at_all_is_a_clear_error():
    config = type("Bare", (DevelopmentConfig,), {"DATA_KEYS": [], "DATA_KEY_FILE": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with create_app(config).app_context(), pytest.raises(DataKeyError, match="TWOFOLD_DATA_KEYS"):
        keyring()
