"""The report's chart as inline SVG for the dashboard: the same two series as the PNG
(`bot.reports.chart`: the match rate at each week's end as a line against the target, the
contacts logged in each week as bars), drawn as text by the server, so the page needs no
script, no image request and no charting library.

The SVG is an image to assistive technology (`role="img"`) labelled by its `<title>` and
described by its `<desc>` (`messages.chart_alt_text`); each bar and point carries its own
`<title>` for a pointer. The page puts the numbers in a table beside it as well. Every text
is escaped here; colours are presentation attributes, not `style`, so a strict
Content-Security-Policy allows them."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bot.reports import messages, rules
from bot.reports.chart import (
    CONTACTS_COLOUR,
    RATE_COLOUR,
    TARGET_COLOUR,
    label_every,
    slant_labels,
)
from bot.reports.rules import Report

WIDTH, HEIGHT = 720, 340
LEFT, RIGHT, TOP, BOTTOM = 56, 64, 44, 64
"""Margins around the plot: the rate axis on the left, contacts on the right, the legend
above and the weeks below."""
TEXT_COLOUR = "#333333"
GRID_COLOUR = "#dddddd"
BAR_EDGE = "#7fb0c9"
RATE_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
HEADROOM = 1.15
"""The contacts axis reaches this much above the busiest week."""
TICK_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _contact_ticks(highest: int) -> tuple[int, list[int]]:
    """The top of the contacts axis (room above the tallest bar, as the PNG leaves) and its
    ticks: whole numbers, about five at most."""
    room = max(highest * HEADROOM, 1.0)
    step = next((candidate for candidate in TICK_STEPS if room / candidate <= 5),
                -(-int(room) // 5))
    ceiling = step * -(-room // step)
    return int(ceiling), list(range(0, int(ceiling) + 1, step))


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive points (a week with no match rate breaks the line)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def svg(report: Report, *, id_prefix: str = "chart") -> str:
    """The chart of `report` as an `<svg>` element, ready to place in a page."""
    weeks = report.weeks
    x0, x1, y0, y1 = LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM
    slot = (x1 - x0) / max(len(weeks), 1)
    ceiling, ticks = _contact_ticks(max((w.contacts for w in weeks), default=0))

    def rate_y(rate: float) -> float:
        return y1 - rate * (y1 - y0)

    def count_y(n: int) -> float:
        return y1 - (n / ceiling) * (y1 - y0)

    title = escape(messages.chart_title(report))
    desc = escape(messages.chart_alt_text(report))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'class="chart" font-family="sans-serif" font-size="12" fill="{TEXT_COLOUR}">',
        f'<title id="{id_prefix}-title">{title}</title>',
        f'<desc id="{id_prefix}-desc">{desc}</desc>',
    ]
    # The grid and the match-rate axis (left).
    for tick in RATE_TICKS:
        at = _num(rate_y(tick))
        out.append(f'<line x1="{x0}" y1="{at}" x2="{x1}" y2="{at}" stroke="{GRID_COLOUR}"/>')
        out.append(f'<text x="{x0 - 6}" y="{at}" text-anchor="end" '
                   f'dominant-baseline="middle">{tick:.0%}</text>')
    # The contacts axis (right).
    for count in ticks:
        at = _num(count_y(count))
        out.append(f'<text x="{x1 + 6}" y="{at}" dominant-baseline="middle">{count}</text>')
    out.append(f'<text x="14" y="{_num((y0 + y1) / 2)}" text-anchor="middle" '
               f'transform="rotate(-90 14 {_num((y0 + y1) / 2)})">match rate</text>')
    out.append(f'<text x="{WIDTH - 12}" y="{_num((y0 + y1) / 2)}" text-anchor="middle" '
               f'transform="rotate(90 {WIDTH - 12} {_num((y0 + y1) / 2)})">'
               'contacts logged per week</text>')
    # Bars: contacts in each week.
    width = slot * 0.6
    for index, week in enumerate(weeks):
        left = x0 + slot * index + (slot - width) / 2
        top = count_y(week.contacts)
        label = escape(f"Week of {week.first_day:%d %b}: {week.contacts} contacts logged")
        out.append(f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(width)}" '
                   f'height="{_num(y1 - top)}" fill="{CONTACTS_COLOUR}" stroke="{BAR_EDGE}">'
                   f'<title>{label}</title></rect>')
    # The target, then the match rate in front of the bars.
    target = _num(rate_y(rules.TARGET_MATCH_RATE))
    out.append(f'<line x1="{x0}" y1="{target}" x2="{x1}" y2="{target}" '
               f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>')
    centres = [x0 + slot * (i + 0.5) for i in range(len(weeks))]
    points = [None if w.match_rate is None else (centres[i], rate_y(w.match_rate))
              for i, w in enumerate(weeks)]
    for run in _segments(points):
        coordinates = " ".join(f"{_num(x)},{_num(y)}" for x, y in run)
        out.append(f'<polyline points="{coordinates}" fill="none" stroke="{RATE_COLOUR}" '
                   'stroke-width="2.5"/>')
    for week, point in zip(weeks, points, strict=True):
        if point is None:
            continue
        label = escape(f"Week of {week.first_day:%d %b}: match rate "
                       f"{messages.percent(week.match_rate)}")
        out.append(f'<circle cx="{_num(point[0])}" cy="{_num(point[1])}" r="4" '
                   f'fill="{RATE_COLOUR}"><title>{label}</title></circle>')
    # The weeks along the bottom.
    every = label_every(len(weeks))
    slanted = slant_labels(len(weeks))
    for index, week in enumerate(weeks):
        if index % every:
            continue
        x, y = _num(centres[index]), y1 + 16
        turn = (f' transform="rotate(-40 {x} {y})" text-anchor="end"' if slanted
                else ' text-anchor="middle"')
        out.append(f'<text x="{x}" y="{y}"{turn}>{week.first_day:%d %b}</text>')
    out.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="{TEXT_COLOUR}"/>')
    # The legend, above the plot.
    target_label = escape(f"target {messages.percent(rules.TARGET_MATCH_RATE)}")
    out += [
        f'<rect x="{x0}" y="12" width="14" height="10" fill="{CONTACTS_COLOUR}" '
        f'stroke="{BAR_EDGE}"/>',
        f'<text x="{x0 + 20}" y="21">contacts logged</text>',
        f'<line x1="{x0 + 140}" y1="17" x2="{x0 + 166}" y2="17" stroke="{RATE_COLOUR}" '
        'stroke-width="2.5"/>',
        f'<text x="{x0 + 172}" y="21">match rate</text>',
        f'<line x1="{x0 + 260}" y1="17" x2="{x0 + 286}" y2="17" stroke="{TARGET_COLOUR}" '
        'stroke-width="1.5" stroke-dasharray="6 4"/>',
        f'<text x="{x0 + 292}" y="21">{target_label}</text>',
        "</svg>",
    ]
    return "\n".join(out)
