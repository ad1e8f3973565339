"""The report's two charts, drawn with matplotlib's object API (never pyplot, whose global figure
registry keeps every figure alive in a long-running process).

Text in a chart should read at about 12-13 px whatever the screen. An SVG scaled to its box scales its text
with it, so each chart is drawn once per range of box widths (`LAYOUTS`), each drawing sized for the
narrowest box of its range; the page shows the one that fits (`page_svg`, reports/report.css). The email
gets the phone drawing as a PNG at twice its pixel size (`png`), as mail clients show no SVG.
"""

from __future__ import annotations

import datetime
import html
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from apps.reports.interface import contracts
from project.rpc.contracts import Contract
from project.units import clock, units_of

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",  # real text in the SVG: the browser draws it, crisp at any size
        "svg.hashsalt": "runnerly",  # the same numbers give the same SVG (it is cached by them)
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],  # ships with matplotlib: its measures are the ones laid out
    }
)

ACCENT, MUTED, TEXT, GRID = "#1095c1", "#8891a4", "#4a5160", "#e1e6eb"
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKLY_TITLE = "Distance per week, Monday to Sunday"
PACE_TITLE = "Average pace per month, last 12 months"
FONT_FAMILY = "'DejaVu Sans', Verdana, sans-serif"  # what the browser uses, DejaVu's metrics or wider


@dataclass(frozen=True)
class Layout:
    """One drawing of a chart: its size in CSS pixels at the box width it is drawn for, and its text size there."""

    name: str
    width: int
    height: int
    font: float
    month_step: int  # the pace trend names every month, or every other one where twelve do not fit
    y_ticks: int  # at most this many values on the vertical axis


# By the page's width (Pico's container): up to 767 px the box is 288-543 px wide, 768-1279 px gives 700 or
# 950, from 1280 px 1200 or 1450. The media queries in reports/report.css pick the drawing.
NARROW = Layout("narrow", 360, 280, 12.5, 2, 4)
MEDIUM = Layout("medium", 700, 300, 12.5, 1, 5)
WIDE = Layout("wide", 1200, 380, 13.5, 1, 5)
LAYOUTS = (NARROW, MEDIUM, WIDE)
EMAIL_LAYOUT = NARROW  # most mail is read on a phone
EMAIL_WIDTH = 480  # CSS pixels in the email (shrunk to fit a narrower screen); the PNG has twice as many


def _unit(units: str) -> tuple[float, str]:
    system = units_of(units)
    return system.metres_per_distance, system.distance


def _figure(layout: Layout) -> Figure:
    # At 72 dpi a point is an SVG user unit, so the viewBox is the layout's size in CSS pixels.
    return Figure(figsize=(layout.width / 72, layout.height / 72), dpi=72)


def _axes(figure: Figure, layout: Layout) -> Axes:
    axes = figure.add_subplot()
    # Margins in text heights rather than matplotlib's constrained layout (which draws each figure twice): room
    # for "12:30" and the unit on the left, two lines of labels below, the title above. Both charts line up.
    figure.subplots_adjust(
        left=5.6 * layout.font / layout.width,
        right=1 - 1.2 * layout.font / layout.width,
        bottom=3.6 * layout.font / layout.height,
        top=1 - 3.2 * layout.font / layout.height,
    )
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(MUTED)
    axes.tick_params(colors=MUTED, labelcolor=TEXT, labelsize=layout.font)
    axes.grid(axis="y", color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)
    return axes


def _title(figure: Figure, text: str, layout: Layout) -> None:
    # From the figure's left edge, not the plot's: the whole width is there for it on a phone.
    x, y = 0.6 * layout.font / layout.width, 1 - 0.6 * layout.font / layout.height
    figure.text(x, y, text, ha="left", va="top", fontsize=layout.font * 1.1, color=TEXT)


