"""Nothing partner A can reach holds partner B's private data, not even a number A could work B's out from.

Partner B (Sam) has a private word planted in every private text of theirs
(sent private answers, drafts, answers waiting for A on shared homework,
homework given to B alone, check-in notes sent and drafted) and random
check-in ratings. Partner A (Alex) then visits every portal page and
download A can reach, as A's browser would, and receives every kind of email
a partner gets. None may hold a planted word, in any of the four consent
states; and unless both partners said yes, changing B's ratings must change
nothing A can read or download: then nothing A sees can be used to compute
one of B's ratings, however much arithmetic A does. The permitted cases are
checked too (B's answer on shared homework once both sent, B's scores once
both said yes), so the test notices if pages stopped showing anything.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from practice.checkins.schedule import current_period
from practice.documents.session_pdfs import copy_html, render_copy
from practice.domain import CheckInItem, ResponseStatus
from practice.extensions import db
from practice.models import AuditEvent, CheckIn, SafetyFlag, TherapySession, utcnow
from practice.portal.homework import save_draft, submit
from practice.sharing import FlagTimes, decide_checkin_scores
from practice.web.templating import practice_today
from tests.checkin_helpers import plant, plant_flag
from tests.homework_helpers import clinician_login, give_homework, make_world, partner_login
from tests.reading import pdf_pages, visible
from tests.session_helpers import signed_session

B_PRIVATE = {
    "private_answer": "Zqsamprivatestory",
    "private_word": "Zqsamword",
    "draft_on_shared": "Zqsamdraftonshared",
    "sent_waiting_for_alex": "Zqsamsentwaiting",
    "homework_for_sam_alone": "Zqsamalone",
    "checkin_note": "Zqsamchecknote",
    "older_checkin_note": "Zqsamoldernote",
    "checkin_draft_note": "Zqsamcheckdraftnote",
}
B_SHARED = "Zqsamsharedopenly"  # on shared homework both sent: A may read it
A_OWN = "Zqalexownstory"
# What the therapist is told about consent and safety must never reach a partner either.
THERAPIST_ONLY = ("has not agreed", "safety flag", "Zqreviewcomment")
PLANTED = re.compile(r"Zq(?:sam|alex|review)")
CONSENTS = [(False, False), (True, False), (False, True), (True, True)]
PERIODS_BACK = 3


def answers(story: str, word: str = "tired", close: int = 3) -> dict:
    return {"story": story, "word": word, "close": close, "talk": "yes", "kinds": ["hug"],
            "log": [{"moment": "a walk"}, {}, {}]}


def ratings(value: int) -> dict[str, int]:
    return {item.value: value for item in CheckInItem}


def build():
    """Alex (A) and Sam (B) with homework and check-ins in every state; returns the world."""
    world = make_world(("Alex", "Sam"))
    alex, sam = world.p1, world.p2
    private = give_homework(world)
    for response, story, word in zip(private.responses, (A_OWN, B_PRIVATE["private_answer"]),
                                     ("mine", B_PRIVATE["private_word"]), strict=True):
        submit(response, response.version, answers(story, word))
    both_sent = give_homework(world, sharing="shared_after_both")
    a, b = both_sent.responses
    submit(a, a.version, answers("Alex shared this"))
    submit(b, b.version, answers(B_SHARED))
    alex_sent = give_homework(world, sharing="shared_after_both")
    a, b = alex_sent.responses
    submit(a, a.version, answers("Alex is waiting"))
    save_draft(b, b.version, answers(B_PRIVATE["draft_on_shared"]))
    sam_sent = give_homework(world, sharing="shared_after_both")
    a, b = sam_sent.responses
    save_draft(a, a.version, answers("Alex still writing"))
    submit(b, b.version, answers(B_PRIVATE["sent_waiting_for_alex"]))
    sam_alone = give_homework(world, positions=(2,))
    submit(sam_alone.responses[0], sam_alone.responses[0].version, answers(B_PRIVATE["homework_for_sam_alone"]))
    give_homework(world, due_in=1)  # so the reminder run has something to remind both of
    world.couple.start_date = practice_today() - timedelta(days=7 * 10)
    db.session.commit()
    now = current_period(world.couple, practice_today())
    for back in range(1, PERIODS_BACK + 1):
        note = B_PRIVATE["checkin_note"] if back == 1 else B_PRIVATE["older_checkin_note"]
        plant(world.couple, 2, now - timedelta(days=7 * back), 5, note=note)
        plant(world.couple, 1, now - timedelta(days=7 * back), 2, note="Alex's own note")
    plant(world.couple, 1, now, 2)
    plant(world.couple, 2, now, 4, note=B_PRIVATE["checkin_draft_note"], status=ResponseStatus.DRAFT.value)
    assert alex.name == "Alex" and sam.name == "Sam"
    return world


def set_consent(world, consents: tuple[bool, bool]) -> None:
    for partner, yes in zip(world.couple.partners, consents, strict=True):
        partner.shares_checkin_scores = yes
    db.session.commit()


def release_handouts(world) -> None:
    """Handouts released in this consent state, one in each progress mode the therapist may tick."""
    for mode in ("couple_both", "couple_combined", ""):
        signed_session(world, release=True, handout_progress=mode, couple_summary="For you both")


def set_sam_ratings(world, values: list[dict[str, int]]) -> None:
    """Give Sam's sent check-ins (oldest first) these ratings, straight in the database."""
    checkins = db.session.scalars(
        select(CheckIn).where(CheckIn.partner_id == world.p2.id, CheckIn.status == ResponseStatus.SUBMITTED.value)
        .order_by(CheckIn.period_start)
    ).all()
    for checkin, rating in zip(checkins, values, strict=True):
        checkin.set_ratings(rating)
    db.session.commit()


