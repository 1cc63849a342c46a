#!/usr/bin/env python3
"""Deterministic random data for differential tests of libsupportkpi.

    gen_random.py --seed N --contacts K --out DIR [--rates yes|no|partial]
                  [--ledger full|ties]

Writes DIR/contacts.csv, DIR/costs.csv and DIR/rates.csv (SPEC section 8), all valid,
from random.Random(seed) alone: the same arguments always give the same bytes.

What it stresses (see the comments below for each):
- stitching: customers with many contacts, empty customers, empty reasons, contacts
  opened exactly W and W+1 seconds after a close for W = 1h, 1d, 7d, 30d, equal
  opened_at within one key (the id decides: ids of varying length such as c9 / c10,
  upper and lower case prefixes), open contacts inside and at the end of chains;
- KPIs: escalated outcomes, escalations > 0 on resolved contacts, reopens, tiers 0..4
  (and the default tier), first responses absent, present, after the close; csat
  absent or 1..5; handle_seconds empty, 0 or positive;
- dimensions `region` (some empty, some with a comma, a quote or a newline) and
  `product` (`pz` contacts have no handle time, so handle-time entries scoped to
  it have weights summing to 0);
- the ledger: every category and driver, channel scopes, dimension scopes (one pair
  and two pairs), a scope on a dimension nobody has, a channel nobody uses, an
  entry in a period with no contact, zero amounts, tiny amounts (1, 2, 3, 7 minor
  units) among large ones so that rounding ties and remainders occur, overlapping
  periods (monthly, weekly, whole span, random);
- rounding: a fixed "tie group" of eight contacts (ids k1..k8, November 2025, on
  top of the K random ones) with entries of their own, so that leftover units tie
  between rows and CPT/CPR fall exactly on .5 (see TIE_CONTACTS);
- files: epoch and ISO 8601 timestamps (Z, offsets, `T` or space), quoted fields,
  shuffled column order, CRLF, a BOM, empty lines, currency given or not.

--rates yes: tiers 0..9 (some rate 0, a higher tier cheaper than tier 1);
--rates no: a header-only rates.csv (escalation figures absent; no tier_weighted
entry then matches a contact, since a missing rate would be an error);
--rates partial: tiers 0..4 only, which are all the tiers the contacts have, so no
entry or escalation figure misses a rate.
"""

import argparse
import os
import random

DAY = 86400
HOUR = 3600
T_START = 1764547200            # 2025-12-01T00:00:00Z
SPAN_DAYS = 410                 # to 2027-01-15: ISO 2026-W01 starts 2025-12-29,
                                # 2026-W53 ends 2027-01-03

WINDOWS = (HOUR, DAY, 7 * DAY, 30 * DAY)

CHANNELS = ["voice", "chat", "email", "self_service", "social"]
REASONS = ["billing", "login", "shipping", "refund", "bug, critical", ""]
REGIONS = ["eu", "us", "apac"]
PRODUCTS = ["p1", "p2", "p3"]
SPECIAL_CUSTOMERS = ['Acme, Inc.', 'Bob "B" Smith', 'multi\nline', 'Zoë', '東京',
                     'Z', 'a']


def days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