def week_labels(days: Sequence[datetime.date]) -> list[str]:
    """Tick labels for the weeks' first days: the day of the month, with the month's name under the first one
    and under each first day of a new month ("26" over "Oct", "2" over "Nov", "9", "16"): six of them fit a phone."""
    labels, shown_month = [], None
    for day in days:
        labels.append(str(day.day) if day.month == shown_month else f"{day.day}\n{MONTH_NAMES[day.month - 1]}")
        shown_month = day.month
    return labels


def month_labels(months: Sequence[tuple[int, int]], *, step: int = 1) -> list[str]:
    """Tick labels for consecutive (year, month)s: "Jan", "Feb", ..., with the year under the first month named
    and under the first one of each new year. With `step` 2, every other month counted back from the last
    one is named ("" for the others), so the report's own month always is."""
    labels, shown_year = [], None
    for index, (year, month) in enumerate(months):
        if (len(months) - 1 - index) % step:
            labels.append("")
            continue
        labels.append(MONTH_NAMES[month - 1] if year == shown_year else f"{MONTH_NAMES[month - 1]}\n{year}")
        shown_year = year
    return labels


def weekly_distance(weeks: Sequence[contracts.WeekDistance], *, units: str, layout: Layout = MEDIUM) -> Figure:
    per_unit, unit = _unit(units)
    figure = _figure(layout)
    axes = _axes(figure, layout)
    values = [week.distance_m / per_unit for week in weeks]
    bars = axes.bar(range(len(weeks)), values, color=ACCENT, width=0.6)
    axes.set_xticks(range(len(weeks)), week_labels([week.week_start for week in weeks]))
    if weeks:
        axes.set_xlim(-0.5, len(weeks) - 0.5)
    axes.bar_label(
        bars,
        labels=[f"{value:.1f}" if value else "" for value in values],
        padding=2,
        color=TEXT,
        fontsize=layout.font,
    )
    axes.yaxis.set_major_locator(MaxNLocator(nbins=layout.y_ticks, steps=[1, 2, 2.5, 5, 10], integer=True))
    axes.set_ylabel(unit, color=TEXT, fontsize=layout.font)
    _title(figure, WEEKLY_TITLE, layout)
    axes.set_ylim(0, max([*values, 1.0]) * 1.2)
    return figure


PACE_STEPS = (5, 10, 15, 20, 30, 60, 120, 300)  # seconds between two paces on the axis


def pace_step(low: float, high: float, *, ticks: int) -> int:
    """The smallest round step that puts at most `ticks` paces between `low` and `high` (seconds)."""
    for step in PACE_STEPS:
        if math.floor(high / step) - math.ceil(low / step) + 1 <= ticks:
            return step
    return PACE_STEPS[-1]


def _clock(seconds: float, _position: object = None) -> str:  # a tick label (matplotlib passes the position)
    return clock(seconds)


def pace_trend(months: Sequence[contracts.MonthTotals], *, units: str, layout: Layout = MEDIUM) -> Figure:
    per_unit, unit = _unit(units)
    figure = _figure(layout)
    axes = _axes(figure, layout)
    xs = list(range(len(months)))
    paces = [m.pace_s_per_km * per_unit / 1000 if m.pace_s_per_km else math.nan for m in months]
    known = [p for p in paces if not math.isnan(p)]
    if known:
        # NaN breaks the line: a month without runs is a gap, not a straight line across it.
        axes.plot(xs, paces, color=ACCENT, marker="o", markersize=layout.font / 2, linewidth=2)
        low, high = min(known), max(known)
        margin = max((high - low) * 0.15, 10.0)
        axes.set_ylim(high + margin, low - margin)  # faster (smaller) is drawn higher
        step = pace_step(low - margin, high + margin, ticks=layout.y_ticks)
        axes.yaxis.set_major_locator(MultipleLocator(step))
    else:
        message = "No runs in these months"
        axes.text(0.5, 0.5, message, transform=axes.transAxes, ha="center", color=TEXT, fontsize=layout.font)
        axes.set_yticks([])
    axes.set_xlim(-0.5, len(months) - 0.5)
    labels = month_labels([(m.year, m.month) for m in months], step=layout.month_step)
    axes.set_xticks([x for x, label in zip(xs, labels, strict=True) if label], [label for label in labels if label])
    axes.set_xticks([x for x, label in zip(xs, labels, strict=True) if not label], minor=True)  # months unnamed
    axes.yaxis.set_major_formatter(FuncFormatter(_clock))
    axes.set_ylabel(f"min/{unit}", color=TEXT, fontsize=layout.font)
    _title(figure, PACE_TITLE, layout)
    return figure


