"""Safety answers and flag details are encrypted at rest and bound to their table, column and row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text

from practice.domain import SafetyChoice
from practice.extensions import db
from practice.models import SafetyAnswer, SafetyFlag
from practice.platform.crypto import DecryptionError, generate_key
from practice.platform.key_rotation import rotate_all
from practice.platform.sealed import seal, unseal
from practice.web.templating import practice_today
from tests.checkin_helpers import plant, plant_flag, raise_flag, screen_answers
from tests.homework_helpers import clinician_login, world  # noqa: F401

CLEAR_WORDS = {choice.value for choice in SafetyChoice} | {choice.label for choice in SafetyChoice}
LIBRARY = {"exercises", "exercise_versions", "exercise_areas"}  # the exercises' own words ("yes"/"no" choices)


def _submit_no(partner):
    from practice.checkins.schedule import current_period
    from practice.domain import CheckInItem
    from practice.portal import checkin_services as portal_checkins
    from practice.web.templating import practice_today

    today = practice_today()
    portal_checkins.submit(partner, current_period(partner.couple, today), 0, today,
                           {item.value: 3 for item in CheckInItem}, "",
                           {key: SafetyChoice(value) for key, value in screen_answers("no").items()})


def _dump() -> dict[str, list[tuple]]:
    """Every row of every table, as the database holds it (no app types in between)."""
    db.session.commit()  # let go of SQLite's write lock first
    with db.engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table.name}"))]
                for table in db.metadata.sorted_tables}


def test_a_raw_dump_of_every_table_holds_no_safety_answer_in_clear(app, world):
    raise_flag(world.p1, SafetyChoice.TALK)
    raise_flag(world.other_couple.partner(1), SafetyChoice.YES)
    _submit_no(world.p2)
    dump = _dump()
    assert len(dump["safety_answers"]) == 3 and len(dump["safety_flags"]) == 2
    for table, rows in dump.items():
        for row in rows:
            for value in row:
                if isinstance(value, str):
                    assert value not in CLEAR_WORDS, (table, value)
                    if table not in LIBRARY:  # nor inside a JSON payload (audit detail, job arguments)
                        assert not any(f'"{word}"' in value for word in CLEAR_WORDS), (table, value)


def test_the_flag_table_names_no_partner_and_no_answer_so_it_cannot_tell_who_reported_fear(app, world):
    raise_flag(world.p1, SafetyChoice.YES)
    _submit_no(world.p2)
    columns = inspect(db.engine).get_columns("safety_flags")
    foreign = {fk["referred_table"] for fk in inspect(db.engine).get_foreign_keys("safety_flags")}
    assert {"partners", "safety_answers", "checkins"}.isdisjoint(foreign)
    assert not any("partner" in c["name"] or "answer_id" in c["name"] for c in columns)
    # Both partners' answer rows look alike in clear: same columns filled, neither readable.
    answers = _dump()["safety_answers"]
    names = [c["name"] for c in inspect(db.engine).get_columns("safety_answers")]
    tokens = [row[names.index("answer")] for row in answers]
    assert all(token.startswith("gAAAAA") for token in tokens)
    # The clinician still sees who answered and what, through the sealed details.
    flag = db.session.scalar(select(SafetyFlag))
    assert flag.partner.name == world.p1.name and flag.safety_answer.answer["items"]["afraid"] == "yes"


def test_an_answer_copied_into_another_row_is_refused_on_read(app, world):
    raise_flag(world.p1, SafetyChoice.YES)
    _submit_no(world.p2)
    yes_row, no_row = (db.session.scalar(select(SafetyAnswer.id).where(SafetyAnswer.partner_id == p.id))
                       for p in (world.p1, world.p2))
    db.session.execute(text("UPDATE safety_answers SET answer = (SELECT answer FROM safety_answers WHERE id = :src) "
                            "WHERE id = :dst"), {"src": yes_row, "dst": no_row})
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(SafetyAnswer, yes_row).answer["items"]["afraid"] == "yes"
    with pytest.raises(DecryptionError, match="copied"):
        db.session.get(SafetyAnswer, no_row).answer


def test_an_answer_pinned_on_the_other_partner_by_swapping_plain_ids_is_refused_on_read(app, world):
    """The plain partner and check-in ids are sealed in with the answer, so swapping them is tampering too."""
    raise_flag(world.p1, SafetyChoice.YES)
    _submit_no(world.p2)
    rows = db.session.execute(select(SafetyAnswer.id, SafetyAnswer.partner_id).order_by(SafetyAnswer.id)).all()
    (first, p_first), (second, p_second) = rows
    for row_id, partner_id in ((first, p_second), (second, p_first)):
        db.session.execute(text("UPDATE safety_answers SET partner_id = :p WHERE id = :id"),
                           {"p": partner_id, "id": row_id})
    db.session.commit()
    db.session.expire_all()
    for row_id in (first, second):
        with pytest.raises(DecryptionError, match="copied"):
            db.session.get(SafetyAnswer, row_id).answer


def test_flag_details_copied_into_another_flag_are_refused_and_the_page_fails_cleanly(app, world):
    mine = raise_flag(world.p1, SafetyChoice.YES)
    theirs = raise_flag(world.other_couple.partner(1), SafetyChoice.TALK)
    mine_id, theirs_id, couple_id = mine.id, theirs.id, world.couple.id
    db.session.execute(text("UPDATE safety_flags SET details = (SELECT details FROM safety_flags WHERE id = :src) "
                            "WHERE id = :dst"), {"src": theirs_id, "dst": mine_id})
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(DecryptionError):
        db.session.get(SafetyFlag, mine_id).partner_id
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        page = clinician_login(app, world.clinician).get(f"/couples/{couple_id}/safety/{mine_id}")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert page.status_code == 500
    assert b"Robin" not in page.data and b"Traceback" not in page.data


def test_a_token_sealed_for_one_place_opens_only_there(app):
    token = seal("yes", "safety_answers", "answer", 7)
    assert unseal(token, "safety_answers", "answer", 7) == "yes"
    for where in (("safety_answers", "answer", 8), ("safety_flags", "answer", 7), ("safety_answers", "other", 7)):
        with pytest.raises(DecryptionError):
            unseal(token, *where)


def test_key_rotation_re_encrypts_sealed_values_and_keeps_them_bound(app, world):
    flag = raise_flag(world.p1, SafetyChoice.TALK)
    flag_id = flag.id
    before = _dump()["safety_answers"]
    old_keys = app.config.get("DATA_KEYS")
    current = old_keys or [open(app.config["DATA_KEY_FILE"]).read().strip()]
    app.config["DATA_KEYS"] = [generate_key(), *current]
    try:
        counts = rotate_all(db.metadata)
        assert counts["safety_answers"] == 1 and counts["safety_flags"] == 1
        assert _dump()["safety_answers"] != before
        app.config["DATA_KEYS"] = app.config["DATA_KEYS"][:1]  # the old key is gone
        db.session.expire_all()
        flag = db.session.get(SafetyFlag, flag_id)
        assert flag.safety_answer.answer["items"]["afraid"] == "talk" and flag.partner_id == world.p1.id
    finally:
        app.config["DATA_KEYS"] = old_keys


def test_the_migration_seals_existing_answers_and_its_downgrade_gives_them_back(app, world):
    import flask_migrate
    from alembic.script import ScriptDirectory

    # Rows as they were before the six-item screen: one choice each (0012 predates the six items).
    last_week = practice_today() - timedelta(days=7)
    flag = plant_flag(world.couple, 1, last_week, answer="talk")
    calm = db.session.scalar(select(SafetyAnswer).where(SafetyAnswer.checkin_id == plant(world.couple, 2, last_week).id))
    calm.answer = "no"
    flag_id, p1_id, p2_id = flag.id, world.p1.id, world.p2.id
    db.session.commit()
    db.session.remove()
    # Step back to just below 0012, whatever comes above or below it in the chain.
    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    flask_migrate.downgrade(revision=script.get_revision("0012").down_revision)
    try:
        with db.engine.connect() as connection:
            answers = dict(connection.execute(text("SELECT partner_id, answer FROM safety_answers")).all())
            flags = connection.execute(text("SELECT id, partner_id FROM safety_flags")).all()
        assert answers == {p1_id: "talk", p2_id: "no"} and flags == [(flag_id, p1_id)]
    finally:
        db.session.remove()
        flask_migrate.upgrade()
    dump = _dump()
    assert not any(value in ("talk", "no") for row in dump["safety_answers"] for value in row)
    flag = db.session.get(SafetyFlag, flag_id)
    assert flag.partner_id == p1_id and flag.safety_answer.answer == "talk"