CSRF = re.compile(r'"[\w-]+\.[\w-]{6}\.[\w-]{20,}"')  # a signed CSRF token: new in every response
CLOCK = re.compile(r'data-remaining="\d+"')  # seconds left before the idle sign-out


def normalised(text: str) -> str:
    return CLOCK.sub('data-remaining=""', CSRF.sub('"csrf"', text))


def portal_gets(app) -> list:
    """Every GET rule of the partner portal (signing in and welcome links are for people signed out)."""
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint.startswith("portal")
            and rule.endpoint not in {"portal.login", "portal.welcome"}]


def everything_alex_reaches(app, browser, world) -> dict[str, str]:
    """Every page and download Alex can open, as text (PDFs as extracted text), by URL."""
    from practice.models import Assignment, TherapySession

    ids = {
        "assignment_id": db.session.scalars(select(Assignment.id)).all(),
        "session_id": db.session.scalars(select(TherapySession.id)).all(),
    }
    seen: dict[str, str] = {}
    for rule in portal_gets(app):
        names = sorted(rule.arguments)
        assert set(names) <= set(ids), f"a portal route with an argument this test does not fill: {rule.rule}"
        values = [{}] if not names else [{names[0]: value} for value in ids[names[0]]]
        for arguments in values:
            url = rule.build(arguments)[1]
            response = browser.get(url)
            assert response.status_code in (200, 404), (url, response.status_code)
            if response.status_code != 200:
                continue
            if response.mimetype == "application/pdf":
                seen[url] = "\n".join(pdf_pages(response.data))
            else:
                seen[url] = normalised(response.get_data(as_text=True))
    # A released handout is frozen; what a corrected release would freeze today is what the rule decides now.
    released = db.session.scalars(select(TherapySession).where(
        TherapySession.couple_id == world.couple.id, TherapySession.handout_released_at.is_not(None))).all()
    for session in released:
        seen[f"{NEXT_RELEASE}{session.id}"] = normalised(re.sub(r"<[^>]+>", " ", copy_html(session, "couple")))
    saved = browser.post_form("/portal/sharing", {"shares": "yes" if world.p1.shares_checkin_scores else "no"},
                              follow_redirects=True)
    seen["POST /portal/sharing"] = normalised(saved.get_data(as_text=True))
    return seen


