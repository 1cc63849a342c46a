#!/usr/bin/env python3
"""Turn a peer's facts into the SPEC section 9 JSON report.

    peer_to_json.py FACTS.json OUT.json --by channel,region

FACTS.json is a JSON array of {"rid": R, "kpi": NAME, "v": VALUE} written by a peer
(bench/sqlite_report.sql, bench/duckdb_report.mjs): rid 0 is the total, rids 1..
the rows in SPEC output order; "key:<column>" facts give a row's key, "meta:<name>"
facts the report-level values.  Ratios and means come as decimal strings (9
decimals) and are written as JSON numbers exactly as given; everything else is an
integer, a string or null.  No number is computed here: this is formatting only.

A fact named "ambiguous:<kpi>" (a money value the peer could not decide exactly)
or "error:<what>" makes the conversion fail (exit 1) with a message, so that the
harness never reports a ratio for numbers it could not check.
"""

import json
import sys
from decimal import Decimal

COUNTS = ["contacts", "closed_contacts", "escalated_contacts", "repeat_contacts",
          "reopened_contacts", "resolved_chains", "unresolved_chains", "settled_chains"]
MONEY = ["cost", "failure_demand_cost", "escalation_adjusted_cost", "escalation_premium",
         "cpt", "cpr", "cpr_escalation_adjusted"]
DECIMALS = ["fcr", "reopen_rate", "escalation_rate", "chain_escalation_rate", "repeat_rate",
            "automation_rate", "csat", "contacts_per_resolution", "resolution_time_mean",
            "time_to_close_mean", "first_response_mean"]
TIMES = ["resolution_time_median", "resolution_time_p90", "time_to_close_median",
         "time_to_close_p90", "first_response_median", "first_response_p90"]
KPIS = COUNTS + MONEY + DECIMALS + TIMES
TOTAL_ONLY = ["open_chains", "pending_chains"]


def encode(v):
    """JSON text of v, with Decimal as a plain number."""
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(json.dumps(k) + ": " + encode(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(encode(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


def value(name, v):
    if v is None:
        return None
    if name in DECIMALS:
        d = Decimal(str(v))
        if "." not in str(v) or d.as_tuple().exponent < -9:
            raise ValueError(f"{name}: {v!r} is not a decimal with at most 9 decimals")
        return d
    if name in COUNTS or name in MONEY or name in TIMES or name in TOTAL_ONLY:
        if isinstance(v, str):
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"{name}: {v!r} is not an integer")
    return v


def main(argv):
    if len(argv) != 5 or argv[3] != "--by":
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        text = f.read().strip()
    facts = json.loads(text) if text else []
    by = argv[4].split(",")
    rows, meta, problems = {}, {}, []
    for fact in facts:
        rid, name, v = int(fact["rid"]), fact["kpi"], fact["v"]
        if name.startswith("ambiguous:") or name.startswith("error:"):
            problems.append(f"row {rid}: {name} ({v})")
            continue
        if name.startswith("meta:"):
            meta[name[5:]] = v
            continue
        row = rows.setdefault(rid, {"key": {}, "kpi": {}})
        if name.startswith("key:"):
            row["key"][name[4:]] = v
        else:
            if name in row["kpi"]:
                problems.append(f"row {rid}: {name} given twice")
            row["kpi"][name] = value(name, v)
    if problems:
        for p in problems:
            print(f"peer_to_json: {p}", file=sys.stderr)
        return 1

    def kpis(rid):
        got = rows.get(rid, {"kpi": {}})["kpi"]
        names = KPIS + (TOTAL_ONLY if rid == 0 else [])
        unknown = set(got) - set(names)
        if unknown:
            raise ValueError(f"row {rid}: unknown facts {sorted(unknown)}")
        return {n: got.get(n) for n in names}

    report = {
        "currency": meta.get("currency"),
        "options": {"window_seconds": int(meta["window_seconds"]), "as_of": int(meta["as_of"]),
                    "provisional": False, "anchor": "first", "view": "period", "by": by,
                    "bucket": None},
        "ledger_total": int(meta["ledger_total"]),
        "unallocated": int(meta["unallocated"]),
        "escalation_adjusted_unallocated": int(meta["escalation_adjusted_unallocated"]),
        "total": kpis(0),
        "rows": [],
    }
    for rid in sorted(r for r in rows if r != 0):
        key = {k: rows[rid]["key"].get(k) for k in by}
        report["rows"].append({"key": key, **kpis(rid)})
    with open(argv[2], "w", encoding="utf-8") as f:
        f.write(encode(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
