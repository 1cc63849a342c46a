#!/usr/bin/env python3
"""Tiny random contacts.csv, costs.csv, rates.csv in the bench layout, for
bench/selftest.sh: few contacts, empty customers, reasons, channels and regions,
open contacts, tiny ledger amounts (rounding ties), channel and region scopes, a
scope on a dimension nobody has, every driver, a tier rate of 0 and a tier 2
cheaper than tier 1 (negative escalation premiums).  Epoch timestamps, the
columns of tools/gen_data.py --profile bench.

    tiny_data.py SEED CONTACTS OUTDIR
"""
import os
import random
import sys

T0 = 1735689600          # 2025-01-01T00:00:00Z
DAY = 86400


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    seed, n, out = int(argv[1]), int(argv[2]), argv[3]
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    channels = ["voice", "chat", "email", "self_service", ""]
    regions = ["eu", "na", ""]
    customers = ["K%d" % i for i in range(max(2, n // 3))] + [""]
    reasons = ["a", "b", ""]
    rows = []
    for i in range(n):
        t = T0 + rnd.randrange(0, 90 * DAY)
        outcome = rnd.choice(["resolved", "resolved", "escalated", "abandoned", "open"])
        fr = "" if rnd.random() < 0.2 else str(t + rnd.randrange(0, 3 * DAY))
        cl = "" if outcome == "open" else str(t + rnd.choice([0, 60, 3600,
                                                             rnd.randrange(0, 9 * DAY)]))
        hs = rnd.choice([0, 60, 120, 300, rnd.randrange(0, 1000)])
        tier = rnd.choice([0, 1, 1, 2, 3])
        esc = rnd.choice([0, 0, 0, 1])
        reopens = rnd.choice([0, 0, 0, 1]) if outcome != "open" else 0
        csat = rnd.choice(["", "", "1", "4", "5"]) if outcome != "open" else ""
        rows.append((t, "C%07d" % (i + 1), rnd.choice(customers), rnd.choice(reasons),
                     rnd.choice(channels), rnd.choice(regions), t, fr, cl, hs, tier, esc,
                     outcome, reopens, csat))
    rows.sort()
    with open(os.path.join(out, "contacts.csv"), "w") as f:
        f.write("id,customer,reason,channel,region,opened_at,first_response_at,closed_at,"
                "handle_seconds,tier,escalations,outcome,reopens,csat\n")
        for r in rows:
            f.write(",".join(str(x) for x in r[1:]) + "\n")
    with open(os.path.join(out, "costs.csv"), "w") as f:
        f.write("category,amount,currency,start,end,driver,channel,scope\n")
        for _ in range(rnd.randrange(1, 12)):
            start = T0 + rnd.choice([0, 30, 60]) * DAY
            end = start + rnd.choice([30, 60, 90]) * DAY
            amount = rnd.choice([0, 1, 2, 3, 5, 7, 10, 11, 100, 12345, rnd.randrange(1, 10**7)])
            category = rnd.choice(["direct_labor", "direct_labor", "indirect_labor",
                                   "technology", "overhead", "other"])
            driver = rnd.choice(["handle_time", "contacts", "tier_weighted", ""])
            channel = rnd.choice(["", "", "voice", "chat"])
            scope = rnd.choice(["", "", "region=eu", "region=na", "product=x",
                                "region=eu;product=x"])
            f.write("%s,%d,USD,%d,%d,%s,%s,%s\n" % (category, amount, start, end, driver,
                                                    channel, scope))
    with open(os.path.join(out, "rates.csv"), "w") as f:
        f.write("tier,rate_per_hour\n")
        r1 = rnd.choice([3500, 1000, 7])
        for t, r in ((0, rnd.choice([0, 500])), (1, r1), (2, rnd.choice([5500, 3, 0, r1])),
                     (3, rnd.choice([8500, 1, 9000]))):
            f.write("%d,%d\n" % (t, r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
