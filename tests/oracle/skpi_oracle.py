#!/usr/bin/env python3
"""Independent reference implementation ("oracle") of libsupportkpi.

Written from ../../../shared/SPEC.md alone (sections in the comments below), in plain
Python 3.11 with the standard library only, and sharing no code with the C library.
All money is exact (int and fractions.Fraction); rounding happens once, at output.

Usage:
    python3 skpi_oracle.py report --contacts F --costs F [--rates F] [--window N]
        [--as-of T] [--by k1,k2] [--bucket day|week|month|quarter] [--cohort]
        [--anchor first|last] [--provisional]

Prints the SPEC section 9 JSON report on stdout.  Exit codes: 0 success, 1 bad data
(every bad row printed on stderr as file:line:column:reason), 2 bad usage, 3 I/O error.
"""

import argparse
import json
import re
import sys
from bisect import bisect_left
from collections import defaultdict
from fractions import Fraction

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1
MAX_WINDOW = 7_776_000          # 90 days, SPEC section 3
DEFAULT_WINDOW = 604_800        # 7 days

OUTCOMES = ("open", "resolved", "escalated", "abandoned")
CATEGORIES = ("direct_labor", "indirect_labor", "technology", "overhead", "other")
DRIVERS = ("handle_time", "contacts", "tier_weighted")
BUCKETS = ("day", "week", "month", "quarter")

# SPEC section 8: the named contact columns; every other header is a dimension.
CONTACT_COLUMNS = ("id", "customer", "reason", "channel", "opened_at",
                   "first_response_at", "closed_at", "handle_seconds", "tier",
                   "escalations", "outcome", "reopens", "csat")
CONTACT_REQUIRED = ("id", "opened_at", "outcome")
COST_COLUMNS = ("category", "amount", "currency", "start", "end", "driver",
                "channel", "scope")
COST_REQUIRED = ("category", "amount", "start", "end")
RATE_COLUMNS = ("tier", "rate_per_hour")
RATE_REQUIRED = ("tier", "rate_per_hour")

# Grouping keys that are not dimensions (SPEC section 6).
GROUP_FIELDS = ("channel", "reason", "tier", "outcome")


class DataError(Exception):
    """Bad input data: carries the file:line:column:reason messages."""

    def __init__(self, messages):
        super().__init__("\n".join(messages))
        self.messages = messages


class UsageError(Exception):
    pass


# --------------------------------------------------------------------------
# SPEC section 8: CSV grammar
# --------------------------------------------------------------------------

_UNQUOTED = re.compile(rb'[^,\r\n"]*')


def parse_csv(data, fname):
    """Split a CSV file (bytes) into records.

    Returns a list of (line, [field bytes]) where line is the physical line
    (1-based) on which the record starts.  Raises DataError on a syntax error
    (which fails the whole file).
    """
    if data.startswith(b"\xef\xbb\xbf"):         # optional UTF-8 BOM
        data = data[3:]
    n = len(data)
    i = 0
    line = 1
    records = []

    def syntax(at_line, col, why):
        return DataError([f"{fname}:{at_line}:{col}:{why}"])

    while i < n:
        # An empty line (LF or CRLF alone) is ignored, but still counts as a line.
        if data[i] == 0x0A:
            i += 1
            line += 1
            continue
        if data[i] == 0x0D and data[i + 1:i + 2] == b"\n":
            i += 2
            line += 1
            continue
        start_line = line
        fields = []
        while True:                              # one field per iteration
            col = len(fields) + 1
            if i < n and data[i] == 0x22:        # quoted field
                i += 1
                buf = bytearray()
                while True:
                    j = data.find(b'"', i)
                    if j < 0:
                        raise syntax(start_line, col, "unterminated quoted field")
                    chunk = data[i:j]
                    line += chunk.count(b"\n")
                    buf += chunk
                    if data[j + 1:j + 2] == b'"':  # doubled quote = one quote
                        buf += b'"'
                        i = j + 2
                        continue
                    i = j + 1
                    break
                fields.append(bytes(buf))
                # the closing quote must be followed by a comma or the end of record
                if i >= n:
                    break
                c = data[i]
                if c == 0x2C:
                    i += 1
                    continue
                if c == 0x0A:
                    i += 1
                    line += 1
                    break
                if c == 0x0D:
                    if data[i + 1:i + 2] == b"\n":
                        i += 2
                        line += 1
                        break
                    raise syntax(start_line, col, "CR not followed by LF")
                raise syntax(start_line, col, "characters after a closing quote")
            # unquoted field: up to a comma, CR, LF, quote or end of file
            m = _UNQUOTED.match(data, i)
            j = m.end()
            fields.append(data[i:j])
            i = j
            if i >= n:
                break
            c = data[i]
            if c == 0x2C:
                i += 1
                continue
            if c == 0x22:
                raise syntax(start_line, col, 'quote (") inside an unquoted field')
            if c == 0x0A:
                i += 1
                line += 1
                break
            # c == CR
            if data[i + 1:i + 2] == b"\n":
                i += 2
                line += 1
                break
            raise syntax(start_line, col, "CR not followed by LF")
        records.append((start_line, fields))
    return records


