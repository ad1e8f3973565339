"""The report's charts: the labels on their axes in metric and imperial, a drawing per screen width, and the
SVG that goes inline in the page."""

import datetime
import re

import pytest

from apps.reports import charts
from apps.reports.interface import contracts

PACES = [330, 324, None, 318, 312, 312, 306, 300, 300, 294, 290, 285]  # s/km, December 2025 to November 2026
WEEKS = [3000, 25000, 0, 42195, 18500, 10000]  # m, the weeks of November 2026 (from Monday 26 October)


def _months(first_year=2025, first_month=12, paces=PACES):
    months = []
    for index, pace in enumerate(paces):
        year, month = divmod(first_year * 12 + first_month - 1 + index, 12)
        months.append(
            contracts.MonthTotals(
                year=year,
                month=month + 1,
                runs=1 if pace else 0,
                distance_m=10000.0 if pace else 0.0,
                moving_s=pace * 10 if pace else 0.0,
                elevation_gain_m=0.0,
                active_days=1 if pace else 0,
                pace_s_per_km=pace,
            )
        )
    return months


def _weeks():
    monday = datetime.date(2026, 10, 26)
    return [
        contracts.WeekDistance(week_start=monday + datetime.timedelta(days=7 * i), distance_m=distance)
        for i, distance in enumerate(WEEKS)
    ]


def _drawn(figure):
    """The axes' labels as drawn: the ticks inside the axis's limits, the words, the bars' values."""
    figure.draw_without_rendering()
    (axes,) = figure.axes
    low, high = sorted(axes.get_ylim())
    y_labels = [
        label.get_text()
        for tick, label in zip(axes.get_yticks(), axes.get_yticklabels(), strict=True)
        if low <= tick <= high
    ]
    return {
        "x": [label.get_text() for label in axes.get_xticklabels()],
        "y": y_labels,
        "unit": axes.get_ylabel(),
        "values": [text.get_text() for text in axes.texts],
        "title": [text.get_text() for text in figure.texts],
    }


def test_every_month_is_named_with_its_year_under_the_first_one_and_under_january():
    months = [(2025, 12), (2026, 1), (2026, 2), (2026, 3)]
    assert charts.month_labels(months) == ["Dec\n2025", "Jan\n2026", "Feb", "Mar"]
    assert charts.month_labels([(2026, 3), (2026, 4)]) == ["Mar\n2026", "Apr"]


def test_on_a_phone_every_other_month_is_named_counting_back_from_the_reports_own_month():
    twelve = [(m.year, m.month) for m in _months()]  # December 2025 to November 2026
    assert charts.month_labels(twelve, step=2) == [
        "", "Jan\n2026", "", "Mar", "", "May", "", "Jul", "", "Sep", "", "Nov",
    ]  # fmt: skip
    # January unnamed: the year goes under the first month named in the new year.
    from_november = [(m.year, m.month) for m in _months(2025, 11)]  # November 2025 to October 2026
    assert charts.month_labels(from_november, step=2) == [
        "", "Dec\n2025", "", "Feb\n2026", "", "Apr", "", "Jun", "", "Aug", "", "Oct",
    ]  # fmt: skip


def test_the_weeks_are_named_by_their_monday_with_the_month_under_the_first_day_of_each():
    assert charts.week_labels([w.week_start for w in _weeks()]) == ["26\nOct", "2\nNov", "9", "16", "23", "30"]