class Writer:
    """Formats timestamps and CSV records the way this seed chose."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.eol = "\r\n" if rnd.random() < 0.3 else "\n"
        self.bom = rnd.random() < 0.3
        self.empty_lines = rnd.random() < 0.3

    def ts(self, t):
        r = self.rnd.random()
        if r < 0.35:
            return str(t)
        if r < 0.65:
            off = 0
            zone = "Z"
        else:
            off = self.rnd.choice([2 * 60, -5 * 60 - 30, 5 * 60 + 45, -3 * 60, 0,
                                   14 * 60, -11 * 60])
            sign = "+" if off >= 0 else "-"
            zone = f"{sign}{abs(off) // 60:02d}:{abs(off) % 60:02d}"
        local = t + off * 60
        days, secs = divmod(local, DAY)
        y, m, d = civil_from_days(days)
        sep = "T" if self.rnd.random() < 0.8 else " "
        return (f"{y:04d}-{m:02d}-{d:02d}{sep}{secs // 3600:02d}:{secs // 60 % 60:02d}:"
                f"{secs % 60:02d}{zone}")

    def field(self, s):
        if any(ch in s for ch in ',"\r\n') or (s and self.rnd.random() < 0.05):
            return '"' + s.replace('"', '""') + '"'
        return s

    def write(self, path, header, rows):
        out = ["\ufeff"] if self.bom else []
        out.append(",".join(self.field(h) for h in header) + self.eol)
        for row in rows:
            if self.empty_lines and self.rnd.random() < 0.02:
                out.append(self.eol)
            out.append(",".join(self.field(row.get(h, "")) for h in header) + self.eol)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write("".join(out))


def make_ids(rnd, k):
    """Unique ids of varying length and case: c9, c10, C7, c10x ..."""
    nums = list(range(1, 3 * k + 20))
    rnd.shuffle(nums)
    ids = []
    seen = set()
    for n in nums:
        r = rnd.random()
        s = f"c{n}" if r < 0.85 else (f"C{n}" if r < 0.93 else f"c{n}x")
        if s not in seen:
            seen.add(s)
            ids.append(s)
        if len(ids) == k:
            break
    return ids


def gen_contacts(rnd, k, w):
    ids = make_ids(rnd, k)
    n_cust = max(3, k // 6)
    customers = [f"cust{i}" for i in range(n_cust)] + SPECIAL_CUSTOMERS
    # Pareto weights: a few customers have many contacts
    weights = [rnd.paretovariate(1.2) for _ in customers]
    counts = {}
    n_empty = max(1, k // 20)                     # contacts with an empty customer
    for _ in range(k - n_empty):
        c = rnd.choices(customers, weights)[0]
        counts[c] = counts.get(c, 0) + 1
    rows = []
    end = T_START + SPAN_DAYS * DAY

    def one(customer, reason, opened):
        r = rnd.random()
        if r < 0.06 or (opened > end - 10 * DAY and r < 0.2):
            outcome = "open"
        elif r < 0.66:
            outcome = "resolved"
        elif r < 0.83:
            outcome = "escalated"
        else:
            outcome = "abandoned"
        dur = rnd.choice([0, rnd.randint(1, 3600), rnd.randint(1, 3 * DAY),
                          rnd.randint(1, 20 * DAY)])
        closed = None if outcome == "open" else opened + dur
        product = rnd.choice(PRODUCTS + ["pz"]) if rnd.random() < 0.9 else ""
        if product == "pz":
            hs = rnd.choice(["", "0"])            # weights of handle-time entries 0
        else:
            hs = rnd.choice(["", "0"]) if rnd.random() < 0.2 else str(rnd.randint(1, 5400))
        tier = rnd.choices(["0", "1", "2", "3", "4", ""], [10, 45, 20, 10, 5, 10])[0]
        esc = 0
        if outcome == "escalated":
            esc = rnd.choice([0, 1, 1, 2])
        elif rnd.random() < 0.12:
            esc = rnd.choice([1, 2, 3])           # escalated but ended resolved etc.
        frt = ""
        if rnd.random() < 0.7:
            # sometimes after the close (allowed), sometimes equal to opened_at
            frt = w.ts(opened + rnd.choice([0, rnd.randint(1, 600),
                                            rnd.randint(0, dur + 3 * HOUR)]))
        # "eu " (trailing space) is its own value: fields are taken verbatim
        region = rnd.choices(REGIONS + ["", "la,tam", 'q"uote', "new\nline", "eu "],
                             [30, 30, 20, 12, 5, 2, 1, 1])[0]
        row = {
            "customer": customer,
            "reason": reason,
            "channel": rnd.choice(CHANNELS) if rnd.random() < 0.95 else "",
            "opened_at": w.ts(opened),
            "first_response_at": frt,
            "closed_at": "" if closed is None else w.ts(closed),
            "handle_seconds": hs,
            "tier": tier,
            "escalations": "" if esc == 0 and rnd.random() < 0.3 else str(esc),
            "outcome": outcome,
            "reopens": rnd.choices(["0", "1", "2", ""], [70, 15, 5, 10])[0],
            "csat": "" if rnd.random() < 0.5 else str(rnd.randint(1, 5)),
            "region": region,
            "product": product,
        }
        return row, closed

    for customer, n in counts.items():
        t = T_START + rnd.randint(0, SPAN_DAYS * DAY)
        reason = rnd.choice(REASONS)
        prev_open = None
        prev_ref = None
        for _ in range(n):
            if rnd.random() < 0.25:
                reason = rnd.choice(REASONS)      # mostly one reason per customer
            if prev_ref is None:
                opened = t
            else:
                g = rnd.random()
                if g < 0.12:
                    opened = prev_open            # same opened_at: the id decides
                elif g < 0.55:
                    # exactly W after the previous close, or one second later/earlier
                    opened = prev_ref + rnd.choice(WINDOWS) + rnd.choice([0, 1, -1, 0])
                elif g < 0.8:
                    opened = prev_ref + rnd.randint(0, 3 * HOUR)
                else:
                    opened = prev_ref + rnd.randint(0, 45 * DAY)
            if opened > end:
                # past the ledger's span: start a new episode inside it
                opened = T_START + rnd.randint(0, SPAN_DAYS * DAY)
            row, closed = one(customer, reason, opened)
            rows.append(row)
            prev_open = opened
            prev_ref = closed if closed is not None else opened
    for _ in range(n_empty):
        rows.append(one("", rnd.choice(REASONS),
                        T_START + rnd.randint(0, SPAN_DAYS * DAY))[0])
    for row, i in zip(rows, ids):
        row["id"] = i
    rows += tie_group(w)
    rnd.shuffle(rows)                             # file order must not matter
    return rows


# The tie group: eight fixed contacts in November 2025, before every random ledger
# entry, each in rows of its own for most groupings (own channel, region, product and
# day), with ledger entries (tie_entries) that give exact thirds and halves:
# - k1, k2, k3 share 1 minor unit (1/3 each): a three-way tie for the leftover unit,
#   which goes to the earliest row;
# - k5, k6 (one chain when W >= 30 min, k6 a repeat) share 3 + 2 on channel kiosk_d:
#   CPT = 2.5, rounded half to even to 2; k7, k8 share 7 on kiosk_e: CPT 3.5 -> 4.
# With --ledger ties the ledger holds only these entries and the unallocated ones, so
# every row but the tie group's costs 0 and the leftover unit of the 1/3 shares is a
# true three-way tie (cost total 18, row floors sum to 17).
NOV = T_START - 30 * DAY                          # 2025-11-01T00:00:00Z
TIE_CONTACTS = [
    # id, customer, reason, channel, region, product, day, hour, hs, tier
    ("k1", "", "billing", "kiosk_a", "r1", "pk1", 2, 10, 100, 1),
    ("k2", "", "billing", "kiosk_b", "r2", "pk2", 9, 10, 100, 2),
    ("k3", "", "billing", "kiosk_c", "r3", "pk3", 16, 10, 100, 3),
    ("k4", "", "billing", "kiosk_a", "r1", "pk1", 17, 11, 300, 1),
    ("k5", "tie-cust", "billing", "kiosk_d", "r4", "pk4", 18, 9, 60, 1),
    ("k6", "tie-cust", "billing", "kiosk_d", "r4", "pk4", 18, 10, 60, 2),
    ("k7", "", "login", "kiosk_e", "r5", "pk5", 18, 12, 60, 1),
    ("k8", "", "login", "kiosk_e", "r5", "pk5", 18, 13, 60, 1),
]


def tie_group(w):
    rows = []
    for (i, cust, reason, ch, region, product, day, hour, hs, tier) in TIE_CONTACTS:
        opened = NOV + day * DAY + hour * HOUR
        rows.append({"id": i, "customer": cust, "reason": reason, "channel": ch,
                     "opened_at": w.ts(opened), "first_response_at": "",
                     "closed_at": w.ts(opened + 1800), "handle_seconds": str(hs),
                     "tier": str(tier), "escalations": "0", "outcome": "resolved",
                     "reopens": "0", "csat": "5", "region": region,
                     "product": product})
    return rows


def tie_entries():
    d = lambda day: NOV + day * DAY
    return [  # category, amount, start, end, driver, channel, scope
        ("other", 1, d(0), d(17), "contacts", "", ""),              # k1, k2, k3
        ("technology", 5, d(17), d(18), "contacts", "", ""),        # k4
        ("overhead", 3, d(18), d(19), "contacts", "kiosk_d", ""),   # k5, k6
        ("indirect_labor", 7, d(18), d(19), "contacts", "kiosk_e", ""),  # k7, k8
        ("direct_labor", 2, d(0), d(19), "handle_time", "", "product=pk4"),  # k5, k6
    ]


def gen_costs(rnd, w, rates_mode, ledger):
    entries = []
    cats = ["direct_labor", "indirect_labor", "technology", "overhead", "other"]

    def amount():
        if rnd.random() < 0.3:
            return rnd.choice([0, 1, 2, 3, 7, 10, 99])   # ties and remainders
        return rnd.randint(1000, 5_000_000)

    def add(cat, start, end, driver, channel="", scope="", nomatch=False, amt=None):
        entries.append(dict(category=cat, amount=str(amount() if amt is None else amt),
                            start=start, end=end, driver=driver, channel=channel,
                            scope=scope, nomatch=nomatch))

    # monthly entries per category (overlap with weekly and whole-span entries)
    y, m = 2025, 12
    while ledger == "full" and (y, m) <= (2027, 1):
        s = days_from_civil(y, m, 1) * DAY
        y2, m2 = (y + 1, 1) if m == 12 else (y, m + 1)
        e = days_from_civil(y2, m2, 1) * DAY
        add("direct_labor", s, e, rnd.choice(["handle_time", "tier_weighted", ""]),
            channel=rnd.choice(["", "", "voice", "chat"]))
        add("indirect_labor", s, e, "contacts")
        add("technology", s, e, rnd.choice(["contacts", "handle_time"]))
        add("overhead", s, e, rnd.choice(["", "handle_time", "contacts"]))
        add("other", s, e, rnd.choice(DRIVERS_ALL),
            scope=rnd.choice(["", "region=eu", "product=p1", "region=eu;product=p1",
                              "region=la,tam", "product=p2;region=us"]))
        y, m = y2, m2
    # weekly tiny entries: rounding ties and remainders
    for wk in range(0, SPAN_DAYS if ledger == "full" else 0, 7):
        s = T_START + wk * DAY
        add(rnd.choice(cats), s, s + 7 * DAY, rnd.choice(DRIVERS_ALL),
            channel=rnd.choice(["", "email", "self_service"]),
            amt=rnd.choice([1, 2, 3, 7, 11, 100]))
    for cat, amt, start, end, driver, channel, scope in tie_entries():
        add(cat, start, end, driver, channel=channel, scope=scope, amt=amt)
    # whole span
    if ledger == "full":
        add("overhead", T_START, T_START + SPAN_DAYS * DAY, "contacts")
        add("direct_labor", T_START, T_START + SPAN_DAYS * DAY, "tier_weighted",
            scope="product=p3")
    # unallocated: empty period, unknown channel, unknown dimension, zero weights
    add("other", 1577836800, 1577923200, "tier_weighted", nomatch=True)   # 2020
    add("technology", T_START, T_START + 90 * DAY, "tier_weighted", channel="fax",
        nomatch=True)
    add("direct_labor", T_START, T_START + 90 * DAY, "contacts", scope="team=x",
        nomatch=True)
    add("overhead", T_START, T_START + SPAN_DAYS * DAY, "handle_time", scope="product=pz")
    add("direct_labor", T_START, T_START + 200 * DAY, "", scope="product=pz;region=eu")
    # random periods, drivers and scopes
    for _ in range(rnd.randint(10, 30) if ledger == "full" else 0):
        s = T_START + rnd.randint(-10 * DAY, SPAN_DAYS * DAY)
        e = s + rnd.choice([1, HOUR, DAY, rnd.randint(1, 60 * DAY)])
        add(rnd.choice(cats), s, e, rnd.choice(DRIVERS_ALL),
            channel=rnd.choice(["", "", "voice", "chat", "social"]),
            scope=rnd.choice(["", "", "region=us", "product=p2", "region=apac;product=p1",
                              'region=q"uote']))
    if rates_mode == "no":
        # without rates a tier_weighted entry that touches a contact is an error
        for en in entries:
            if en["driver"] == "tier_weighted" and not en["nomatch"]:
                en["driver"] = rnd.choice(["contacts", "handle_time", ""])
    rows = []
    with_currency = rnd.random() < 0.75
    for en in entries:
        rows.append({
            "category": en["category"], "amount": en["amount"],
            "currency": "USD" if with_currency and rnd.random() < 0.6 else "",
            "start": w.ts(en["start"]), "end": w.ts(en["end"]),
            "driver": en["driver"], "channel": en["channel"], "scope": en["scope"],
        })
    rnd.shuffle(rows)
    return rows


DRIVERS_ALL = ["handle_time", "contacts", "tier_weighted", ""]


def gen_rates(rnd, mode):
    if mode == "no":
        return []
    rates = {0: rnd.choice([0, 400]), 1: 3500, 2: 5500,
             3: rnd.choice([2500, 8500]),         # 2500: cheaper than tier 1
             4: rnd.choice([0, 12000])}           # 0: premium contribution 0
    if mode == "yes":
        for t in range(5, 10):
            rates[t] = rnd.randint(0, 20000)
    rows = [{"tier": str(t), "rate_per_hour": str(r)} for t, r in rates.items()]
    rnd.shuffle(rows)
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description="deterministic random SPEC section 8 files")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--contacts", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rates", choices=("yes", "no", "partial"), default="yes")
    ap.add_argument("--ledger", choices=("full", "ties"), default="full",
                    help="ties: only the tie group's entries and the unallocated ones")
    a = ap.parse_args(argv)
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)

    w = Writer(rnd)
    contacts = gen_contacts(rnd, a.contacts, w)
    cols = ["id", "customer", "reason", "channel", "opened_at", "first_response_at",
            "closed_at", "handle_seconds", "tier", "escalations", "outcome", "reopens",
            "csat", "region", "product"]
    if rnd.random() < 0.25:
        cols.remove("csat")                       # a missing optional column
        for r in contacts:
            r.pop("csat")
    rnd.shuffle(cols)                             # columns in any order
    w.write(os.path.join(a.out, "contacts.csv"), cols, contacts)

    costs = gen_costs(rnd, w, a.rates, a.ledger)
    ccols = ["category", "amount", "currency", "start", "end", "driver", "channel", "scope"]
    rnd.shuffle(ccols)
    w.write(os.path.join(a.out, "costs.csv"), ccols, costs)

    rates = gen_rates(rnd, a.rates)
    rcols = ["tier", "rate_per_hour"]
    rnd.shuffle(rcols)
    w.write(os.path.join(a.out, "rates.csv"), rcols, rates)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
