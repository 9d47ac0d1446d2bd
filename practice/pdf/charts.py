"""Server-side SVG charts for pages and PDFs: readable in grey, escaped, nothing to fetch or run.

Series differ in dash and marker shape as well as colour, values are written on the chart and in
the description, and the legend repeats line and marker, so no reading depends on colour. The SVG
uses presentation attributes only (our CSP forbids `style=`), names no external resource, and is
returned as `Markup` built from escaped text. Charts take at most two series.

Drawing cost is per SVG element in WeasyPrint, and the clinician copy draws nine charts: so each
series' markers (or bars) and the grid are one `<path>` each, and only the y values 0, middle and
top and at most MAX_X_LABELS dates are labelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil
from typing import Generic, TypeVar

from markupsafe import Markup, escape

V = TypeVar("V")

WIDTH, HEIGHT = 600, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 44, 34  # margins around the plot area
MAX_X_LABELS = 5  # dates under a trend chart
MAX_SESSION_LABELS = 10  # "Session 12" under a completion chart: a few sessions, each named
# A series with more points than this has only its latest value written beside its marker:
# at half width a label on every week overlaps the lines (the grid and the table carry the
# rest), and each SVG text costs WeasyPrint about 1.5 ms, a third of a clinician copy's time.
MAX_POINT_LABELS = 8
FONT = "Twofold Sans, Twofold CJK, sans-serif"
INK, GRID, MUTED = "#1f1f1f", "#d0d0d0", "#555555"


@dataclass(frozen=True)
class Series(Generic[V]):
    """One partner's (or the couple's) values, one per x label; `None` where there is no data."""

    label: str
    values: Sequence[V | None]


@dataclass(frozen=True)
class Completion:
    """Homework for one session: how many assignments were done out of those set."""

    done: int
    assigned: int

    @property
    def share(self) -> float:
        """Done as a fraction of assigned (0 when nothing was set)."""
        return self.done / self.assigned if self.assigned else 0.0


@dataclass(frozen=True)
class _Look:
    """How one series is drawn, so the two differ in more than colour."""

    colour: str
    dash: str | None  # stroke-dasharray of the trend line
    marker: str  # "circle" (filled) or "square" (hollow)
    bar_fill: str  # solid colour, or white for an outlined bar
    label_dy: int  # value labels above (negative) or below the marker


LOOKS = (
    _Look("#1d4e89", None, "circle", "#1d4e89", -9),
    _Look("#a33a1f", "6 4", "square", "#ffffff", 17),
)


def trend_chart(
    x_labels: Sequence[str], series: Sequence[Series[float]], *, title: str, y_max: int = 6
) -> Markup:
    """A line chart of 0–`y_max` ratings over time; missing weeks are gaps, never zeros."""
    _check(x_labels, series)
    if any(not 0 <= value <= y_max for one in series for _, value in _present(one.values)):
        raise ValueError(f"ratings must lie between 0 and {y_max}")
    plot = _Plot(len(x_labels), y_max)
    labelled_ticks = sorted({0, y_max // 2, y_max})
    parts = [_y_axis(plot, range(y_max + 1), labelled_ticks, str), _x_axis(plot, x_labels, MAX_X_LABELS)]
    for look, one in zip(LOOKS, series, strict=False):
        parts.append(_line(plot, look, one.values))
        present = _present(one.values)
        parts.append(_markers(look, [(plot.x(i), plot.y(value)) for i, value in present]))
        labelled = present[-1:] if len(present) > MAX_POINT_LABELS else present
        parts.extend(_point_label(plot, look, i, value) for i, value in labelled)
    description = _describe(x_labels, series, _rating)
    return _svg(title, description, [*parts, _legend(series, bars=False)])


def completion_chart(
    x_labels: Sequence[str], series: Sequence[Series[Completion]], *, title: str
) -> Markup:
    """A bar chart of homework done per session, labelled "2/3"; a dash where none was set."""
    _check(x_labels, series)
    plot = _Plot(len(x_labels), 1)
    ticks = (0, 0.5, 1)
    parts = [_y_axis(plot, ticks, ticks, lambda share: f"{share:.0%}"), _x_axis(plot, x_labels, MAX_SESSION_LABELS)]
    for index, (look, one) in enumerate(zip(LOOKS, series, strict=False)):
        parts.append(_bars(plot, look, index, len(series), one.values))
    description = _describe(x_labels, series, _completion)
    return _svg(title, description, [*parts, _legend(series, bars=True)])


@dataclass(frozen=True)
class _Plot:
    """Maps data to SVG coordinates: x positions are the centres of equal bands."""

    count: int
    y_max: float

    @property
    def band(self) -> float:
        return (WIDTH - LEFT - RIGHT) / self.count

    def x(self, index: int) -> float:
        return LEFT + self.band * (index + 0.5)

    def y(self, value: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / self.y_max


def _check(x_labels: Sequence[str], series: Sequence[Series]) -> None:
    """Refuse shapes the chart cannot draw honestly."""
    if not x_labels or not 1 <= len(series) <= len(LOOKS):
        raise ValueError(f"a chart needs x labels and 1 to {len(LOOKS)} series")
    if any(len(one.values) != len(x_labels) for one in series):
        raise ValueError("every series needs one value (or None) per x label")


def _svg(title: str, description: str, parts: Sequence[str]) -> Markup:
    """The outer <svg> with its accessible name and description."""
    head = _el("title", escape(title)) + _el("desc", escape(description))
    # Safe to mark: built only by _el, from numbers and escaped text.
    return Markup(  # nosec B704
        _el(
            "svg",
            head + "".join(parts),
            xmlns="http://www.w3.org/2000/svg",
            viewBox=f"0 0 {WIDTH} {HEIGHT}",
            width=WIDTH,
            height=HEIGHT,
            role="img",
            aria_label=title,
            font_family=FONT,
            font_size=11,
            fill=INK,
        )
    )


def _y_axis(plot: _Plot, ticks: Sequence[float], labelled: Sequence[float], label) -> str:
    """A horizontal grid line at every tick (one path), with the `labelled` ticks' values at the left."""
    grid = _el("path", d="".join(f"M{LEFT} {_n(plot.y(tick))}H{WIDTH - RIGHT}" for tick in ticks), stroke=GRID)
    labels = "".join(_text(label(tick), LEFT - 6, plot.y(tick) + 4, text_anchor="end", fill=MUTED)
                     for tick in labelled)
    return grid + labels