def decode_field(raw):
    """Bytes -> str; None if not valid UTF-8 or contains NUL (SPEC section 2)."""
    try:
        s = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in s:
        return None
    return s


def read_table(path, known, required, allow_unknown):
    """Parse a file into (header names, rows, errors).

    rows: list of (line, {column: str}) for records whose fields all decode;
    errors: list of messages for records that failed already here (field count,
    UTF-8, NUL).  Header problems raise DataError (the file fails as a whole).
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise OSError(f"{path}: {e.strerror}") from e
    fname = path
    records = parse_csv(data, fname)
    if not records:
        raise DataError([f"{fname}:1:1:missing header"])
    hline, hraw = records[0]
    header = []
    errs = []
    for pos, raw in enumerate(hraw, 1):
        name = decode_field(raw)
        if name is None:
            errs.append(f"{fname}:{hline}:{pos}:header name is not valid UTF-8 or contains NUL")
        elif name == "":
            errs.append(f"{fname}:{hline}:{pos}:empty column name")
        elif name in header:
            errs.append(f"{fname}:{hline}:{name}:duplicate column name")
        elif not allow_unknown and name not in known:
            errs.append(f"{fname}:{hline}:{name}:unknown column")
        header.append(name)
    for r in required:
        if r not in header:
            errs.append(f"{fname}:{hline}:{r}:missing required column")
    if errs:
        raise DataError(errs)
    rows = []
    bad = []
    for line, raw_fields in records[1:]:
        if len(raw_fields) != len(header):
            if len(raw_fields) > len(header):
                col = str(len(header) + 1)
            else:
                col = header[len(raw_fields)]
            bad.append((line, f"{fname}:{line}:{col}:expected {len(header)} fields, "
                              f"found {len(raw_fields)}"))
            continue
        row = {}
        err = None
        for name, raw in zip(header, raw_fields):
            s = decode_field(raw)
            if s is None:
                err = f"{fname}:{line}:{name}:not valid UTF-8 or contains NUL"
                break
            row[name] = s
        if err:
            bad.append((line, err))
            continue
        rows.append((line, row))
    return header, rows, bad


# --------------------------------------------------------------------------
# SPEC section 8: integers and timestamps
# --------------------------------------------------------------------------

_INT = re.compile(r"-?[0-9]+")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
                  r"(Z|[+-][0-9]{2}:[0-9]{2})")


def parse_int(s):
    """Optional '-' and decimal digits, within int64; None if malformed."""
    if not _INT.fullmatch(s):
        return None
    v = int(s)
    if v < INT64_MIN or v > INT64_MAX:
        return None
    return v


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    """Inverse of days_from_civil: (year, month, day)."""
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


def days_in_month(y, m):
    if m == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        return 29 if leap else 28
    return 30 if m in (4, 6, 9, 11) else 31


def parse_time(s):
    """Unix seconds or ISO 8601 with Z or +-hh:mm; None if malformed."""
    if _INT.fullmatch(s):
        return parse_int(s)
    m = _ISO.fullmatch(s)
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(m.group(k)) for k in range(1, 7))
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo)):
        return None
    if hh > 23 or mi > 59 or ss > 59:
        return None
    zone = m.group(7)
    off = 0
    if zone != "Z":
        oh, om = int(zone[1:3]), int(zone[4:6])
        if oh > 23 or om > 59:
            return None
        off = (oh * 3600 + om * 60) * (1 if zone[0] == "+" else -1)
    # local time = UTC + offset, so UTC = local - offset
    return days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss - off


# --------------------------------------------------------------------------
# SPEC section 2: contacts
# --------------------------------------------------------------------------

class Contact:
    __slots__ = ("line", "id", "idb", "customer", "reason", "channel", "dims",
                 "opened", "frt", "closed", "hs", "tier", "esc", "outcome",
                 "reopens", "csat", "is_closed", "was_escalated", "repeat")


def load_contacts(path):
    header, rows, bad = read_table(path, CONTACT_COLUMNS, CONTACT_REQUIRED, True)
    dims = [h for h in header if h not in CONTACT_COLUMNS]
    contacts = []
    seen_ids = set()
    errors = list(bad)

    for line, row in rows:
        def err(col, why):
            errors.append((line, f"{path}:{line}:{col}:{why}"))

        def opt_int(col, default, lo, hi):
            s = row.get(col, "")
            if s == "":
                return default, True
            v = parse_int(s)
            if v is None:
                err(col, f"not an integer: {s!r}")
                return None, False
            if v < lo or (hi is not None and v > hi):
                err(col, f"out of range: {v}")
                return None, False
            return v, True

        def opt_time(col):
            s = row.get(col, "")
            if s == "":
                return None, True
            v = parse_time(s)
            if v is None:
                err(col, f"not a timestamp: {s!r}")
                return None, False
            return v, True

        c = Contact()
        c.line = line
        c.id = row["id"]
        if c.id == "":
            err("id", "id is required")
            continue
        if c.id in seen_ids:            # the later one is the bad one
            err("id", f"duplicate id {c.id!r}")
            continue
        seen_ids.add(c.id)
        c.idb = c.id.encode("utf-8")
        c.customer = row.get("customer", "")
        c.reason = row.get("reason", "")
        c.channel = row.get("channel", "")
        c.dims = {d: row.get(d, "") for d in dims}

        if row["opened_at"] == "":
            err("opened_at", "opened_at is required")
            continue
        c.opened, ok = opt_time("opened_at")
        if not ok:
            continue
        c.frt, ok = opt_time("first_response_at")
        if not ok:
            continue
        c.closed, ok = opt_time("closed_at")
        if not ok:
            continue
        c.hs, ok = opt_int("handle_seconds", 0, 0, None)
        if not ok:
            continue
        c.tier, ok = opt_int("tier", 1, 0, 9)
        if not ok:
            continue
        c.esc, ok = opt_int("escalations", 0, 0, None)
        if not ok:
            continue
        c.outcome = row["outcome"]
        if c.outcome == "":
            err("outcome", "outcome is required")
            continue
        if c.outcome not in OUTCOMES:
            err("outcome", f"bad outcome {c.outcome!r}")
            continue
        c.reopens, ok = opt_int("reopens", 0, 0, None)
        if not ok:
            continue
        c.csat, ok = opt_int("csat", None, 1, 5)
        if not ok:
            continue
        if c.outcome == "open" and c.closed is not None:
            err("closed_at", "closed_at given for an open contact")
            continue
        if c.outcome != "open" and c.closed is None:
            err("closed_at", "closed_at is required unless the outcome is open")
            continue
        if c.closed is not None and c.closed < c.opened:
            err("closed_at", "closed_at before opened_at")
            continue
        if c.frt is not None and c.frt < c.opened:
            err("first_response_at", "first_response_at before opened_at")
            continue
        # (first_response_at > closed_at is allowed)
        c.is_closed = c.outcome != "open"
        c.was_escalated = c.esc > 0 or c.outcome == "escalated"
        c.repeat = False
        contacts.append(c)
    return dims, contacts, errors


# --------------------------------------------------------------------------
# SPEC section 4 and 8: the ledger and the rates
# --------------------------------------------------------------------------

class Entry:
    __slots__ = ("line", "category", "amount", "start", "end", "driver", "channel",
                 "scope")


def parse_scope(s):
    """'k=v;k2=v2' -> dict, or an error string.

    Interpretation: a pair is split at its first '=' (so a value may contain '=');
    nothing may be empty (no empty pair, key or value); no key twice; a key that is a
    named contact column (customer, reason, channel, tier ...) names no dimension and is
    an error.  A key that no contact column has is allowed and matches nothing.
    """
    out = {}
    for part in s.split(";"):
        if part == "":
            return "empty pair in scope"
        if "=" not in part:
            return f"scope pair without '=': {part!r}"
        k, v = part.split("=", 1)
        if k == "" or v == "":
            return f"empty key or value in scope pair {part!r}"
        if k in CONTACT_COLUMNS:
            return f"scope key {k!r} is not a dimension"
        if k in out:
            return f"scope key {k!r} given twice"
        out[k] = v
    return out


def load_costs(path):
    header, rows, bad = read_table(path, COST_COLUMNS, COST_REQUIRED, False)
    entries = []
    errors = list(bad)
    currency = None
    for line, row in rows:
        def err(col, why):
            errors.append((line, f"{path}:{line}:{col}:{why}"))

        e = Entry()
        e.line = line
        e.category = row["category"]
        if e.category not in CATEGORIES:
            err("category", f"bad category {e.category!r}")
            continue
        a = row["amount"]
        if a == "":
            err("amount", "amount is required")
            continue
        e.amount = parse_int(a)
        if e.amount is None:
            err("amount", f"not an integer: {a!r}")
            continue
        if e.amount < 0:
            err("amount", "negative amount")
            continue
        cur = row.get("currency", "")
        if cur != "":
            if not re.fullmatch(r"[A-Z]{3}", cur):
                err("currency", f"not an ISO 4217 code: {cur!r}")
                continue
            if currency is None:
                currency = cur
            elif cur != currency:
                err("currency", f"currency {cur!r} differs from {currency!r}")
                continue
        bad_time = False
        for col in ("start", "end"):
            s = row[col]
            v = parse_time(s) if s != "" else None
            if v is None:
                err(col, f"{col} is required" if s == "" else f"not a timestamp: {s!r}")
                bad_time = True
                break
            setattr(e, col, v)
        if bad_time:
            continue
        if e.end <= e.start:
            err("end", "end must be after start")
            continue
        e.driver = row.get("driver", "") or "handle_time"
        if e.driver not in DRIVERS:
            err("driver", f"bad driver {e.driver!r}")
            continue
        e.channel = row.get("channel", "")
        sc = row.get("scope", "")
        e.scope = {}
        if sc != "":
            p = parse_scope(sc)
            if isinstance(p, str):
                err("scope", p)
                continue
            e.scope = p
        entries.append(e)
    return (currency or "XXX"), entries, errors


def load_rates(path):
    header, rows, bad = read_table(path, RATE_COLUMNS, RATE_REQUIRED, False)
    rates = {}
    errors = list(bad)
    for line, row in rows:
        def err(col, why):
            errors.append((line, f"{path}:{line}:{col}:{why}"))

        t = row["tier"]
        tier = parse_int(t) if t != "" else None
        if tier is None:
            err("tier", "tier is required" if t == "" else f"not an integer: {t!r}")
            continue
        if not 0 <= tier <= 9:
            err("tier", f"out of range: {tier}")
            continue
        if tier in rates:
            err("tier", f"duplicate tier {tier}")
            continue
        r = row["rate_per_hour"]
        rate = parse_int(r) if r != "" else None
        if rate is None:
            err("rate_per_hour", "rate_per_hour is required" if r == ""
                else f"not an integer: {r!r}")
            continue
        if rate < 0:
            err("rate_per_hour", "negative rate")
            continue
        rates[tier] = rate
    return rates, errors


# --------------------------------------------------------------------------
# SPEC section 3: chains
# --------------------------------------------------------------------------

class Chain:
    __slots__ = ("contacts", "status", "latest_close")


def stitch(contacts, window, as_of, provisional):
    by_key = defaultdict(list)
    chains = []
    for c in contacts:
        if c.customer == "":
            chains.append(Chain())               # empty customer: a chain of its own
            chains[-1].contacts = [c]
        else:
            by_key[(c.customer, c.reason)].append(c)
    for lst in by_key.values():
        # stitching order: opened_at, then id bytewise (UTF-8 bytes)
        lst.sort(key=lambda c: (c.opened, c.idb))
        cur = None
        has_open = False
        max_close = None
        for c in lst:
            joins = cur is not None and (
                has_open or c.opened <= max_close + window)   # inclusive
            if joins:
                cur.contacts.append(c)
                c.repeat = True
            else:
                cur = Chain()
                cur.contacts = [c]
                chains.append(cur)
                has_open = False
                max_close = None
            if c.is_closed:
                max_close = c.closed if max_close is None else max(max_close, c.closed)
            else:
                has_open = True
    for ch in chains:
        if any(not c.is_closed for c in ch.contacts):
            ch.status = "open"
            ch.latest_close = None
            continue
        ch.latest_close = max(c.closed for c in ch.contacts)
        last = ch.contacts[-1]
        if as_of < ch.latest_close + window:
            # too early to know; provisional mode counts a resolved last outcome
            ch.status = "resolved" if (provisional and last.outcome == "resolved") \
                else "pending"
        else:
            ch.status = "resolved" if last.outcome == "resolved" else "unresolved"
    return chains


# --------------------------------------------------------------------------
# SPEC section 4: allocation
# --------------------------------------------------------------------------

class Allocation:
    """One allocation of the ledger.

    parts: list of (entry, [(contact, weight)], weight_total) for allocated entries;
    unallocated: integer sum of the amounts of unallocated entries.
    A contact's exact share of an entry is amount * weight / weight_total.
    """

    def __init__(self):
        self.parts = []
        self.unallocated = 0


def entry_matches(e, by_open, opened_sorted):
    """Contacts with start <= opened_at < end that match the entry's scope."""
    lo = bisect_left(opened_sorted, e.start)
    hi = bisect_left(opened_sorted, e.end)
    out = []
    for c in by_open[lo:hi]:
        # a contact whose scoped attribute is empty or absent never matches
        # (scope values are never empty, so plain equality does it)
        if e.channel != "" and c.channel != e.channel:
            continue
        if any(c.dims.get(k, "") != v for k, v in e.scope.items()):
            continue                        # also: a dimension nobody has matches nothing
        out.append(c)
    return out