def emails_to_alex(app, runner, world, outbox) -> list[str]:
    """Every kind of email a partner gets, as Alex gets it: a new private link and homework reminders."""
    outbox.clear()
    therapist = clinician_login(app, world.clinician)
    assert therapist.post_form(f"/couples/{world.couple.id}/partners/1/invite").status_code == 302
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    mails = [m for m in outbox if world.p1.email in m.to]
    assert len(mails) >= 2, [m.subject for m in outbox]
    texts = []
    for mail in mails:
        parts = [mail.subject, mail.body] + [content for content, _ in getattr(mail, "alternatives", [])]
        texts.append("\n".join(str(p) for p in parts))
    return texts


NEXT_RELEASE = "next release of session "


def handout_texts(seen: dict[str, str]) -> list[str]:
    """The handouts Alex downloads, and the ones a corrected release would give Alex today."""
    return [text for url, text in seen.items() if is_handout(url)]


def is_handout(url: str) -> bool:
    return url.endswith(".pdf") or url.startswith(NEXT_RELEASE)


@pytest.mark.parametrize("consents", CONSENTS, ids=lambda c: "alex-%s-sam-%s" % tuple("yes" if x else "no" for x in c))
def test_nothing_alex_reaches_holds_a_private_word_of_sams(app, runner, outbox, consents):
    world = build()
    set_consent(world, consents)
    release_handouts(world)
    alex = partner_login(app, world.p1)
    seen = everything_alex_reaches(app, alex, world)
    mails = emails_to_alex(app, runner, world, outbox)

    assert len(handout_texts(seen)) == 6 and len(seen) >= 13
    everything = "\n".join([*seen.values(), *mails])
    for part, word in B_PRIVATE.items():
        assert word not in everything, part
    for words in THERAPIST_ONLY:
        assert words not in everything
    assert B_SHARED in everything and A_OWN in everything  # what A may read is still there
    # Mails carry no answer text at all, not even Alex's own. The whole planted prefix is matched:
    # two letters alone turn up in a random sign-in token about once in a hundred runs.
    assert not PLANTED.search("\n".join(mails))
    scored = [text for text in handout_texts(seen) if "Your check-ins over time" in text]
    assert len(scored) == (4 if consents == (True, True) else 0)  # two downloads, two next releases


@pytest.mark.parametrize("consents", CONSENTS, ids=lambda c: "alex-%s-sam-%s" % tuple("yes" if x else "no" for x in c))
def test_sams_ratings_change_nothing_alex_can_read_unless_both_said_yes(app, consents):
    world = build()
    set_consent(world, consents)
    release_handouts(world)
    alex = partner_login(app, world.p1)
    before = everything_alex_reaches(app, alex, world)
    set_sam_ratings(world, [ratings(0), ratings(6), ratings(1)])
    after = everything_alex_reaches(app, alex, world)
    changed = sorted(url for url in before if before[url] != after[url])
    if consents == (True, True):
        assert changed and all(url.startswith(NEXT_RELEASE) for url in changed)  # downloads stay frozen
    else:
        assert changed == []