def weekly_description(weeks: Sequence[contracts.WeekDistance], *, units: str) -> str:
    """The chart in words, for a screen reader."""
    per_unit, unit = _unit(units)
    parts = [
        f"week of {day.day} {MONTH_NAMES[day.month - 1]} {week.distance_m / per_unit:.1f} {unit}"
        for week in weeks
        for day in [week.week_start]
    ]
    return "Distance per week: " + ", ".join(parts) + "."


def pace_description(months: Sequence[contracts.MonthTotals], *, units: str) -> str:
    per_unit, unit = _unit(units)
    parts = [
        f"{MONTH_NAMES[m.month - 1]} {m.year} "
        + (f"{clock(m.pace_s_per_km * per_unit / 1000)} /{unit}" if m.pace_s_per_km else "no runs")
        for m in months
    ]
    return "Average pace per month: " + ", ".join(parts) + "."


_SIZE = re.compile(r'^<svg ([^>]*?)width="[^"]*" height="[^"]*" ')
_REFERENCE = re.compile(r'(id="|href="#|url\(#)')


def svg(figure: Figure, *, prefix: str = "chart") -> str:
    """The figure as an `<svg>` element for inline HTML: no XML declaration, no fixed size (it takes its box's),
    and ids made unique on the page by `prefix` (several charts share matplotlib's ids)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = _SIZE.sub(r'<svg \1width="100%" height="100%" ', text, count=1)
    text = re.sub(r"<defs>\s*<style[^<]*</style>\s*</defs>", "", text, count=1)  # in reports/report.css instead
    text = _REFERENCE.sub(rf"\g<1>{prefix}-", text)
    text = text.replace(_matplotlib_font_family(), FONT_FAMILY)
    return re.sub(r"\n\s*", "\n", text)


def _matplotlib_font_family() -> str:  # as matplotlib writes it in the SVG
    return ", ".join([f"'{name}'" for name in matplotlib.rcParams["font.sans-serif"]] + ["sans-serif"])


Draw = Callable[..., Figure]
CHARTS: dict[str, tuple[Draw, Callable[..., str]]] = {
    "weekly": (weekly_distance, weekly_description),
    "pace": (pace_trend, pace_description),
}


def page_svg(kind: str, items: Sequence[Contract], *, units: str) -> str:
    """The chart for a page: one `<svg>` holding a drawing per layout, the stylesheet showing the one for the
    screen's width (the box's shape follows it through --ratio-<layout>), described in words for screen readers."""
    draw, describe = CHARTS[kind]
    ratios = "; ".join(f"--ratio-{layout.name}: {layout.width} / {layout.height}" for layout in LAYOUTS)
    drawings = [
        svg(draw(items, units=units, layout=layout), prefix=f"{kind}-{layout.name}").replace(
            "<svg ", f'<svg class="for-{layout.name}" ', 1
        )
        for layout in LAYOUTS
    ]
    label = html.escape(describe(items, units=units))
    return (
        f'<svg class="report-chart" role="img" aria-label="{label}" style="{ratios}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(drawings)}</svg>'
    )


def png(figure: Figure) -> bytes:
    """The figure for the email, twice as many pixels as it is shown at (sharp on a high-density screen)."""
    buffer = io.BytesIO()
    width_inches = figure.get_figwidth()
    figure.savefig(buffer, format="png", dpi=2 * EMAIL_WIDTH / width_inches, metadata={"Software": None})
    return buffer.getvalue()
