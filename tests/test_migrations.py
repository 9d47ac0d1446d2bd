"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from practice.extensions import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_model_table_exists_after_upgrade(app):
    from sqlalchemy import inspect

    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_no_encrypted_column_has_a_server_default():
    """A default the database writes is plain text, which the column cannot decrypt.

    Rows that existed before a migration added such a column would fail on every read
    (an assignment's safety reason once did): encrypted columns are nullable instead.
    """
    from practice.models import Base
    from practice.platform.crypto import EncryptedText

    wrong = [f"{table.name}.{column.name}" for table in Base.metadata.tables.values() for column in table.columns
             if isinstance(column.type, EncryptedText) and column.server_default is not None]
    assert wrong == []