SAM_RATINGS = st.lists(st.fixed_dictionaries({item.value: st.integers(0, 6) for item in CheckInItem}),
                       min_size=PERIODS_BACK, max_size=PERIODS_BACK)
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def test_no_handout_alex_downloads_lets_alex_compute_a_rating_sam_did_not_share(app):
    """Hypothesis: whatever Sam rated, and whatever Alex chose, Alex's downloads are the same unless both said yes.

    Alex's own ratings are known to Alex, so a combined figure would give Sam's
    away; the numbers in every handout Alex downloads (and every page) must not
    move with Sam's ratings, so no arithmetic on them recovers one.
    """
    world = build()
    release_handouts(world)
    alex = partner_login(app, world.p1)

    @settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(values=SAM_RATINGS, consents=st.sampled_from(CONSENTS[:3]))
    def check(values, consents):
        set_consent(world, consents)
        set_sam_ratings(world, [ratings(5)] * PERIODS_BACK)
        baseline = everything_alex_reaches(app, alex, world)
        set_sam_ratings(world, values)
        seen = everything_alex_reaches(app, alex, world)
        assert seen == baseline
        for text in handout_texts(seen):
            assert "Your check-ins over time" not in text and "Latest scores" not in text
        numbers = sorted(NUMBER.findall("\n".join(handout_texts(seen))))
        assert numbers == sorted(NUMBER.findall("\n".join(handout_texts(baseline))))

    check()
    # and the test would notice a leak: once both say yes, Sam's latest ratings are in the scored handouts
    set_consent(world, (True, True))
    set_sam_ratings(world, [ratings(5), ratings(5), ratings(6)])
    seen = everything_alex_reaches(app, alex, world)
    assert any("Your check-ins over time" in text for text in handout_texts(seen))


# The rule's edges, through the handout itself -------------------------------------------------


def handout_shows_scores(session) -> bool:
    return "Your check-ins over time" in copy_html(session, "couple")


def scored_world(consents=(True, True)):
    world = make_world(("Ana", "Ben"))
    now = current_period(world.couple, practice_today())
    plant(world.couple, 1, now - timedelta(days=7), 4)
    plant(world.couple, 2, now - timedelta(days=7), 2)
    set_consent(world, consents)
    return world, signed_session(world, release=True, handout_progress="couple_combined")


@pytest.mark.parametrize("consents, shown", [((True, True), True), ((True, False), False),
                                             ((False, True), False), ((False, False), False)])
def test_combined_scores_need_both_partners_yes(app, consents, shown):
    _, session = scored_world(consents)
    assert handout_shows_scores(session) is shown


@pytest.mark.parametrize("raised_weeks_ago, acknowledged, shown", [
    (1, False, False), (7, True, False), (10, False, False), (9, True, True),
])
def test_a_safety_flag_open_or_raised_in_the_last_eight_weeks_holds_every_score_back(
        app, raised_weeks_ago, acknowledged, shown):
    world, session = scored_world()
    flag = plant_flag(world.couple, 2, practice_today() - timedelta(weeks=raised_weeks_ago + 1))
    flag.raised_at = utcnow() - timedelta(weeks=raised_weeks_ago)
    if acknowledged:
        flag.acknowledged_at, flag.acknowledged_by_id = flag.raised_at + timedelta(days=1), world.clinician.id
    db.session.commit()
    assert handout_shows_scores(session) is shown


def test_the_therapists_tick_only_asks(app):
    world, session = scored_world()
    session.handout_progress = ""
    db.session.commit()
    assert not handout_shows_scores(session)


def test_taking_back_a_yes_stops_scores_in_the_next_download(app):
    world, session = scored_world()
    alex = partner_login(app, world.p1)
    url = f"/portal/handouts/{session.id}.pdf"
    assert "Your check-ins over time" in "".join(pdf_pages(alex.get(url).data))
    assert alex.post_form("/portal/sharing", {"shares": "no"}).status_code == 302
    assert "Your check-ins over time" not in "".join(pdf_pages(alex.get(url).data))


def test_the_clinician_copy_still_shows_everything(app):
    world = build()
    session = signed_session(world, handout_progress="couple_both")
    text = "\n".join(pdf_pages(render_copy(session, "clinician", bounded=False)))
    assert "Check-in progress" in text and B_PRIVATE["checkin_note"] in text
    assert "Your check-ins over time" not in "\n".join(pdf_pages(render_copy(session, "couple", bounded=False)))


# The partner's own choice, and what the therapist is told -------------------------------------


def test_every_portal_page_leads_to_the_sharing_choice(app):
    world = build()
    signed_session(world, release=True)
    alex = partner_login(app, world.p1)
    pages = {url: text for url, text in everything_alex_reaches(app, alex, world).items() if not is_handout(url)}
    assert len(pages) >= 8
    for url, text in pages.items():
        assert 'href="/portal/sharing"' in text, url


