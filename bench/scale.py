"""`--scale` for every benchmark, and the curve it prints.

A figure at one size says little about the next: a cost that follows the roster looks fine
at 20,000 and is ten times worse at 200,000. So each benchmark runs at its default size
times each factor of `--scale` (`--scale 1,10`: the default size and ten times it;
`--small --scale 1,10`: CI's size and ten times that) and ends with the curve: each figure
per backend and factor, how many times its first factor's figure it is, and the machine's
load average when it was measured (the machines are shared, so a figure is only as good as
its load)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass, field


def _factors(text: str) -> tuple[float, ...]:
    try:
        factors = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--scale takes factors separated by commas, like 1,10 (not {text!r})") from None
    if not factors or any(f <= 0 for f in factors):
        raise argparse.ArgumentTypeError("--scale factors must be positive, like 1,10")
    return factors


def add_scale(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale", type=_factors, default=(1.0,), metavar="1,10",
        help="run at the default size (or --small's) times each factor, and print the curve")


def scaled(value: int, factor: float, *, least: int = 1) -> int:
    """A size times a factor, whole and at least `least`."""
    return max(least, round(value * factor))


def factor_label(factor: float) -> str:
    return f"{factor:g}×"


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


@dataclass
class _Point:
    backend: str
    factor: float
    size: str
    figures: dict[str, float]
    load: float


@dataclass
class Curve:
    """The figures a benchmark measured, per backend and scale factor. `units` says how each
    figure reads ("ms", "/s", "s"); `goals` the figure's goal, printed beside it."""

    title: str
    units: dict[str, str]
    goals: dict[str, str] = field(default_factory=dict)
    points: list[_Point] = field(default_factory=list)

    def add(self, backend: str, factor: float, size: str, **figures: float) -> None:
        self.points.append(_Point(backend, factor, size, figures, os.getloadavg()[0]))

    def lines(self) -> list[str]:
        out = [f"curve: {self.title}"]
        backends: list[str] = []
        for point in self.points:
            if point.backend not in backends:
                backends.append(point.backend)
        for backend in backends:
            points = [p for p in self.points if p.backend == backend]
            first = points[0]
            for point in points:
                shown = []
                for name, value in point.figures.items():
                    unit = self.units.get(name, "")
                    text = f"{name} {_number(value)}{' ' if unit and unit[0] != '/' else ''}{unit}"
                    base = first.figures.get(name)
                    if point is not first and base:
                        text += f" ({value / base:.1f}× the {factor_label(first.factor)})"
                    shown.append(text)
                out.append(f"  [{backend}] {factor_label(point.factor):>5} {point.size}: "
                           f"{'; '.join(shown)} (load {point.load:.2f})")
        for name, goal in self.goals.items():
            out.append(f"  goal for {name}: {goal}")
        return out

    def print(self) -> None:
        print("\n".join(self.lines()), flush=True)


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def sizes_text(sizes: Sequence[tuple[int, str]]) -> str:
    """'20,000 faculty, 100,000 students'."""
    return ", ".join(f"{count:,} {what}" for count, what in sizes)
