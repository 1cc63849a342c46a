#!/usr/bin/env python3
"""Compare two SPEC section 9 report files.

    compare_reports.py A.json B.json [--exact] [--tolerance X] [--ignore NAME]... [--max N]

Both files must have the same structure: the same members in every object (a member
named with --ignore is skipped wherever it appears), arrays of the same length and
order (so the same rows in the same order), equal strings, booleans and nulls.
Integers must be equal exactly.  A number with a fraction or exponent (a ratio or a
mean) is compared with an absolute tolerance of 1e-9 by default, or exactly with
--exact; with --exact an integer never equals a decimal number, without it they are
compared as numbers.  Prints the first differences as `path: a != b` and exits 1 on
a mismatch; prints "reports equal" and exits 0 otherwise; 2 on bad usage or input.
"""

import argparse
import json
import sys
from decimal import Decimal


def load(path):
    with open(path, "rb") as f:
        return json.loads(f.read().decode("utf-8"), parse_float=Decimal)


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, Decimal)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def compare(a, b, path, opts, diffs):
    ka, kb = kind(a), kind(b)
    if ka != kb:
        diffs.append((path, a, b))
        return
    if ka == "object":
        keys = list(a.keys()) + [k for k in b.keys() if k not in a]
        for k in keys:
            if k in opts.ignore:
                continue
            p = f"{path}.{k}"
            if k not in a:
                diffs.append((p, "<missing>", b[k]))
            elif k not in b:
                diffs.append((p, a[k], "<missing>"))
            else:
                compare(a[k], b[k], p, opts, diffs)
    elif ka == "array":
        if len(a) != len(b):
            diffs.append((f"{path}.length", len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", opts, diffs)
    elif ka == "number":
        both_int = isinstance(a, int) and isinstance(b, int)
        if both_int:
            if a != b:
                diffs.append((path, a, b))
        elif opts.exact:
            if isinstance(a, int) != isinstance(b, int) or Decimal(a) != Decimal(b):
                diffs.append((path, a, b))
        else:
            if abs(Decimal(a) - Decimal(b)) > opts.tolerance:
                diffs.append((path, a, b))
    else:
        if a != b:
            diffs.append((path, a, b))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--exact", action="store_true",
                    help="decimals must be equal exactly (default: within tolerance)")
    ap.add_argument("--tolerance", type=Decimal, default=Decimal("1e-9"))
    ap.add_argument("--ignore", action="append", default=[], metavar="NAME",
                    help="skip members with this name wherever they appear")
    ap.add_argument("--max", type=int, default=20, help="differences to print")
    opts = ap.parse_args(argv)
    try:
        a = load(opts.a)
        b = load(opts.b)
    except (OSError, ValueError) as e:
        print(f"compare_reports: {e}", file=sys.stderr)
        return 2
    opts.ignore = set(opts.ignore)
    diffs = []
    compare(a, b, "$", opts, diffs)
    if diffs:
        for p, x, y in diffs[:opts.max]:
            print(f"{p}: {json.dumps(x, default=str, ensure_ascii=False)} != "
                  f"{json.dumps(y, default=str, ensure_ascii=False)}")
        if len(diffs) > opts.max:
            print(f"... and {len(diffs) - opts.max} more differences")
        print(f"reports differ ({len(diffs)} differences)")
        return 1
    print("reports equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
