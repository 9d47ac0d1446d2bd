"""Statements per page stay the same as a practice grows: no page queries once per row.

The practices are built by the benchmark's own generators (bench/data.py)
and the pages are the benchmark's registry (bench/registry.py), counted
with the benchmark's listener (bench/sql.py): `make bench` and this test
measure the same thing.
"""

from __future__ import annotations

import pytest

from bench import data
from bench.pages import signed_in
from bench.registry import GENERATORS, PAGES
from bench.sql import counting
from practice.extensions import db
from practice.platform.crypto import keyring
from practice.platform.passwords import hash_password

MOST = 12
# The smallest practice in which every benched page has something in each of its lists
# (the signed session reviewed homework k=2 and set k=1, so three assignments are needed).
SMALL = data.Size("two couples", clinicians=1, couples=2, assignments_per_couple=3, sessions_per_couple=2,
                  checkin_weeks=2, long_record=3)
GROWN = data.Size("twenty couples", clinicians=2, couples=20, assignments_per_couple=20, sessions_per_couple=10,
                  checkin_weeks=12, long_record=20)


def statements_per_page(app, size: data.Size) -> dict[str, int]:
    """Build a practice of `size` and count one request to every page of the benchmark."""
    state = data.Build(connection=None, size=size, fernet=keyring(), password_hash=hash_password(data.PASSWORD))
    for generator in GENERATORS:
        with db.engine.begin() as connection:
            state.connection = connection
            generator(state)
    with db.engine.begin() as connection:
        data.finish(connection)
    clients = {role: signed_in(app, role, state.ids[f"{role}_email"], data.PASSWORD) for role in ("clinician", "partner")}
    counts = {}
    for page in PAGES:
        client = clients[page.role]
        path = page.path(state.ids)
        client.get(path)  # the first visit may differ (nothing is cached yet)
        with counting(db.engine) as statements:
            assert client.get(path).status_code == 200, path
        counts[page.name] = statements.count
    return counts


@pytest.fixture(scope="module")
def grown(app):
    """Counts at the grown size, built once (each test's wipe runs after)."""
    with app.app_context():
        counts = statements_per_page(app, GROWN)
        _empty(app)
    return counts


def _empty(app) -> None:
    from tests.database import empty_table

    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            empty_table(connection, table)


def test_every_page_sends_as_many_statements_at_twenty_couples_as_at_two(app, grown):
    small = statements_per_page(app, SMALL)
    assert small == grown


@pytest.mark.parametrize("page", [page.name for page in PAGES])
def test_no_page_sends_more_than_a_dozen_statements(grown, page):
    assert grown[page] <= MOST