def allocate(entries, matched, rates, costs_path, adjusted):
    """Standard allocation, or (adjusted=True) the escalation-adjusted allocation
    where every direct_labor entry is re-driven by tier_weighted."""
    al = Allocation()
    errors = []
    for e in entries:
        driver = e.driver
        if adjusted and e.category == "direct_labor":
            driver = "tier_weighted"
        cs = matched[id(e)]
        weights = []
        for c in cs:
            if driver == "handle_time":
                w = c.hs
            elif driver == "contacts":
                w = 1
            else:
                if c.tier not in rates:
                    # a missing rate for a tier the entry touches is an error
                    what = "escalation-adjusted allocation" if e.driver != "tier_weighted" \
                        else "tier_weighted entry"
                    errors.append((e.line, f"{costs_path}:{e.line}:driver:{what} needs a "
                                           f"rate for tier {c.tier}, which rates lack"))
                    weights = None
                    break
                w = c.hs * rates[c.tier]
            weights.append((c, w))
        if weights is None:
            continue
        if adjusted and e.category == "direct_labor" and 1 not in rates \
                and any(c.tier > 1 for c in cs):
            errors.append((e.line, f"{costs_path}:{e.line}:category:the escalation "
                                   f"premium needs a rate for tier 1"))
            continue
        total_w = sum(w for _, w in weights)
        if total_w > INT64_MAX:
            errors.append((e.line, f"{costs_path}:{e.line}:amount:ERANGE: weight total "
                                   f"does not fit in int64"))
            continue
        if not weights or total_w == 0:
            al.unallocated += e.amount          # reported, never dropped nor spread
        else:
            al.parts.append((e, weights, total_w))
    return al, errors


