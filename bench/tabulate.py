#!/usr/bin/env python3
"""Check the peers' reports against the library's, then print the benchmark table.

    tabulate.py OUTDIR SIZE
    tabulate.py --header | --left-out

OUTDIR holds one size's run (bench/run.sh):
  lib.json, lib.time.N               supportkpi report --format json, GNU time -v
  skpi_bench.json, skpi_bench.out.N  the same through the API, phases timed
  sqlite_facts.json, sqlite.out.N, sqlite.time.N
  duckdb_facts.json, duckdb.out.N, duckdb.time.N
(N = 1..repeats; wall time is the best run's, peak memory the largest.)

First every check: skpi_bench.json must be the same report as lib.json (else that
counts as a failure), and each peer's facts are turned into the SPEC section 9 JSON (peer_to_json.py) and compared
with lib.json by tests/oracle/compare_reports.py --exact (every member, every row,
ratios as exact decimals).  Differences are printed (the first 20).  Then the
size's table rows go to OUTDIR/table.txt, with a ratio only for a peer whose report
matched (bench/run.sh prints the tables once every size is checked).  The last line
is "result PASSED FAILED" (a pass is a peer whose numbers matched); exit status 1
when anything failed.  --header prints the table's header, --left-out the KPIs
each peer leaves out of the equality check (none).
"""

import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
COMPARE = os.path.join(HERE, "..", "tests", "oracle", "compare_reports.py")
TO_JSON = os.path.join(HERE, "peer_to_json.py")
BY = "channel,region"

# KPIs a peer leaves out of the equality check: none (every member of SPEC 9 is
# compared).  A name added here is passed to compare_reports.py --ignore and
# printed with the table.
LEFT_OUT = {"sqlite": [], "duckdb": []}


def gnu_time(path):
    """(wall seconds, peak RSS KiB, exit status, CPU seconds) from a
    `/usr/bin/time -v` file."""
    wall = rss = None
    status = 0
    cpu = 0.0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("User time (seconds)") or line.startswith("System time (seconds)"):
                cpu += float(line.rsplit(" ", 1)[1])
            elif line.startswith("Elapsed (wall clock) time"):
                parts = line.rsplit(" ", 1)[1].split(":")
                wall = 0.0
                for p in parts:
                    wall = wall * 60 + float(p)
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(" ", 1)[1])
            elif line.startswith("Exit status:"):
                status = int(line.rsplit(" ", 1)[1])
            elif line.startswith("Command exited with non-zero status"):
                status = int(line.rsplit(" ", 1)[1])
    return wall, rss, status, cpu


def phases_of(path):
    """{phase: seconds} from "phase NAME SECONDS" lines or sqlite's
    "mark|NAME|JULIANDAY" lines (turned into load / compute)."""
    ph, marks = {}, {}
    if not os.path.exists(path):
        return ph
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(r"phase (\w+) ([0-9.]+)$", line.strip())
            if m:
                ph[m.group(1)] = float(m.group(2))
            m = re.match(r"mark\|(\w+)\|([0-9.]+)$", line.strip())
            if m:
                marks[m.group(1)] = float(m.group(2)) * 86400.0
    if marks:
        if "loaded" in marks and "start" in marks:
            ph["load"] = marks["loaded"] - marks["start"]
        if "written" in marks and "loaded" in marks:
            ph["compute"] = marks["written"] - marks["loaded"]
    return ph


def runs(outdir, engine):
    """Best wall time over the repeats, with that run's phases; largest RSS."""
    best = None
    peak = 0
    ok = True
    files = sorted(glob.glob(os.path.join(outdir, f"{engine}.time.*")))
    for tf in files:
        n = tf.rsplit(".", 1)[1]
        wall, rss, status, cpu = gnu_time(tf)
        if status != 0 or wall is None:
            ok = False
            continue
        peak = max(peak, rss or 0)
        if best is None or wall < best[0]:
            best = (wall, phases_of(os.path.join(outdir, f"{engine}.out.{n}")), cpu)
    if not files or best is None:
        return None
    return {"wall": best[0], "rss": peak, "phases": best[1], "cpu": best[2], "ok": ok,
            "n": len(files)}


def compare(a, b, ignore=()):
    cmd = [sys.executable, COMPARE, "--exact", "--max", "20", a, b]
    for name in ignore:
        cmd += ["--ignore", name]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode == 0, (p.stdout + p.stderr).strip()


