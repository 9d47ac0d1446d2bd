"""Count the SQL statements a piece of work sends, with a SQLAlchemy event listener.

The benchmark and the regression tests (tests/test_query_counts.py) use the
same counter, so "N statements per page" means the same thing in both.
Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is left out: SQLite
issues its BEGIN through the cursor and PostgreSQL's driver does not, and
neither is a query the page asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, event

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class Statements:
    """The statements seen while counting, in order."""

    sql: list[str] = field(default_factory=list)
    parameters: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.sql)

    def __str__(self) -> str:
        return "\n".join(f"{n:>3}. {text.split(chr(10))[0][:160]}" for n, text in enumerate(self.sql, 1))


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    """Record every statement `engine` executes inside the block."""
    seen = Statements()

    def before_cursor_execute(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.sql.append(statement)
            seen.parameters.append(parameters)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