# --------------------------------------------------------------------------
# SPEC section 6: keys and buckets
# --------------------------------------------------------------------------

def bucket_label(t, unit):
    days = t // 86400                           # floor: UTC day of t
    y, m, d = civil_from_days(days)
    if unit == "day":
        return f"{y:04d}-{m:02d}-{d:02d}"
    if unit == "month":
        return f"{y:04d}-{m:02d}"
    if unit == "quarter":
        return f"{y:04d}-Q{(m - 1) // 3 + 1}"
    # ISO week: the week (Monday..Sunday) belongs to the year of its Thursday
    wd = (days + 3) % 7                         # 1970-01-01 was a Thursday; Monday = 0
    thursday = days - wd + 3
    iy = civil_from_days(thursday)[0]
    week = (thursday - days_from_civil(iy, 1, 1)) // 7 + 1
    return f"{iy:04d}-W{week:02d}"


def attr(c, name):
    """A contact's value for a grouping column ('' = absent)."""
    if name == "channel":
        return c.channel
    if name == "reason":
        return c.reason
    if name == "tier":
        return c.tier
    if name == "outcome":
        return c.outcome
    return c.dims.get(name, "")


def make_key(c, by, bucket, t):
    """Key tuple: one value per `by` column (None = empty/absent), then the bucket."""
    k = []
    for name in by:
        v = attr(c, name)
        k.append(None if v == "" else v)
    if bucket:
        k.append(bucket_label(t, bucket))
    return tuple(k)