@pytest.mark.parametrize(
    ("layout", "x"),
    [
        (
            charts.WIDE,
            ["Dec\n2025", "Jan\n2026", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov"],
        ),
        (charts.NARROW, ["Jan\n2026", "Mar", "May", "Jul", "Sep", "Nov"]),
    ],
)
def test_the_pace_trend_axis_has_month_names_and_paces_in_min_per_km(layout, x):
    drawn = _drawn(charts.pace_trend(_months(), units="metric", layout=layout))
    assert drawn["x"] == x
    assert drawn["y"] == ["4:45", "5:00", "5:15", "5:30"]  # 285 to 330 s, 10 s beyond each end, every 15 s
    assert drawn["unit"] == "min/km"
    assert drawn["title"] == ["Average pace per month, last 12 months"]


def test_the_pace_trend_axis_in_imperial_is_in_min_per_mile_with_as_many_values_as_fit():
    # 285 to 330 s/km are 7:39 to 8:51 /mi (x 1.609344).
    wide = _drawn(charts.pace_trend(_months(), units="imperial", layout=charts.WIDE))
    assert wide["y"] == ["7:40", "8:00", "8:20", "8:40", "9:00"]
    assert wide["unit"] == "min/mi"
    narrow = _drawn(charts.pace_trend(_months(), units="imperial", layout=charts.NARROW))
    assert narrow["y"] == ["7:30", "8:00", "8:30", "9:00"]  # at most 4 on a phone
    assert narrow["x"] == ["Jan\n2026", "Mar", "May", "Jul", "Sep", "Nov"]


def test_a_pace_trend_without_runs_says_so():
    drawn = _drawn(charts.pace_trend(_months(paces=[None] * 12), units="metric", layout=charts.MEDIUM))
    assert drawn["values"] == ["No runs in these months"]
    assert drawn["y"] == []
    assert drawn["x"][:2] == ["Dec\n2025", "Jan\n2026"]


@pytest.mark.parametrize(
    ("units", "y", "values", "unit"),
    [
        ("metric", ["0", "20", "40"], ["3.0", "25.0", "", "42.2", "18.5", "10.0"], "km"),
        ("imperial", ["0", "10", "20", "30"], ["1.9", "15.5", "", "26.2", "11.5", "6.2"], "mi"),
    ],
)
def test_the_weekly_chart_shows_each_weeks_distance_in_the_runners_units(units, y, values, unit):
    for layout in charts.LAYOUTS:
        drawn = _drawn(charts.weekly_distance(_weeks(), units=units, layout=layout))
        assert drawn["x"] == ["26\nOct", "2\nNov", "9", "16", "23", "30"]
        assert (drawn["y"], drawn["values"], drawn["unit"]) == (y, values, unit)
        assert drawn["title"] == ["Distance per week, Monday to Sunday"]


def test_the_pace_step_is_the_smallest_round_one_that_fits():
    assert charts.pace_step(275, 340, ticks=5) == 15  # 285, 300, 315, 330
    assert charts.pace_step(275, 340, ticks=3) == 30  # 300, 330
    assert charts.pace_step(447.8, 541.9, ticks=4) == 30
    assert charts.pace_step(200, 2000, ticks=4) == 300


def test_each_drawing_is_sized_so_its_text_reads_at_12_px_or_more_in_the_narrowest_box_it_is_shown_in():
    # Pico's container at 390 px (a phone), 768 px and 1280 px: 358, 700 and 1200 px.
    for layout, box in [(charts.NARROW, 358), (charts.MEDIUM, 700), (charts.WIDE, 1200)]:
        assert layout.font * box / layout.width >= 12


def test_the_page_chart_is_one_svg_with_a_drawing_per_screen_width_and_the_numbers_in_words():
    weekly = charts.page_svg("weekly", _weeks(), units="imperial")
    pace = charts.page_svg("pace", _months(), units="imperial")
    assert weekly.startswith(
        '<svg class="report-chart" role="img" aria-label="Distance per week: week of 26 Oct 1.9 mi,'
    )
    assert "week of 9 Nov 0.0 mi, week of 16 Nov 26.2 mi," in weekly
    assert 'aria-label="Average pace per month: Dec 2025 8:51 /mi, Jan 2026 8:41 /mi, Feb 2026 no runs,' in pace
    assert 'style="--ratio-narrow: 360 / 280; --ratio-medium: 700 / 300; --ratio-wide: 1200 / 380"' in pace
    for chart in (weekly, pace):
        assert re.findall(r'<svg class="(for-[a-z]+)"', chart) == ["for-narrow", "for-medium", "for-wide"]
        assert chart.count("<svg") == 4
        assert re.findall(r'viewBox="([^"]+)"', chart) == ["0 0 360 280", "0 0 700 300", "0 0 1200 380"]
        assert 'width="100%" height="100%"' in chart
        assert "pt" not in re.findall(r"<svg[^>]*>", chart)[1]  # no fixed size: the box's
        assert ("<style" in chart, "<?xml" in chart, " km" in chart, "/km" in chart) == (False, False, False, False)
    # Every id is unique on the page, and every reference points at an id of the same drawing.
    ids = re.findall(r' id="([^"]+)"', weekly + pace)
    assert len(ids) == len(set(ids)) > 100
    for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', weekly + pace):
        assert reference in ids


def test_the_email_picture_has_twice_the_pixels_it_is_shown_at():
    from io import BytesIO

    from PIL import Image

    image = Image.open(BytesIO(charts.png(charts.pace_trend(_months(), units="metric", layout=charts.EMAIL_LAYOUT))))
    assert image.size == (960, 746)  # shown 480 px wide, the phone drawing's 360 x 280 shape (746.7, cut)
