"""A couple's check-in progress: trends per item and partner, latest scores side by side, the lowest areas.

`couple_progress` reads a bounded window of submitted check-ins in one query
and `build_progress` turns them into plain data. `Progress.view(mode)` then
picks what one audience may see: the couple-facing modes never carry notes
or the lowest-areas list, and the combined mode never carries one partner's
own scores (a period counts only when both partners checked in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import select

from practice.checkins.schedule import current_period, period_containing
from practice.domain import CONVERSATION_GAP, Area, CheckInItem, ResponseStatus
from practice.extensions import db
from practice.models import CheckIn, Couple
from practice.pdf.charts import Series, trend_chart

WINDOW_PERIODS = 12  # how many periods back the charts reach
LOW_BELOW = 3  # a rating under the middle of the 0–6 scale counts as low
LOWEST_SHOWN = 3
TOGETHER = "The two of you"


class ProgressMode(StrEnum):
    """Who a progress section is for: the therapist, or the couple (combined, or both partners' scores)."""

    CLINICIAN = "clinician"
    COUPLE_COMBINED = "couple_combined"
    COUPLE_BOTH = "couple_both"


@dataclass(frozen=True)
class Note:
    """What a partner wrote to the therapist in one check-in."""

    partner: str
    period: date
    text: str


@dataclass(frozen=True)
class AreaScore:
    """How the couple rate the item behind one area now, and for how many check-ins in a row it has been low.

    The lower partner's latest rating, not the mean: a 0 and a 6 average to 3, and the partner who is
    afraid would disappear. Therapist-only: it never says which partner is lower.
    """

    item: CheckInItem
    score: float  # the lower of the partners' latest ratings
    low_periods: int
    gap: int = 0  # how far apart the partners' latest ratings are (0 if only one has checked in)

    @property
    def area(self) -> Area:
        return self.item.area  # type: ignore[return-value]  (only items with an area are scored)

    @property
    def is_low(self) -> bool:
        return self.score < LOW_BELOW


@dataclass(frozen=True)
class Column:
    """One column of the latest-scores table: a partner, or the two of them together."""

    label: str
    as_of: date | None


@dataclass(frozen=True)
class ScoreRow:
    """One item's latest scores, one per column, and (therapist only) the gap between partners."""

    label: str
    values: tuple[float | None, ...]
    gap: int | None = None

    @property
    def far_apart(self) -> bool:
        return self.gap is not None and self.gap >= CONVERSATION_GAP


@dataclass(frozen=True)
class Chart:
    """One item's trend chart and the title shown above it."""

    title: str
    svg: Markup


@dataclass(frozen=True)
class ProgressView:
    """Exactly what one audience may see, ready for templates/checkins/_progress.html or pdf/_progress.html."""

    mode: ProgressMode
    has_data: bool
    charts: tuple[Chart, ...] = ()
    columns: tuple[Column, ...] = ()
    rows: tuple[ScoreRow, ...] = ()
    lowest: tuple[AreaScore, ...] = ()
    notes: tuple[Note, ...] = ()

    @property
    def shows_gap(self) -> bool:
        return self.mode is ProgressMode.CLINICIAN


@dataclass(frozen=True)
class Progress:
    """Submitted check-in ratings by item and partner, one value (or None) per period, oldest first."""

    partners: tuple[tuple[int, str], ...]  # (position, name)
    periods: tuple[date, ...]
    ratings: Mapping[CheckInItem, Mapping[int, tuple[int | None, ...]]]
    notes: tuple[Note, ...]

    @property
    def has_data(self) -> bool:
        return bool(self.periods)

    def latest(self, item: CheckInItem, position: int) -> int | None:
        """A partner's most recent rating of one item in the window."""
        return next((v for v in reversed(self.ratings[item][position]) if v is not None), None)

    def latest_period(self, position: int) -> date | None:
        """When a partner last checked in within the window."""
        values = self.ratings[CheckInItem.OVERALL][position]
        return next((self.periods[i] for i in reversed(range(len(values))) if values[i] is not None), None)

    def area_scores(self) -> list[AreaScore]:
        """Every item with an area that has a rating, lowest first (longer-low first among equals)."""
        scores = []
        for item in CheckInItem:
            latest = [v for v in (self.latest(item, pos) for pos, _ in self.partners) if v is not None]
            if item.area is None or not latest:
                continue
            scores.append(AreaScore(item, min(latest), self._low_periods(item), max(latest) - min(latest)))
        return sorted(scores, key=lambda s: (s.score, -s.low_periods, list(CheckInItem).index(s.item)))

    def lowest(self) -> list[AreaScore]:
        """The three lowest areas now."""
        return self.area_scores()[:LOWEST_SHOWN]

    def combined(self, item: CheckInItem) -> tuple[float | None, ...]:
        """The couple's mean rating per period, only where both partners checked in."""
        columns = zip(*(self.ratings[item][pos] for pos, _ in self.partners), strict=True)
        return tuple(_mean(values) if None not in values else None for values in columns)

    def view(self, mode: ProgressMode | str) -> ProgressView:
        """What `mode`'s audience may see (an unknown mode is an error, never a default)."""
        mode = ProgressMode(mode)
        if mode is ProgressMode.COUPLE_COMBINED:
            return self._combined_view()
        clinician = mode is ProgressMode.CLINICIAN
        rows = []
        for item in CheckInItem:
            values = tuple(self.latest(item, pos) for pos, _ in self.partners)
            gap = abs(values[0] - values[1]) if clinician and None not in values else None
            rows.append(ScoreRow(item.label, values, gap))
        return ProgressView(
            mode=mode, has_data=self.has_data,
            charts=self._charts(lambda item: [Series(name, self.ratings[item][pos]) for pos, name in self.partners]),
            columns=tuple(Column(name, self.latest_period(pos)) for pos, name in self.partners),
            rows=tuple(rows),
            lowest=tuple(self.lowest()) if clinician else (),
            notes=self.notes if clinician else (),
        )

    def _combined_view(self) -> ProgressView:
        shared = [i for i, v in enumerate(self.combined(CheckInItem.OVERALL)) if v is not None]
        if not shared:
            return ProgressView(mode=ProgressMode.COUPLE_COMBINED, has_data=False)
        last = shared[-1]
        return ProgressView(
            mode=ProgressMode.COUPLE_COMBINED, has_data=True,
            charts=self._charts(lambda item: [Series(TOGETHER, self.combined(item))]),
            columns=(Column(TOGETHER, self.periods[last]),),
            rows=tuple(ScoreRow(item.label, (self.combined(item)[last],)) for item in CheckInItem),
        )

    def _charts(self, series_for) -> tuple[Chart, ...]:
        if not self.has_data:
            return ()
        labels = [f"{p.day} {p:%b}" for p in self.periods]
        return tuple(Chart(item.label, trend_chart(labels, series_for(item), title=item.label)) for item in CheckInItem)

    def _low_periods(self, item: CheckInItem) -> int:
        """Check-ins in a row, newest first, where the lower partner's rating was low.

        Periods without any check-in are skipped: a missed week neither ends nor extends the run.
        """
        columns = zip(*(self.ratings[item][pos] for pos, _ in self.partners), strict=True)
        lowers = [min(present) for values in columns if (present := [v for v in values if v is not None])]
        count = 0
        for lower in reversed(lowers):
            if lower >= LOW_BELOW:
                break
            count += 1
        return count


def couple_progress(couple: Couple, today: date, window: int = WINDOW_PERIODS) -> Progress:
    """The couple's submitted check-ins of the last `window` periods (one query; drafts never count)."""
    last = current_period(couple, today)
    first = last - timedelta(days=couple.checkin_cadence_days * (window - 1))
    checkins = db.session.scalars(
        select(CheckIn)
        .where(CheckIn.couple_id == couple.id, CheckIn.status == ResponseStatus.SUBMITTED.value,
               CheckIn.period_start >= first)
        .order_by(CheckIn.period_start, CheckIn.id)
    )
    return build_progress(couple, checkins, last)


def build_progress(couple: Couple, checkins: Iterable[CheckIn], last_period: date) -> Progress:
    """Place each check-in in its period of the couple's current cadence; a later one in a period wins."""
    anchor, cadence = couple.start_date, couple.checkin_cadence_days
    positions = {p.id: p.position for p in couple.partners}
    names = {p.position: p.name for p in couple.partners}
    by_slot: dict[tuple[date, int], CheckIn] = {}
    for checkin in checkins:
        by_slot[(period_containing(anchor, cadence, checkin.period_start), positions[checkin.partner_id])] = checkin
    partners = tuple(sorted(names.items()))
    if not by_slot:
        return Progress(partners, (), {item: {pos: () for pos, _ in partners} for item in CheckInItem}, ())
    first = min(period for period, _ in by_slot)
    count = (max(last_period, *(period for period, _ in by_slot)) - first).days // cadence + 1
    periods = tuple(first + timedelta(days=cadence * i) for i in range(count))
    ratings = {
        item: {pos: tuple(_rating(by_slot.get((period, pos)), item) for period in periods) for pos, _ in partners}
        for item in CheckInItem
    }
    notes = tuple(
        Note(names[pos], period, checkin.note_to_therapist)
        for (period, pos), checkin in sorted(by_slot.items(), key=lambda kv: (kv[0][0], kv[0][1]), reverse=True)
        if checkin.note_to_therapist
    )
    return Progress(partners, periods, ratings, notes)


def _rating(checkin: CheckIn | None, item: CheckInItem) -> int | None:
    return None if checkin is None else getattr(checkin, item.value)


def _mean(values: list[int] | tuple[int, ...]) -> float:
    return sum(values) / len(values)