def sort_key(key):
    # null first; strings bytewise (UTF-8 bytes); tier numerically
    out = []
    for v in key:
        if v is None:
            out.append((0, b""))
        elif isinstance(v, int):
            out.append((1, v))
        else:
            out.append((1, v.encode("utf-8")))
    return out


# --------------------------------------------------------------------------
# SPEC section 5: KPIs
# --------------------------------------------------------------------------

class Agg:
    def __init__(self):
        self.contacts = 0
        self.closed = 0
        self.escalated = 0
        self.repeat = 0
        self.reopened = 0
        self.csat_n = 0
        self.csat_good = 0
        self.ttc = []
        self.frt = []
        self.resolved = 0
        self.unresolved = 0
        self.fcr = 0
        self.chain_esc = 0
        self.contacts_in_resolved = 0
        self.automated = 0
        self.restime = []
        self.cost = Fraction(0)
        self.fd_cost = Fraction(0)
        self.adj_cost = Fraction(0)
        self.premium = Fraction(0)


def aggregate(contacts, chains, std, adj, rates, keyfn_contact, keyfn_chain):
    rows = defaultdict(Agg)
    for c in contacts:
        a = rows[keyfn_contact(c)]
        a.contacts += 1
        if c.repeat:
            a.repeat += 1
        if c.is_closed:
            a.closed += 1
            if c.was_escalated:
                a.escalated += 1
            if c.reopens > 0:
                a.reopened += 1
            a.ttc.append(c.closed - c.opened)
        if c.frt is not None:              # open or not
            a.frt.append(c.frt - c.opened)
        if c.csat is not None:
            a.csat_n += 1
            if c.csat >= 4:
                a.csat_good += 1
    for ch in chains:
        if ch.status not in ("resolved", "unresolved"):
            continue                        # open and pending chains place nowhere
        a = rows[keyfn_chain(ch)]
        cs = ch.contacts
        if any(c.was_escalated for c in cs):
            a.chain_esc += 1
        if ch.status == "resolved":
            a.resolved += 1
            a.contacts_in_resolved += len(cs)
            a.restime.append(ch.latest_close - cs[0].opened)
            if len(cs) == 1 and cs[0].reopens == 0 and not cs[0].was_escalated:
                a.fcr += 1
            if all(c.tier == 0 for c in cs):
                a.automated += 1
        else:
            a.unresolved += 1

    # Money: per entry, sum the integer weights per row, then add the exact share
    # amount * sum_w / weight_total once per (entry, row).
    for e, weights, total_w in std.parts:
        sw = defaultdict(int)
        sw_rep = defaultdict(int)
        for c, w in weights:
            k = keyfn_contact(c)
            sw[k] += w
            if c.repeat:
                sw_rep[k] += w               # failure demand = cost of repeat contacts
        for k, s in sw.items():
            rows[k].cost += Fraction(e.amount * s, total_w)
        for k, s in sw_rep.items():
            rows[k].fd_cost += Fraction(e.amount * s, total_w)
    if adj is not None:
        r1 = rates.get(1)
        for e, weights, total_w in adj.parts:
            sw = defaultdict(int)
            sp = defaultdict(int)
            for c, w in weights:
                k = keyfn_contact(c)
                sw[k] += w
                if e.category == "direct_labor" and c.tier > 1:
                    # premium = share * (rate[t] - rate[1]) / rate[t], where
                    # share = amount * w / total_w and w = handle_seconds * rate[t].
                    # For rate[t] == 0 the contact's weight and share are 0, and its
                    # premium contribution is defined as 0 (no division by zero).
                    # Otherwise w * (rate[t]-rate[1]) / rate[t] = hs * (rate[t]-rate[1]).
                    rt = rates[c.tier]
                    if rt != 0:
                        sp[k] += c.hs * (rt - r1)
            for k, s in sw.items():
                rows[k].adj_cost += Fraction(e.amount * s, total_w)
            for k, s in sp.items():
                rows[k].premium += Fraction(e.amount * s, total_w)
    return rows