def _x_axis(plot: _Plot, x_labels: Sequence[str], most: int) -> str:
    """Labels under the plot, thinned so that at most `most` show."""
    step = ceil(len(x_labels) / most)
    return "".join(
        _text(label, plot.x(i), HEIGHT - BOTTOM + 18, text_anchor="middle", fill=MUTED)
        for i, label in enumerate(x_labels)
        if i % step == 0
    )


def _line(plot: _Plot, look: _Look, values: Sequence[float | None]) -> str:
    """One path whose segments stop at missing values, so a gap shows as a gap."""
    commands: list[str] = []
    pen_down = False
    for i, value in enumerate(values):
        if value is None:
            pen_down = False
            continue
        commands.append(f"{'L' if pen_down else 'M'}{_n(plot.x(i))} {_n(plot.y(value))}")
        pen_down = True
    if not commands:
        return ""
    return _el(
        "path",
        d=" ".join(commands),
        fill="none",
        stroke=look.colour,
        stroke_width=2,
        stroke_dasharray=look.dash,
    )


def _point_label(plot: _Plot, look: _Look, index: int, value: float) -> str:
    """A point's value, written above or below its marker."""
    return _text(_rating(value), plot.x(index), plot.y(value) + look.label_dy, text_anchor="middle")


def _bars(plot: _Plot, look: _Look, slot: int, slots: int, values: Sequence[Completion | None]) -> str:
    """A series' bars as one path, each labelled "done/set"; a dash where none was set.

    A bar of nothing done has no height and is left out of the path (as an
    empty rectangle draws nothing, where an empty subpath would draw its stroke).
    """
    width = plot.band * 0.7 / slots
    shapes, labels = [], []
    for index, value in enumerate(values):
        x = plot.x(index) - plot.band * 0.35 + width * slot
        if value is None or not value.assigned:
            labels.append(_text("–", x + width / 2, plot.y(0) - 4, text_anchor="middle", fill=MUTED))
            continue
        top = plot.y(value.share)
        if value.done:
            shapes.append(f"M{_n(x + 1)} {_n(top)}h{_n(width - 2)}V{_n(plot.y(0))}h{_n(2 - width)}z")
        labels.append(_text(f"{value.done}/{value.assigned}", x + width / 2, top - 4, text_anchor="middle"))
    bars = _el("path", d="".join(shapes), fill=look.bar_fill, stroke=look.colour, stroke_width=1.5) if shapes else ""
    return bars + "".join(labels)


