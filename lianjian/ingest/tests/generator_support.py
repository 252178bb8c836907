"""Helpers of the generator's tests: run it into a temp dir, read it back, check the contract shape."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lianjian.ingest.generator.writer import GeneratorConfig, generate, truth_path_for

# DATA_CONTRACT.md §2: the data fields each event type carries (those our generator always writes).
REQUIRED_DATA: dict[str, set[str]] = {
    "RECEIVED": {
        "line",
        "case_type",
        "cause",
        "transferred_cause",
        "detained",
        "fast_track",
        "plea",
        "agency",
    },
    "ASSIGNED": {"prosecutor", "department", "method"},
    "LAWYER_ENGAGED": {"lawyer", "firm_id", "role"},
    "RIGHTS_NOTIFIED": {"whom"},
    "PROPOSED": {"decision", "by"},
    "DECIDED": {"decision", "by", "level"},
    "EXTENDED": {"stage", "days", "approved_by"},
    "RETURNED": {"round"},
    "RESUBMITTED": {"round"},
    "SUSPENDED": {"reason"},
    "RESUMED": {"reason"},
    "JURISDICTION_CHANGED": {"to_unit"},
    "CORRECTED": {"corrects"},
    "RECONSIDERATION_REQUESTED": {"kind", "target"},
    "RECONSIDERATION_DECIDED": {"kind", "target", "changed"},
    "CUSTODY_CHANGED": {"from", "to"},
    "ABSCONDED": set(),
    "JUDGMENT": {"verdict", "charges", "months"},
    "COMPLAINT": {"escalation", "accepted"},
    "STATE_COMPENSATION": {"amount"},
    "DETAINEE_INCIDENT": {"kind"},
    "EXECUTION_CHANGE": {"kind"},
    "RECUSAL_APPLIED": {"staff"},
    "RECUSAL_DECIDED": {"staff", "granted"},
    "SUPERIOR_DIRECTIVE": {"kind"},
    "SENSITIVE": {"kind"},
    "CONTACT": {"with_kind", "with", "in_office", "in_hours", "approval_ref"},
    "PROPERTY_SEIZED": {"value", "method", "approved"},
    "PROPERTY_DISPOSED": {"value", "method", "approved"},
    "INVESTIGATION": {"target"},
    "SUPERVISION_EX_OFFICIO": set(),
    "OPINION_WITHDRAWN": set(),
    "PROTEST_REQUEST_REJECTED": set(),
    "FOLLOW_UP_SUPERVISION": set(),
    "EXECUTION_SUPERVISION": set(),
    "NON_LITIGATION_ENFORCEMENT": set(),
    "COURT_WRITTEN_OBJECTION": set(),
    "RECOMMENDATION_ISSUED": {"urgent"},
    "RECOMMENDATION_REPLIED": {"urgent"},
    "RECOMMENDATION_OBJECTED": {"urgent"},
    "RECOMMENDATION_EFFECT_ASSESSED": {"effective"},
    "JUDICIAL_AID": {"amount"},
    "SUIT_DEFERRED": set(),
    "CLAIM_CHANGED": set(),
    "MEDIATION": set(),
    "SUIT_WITHDRAWN": {"kind"},
    "APPEAL_DIRECTED": {"kind"},
    "CLOSED": {"result"},
}
DECISIONS = {
    "ARREST",
    "NO_ARREST",
    "PROSECUTE",
    "NON_PROSECUTE",
    "WITHDRAW_PROSECUTION",
    "CHANGE_PROSECUTION",
    "PROTEST",
    "NOTIFY_FILE",
    "NOTIFY_DISMISS",
    "TERMINATE_REVIEW",
    "SUPPORT_SUPERVISION",
    "REJECT_SUPERVISION",
    "RETRIAL_RECOMMENDATION",
    "FILE_SUIT",
}
LEVELS = {"PROSECUTOR", "DEPT_HEAD", "DEPUTY_CHIEF", "CHIEF", "COMMITTEE"}


@dataclass
class Run:
    data: bytes
    truth_bytes: bytes
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    truth: list[dict[str, Any]] = field(default_factory=list)

    def truth_of(self, kind: str, code: str) -> list[dict[str, Any]]:
        return [line for line in self.truth if line["kind"] == kind and line["risk_code"] == code]


def run_generator(tmp: Path, **config: Any) -> Run:
    out = tmp / f"run-{len(list(tmp.iterdir()))}.jsonl"
    generate(GeneratorConfig(**config), out)
    run = Run(out.read_bytes(), truth_path_for(out).read_bytes())
    records: dict[str, list[dict[str, Any]]] = defaultdict(list)
    cases: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in run.data.decode("utf-8").splitlines():
        record = json.loads(line)
        records[record["record"]].append(record)
        if record["record"] == "event":
            cases[record["case_no"]].append(record)
    run.records, run.cases = dict(records), dict(cases)
    run.truth = [json.loads(line) for line in run.truth_bytes.decode("utf-8").splitlines()]
    return run


def contract_problems(run: Run) -> list[str]:
    """Every way the run's events depart from DATA_CONTRACT.md §1–§2 or reference unknown things."""
    problems: list[str] = []
    units = {r["code"] for r in run.records["unit"]}
    departments = {(r["unit"], r["code"]) for r in run.records["department"]}
    staff = {r["id"] for r in run.records["staff"]}
    lawyers = {r["id"]: r["firm_id"] for r in run.records["lawyer"]}
    ids: set[str] = set()
    for case_no, events in run.cases.items():
        if events[0]["type"] != "RECEIVED":
            problems.append(f"{case_no}: first event {events[0]['type']}")
        times = [event["occurred_at"] for event in events]
        if times != sorted(times):
            problems.append(f"{case_no}: events out of time order")
        for event in events:
            where = f"{case_no} {event['event_id']} {event['type']}"
            if event["event_id"] in ids:
                problems.append(f"{where}: duplicate event_id")
            ids.add(event["event_id"])
            if set(event) != {
                "record",
                "event_id",
                "case_no",
                "unit",
                "type",
                "occurred_at",
                "actor",
                "data",
            }:
                problems.append(f"{where}: envelope fields {sorted(event)}")
            if event["unit"] not in units:
                problems.append(f"{where}: unknown unit")
            if not event["occurred_at"].endswith("+08:00") or len(event["occurred_at"]) != 25:
                problems.append(f"{where}: time {event['occurred_at']}")
            if event["actor"] is not None and event["actor"] not in staff:
                problems.append(f"{where}: unknown actor {event['actor']}")
            missing = REQUIRED_DATA.get(event["type"], {"?"}) - set(event["data"])
            if missing:
                problems.append(f"{where}: data lacks {sorted(missing)}")
            data = event["data"]
            for name in ("prosecutor", "by", "approved_by", "staff"):
                if name in data and data[name] not in staff:
                    problems.append(f"{where}: unknown staff in {name}")
            if event["type"] == "ASSIGNED" and (event["unit"], data["department"]) not in departments:
                problems.append(f"{where}: unknown department")
            if event["type"] == "LAWYER_ENGAGED" and lawyers.get(data["lawyer"]) != data["firm_id"]:
                problems.append(f"{where}: lawyer/firm mismatch")
            if event["type"] in {"PROPOSED", "DECIDED"} and data["decision"] not in DECISIONS:
                problems.append(f"{where}: decision {data['decision']}")
            if event["type"] == "DECIDED" and data["level"] not in LEVELS:
                problems.append(f"{where}: level {data['level']}")
    return problems