def test_the_choice_starts_at_no_says_what_the_partner_would_see_and_is_audited(app):
    world = build()
    sam = partner_login(app, world.p2)
    page = visible(sam.get("/portal/sharing").get_data(as_text=True))
    assert "Share my check-in scores in our session handouts" in page
    assert re.search(r'value="no"[^>]*checked|checked[^>]*value="no"', page)
    assert "Alex would see" in page and "both of you" in page and "never shared" in page
    assert sam.post_form("/portal/sharing", {"shares": "yes"}).status_code == 302
    db.session.refresh(world.p2)
    assert world.p2.shares_checkin_scores and world.p2.shares_checkin_scores_changed_at is not None
    assert sam.post_form("/portal/sharing", {"shares": "yes"}).status_code == 302  # unchanged: not recorded
    assert sam.post_form("/portal/sharing", {"shares": "no"}).status_code == 302
    db.session.refresh(world.p2)
    assert not world.p2.shares_checkin_scores
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "Partner")
                                .order_by(AuditEvent.id)).all()
    assert [(e.actor_kind, e.actor_id, e.record_id, e.couple_id, e.detail.get("now")) for e in events] == [
        ("partner", world.p2.id, world.p2.id, world.couple.id, "yes"),
        ("partner", world.p2.id, world.p2.id, world.couple.id, "no"),
    ]
    assert not world.p1.shares_checkin_scores  # one partner's answer never changes the other's


def test_a_bad_choice_is_refused_and_changes_nothing(app):
    world = build()
    sam = partner_login(app, world.p2)
    assert sam.post_form("/portal/sharing", {"shares": "maybe"}).status_code == 200
    assert sam.post("/portal/sharing", data={"shares": "yes"}).status_code in (200, 400)  # no CSRF token
    db.session.refresh(world.p2)
    assert not world.p2.shares_checkin_scores


@pytest.mark.parametrize("consents, flagged, expected", [
    ((True, True), False, "Check-in scores will appear in the handout"),
    ((True, False), False, "Sam has not agreed to share their check-in scores"),
    ((False, False), False, "neither Alex nor Sam has agreed"),
    ((True, True), True, "a safety flag on this couple is open or was raised in the last 8 weeks"),
])
def test_the_session_page_tells_the_therapist_whether_scores_will_appear_and_why_not(
        app, consents, flagged, expected):
    world = build()
    set_consent(world, consents)
    if flagged:
        plant_flag(world.couple, 2, practice_today() - timedelta(days=10))
    signed = signed_session(world, handout_progress="couple_both")
    therapist = clinician_login(app, world.clinician)
    page = therapist.get(f"/sessions/{signed.id}").get_data(as_text=True)
    assert expected in page
    for word in B_PRIVATE.values():
        assert word not in page
    flags = db.session.scalars(select(SafetyFlag)).all()
    assert len(flags) == int(flagged)


# The pure rule, over random consents, flags and times ---------------------------------------

AS_OF = datetime(2026, 6, 1, 12, tzinfo=UTC)
FLAGS = st.lists(st.tuples(st.integers(-200, 30), st.one_of(st.none(), st.integers(0, 100))), max_size=4)


def flag_times(flags) -> list[FlagTimes]:
    """(days before AS_OF it was raised, days after raising it was acknowledged or None) as FlagTimes."""
    return [FlagTimes(AS_OF + timedelta(days=raised),
                      None if ack is None else AS_OF + timedelta(days=raised + ack)) for raised, ack in flags]


