"""The plan as files: the student's CSV (`/residency export`) and the JSON of `mentorbot
residency plan EMAIL --json`, whose keys SPEC names (`cycle`, `profile`, `count`, `programs`,
`signals`, `fee`, `dates`, `warnings`, `sources`). Both render the same `Plan` the chat
reply does, with the same words for reasons and warnings."""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.framework.replies import Attachment
from bot.residency import messages
from bot.residency.plan import Plan, PlannedProgram, SignalPlan, SignalStatus
from bot.vocab.cycles import Found, cycle_label
from bot.vocab.residency import EVENT_LABELS

CSV_COLUMNS = ("program", "state", "tier", "signal", "letters", "reasons", "fee")
FILENAME = "residency-list.csv"


def _reasons(row: PlannedProgram) -> list[str]:
    return [messages.reason_text(r) for r in row.reasons]


def plan_csv(plan: Plan) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in plan.programs:
        writer.writerow([
            row.program.name, row.program.state, row.tier.value,
            messages.signal_word(row, plan).removesuffix(" signal") or "",
            ";".join(str(i) for i in row.letters), "; ".join(_reasons(row)),
            "" if row.fee_usd is None else row.fee_usd])
    return out.getvalue().encode("utf-8")


def attachment(plan: Plan) -> Attachment:
    return Attachment(FILENAME, plan_csv(plan), "text/csv")


def _found(found: Found[Any] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"cycle": found.cycle, "latest_earlier": found.earlier}


def _signals(s: SignalPlan) -> dict[str, Any]:
    allotted = used = None
    if s.status == SignalStatus.KNOWN and s.allotment is not None:
        a = s.allotment
        allotted = {"gold": a.gold, "silver": a.silver, "total": a.count}
        used = {"gold": s.gold if a.tiered else None,
                "silver": s.silver if a.tiered else None, "total": s.total}
    latest = None
    if s.latest is not None:
        value = s.latest.value
        latest = {"cycle": s.latest.cycle, "gold": value.gold, "silver": value.silver,
                  "total": value.count}
    return {"specialty": s.specialty, "status": s.status.value, "allotted": allotted,
            "used": used, "latest_published": latest,
            "never_home_or_away": s.home_away_rule}


def plan_json(plan: Plan) -> dict[str, Any]:
    p = plan.profile
    c = plan.count
    main = plan.signal_plan(p.specialty) or (plan.signals[0] if plan.signals else None)
    portals = sorted({line.portal.value for line in plan.fees if line.portal is not None})
    return {
        "cycle": plan.cycle,
        "cycle_label": cycle_label(plan.cycle),
        "cycle_known": plan.cycle_known,
        "profile": {
            "specialty": p.specialty, "backup": p.backup,
            "applicant": p.applicant.value if p.applicant else None,
            "visa": p.visa.value if p.visa else None, "step2": p.step2, "home": p.home,
            "aways": list(p.aways), "regions": [r.value for r in p.regions],
            "types": [t.value for t in p.types], "couples": p.couples,
        },
        "count": c.count,
        "count_detail": {
            "source": c.source.value,
            "base": None if c.base is None else {
                "mean": c.base.value.mean, "specialty": c.base.value.specialty,
                "applicant": c.base.value.applicant, **(_found(c.base) or {})},
            "adjustments": [{"risk": a.risk.value, "percent": a.percent, "amount": a.amount,
                             "reason": messages.RISK_REASONS[a.risk]}
                            for a in c.adjustments],
            "wanted": c.wanted, "available": c.available, "capped": c.capped,
        },
        "programs": [{
            "id": row.program.id, "name": row.program.name, "city": row.program.city,
            "state": row.program.state,
            "region": row.program.region.value if row.program.region else None,
            "tier": row.tier.value,
            "signal": (messages.signal_word(row, plan).removesuffix(" signal") or None),
            "signal_by_hand": row.signal_by_hand,
            "letters": list(row.letters), "reasons": _reasons(row),
            "portal": row.portal.value if row.portal else None, "fee_usd": row.fee_usd,
            "kept_by_hand": row.added, "backup": row.backup,
        } for row in plan.programs],
        "signals": _signals(main) if main is not None else None,
        "signals_by_specialty": [_signals(s) for s in plan.signals],
        "letters": {
            "tracked": [{"id": x.id, "writer": x.writer_name, "kind": x.kind,
                         "state": x.state, "program": x.program}
                        for x in plan.letters.tracked],
            "max_per_program": (plan.letters.cap.value.max_per_program
                                if plan.letters.cap is not None else None),
            "left_out": list(plan.letters.left_out),
        },
        "fee": {
            "portal": portals[0] if len(portals) == 1 else ("+".join(portals) or None),
            "total_usd": plan.fee_total_usd,
            "estimate_usd": plan.fee_estimate_usd,
            "lines": [{"portal": line.portal.value if line.portal else None,
                       "specialty": line.specialty, "programs": line.programs,
                       "total_usd": line.total_usd, "estimate_usd": line.estimate_usd,
                       "prices_of": line.schedule.cycle if line.schedule else None}
                      for line in plan.fees],
        },
        "dates": [{"event": d.event.value, "label": EVENT_LABELS[d.event],
                   "day": d.day.isoformat(), "portal": d.portal.value if d.portal else None,
                   "source": d.source} for d in plan.dates.upcoming],
        "dates_passed": plan.dates.passed,
        "dates_missing": [{"event": e.value, "portal": portal.value if portal else None}
                          for e, portal in plan.dates.missing],
        "match_rates": None if plan.match_rates is None else {
            "cycle": plan.match_rates.cycle,
            "rates": [{"group": r.group, "percent": r.percent}
                      for r in plan.match_rates.value]},
        "warnings": [messages.warning_text(w, plan) for w in plan.warnings],
        "sources": [{"what": u.what, "cycle": u.cycle, "url": u.figure.source,
                     "kind": u.figure.source_kind.value, "note": u.figure.note}
                    for u in plan.sources],
        "missing": [{"what": m.what, "detail": m.detail,
                     "looked_on": m.looked_on.isoformat()} for m in plan.missing],
    }