def round_half_even(x):
    """Fraction -> int, ties to even."""
    fl = x.numerator // x.denominator
    r = x - fl
    half = Fraction(1, 2)
    if r > half or (r == half and fl % 2 != 0):
        return fl + 1
    return fl


def ratio(num, den):
    """Exact num/den rounded half to even to 9 decimals, as a Fraction; None if den 0."""
    if den == 0:
        return None
    q = round_half_even(Fraction(num) / den * 10 ** 9)
    return Fraction(q, 10 ** 9)


def money_div(x, den):
    """Exact money / count rounded half to even to minor units; None if den 0."""
    if den == 0:
        return None
    return round_half_even(Fraction(x) / den)


def percentile(values, p_num, p_den):
    """Nearest rank: the value at rank ceil(p*n) of the sorted values (1-based)."""
    n = len(values)
    if n == 0:
        return None
    rank = -((-p_num * n) // p_den)             # ceil(p*n) in exact integers
    rank = max(rank, 1)
    return sorted(values)[rank - 1]


def median(values):
    """Lower middle value for even n = rank ceil(n/2)."""
    return percentile(values, 1, 2)


def mean(values):
    if not values:
        return None
    return ratio(sum(values), len(values))


MONEY_COLUMNS = ("cost", "failure_demand_cost", "escalation_adjusted_cost",
                 "escalation_premium")


def exact_money(a):
    return {"cost": a.cost, "failure_demand_cost": a.fd_cost,
            "escalation_adjusted_cost": a.adj_cost, "escalation_premium": a.premium}


def kpis(a, money, has_rates):
    """The SPEC section 9 members in order; money = rounded money columns."""
    esc = has_rates
    return [
        ("contacts", a.contacts),
        ("closed_contacts", a.closed),
        ("escalated_contacts", a.escalated),
        ("repeat_contacts", a.repeat),
        ("reopened_contacts", a.reopened),
        ("resolved_chains", a.resolved),
        ("unresolved_chains", a.unresolved),
        ("settled_chains", a.resolved + a.unresolved),
        ("cost", money["cost"]),
        ("failure_demand_cost", money["failure_demand_cost"]),
        ("escalation_adjusted_cost", money["escalation_adjusted_cost"] if esc else None),
        ("escalation_premium", money["escalation_premium"] if esc else None),
        # CPT and CPR divide the exact, unrounded cost
        ("cpt", money_div(a.cost, a.closed)),
        ("cpr", money_div(a.cost, a.resolved)),
        ("cpr_escalation_adjusted", money_div(a.adj_cost, a.resolved) if esc else None),
        ("fcr", ratio(a.fcr, a.resolved + a.unresolved)),
        ("reopen_rate", ratio(a.reopened, a.closed)),
        ("escalation_rate", ratio(a.escalated, a.closed)),
        ("chain_escalation_rate", ratio(a.chain_esc, a.resolved + a.unresolved)),
        ("repeat_rate", ratio(a.repeat, a.contacts)),
        ("automation_rate", ratio(a.automated, a.resolved)),
        ("csat", ratio(a.csat_good, a.csat_n)),
        ("contacts_per_resolution", ratio(a.contacts_in_resolved, a.resolved)),
        ("resolution_time_mean", mean(a.restime)),
        ("time_to_close_mean", mean(a.ttc)),
        ("first_response_mean", mean(a.frt)),
        ("resolution_time_median", median(a.restime)),
        ("resolution_time_p90", percentile(a.restime, 9, 10)),
        ("time_to_close_median", median(a.ttc)),
        ("time_to_close_p90", percentile(a.ttc, 9, 10)),
        ("first_response_median", median(a.frt)),
        ("first_response_p90", percentile(a.frt, 9, 10)),
    ]


def apportion(total_rounded, exact_values):
    """Largest remainder: floor each row, then one unit each to the rows with the
    largest fractional parts, ties to the earlier row (output order)."""
    floors = [v.numerator // v.denominator for v in exact_values]
    left = total_rounded - sum(floors)
    assert 0 <= left <= len(exact_values), "apportionment out of range"
    order = sorted(range(len(exact_values)),
                   key=lambda i: (-(exact_values[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def build_report(dims, contacts, currency, entries, rates, opts, costs_path):
    window = opts["window"]
    # SPEC section 3: T defaults to the largest opened/first_response/closed stamp.
    if opts["as_of"] is not None:
        as_of = opts["as_of"]
    elif contacts:
        as_of = max(max(c.opened, c.frt if c.frt is not None else c.opened,
                        c.closed if c.closed is not None else c.opened)
                    for c in contacts)
    else:
        as_of = None

    by = opts["by"]
    for name in by:
        if name not in GROUP_FIELDS and name not in dims:
            raise UsageError(f"unknown grouping key {name!r}")
    if len(set(by)) != len(by):
        raise UsageError("a grouping key is given twice")
    if opts["bucket"] and opts["bucket"] in by:
        raise UsageError(f"grouping key {opts['bucket']!r} collides with the bucket name")

    chains = stitch(contacts, window, as_of if as_of is not None else 0,
                    opts["provisional"])

    # Allocation (SPEC section 4)
    by_open = sorted(contacts, key=lambda c: c.opened)
    opened_sorted = [c.opened for c in by_open]
    matched = {id(e): entry_matches(e, by_open, opened_sorted) for e in entries}
    ledger_total = sum(e.amount for e in entries)
    errors = []
    if ledger_total > INT64_MAX:
        errors.append((1, f"{costs_path}:1:amount:ERANGE: ledger total does not fit in int64"))
    std, errs = allocate(entries, matched, rates, costs_path, adjusted=False)
    errors += errs
    has_rates = len(rates) > 0           # no rates (or an empty table): figures absent
    adj = None
    if has_rates:
        adj, errs = allocate(entries, matched, rates, costs_path, adjusted=True)
        errors += errs
    if errors:
        seen = []
        for _, m in sorted(errors, key=lambda x: x[0]):
            if m not in seen:
                seen.append(m)
        raise DataError(seen)

    bucket = opts["bucket"]
    view = "cohort" if opts["cohort"] else "period"
    last = opts["anchor"] == "last"

    def key_contact(c):
        return make_key(c, by, bucket, c.opened)   # own attributes, own opened_at

    def key_chain(ch):
        anchor = ch.contacts[-1] if last else ch.contacts[0]
        t = ch.latest_close if view == "period" else anchor.opened
        return make_key(anchor, by, bucket, t)

    total_agg = aggregate(contacts, chains, std, adj, rates,
                          lambda c: (), lambda ch: ())[()]
    row_aggs = aggregate(contacts, chains, std, adj, rates, key_contact, key_chain)
    if not by and not bucket:
        row_aggs[()]            # no grouping: always the one row {}, even when empty
    keys = sorted(row_aggs, key=sort_key)

    # Money rounding: total = exact total half to even; rows by largest remainder.
    total_exact = exact_money(total_agg)
    total_money = {m: round_half_even(total_exact[m]) for m in MONEY_COLUMNS}
    row_money = [dict() for _ in keys]
    for m in MONEY_COLUMNS:
        exacts = [exact_money(row_aggs[k])[m] for k in keys]
        assert sum(exacts) == total_exact[m]
        for i, v in enumerate(apportion(total_money[m], exacts)):
            row_money[i][m] = v

    total = kpis(total_agg, total_money, has_rates)
    total.append(("open_chains", sum(1 for ch in chains if ch.status == "open")))
    total.append(("pending_chains", sum(1 for ch in chains if ch.status == "pending")))
    rows = []
    for i, k in enumerate(keys):
        names = list(by) + ([bucket] if bucket else [])
        keyobj = list(zip(names, k))
        rows.append([("key", keyobj)] + kpis(row_aggs[k], row_money[i], has_rates))

    options = [("window_seconds", window), ("as_of", as_of),
               ("provisional", opts["provisional"]), ("anchor", opts["anchor"]),
               ("view", view), ("by", list(by)), ("bucket", bucket)]
    return [("currency", currency), ("options", options),
            ("ledger_total", ledger_total),
            ("unallocated", std.unallocated),
            ("escalation_adjusted_unallocated", adj.unallocated if adj else None),
            ("total", total), ("rows", rows)]


# --------------------------------------------------------------------------
# JSON output: objects are lists of (name, value) pairs to keep member order;
# Fraction values are ratios/means printed with at most 9 decimals.
# --------------------------------------------------------------------------

def fmt_decimal(x):
    q = x * 10 ** 9
    assert q.denominator == 1, "ratios are rounded to 9 decimals first"
    q = q.numerator
    sign = "-" if q < 0 else ""
    q = abs(q)
    ip, fp = divmod(q, 10 ** 9)
    frac = f"{fp:09d}".rstrip("0") or "0"
    return f"{sign}{ip}.{frac}"


def fmt_str(s):
    # JSON string; json.dumps escapes quotes, backslashes and control characters
    return json.dumps(s, ensure_ascii=False)


def emit(v, ind=0):
    pad = "  " * (ind + 1)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Fraction):
        return fmt_decimal(v)
    if isinstance(v, str):
        return fmt_str(v)
    if isinstance(v, list) and (not v or isinstance(v[0], tuple)):
        # an object (list of pairs); [] is the empty object {} only for "key"
        if not v:
            return "{}"
        items = [f"{pad}{fmt_str(k)}: {emit(x, ind + 1)}" for k, x in v]
        return "{\n" + ",\n".join(items) + "\n" + "  " * ind + "}"
    raise TypeError(type(v))


def emit_report(rep):
    # "by" is a JSON array of strings and "rows" an array of objects; handle them here.
    def val(name, v, ind):
        pad = "  " * (ind + 1)
        if name == "by":
            if not v:
                return "[]"
            return "[\n" + ",\n".join(pad + fmt_str(s) for s in v) + "\n" + "  " * ind + "]"
        if name == "rows":
            if not v:
                return "[]"
            return "[\n" + ",\n".join(pad + obj(r, ind + 1) for r in v) + "\n" \
                + "  " * ind + "]"
        if isinstance(v, list):
            return obj(v, ind)
        return emit(v, ind)

    def obj(pairs, ind):
        if not pairs:
            return "{}"
        pad = "  " * (ind + 1)
        items = [f"{pad}{fmt_str(k)}: {val(k, x, ind + 1)}" for k, x in pairs]
        return "{\n" + ",\n".join(items) + "\n" + "  " * ind + "}"

    return obj(rep, 0) + "\n"


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def parse_window(s):
    m = re.fullmatch(r"([0-9]+)([shd]?)", s)
    if not m:
        raise UsageError(f"bad --window {s!r} (seconds, or an integer with s, h or d)")
    v = int(m.group(1)) * {"": 1, "s": 1, "h": 3600, "d": 86400}[m.group(2)]
    if v > MAX_WINDOW:
        raise UsageError(f"--window {s!r} out of range (0 to 90 days)")
    return v


def main(argv=None):
    ap = argparse.ArgumentParser(prog="skpi_oracle.py",
                                 description="Reference implementation of SPEC.md")
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("report")
    r.add_argument("--contacts", required=True)
    r.add_argument("--costs", required=True)
    r.add_argument("--rates")
    r.add_argument("--window", default=str(DEFAULT_WINDOW))
    r.add_argument("--as-of")
    r.add_argument("--by", default="")
    r.add_argument("--bucket", choices=BUCKETS)
    r.add_argument("--cohort", action="store_true")
    r.add_argument("--anchor", choices=("first", "last"), default="first")
    r.add_argument("--provisional", action="store_true")
    a = ap.parse_args(argv)

    try:
        opts = {"window": parse_window(a.window), "as_of": None,
                "provisional": a.provisional, "anchor": a.anchor,
                "cohort": a.cohort, "bucket": a.bucket}
        if a.as_of is not None:
            opts["as_of"] = parse_time(a.as_of)
            if opts["as_of"] is None:
                raise UsageError(f"bad --as-of {a.as_of!r}")
        opts["by"] = [] if a.by == "" else a.by.split(",")
        if any(b == "" for b in opts["by"]):
            raise UsageError("empty name in --by")
    except UsageError as e:
        print(f"skpi_oracle: {e}", file=sys.stderr)
        return 2

    messages = []
    try:
        dims = contacts = entries = None
        rates = {}
        currency = "XXX"
        # Validate all files; report every bad row of each (in line order).
        try:
            dims, contacts, errs = load_contacts(a.contacts)
            messages += [m for _, m in sorted(errs, key=lambda x: x[0])]
        except DataError as e:
            messages += e.messages
        try:
            currency, entries, errs = load_costs(a.costs)
            messages += [m for _, m in sorted(errs, key=lambda x: x[0])]
        except DataError as e:
            messages += e.messages
        if a.rates:
            try:
                rates, errs = load_rates(a.rates)
                messages += [m for _, m in sorted(errs, key=lambda x: x[0])]
            except DataError as e:
                messages += e.messages
        if messages:
            raise DataError(messages)
        rep = build_report(dims, contacts, currency, entries, rates, opts, a.costs)
    except DataError as e:
        for m in e.messages:
            print(m, file=sys.stderr)
        return 1
    except UsageError as e:
        print(f"skpi_oracle: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"skpi_oracle: {e}", file=sys.stderr)
        return 3
    sys.stdout.write(emit_report(rep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