@settings(max_examples=300, deadline=None, database=None)
@given(consents=st.tuples(st.booleans(), st.booleans()), flags=FLAGS, asked=st.booleans())
def test_the_rule_allows_scores_only_with_both_yes_the_tick_and_no_flag_near(consents, flags, asked):
    partners = list(zip(("Alex", "Sam"), consents, strict=True))
    decision = decide_checkin_scores(partners, flag_times(flags), AS_OF, asked=asked)
    near = any(ack is None or raised + ack > 0 or raised > -7 * 8 for raised, ack in flags)
    assert decision.allowed == (asked and all(consents) and not near)
    # taking back a yes, or a new flag today, never turns scores on
    for position in range(2):
        fewer = [(name, yes and i != position) for i, (name, yes) in enumerate(partners)]
        assert not decide_checkin_scores(fewer, flag_times(flags), AS_OF, asked=asked).allowed or decision.allowed
    assert not decide_checkin_scores(partners, flag_times([*flags, (0, 0)]), AS_OF, asked=asked).allowed
    if not decision.allowed:
        assert decision.reasons()  # the therapist is always told why


SCORED = "Your check-ins over time"


def handout_of(browser, session) -> tuple[str, str]:
    """What a partner's download of this handout says, and the name it is saved under."""
    response = browser.get(f"/portal/handouts/{session.id}.pdf")
    assert response.status_code == 200
    return "".join(pdf_pages(response.data)), response.headers["Content-Disposition"]


def test_a_no_reaches_a_released_frozen_handout_and_a_yes_again_brings_scores_back(app, outbox):
    """A frozen handout's scores follow the rule at every download: no new version, no email, no "Updated"."""
    world, session = scored_world()
    alex, sam = partner_login(app, world.p1), partner_login(app, world.p2)
    assert SCORED in handout_of(alex, session)[0]
    outbox.clear()
    assert sam.post_form("/portal/sharing", {"shares": "no"}).status_code == 302
    for partner in (alex, sam):
        assert SCORED not in handout_of(partner, session)[0]
    home = alex.get("/portal/").get_data(as_text=True)
    assert "corrected version" not in home and "Updated" not in home and not outbox
    db.session.expire_all()
    assert db.session.get(TherapySession, session.id).handout_version == 1
    assert sam.post_form("/portal/sharing", {"shares": "yes"}).status_code == 302
    assert SCORED in handout_of(alex, session)[0]


def test_a_no_said_before_release_holds_when_the_handout_is_released_later(app):
    """Frozen at signing with both yes, released only after one partner said no: no scores reach anyone."""
    world = make_world(("Ana", "Ben"))
    now = current_period(world.couple, practice_today())
    plant(world.couple, 1, now - timedelta(days=7), 4)
    plant(world.couple, 2, now - timedelta(days=7), 2)
    set_consent(world, (True, True))
    session = signed_session(world, release=False, handout_progress="couple_combined")
    ben = partner_login(app, world.p2)
    assert ben.post_form("/portal/sharing", {"shares": "no"}).status_code == 302
    therapist = clinician_login(app, world.clinician)
    assert therapist.post_form(f"/sessions/{session.id}/release").status_code == 302
    assert SCORED not in handout_of(partner_login(app, world.p1), session)[0]


def test_a_safety_flag_raised_after_release_takes_scores_out_of_the_download(app):
    world, session = scored_world()
    alex = partner_login(app, world.p1)
    assert SCORED in handout_of(alex, session)[0]
    plant_flag(world.couple, 2, current_period(world.couple, practice_today()))
    text, _ = handout_of(alex, session)
    assert SCORED not in text and "Latest scores" not in text
    assert "For you both" in text or "Your session" in text  # the rest of the frozen handout is still there


@pytest.mark.parametrize("ben_says", [True, False])
def test_toggling_your_own_choice_tells_you_nothing_about_your_partners(app, ben_says):
    """Frozen while Ben had not said yes; whatever Ben says later, Ana's own yes-then-no changes nothing she gets."""
    world, session = scored_world((True, False))
    set_consent(world, (True, ben_says))
    ana = partner_login(app, world.p1)
    before = handout_of(ana, session)
    assert ana.post_form("/portal/sharing", {"shares": "no"}).status_code == 302
    after = handout_of(ana, session)
    assert SCORED not in before[0] and after == before
    assert "-v" not in after[1]  # the saved name never carries a version a partner could compare
