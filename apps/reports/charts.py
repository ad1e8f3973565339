"""The report's two charts, drawn with matplotlib's object API (never pyplot, whose global figure
registry keeps every figure alive in a long-running process): SVG for the page, PNG for the email."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from apps.reports.interface import contracts
from project.units import clock, units_of

matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "runnerly", "font.size": 9})

ACCENT, MUTED = "#1095c1", "#8891a4"
MONTHS = "JFMAMJJASOND"


def _unit(units: str) -> tuple[float, str]:
    system = units_of(units)
    return system.metres_per_distance, system.distance


def _figure() -> Figure:
    return Figure(figsize=(6.4, 2.4), dpi=100, layout="constrained")


def _axes(figure: Figure):
    axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=MUTED)
    return axes


def weekly_distance(weeks: list[contracts.WeekDistance], *, units: str) -> Figure:
    per_unit, unit = _unit(units)
    figure = _figure()
    axes = _axes(figure)
    labels = [week.week_start.strftime("%d %b") for week in weeks]
    values = [week.distance_m / per_unit for week in weeks]
    bars = axes.bar(range(len(weeks)), values, color=ACCENT, width=0.6)
    axes.set_xticks(range(len(weeks)), labels)
    axes.bar_label(bars, labels=[f"{value:.1f}" if value else "" for value in values], padding=2, color=MUTED)
    axes.set_ylabel(unit)
    axes.set_title("Distance per week (weeks start on Monday)", loc="left")
    axes.set_ylim(0, max([*values, 1.0]) * 1.2)
    return figure


def _clock(seconds: float, _position: object = None) -> str:  # a tick label (matplotlib passes the position)
    return clock(seconds)


def pace_trend(months: list[contracts.MonthTotals], *, units: str) -> Figure:
    per_unit, unit = _unit(units)
    figure = _figure()
    axes = _axes(figure)
    labels = [f"{MONTHS[m.month - 1]}\n{m.year % 100:02d}" if m.month == 1 else MONTHS[m.month - 1] for m in months]
    paces = [m.pace_s_per_km * per_unit / 1000 if m.pace_s_per_km else None for m in months]
    xs = list(range(len(months)))
    known = [(x, p) for x, p in zip(xs, paces, strict=True) if p is not None]
    if known:
        axes.plot([x for x, _ in known], [p for _, p in known], color=ACCENT, marker="o", markersize=4)
        low, high = min(p for _, p in known), max(p for _, p in known)
        margin = max((high - low) * 0.15, 10.0)
        axes.set_ylim(high + margin, low - margin)  # faster (smaller) is drawn higher
    else:
        axes.text(0.5, 0.5, "No runs in these months", transform=axes.transAxes, ha="center", color=MUTED)
        axes.set_yticks([])
    axes.set_xticks(xs, labels)
    axes.yaxis.set_major_formatter(FuncFormatter(_clock))
    axes.set_ylabel(f"min/{unit}")
    axes.set_title("Average pace per month, last 12 months", loc="left")
    return figure


def svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline in HTML: no XML declaration or DOCTYPE


def png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()