def main(argv):
    if argv[1:] == ["--left-out"]:
        for peer, names in LEFT_OUT.items():
            print(f"bench: {peer}: left out of the equality check: "
                  f"{', '.join(names) if names else 'nothing (every SPEC 9 member is compared)'}")
        return 0
    if argv[1:] == ["--header"]:
        print(f"{'size':>10}  {'engine':<8} {'wall_s':>8} {'cpu_s':>7} {'peak_MiB':>9}"
              f" {'ratio':>7}  {'load_s':>7} {'compute_s':>9} {'c_ratio':>7}  check")
        return 0
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    outdir, size = argv[1], argv[2]
    lib_json = os.path.join(outdir, "lib.json")
    passed = failed = 0
    status = {}

    # ---------------------------------------------------------------- checks
    lib = runs(outdir, "lib")
    if lib is None or not lib["ok"] or not os.path.exists(lib_json):
        print(f"bench {size}: the library's run failed (see {outdir}/lib.err)")
        print("result 0 2")
        return 1
    sb = os.path.join(outdir, "skpi_bench.json")
    sb_same, text = compare(lib_json, sb) if os.path.exists(sb) else (False, "no report")
    if not sb_same:
        print(f"bench {size}: skpi_bench's report differs from supportkpi's:\n{text}")
        failed += 1
    for peer in ("sqlite", "duckdb"):
        r = runs(outdir, peer)
        facts = os.path.join(outdir, f"{peer}_facts.json")
        report = os.path.join(outdir, f"{peer}.json")
        if r is None or not r["ok"] or not os.path.exists(facts):
            status[peer] = "FAILED (run)"
            print(f"bench {size}: {peer} failed to run (see {outdir}/{peer}.err.*)")
            failed += 1
            continue
        p = subprocess.run([sys.executable, TO_JSON, facts, report, "--by", BY],
                           capture_output=True, text=True)
        if p.returncode != 0:
            status[peer] = "FAILED (undecided)"
            print(f"bench {size}: {peer}'s report could not be built:\n"
                  f"{(p.stdout + p.stderr).strip()}")
            failed += 1
            continue
        same, text = compare(lib_json, report, LEFT_OUT[peer])
        if same:
            status[peer] = "equal" + (f" (not compared: {', '.join(LEFT_OUT[peer])})"
                                      if LEFT_OUT[peer] else "")
            passed += 1
        else:
            status[peer] = "MISMATCH"
            print(f"bench {size}: {peer} differs from the library "
                  f"(library first, {peer} second):\n{text}")
            failed += 1

    # ---------------------------------------------------------------- table
    table = []
    sbr = runs(outdir, "skpi_bench")
    lib_load = lib_compute = None
    if sbr and sbr["ok"]:
        lib_load = sbr["phases"].get("load")
        lib_compute = (sbr["phases"].get("compute") or 0) + (sbr["phases"].get("write") or 0)

    def row(name, r, check, is_lib=False):
        wall, mib = r["wall"], r["rss"] / 1024.0
        ph = r["phases"]
        load = ph.get("load")
        compute = None
        if "compute" in ph:
            compute = sum(v for k, v in ph.items() if k != "load")
        if is_lib:
            load, compute = lib_load, lib_compute
        ok = is_lib or check.startswith("equal")
        ratio = f"{wall / lib['wall']:7.2f}" if ok and lib["wall"] else f"{'-':>7}"
        cratio = (f"{compute / lib_compute:7.2f}" if ok and compute and lib_compute
                  else f"{'-':>7}")
        fmt = lambda v: f"{v:7.2f}" if v is not None else f"{'-':>7}"
        fmt9 = lambda v: f"{v:9.2f}" if v is not None else f"{'-':>9}"
        table.append(f"{size:>10}  {name:<8} {wall:8.2f} {r['cpu']:7.2f} {mib:9.1f} {ratio}  "
                     f"{fmt(load)} {fmt9(compute)} {cratio}  {check}")

    row("library", lib, "-" if sb_same else "skpi_bench differs", is_lib=True)
    for peer in ("sqlite", "duckdb"):
        r = runs(outdir, peer)
        if r is not None:
            row(peer, r, status[peer])
        else:
            table.append(f"{size:>10}  {peer:<8} {'-':>8} {'-':>7} {'-':>9} {'-':>7}  "
                         f"{'-':>7} {'-':>9} {'-':>7}  {status[peer]}")
    with open(os.path.join(outdir, "table.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(table) + "\n")
    print(f"result {passed} {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