def _legend(series: Sequence[Series], *, bars: bool) -> str:
    """Each series' name beside its own marker and line (or bar) sample."""
    items = []
    for i, (look, one) in enumerate(zip(LOOKS, series, strict=False)):
        x = LEFT + i * 200
        sample = _bar_sample(look, x) if bars else _line_sample(look, x)
        items.append(sample + _text(one.label, x + 30, 20))
    return _el("g", "".join(items))


def _bar_sample(look: _Look, x: float) -> str:
    """A small bar drawn like the series' bars, for the legend."""
    return _el(
        "rect", x=x, y=10, width=22, height=12,
        fill=look.bar_fill, stroke=look.colour, stroke_width=1.5,
    )


def _line_sample(look: _Look, x: float) -> str:
    """A short dashed-or-solid line with the series' marker, for the legend."""
    line = _el(
        "line", x1=x, x2=x + 22, y1=16, y2=16,
        stroke=look.colour, stroke_width=2, stroke_dasharray=look.dash,
    )
    return line + _markers(look, [(x + 11, 16)])


def _markers(look: _Look, centres: Sequence[tuple[float, float]]) -> str:
    """Filled circles or hollow squares of radius 4 centred on each point: one path for them all.

    A circle is a zero-length stroke with round caps, 9 wide, which SVG and PDF both draw as a filled
    circle, and which is cheaper to draw than an arc.
    """
    if not centres:
        return ""
    if look.marker == "circle":
        d = "".join(f"M{_n(x)} {_n(y)}h0" for x, y in centres)
        return _el("path", d=d, fill="none", stroke=look.colour, stroke_width=9, stroke_linecap="round")
    d = "".join(f"M{_n(x - 4)} {_n(y - 4)}h8v8h-8z" for x, y in centres)
    return _el("path", d=d, fill="#ffffff", stroke=look.colour, stroke_width=2)


def _describe(x_labels: Sequence[str], series: Sequence[Series], fmt) -> str:
    """Every value in words, for screen readers and anyone who cannot see the chart."""
    return "; ".join(
        f"{one.label}: "
        + ", ".join(f"{x} {fmt(value)}" for x, value in zip(x_labels, one.values, strict=True))
        for one in series
    )


def _rating(value: float | None) -> str:
    """A rating as people write it: 4, 4.5, or "no data"."""
    return "no data" if value is None else f"{value:g}"


def _completion(value: Completion | None) -> str:
    """Homework for one session in words."""
    if value is None or not value.assigned:
        return "none set"
    return f"{value.done} of {value.assigned} done"


def _present(values: Sequence[V | None]) -> list[tuple[int, V]]:
    """(index, value) for the values that exist."""
    return [(i, value) for i, value in enumerate(values) if value is not None]


def _text(content: str, x: float, y: float, **attrs) -> str:
    """A text element with its content escaped."""
    return _el("text", escape(content), x=_n(x), y=_n(y), **attrs)


def _el(tag: str, content: str = "", **attrs) -> str:
    """An SVG element; attribute values are escaped, `content` must already be markup."""
    attributes = "".join(
        f' {name.replace("_", "-")}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not None
    )
    return f"<{tag}{attributes}>{content}</{tag}>" if content else f"<{tag}{attributes}/>"


def _n(value: float) -> str:
    """A coordinate with one decimal, enough for print and short in the markup."""
    return f"{value:.1f}"
