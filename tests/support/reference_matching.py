"""The `matching` package (hospital–resident game, resident-optimal) on the same input as
our deferred acceptance, as an independent reference for tests and the benchmark.

`matching` 1.4.3's game classes deep-copy every player on construction, which recurses
through the preference graph and hits Python's recursion limit beyond a few hundred
players. We call its functional solver `matching.algorithms.hospital_resident` directly on
player objects we build, which runs the same algorithm without that copy."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from matching import Player
from matching.algorithms import hospital_resident
from matching.players import Hospital


def solve_with_matching(
    prefs: Mapping[Hashable, Sequence[Hashable]],
    capacity: Mapping[Hashable, int],
    priority: Mapping[Hashable, Mapping[Hashable, Any]],
) -> dict[Hashable, Hashable]:
    """student -> faculty for the resident-optimal stable matching, computed by `matching`."""
    open_faculty = {f for f, places in capacity.items() if places > 0}
    hospitals = {f: Hospital(name=f, capacity=capacity[f]) for f in open_faculty}
    residents: dict[Hashable, Player] = {}
    ranked_by: dict[Hashable, list[Hashable]] = {f: [] for f in open_faculty}
    for student, choices in prefs.items():
        acceptable = [f for f in choices if f in open_faculty]
        if not acceptable:
            continue
        resident = Player(name=student)
        resident.set_prefs([hospitals[f] for f in acceptable])
        residents[student] = resident
        for f in acceptable:
            ranked_by[f].append(student)
    for f, hospital in hospitals.items():
        order = sorted(ranked_by[f], key=lambda s, f=f: priority[f][s], reverse=True)
        hospital.set_prefs([residents[s] for s in order])
    playing = [h for f, h in hospitals.items() if ranked_by[f]]
    result = hospital_resident(list(residents.values()), playing, optimal="resident")
    return {resident.name: hospital.name for hospital, matched in result.items()
            for resident in matched}
