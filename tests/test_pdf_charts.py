"""SVG charts: valid, escaped, self-contained and readable without colour."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from markupsafe import Markup

from practice.pdf import render_pdf
from practice.pdf.charts import Completion, Series, completion_chart, trend_chart
from tests.reading import pdf_pages

SVG = "{http://www.w3.org/2000/svg}"
WEEKS = ["5 Jan", "12 Jan", "19 Jan", "26 Jan", "2 Feb", "9 Feb"]


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def trend(*series: Series, weeks=WEEKS) -> ElementTree.Element:
    return parse(trend_chart(weeks, series, title="Feeling understood"))


def line_paths(root) -> list:
    """The trend lines (markers, bars and the grid are paths too, but dots, filled or grey)."""
    return [path for path in root.iter(SVG + "path") if path.get("fill") == "none" and path.get("stroke-width") == "2"]


def paths(root) -> list[str]:
    return [path.get("d") for path in line_paths(root)]


def markers(root, look: str) -> int:
    """How many markers of one look ("circle" dots or hollow "square"s), legend included."""
    return sum(path.get("d").count("M") for path in root.iter(SVG + "path")
               if (path.get("stroke-linecap") == "round" if look == CIRCLE else path.get("fill") == "#ffffff"))


CIRCLE, SQUARE = "circle", "square"
Y_LABELS = ["0", "3", "6"]


def texts(root) -> list[str]:
    return [text.text for text in root.iter(SVG + "text")]


def test_missing_weeks_are_gaps_in_the_line_not_zeros():
    root = trend(Series("Zoë", [2, 3, None, 4, 5, None]))
    (line,) = paths(root)
    assert line.count("M") == 2 and line.count("L") == 2  # 2→3, gap, 4→5
    assert markers(root, CIRCLE) == 1 + 4  # legend + four real weeks
    assert texts(root)[:3] == Y_LABELS
    point_labels = texts(root)[3 + len(WEEKS[::2]) : -1]  # after the y axis and three dates, before the legend
    assert point_labels == ["2", "3", "4", "5"]
    assert "19 Jan no data" in root.find(SVG + "desc").text


def test_a_single_check_in_is_drawn_as_a_marker_with_its_value():
    root = trend(Series("Alex", [4]), weeks=["5 Jan"])
    (line,) = paths(root)
    assert line.startswith("M") and "L" not in line
    assert markers(root, CIRCLE) == 2  # legend + the point
    assert texts(root).count("4") == 1  # the point's label (the axis labels 0, 3 and 6)


def test_a_series_with_no_data_draws_no_line():
    root = trend(Series("Sam", [None] * len(WEEKS)))
    assert paths(root) == []
    assert "Sam: 5 Jan no data" in root.find(SVG + "desc").text


def test_partners_differ_in_dash_and_marker_not_only_colour():
    root = trend(Series("Zoë", [1, 2, 3, 4, 5, 6]), Series("Łukasz", [6, 5, 4, 3, 2, 1]))
    first, second = line_paths(root)
    assert first.get("stroke-dasharray") is None and second.get("stroke-dasharray")
    assert markers(root, CIRCLE) == 7  # Zoë: legend + six points
    assert markers(root, SQUARE) == 7  # Łukasz: legend + six hollow squares
    dots = next(p for p in root.iter(SVG + "path") if p.get("stroke-linecap") == "round")
    assert dots.get("stroke") == "#1d4e89" and dots.get("stroke-width") == "9" and dots.get("d").count("h0") == 6  # six points (the legend has its own)
    assert {"Zoë", "Łukasz"} <= set(texts(root))


def test_charts_are_accessible_images_with_title_and_description():
    root = trend(Series("Zoë", [2, 3, None, 4, 5, 6]))
    assert root.get("role") == "img" and root.get("aria-label") == "Feeling understood"
    assert [child.tag for child in root][:2] == [SVG + "title", SVG + "desc"]
    assert root.find(SVG + "title").text == "Feeling understood"
    assert root.find(SVG + "desc").text.startswith("Zoë: 5 Jan 2, 12 Jan 3, 19 Jan no data")


HOSTILE = "<script>alert('x')</script> & \"Zoë\" <img src=x onerror=alert(1)>"


@pytest.mark.parametrize(
    "chart",
    [
        lambda: trend_chart(WEEKS, [Series(HOSTILE, [1, 2, 3, None, 5, 6])], title=HOSTILE),
        lambda: completion_chart(
            [HOSTILE], [Series(HOSTILE, [Completion(1, 2)])], title=HOSTILE
        ),
    ],
)
def test_text_is_escaped_and_nothing_can_run_load_or_need_inline_style(chart):
    svg = chart()
    assert isinstance(svg, Markup)
    root = parse(svg)
    assert HOSTILE in texts(root) and root.get("aria-label") == HOSTILE
    for element in root.iter():
        tag = element.tag.removeprefix(SVG)
        assert tag not in {"script", "image", "use", "style", "foreignObject"}
        assert not {"style", "href", "{http://www.w3.org/1999/xlink}href"} & set(element.attrib)
        assert not any(name.startswith("on") for name in element.attrib)
    assert "style=" not in svg and "<script" not in svg and "url(" not in svg


def test_completion_bars_are_labelled_and_sessions_without_homework_show_a_dash():
    root = parse(
        completion_chart(
            ["S1", "S2", "S3"],
            [
                Series("Zoë", [Completion(1, 1), Completion(2, 3), None]),
                Series("Łukasz", [Completion(0, 1), Completion(3, 3), Completion(0, 0)]),
            ],
            title="Homework completion",
        )
    )
    labels = texts(root)
    assert {"1/1", "2/3", "0/1", "3/3"} <= set(labels) and labels.count("–") == 2
    legend = set(list(root)[-1].iter())
    zoe, lukasz = (path.get("d") for path in root.iter(SVG + "path") if path.get("stroke-width") == "1.5")
    assert zoe.count("M") == 2 and lukasz.count("M") == 1  # a bar each, none for "0 of 1 done"
    bottoms = {float(bar.split("V")[1].split("h")[0]) for bar in (zoe + lukasz).split("M")[1:]}
    tops = sorted(float(bar.split(" ")[1].split("h")[0]) for bar in (zoe + lukasz).split("M")[1:])
    (floor,) = bottoms
    assert tops[0] == tops[1] < tops[2] < floor  # two full bars, one at two thirds
    assert not legend & {path for path in root.iter(SVG + "path")}
    assert "S3 none set" in root.find(SVG + "desc").text
    assert "Łukasz: S1 0 of 1 done, S2 3 of 3 done, S3 none set" in root.find(SVG + "desc").text


@pytest.mark.parametrize(
    ("x_labels", "series"),
    [
        ([], [Series("Zoë", [])]),
        (WEEKS, []),
        (WEEKS, [Series("Zoë", [1, 2])]),
        (WEEKS[:1], [Series("A", [1]), Series("B", [2]), Series("C", [3])]),
        (WEEKS[:1], [Series("Zoë", [7])]),
        (WEEKS[:1], [Series("Zoë", [-1])]),
    ],
)
def test_shapes_a_chart_cannot_draw_honestly_are_refused(x_labels, series):
    with pytest.raises(ValueError):
        trend_chart(x_labels, series, title="x")


def test_many_weeks_get_thinned_axis_labels():
    weeks = [f"W{n}" for n in range(1, 27)]
    root = trend(Series("Zoë", [n % 7 for n in range(26)]), weeks=weeks)
    shown = [label for label in texts(root) if label.startswith("W")]
    assert shown == [f"W{n}" for n in range(1, 27, 6)]  # at most five dates
    assert all(f"W{n} {n % 7 - 1 if n % 7 else 6}" in root.find(SVG + "desc").text for n in range(1, 27))


def test_a_chart_renders_inside_a_pdf_with_its_labels_as_text():
    chart = trend_chart(WEEKS[:3], [Series("Zoë", [2, None, 5])], title="Closeness")
    html = f'<link rel="stylesheet" href="print.css"><figure class="chart">{chart}</figure>'
    text = pdf_pages(render_pdf(html))[0]
    assert "Zoë" in text and "12 Jan" in text and "5" in text


def test_a_long_series_writes_only_its_latest_value_beside_the_marker():
    weeks = [f"W{n}" for n in range(1, 16)]
    values = [None, *(n % 7 for n in range(2, 16))]  # 14 check-ins, the latest a 1
    root = trend(Series("Zoë", values), Series("Łukasz", [4] * 9 + [None] * 6), weeks=weeks)
    y_ticks, x_labels = len(Y_LABELS), len(weeks[::3])
    point_labels = texts(root)[y_ticks + x_labels : -2]  # before the two legend names
    assert point_labels == ["1", "4"]  # Zoë's last week, and Łukasz's last check-in (week 9)
    assert markers(root, CIRCLE) == 1 + 14  # every check-in keeps its marker
    assert "W15 1" in root.find(SVG + "desc").text and "W9 4" in root.find(SVG + "desc").text
