"""Exports hold the whole record, safety answers included, and are erased after the practice's retention."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from practice.extensions import db
from practice.jobs.sweep import sweep
from practice.models import AuditEvent, BackgroundJob, SafetyAnswer, utcnow
from tests.checkin_helpers import plant_flag
from tests.homework_helpers import clinician_login, world  # noqa: F401
from tests.test_practice_views import PROFILE
from tests.test_records_export import download


def test_the_zip_holds_safety_answers_of_both_shapes_decrypted_and_their_flags(app, world):
    canary = "canary-reach-me-after-six-7731"
    period = date.today() - timedelta(days=14)
    new = plant_flag(world.couple, 1, period, answer={"items": {"afraid": "yes"}, "reach_me": canary})
    old = plant_flag(world.couple, 2, period - timedelta(days=7), answer="talk")
    stored = db.session.execute(select(SafetyAnswer.__table__.c.answer)).scalars().all()
    assert stored and all(canary not in value for value in stored)  # sealed at rest

    archive, _ = download(app, world)
    raw = archive.read("record.json").decode()
    assert canary in raw
    record = json.loads(raw)
    answers = {a["id"]: a["answer"] for a in record["safety_answers"]}
    assert answers[new.safety_answer_id] == {"items": {"afraid": "yes"}, "reach_me": canary}
    assert answers[old.safety_answer_id] == "talk"
    assert {f["id"] for f in record["safety_flags"]} == {new.id, old.id}


def export_once(app, world):
    therapist = clinician_login(app, world.clinician)
    started = therapist.post_form(f"/couples/{world.couple.id}/export")
    job_id = int(started.headers["Location"].rsplit("/", 1)[1])
    return therapist, db.session.get(BackgroundJob, job_id)


def test_an_export_is_erased_after_the_practice_retention_and_the_erasure_is_audited(app, world):
    world.clinician.practice.export_retention_days = 3
    db.session.commit()
    therapist, job = export_once(app, world)
    assert job.status == "done" and job.expires_at - job.finished_at == timedelta(days=3)
    listing = therapist.get(f"/couples/{world.couple.id}/exports").get_data(as_text=True)
    assert f'href="/jobs/{job.id}/download"' in listing and "kept for 3 days" in listing

    assert sweep(utcnow() + timedelta(days=2)).erased == 0  # not yet
    assert therapist.get(f"/jobs/{job.id}/download").status_code == 200
    assert sweep(utcnow() + timedelta(days=3, minutes=1)).erased == 1
    db.session.expire_all()
    assert job.result is None and job.deleted_at is not None
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "delete"))
    assert (event.record_type, event.record_id, event.couple_id, event.actor_kind) == (
        "BackgroundJob", job.id, world.couple.id, "system")
    assert event.practice_id == world.clinician.practice_id and event.detail["reason"] == "expired"

    assert therapist.get(f"/jobs/{job.id}/download").status_code == 404
    listing = therapist.get(f"/couples/{world.couple.id}/exports").get_data(as_text=True)
    assert "Erased on" in listing and f'href="/jobs/{job.id}/download"' not in listing
    assert "was erased on" in therapist.get(f"/jobs/{job.id}/status").json["message"]
    assert sweep(utcnow() + timedelta(days=30)).erased == 0  # once only


def test_only_the_couples_clinician_sees_its_exports(app, world):
    export_once(app, world)
    assert clinician_login(app, world.colleague).get(f"/couples/{world.couple.id}/exports").status_code == 404
    assert clinician_login(app, world.stranger).get(f"/couples/{world.couple.id}/exports").status_code == 404


def post_profile(app, world, days: str):
    owner = clinician_login(app, world.clinician)
    return owner.post_form("/practice/", PROFILE | {"export_retention_days": days,
                                                     "version": world.clinician.practice.version})


def test_the_owner_sets_how_long_exports_are_kept(app, world):
    assert world.clinician.practice.export_retention_days == 7  # the default
    assert post_profile(app, world, "30").status_code == 302
    db.session.expire_all()
    assert world.clinician.practice.export_retention_days == 30


@pytest.mark.parametrize("days", ["0", "91", "-3", "a week"])
def test_a_retention_outside_one_to_ninety_days_is_refused_next_to_the_field(app, world, days):
    response = post_profile(app, world, days)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = re.search(r'<small id="export_retention_days-error" class="field-error">([^<]+)</small>', page)
    assert error, page[-3000:]
    assert "between 1 and 90" in error.group(1) or "number" in error.group(1)
    db.session.expire_all()
    assert world.clinician.practice.export_retention_days == 7


def test_exports_finished_before_expiry_existed_are_given_one_by_the_migration_and_erased(app, world):
    import flask_migrate

    world.clinician.practice.export_retention_days = 3
    finished = {"old": utcnow() - timedelta(days=10), "recent": utcnow() - timedelta(days=1)}
    for name, at in finished.items():
        db.session.add(BackgroundJob(clinician_id=world.clinician.id, couple_id=world.couple.id, kind="couple_export",
                                     status="done", file_name=f"{name}.zip", result=b"PK a record", finished_at=at))
    db.session.commit()
    db.session.remove()
    flask_migrate.downgrade(revision="0018")  # as a practice's database stood, with exports that never expire
    flask_migrate.upgrade()
    jobs = {job.file_name: job for job in db.session.scalars(select(BackgroundJob))}
    for name, at in finished.items():
        assert jobs[f"{name}.zip"].expires_at == at + timedelta(days=3)
    assert sweep(utcnow()).erased == 1
    db.session.expire_all()
    assert jobs["old.zip"].result is None and jobs["recent.zip"].result == b"PK a record"


def test_only_a_download_decrypts_the_file_not_a_list_a_poll_a_sweep_or_an_erasure(app, world, monkeypatch):
    from practice.platform import crypto
    therapist, job = export_once(app, world)
    job_id = job.id
    opened = []
    unseal = crypto._unseal

    def counting(token: str) -> bytes:
        plain = unseal(token)
        if plain.startswith(b"PK\x03\x04"):  # the export's ZIP, not a name or a note
            opened.append(True)
        return plain

    monkeypatch.setattr(crypto, "_unseal", counting)
    for url in (f"/couples/{world.couple.id}/exports", f"/jobs/{job_id}", f"/jobs/{job_id}/status"):
        assert therapist.get(url).status_code == 200
    assert sweep(utcnow()).erased == 0
    assert opened == []
    assert therapist.get(f"/jobs/{job_id}/download").status_code == 200 and opened == [True]
    assert sweep(utcnow() + timedelta(days=30)).erased == 1 and opened == [True]
    db.session.expire_all()
    assert db.session.get(BackgroundJob, job_id).result is None


def test_a_file_erased_between_reading_its_job_and_sending_it_is_not_sent_empty(app, world, monkeypatch):
    from practice.jobs import views

    therapist, job = export_once(app, world)
    job_id = job.id
    checked = views.downloadable

    def erased_just_after_the_check(job):
        fine = checked(job)
        with app.app_context():
            assert sweep(utcnow() + timedelta(days=30)).erased == 1  # the sweep, on another worker, at that moment
        return fine

    monkeypatch.setattr(views, "downloadable", erased_just_after_the_check)
    response = therapist.get(f"/jobs/{job_id}/download")
    downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "download")).all()
    if db.engine.dialect.name == "sqlite":  # the request reads one snapshot, from before the erasure: the whole file
        assert response.status_code == 200 and response.data.startswith(b"PK") and len(downloads) == 1
    else:  # read committed: the file's late load sees the erasure
        assert response.status_code == 404 and downloads == []
