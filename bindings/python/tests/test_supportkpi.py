"""Tests of the supportkpi Python bindings (unittest; pytest runs them too).

The library is found as the package finds it (SUPPORTKPI_LIBRARY, the build
tree, the soname).  The command `supportkpi` is found through top_builddir,
or build/tools/ above this file; the sample data through top_srcdir, or
data/sample/ above this file.
"""

import ctypes
import gc
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from array import array
from decimal import Decimal
from unittest import mock

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import supportkpi  # noqa: E402
from supportkpi import _native  # noqa: E402
from supportkpi import (Breakdown, Chains, ClosedError, DataError, DuplicateError,  # noqa: E402
                        Explain, InvalidError, Ledger, NotFoundError, ParseError, Records,
                        SupportKPIError)


def _up(*parts):
    """The first directory above this file holding @p parts."""
    d = HERE
    while True:
        path = os.path.join(d, *parts)
        if os.path.exists(path):
            return path
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _find_command():
    top = os.environ.get("top_builddir")
    if top:
        path = os.path.join(os.path.abspath(top), "tools", "supportkpi")
        if os.path.exists(path):
            return path
    return _up("build", "tools", "supportkpi")


def _find_sample():
    top = os.environ.get("top_srcdir")
    if top:
        path = os.path.join(os.path.abspath(top), "data", "sample")
        if os.path.exists(os.path.join(path, "contacts.csv")):
            return path
    path = _up("data", "sample", "contacts.csv")
    return os.path.dirname(path) if path else None


COMMAND = _find_command()
SAMPLE = _find_sample()

T0 = 1735689600        # 2025-01-01T00:00:00Z
HOUR = 3600
DAY = 86400


def run_command(*args, check=True):
    proc = subprocess.run([COMMAND] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    if check and proc.returncode != 0:
        raise AssertionError("supportkpi %s: exit %d: %s"
                             % (" ".join(args), proc.returncode, proc.stderr.decode()))
    return proc


def sample_paths():
    return [os.path.join(SAMPLE, f) for f in ("contacts.csv", "costs.csv", "rates.csv")]


def small_ledger():
    """10000 cents of direct labour in January 2025 (handle time), rates for tiers 0-3."""
    ledger = Ledger("USD")
    ledger.add_entry("direct_labor", 10000, T0, T0 + 31 * DAY)
    for tier, rate in ((0, 500), (1, 3500), (2, 5500), (3, 8500)):
        ledger.set_rate(tier, rate)
    return ledger


def small_contacts():
    """Two chains: A's billing issue (voice, escalated, then resolved on voice the
    next day: a repeat) and B's login question (chat, resolved at once)."""
    return [
        dict(id="c1", customer="A", reason="billing", channel="voice", opened_at=T0 + HOUR,
             first_response_at=T0 + HOUR + 30, closed_at=T0 + 2 * HOUR, handle_seconds=600,
             tier=1, outcome="escalated", region="eu"),
        dict(id="c2", customer="B", reason="login", channel="chat",
             opened_at="2025-01-01T03:00:00Z", closed_at="2025-01-01T04:00:00Z",
             handle_seconds=300, outcome="resolved", csat=5, region="us"),
        dict(id="c3", customer="A", reason="billing", channel="voice", opened_at=T0 + DAY,
             closed_at=T0 + DAY + HOUR, handle_seconds=100, tier=2, outcome="resolved",
             csat=2, region="eu"),
    ]


AS_OF = T0 + 30 * DAY   # every chain settled


class TestNative(unittest.TestCase):
    def test_version(self):
        self.assertEqual(supportkpi.__version__, _native.C.skpi_version_string().decode())
        self.assertEqual(supportkpi.__version__.split(".")[0], str(_native.EXPECTED_MAJOR))
        if COMMAND:
            out = run_command("--version").stdout.decode().split()
            self.assertEqual(out, ["supportkpi", supportkpi.__version__])

    def test_version_check(self):
        _native.check_version("0.1.0")
        _native.check_version("0.99.3")
        for bad in ("1.0.0", "2.1.0", "x"):
            with self.assertRaises(ImportError) as cm:
                _native.check_version(bad, "libfoo.so.1")
            self.assertIn("needs major version 0", str(cm.exception))

    def test_loaded_the_versioned_soname(self):
        self.assertTrue(_native.library_path.endswith(_native.SONAME), _native.library_path)

    def test_table(self):
        names = set()
        for name, restype, argtypes, check in _native.FUNCTIONS:
            self.assertNotIn(name, names)
            names.add(name)
            f = getattr(_native.C, name)
            self.assertIs(f.restype, restype)
            self.assertEqual(list(f.argtypes), list(argtypes))
        # every exported skpi_ function of the library is declared
        exported = self._exported()
        if exported is not None:
            self.assertEqual(sorted(exported - names), [])
        # handle-returning functions return a pointer, not the default int
        for name in ("skpi_chains_records", "skpi_breakdown_chains"):
            self.assertIs(getattr(_native.C, name).restype, ctypes.c_void_p)

    def _exported(self):
        try:
            out = subprocess.run(["nm", "-D", "--defined-only", _native.library_path],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError:
            return None
        names = set()
        for line in out.stdout.decode().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2].startswith("skpi_"):
                names.add(parts[2].split("@")[0])
        return names or None

    def test_checked_integers(self):
        with self.assertRaises(ctypes.ArgumentError):
            _native.C.skpi_cost_per(2 ** 64, 1, ctypes.byref(ctypes.c_int64()), None)
        with self.assertRaises(ctypes.ArgumentError):
            _native.C.skpi_chain_size(None, -1)

    def test_errcheck_pure_function_message(self):
        with self.assertRaises(ParseError) as cm:
            supportkpi.parse_time("2025-02-30T00:00:00Z")
        e = cm.exception
        self.assertEqual(e.code, _native.SKPI_ESYNTAX)
        self.assertEqual(e.status, "SKPI_ESYNTAX")
        self.assertEqual(e.strerror, "syntax error")
        self.assertTrue(e.message)
        self.assertNotEqual(e.message, e.strerror)
        self.assertIn(e.strerror, str(e))

    def test_helpers(self):
        self.assertEqual(supportkpi.parse_time("2025-01-01T00:00:00Z"), T0)
        self.assertEqual(supportkpi.parse_time("2025-01-01T01:00:00+01:00"), T0)
        self.assertEqual(supportkpi.parse_time(str(T0)), T0)
        self.assertEqual(supportkpi.parse_duration("7d"), 604800)
        self.assertEqual(supportkpi.parse_duration("36h"), 129600)
        self.assertEqual(supportkpi.format_time(T0), "2025-01-01T00:00:00Z")
        self.assertEqual(supportkpi.bucket_label(T0, "week"), "2025-W01")
        self.assertEqual(supportkpi.format_money(123456, "USD"), "1234.56")
        self.assertEqual(supportkpi.format_money(5, "JPY"), "5")
        self.assertEqual(supportkpi.format_percent(728874506, 1), "72.9%")
        self.assertEqual(supportkpi.format_duration(93784), "1d 2h")
        self.assertEqual(supportkpi.currency_minor_digits("BHD"), 3)
        self.assertEqual(len(supportkpi.KPIS), 34)
        self.assertIn("cpr", supportkpi.KPIS)
        self.assertIn("fcr", supportkpi.DECIMAL_KPIS)
        with self.assertRaises(ParseError):
            supportkpi.parse_duration("7 days")
        with self.assertRaises(InvalidError):
            supportkpi.bucket_label(T0, "year")


class TestLedger(unittest.TestCase):
    def test_build_and_read(self):
        with Ledger("USD") as ledger:
            self.assertEqual(ledger.currency, "USD")
            ledger.add_entry("direct_labor", 10000, T0, "2025-02-01T00:00:00Z")
            ledger.add_entry("technology", 2500, T0, T0 + DAY, driver="contacts",
                             channel="chat")
            ledger.add_entry("overhead", 7, T0 + DAY, T0 + 2 * DAY, driver="contacts",
                             scope={"region": "eu", "product": "app"})
            self.assertEqual(len(ledger), 3)
            self.assertEqual(ledger.total(), 12507)
            self.assertEqual(ledger.total_by_category("technology"), 2500)
            self.assertEqual(ledger.total_by_category("other"), 0)
            self.assertEqual(ledger.total_between(T0 + DAY, T0 + 10 * DAY), 7)
            entries = list(ledger.entries)
            self.assertEqual(entries[0].category, "direct_labor")
            self.assertEqual(entries[0].driver, "handle_time")
            self.assertEqual(entries[0].end, T0 + 31 * DAY)
            self.assertIsNone(entries[0].channel)
            self.assertEqual(entries[1].channel, "chat")
            self.assertEqual(entries[2].scope, {"region": "eu", "product": "app"})
            self.assertEqual([e.amount for e in ledger], [10000, 2500, 7])
            self.assertIsNone(ledger.rate(2))
            ledger.set_rate(2, 5500)
            ledger.set_rate(0, 0)
            self.assertEqual(ledger.rate(2), 5500)
            self.assertEqual(ledger.rate(0), 0)
            self.assertEqual(ledger.rates, {0: 0, 2: 5500})
            ledger.clear_rates()
            self.assertEqual(ledger.rates, {})

    def test_default_currency(self):
        with Ledger() as ledger:
            self.assertEqual(ledger.currency, "XXX")

    def test_errors_carry_the_handle_message(self):
        with Ledger("USD") as ledger:
            with self.assertRaises(InvalidError) as cm:
                ledger.add_entry("direct_labor", -5, T0, T0 + DAY)
            e = cm.exception
            self.assertEqual(e.code, _native.SKPI_EINVAL)
            self.assertEqual(e.message, _native.C.skpi_ledger_errmsg(ledger._h()).decode())
            self.assertIn("amount", e.message)
            with self.assertRaises(InvalidError) as cm:
                ledger.add_entry("direct_labor", 5, T0 + DAY, T0)
            self.assertIn("end", cm.exception.message)
            with self.assertRaises(InvalidError) as cm:
                ledger.add_entry("rent", 5, T0, T0 + DAY)
            self.assertIn("rent", cm.exception.message)
            with self.assertRaises(InvalidError) as cm:
                ledger.set_rate(10, 100)
            self.assertIn("tier", cm.exception.message)
            self.assertEqual(len(ledger), 0)         # unchanged by failures
        with self.assertRaises(InvalidError) as cm:
            Ledger("usd")
        self.assertTrue(cm.exception.message)
        with self.assertRaises(supportkpi.RangeError):
            Ledger().add_entry("other", 2 ** 63, T0, T0 + 1)

    def test_load(self):
        costs = (b"category,amount,currency,start,end,driver,channel,scope\n"
                 b"direct_labor,1000,EUR,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,"
                 b"handle_time,voice,\n"
                 b"overhead,50,EUR,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,contacts,,"
                 b"region=eu\n")
        ledger, rep = Ledger.load_costs(costs, name="costs.csv")
        with ledger:
            self.assertEqual(ledger.currency, "EUR")
            self.assertEqual(ledger.total(), 1050)
            self.assertEqual((rep.rows, rep.skipped, rep.errors), (2, 0, []))
            rep = ledger.load_rates(io.BytesIO(b"tier,rate_per_hour\n1,3500\n2,5500\n"))
            self.assertEqual(rep.rows, 2)
            self.assertEqual(ledger.rates, {1: 3500, 2: 5500})

    def test_bad_costs_file(self):
        costs = (b"category,amount,currency,start,end\n"
                 b"direct_labor,1000,USD,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z\n"
                 b"rent,5,USD,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z\n"
                 b"other,-3,USD,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z\n"
                 b"other,3,USD,2025-01-01,2025-02-01T00:00:00Z\n")
        with self.assertRaises(DataError) as cm:
            Ledger.load_costs(costs, name="costs.csv")
        e = cm.exception
        self.assertEqual(e.code, _native.SKPI_EDATA)
        self.assertEqual(len(e.errors), 3)
        for line, column, msg in zip((3, 4, 5), ("category", "amount", "start"), e.errors):
            head = "costs.csv:%d:%s:" % (line, column)
            self.assertTrue(msg.startswith(head), (head, msg))
        self.assertIn("3 bad rows", e.message)
        self.assertIn(e.errors[0].split(":", 3)[3], e.message)
        # the same messages as the command's, from a file
        if COMMAND:
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "costs.csv")
                with open(path, "wb") as f:
                    f.write(costs)
                with self.assertRaises(DataError) as cm:
                    Ledger.load_costs(path)
                proc = run_command("validate", "--costs", path, check=False)
                lines = proc.stderr.decode().splitlines()
                self.assertEqual(cm.exception.errors, [l for l in lines if l.startswith(path)])
        # skip mode: the good row is taken, the bad ones reported
        ledger, rep = Ledger.load_costs(costs, skip_bad_rows=True, name="costs.csv")
        with ledger:
            self.assertEqual(ledger.total(), 1000)
            self.assertEqual((rep.rows, rep.skipped), (1, 3))
            self.assertEqual(len(rep.errors), 3)

    def test_syntax_error(self):
        with self.assertRaises(ParseError) as cm:
            Ledger.load_costs(b"category,amount,start,end\n\"unterminated\n", name="x.csv")
        self.assertTrue(cm.exception.errors)
        self.assertTrue(cm.exception.errors[0].startswith("x.csv:"))


class TestRecords(unittest.TestCase):
    def test_add_get_find(self):
        with Records() as records:
            for c in small_contacts():
                records.add(**c)
            self.assertEqual(len(records), 3)
            self.assertEqual(records.count, 3)
            self.assertEqual(records.dimensions, ["region"])
            c = records.get(1)
            self.assertEqual(c["id"], "c2")
            self.assertEqual(c["opened_at"], T0 + 3 * HOUR)
            self.assertEqual(c["tier"], 1)              # the default
            self.assertIsNone(c["first_response_at"])   # absent
            self.assertEqual(c["escalations"], 0)
            self.assertEqual(c["csat"], 5)
            self.assertEqual(c["outcome"], "resolved")
            self.assertEqual(c["region"], "us")
            self.assertEqual(records[0]["outcome"], "escalated")
            self.assertEqual(records.find("c3"), 2)
            self.assertIsNone(records.find("nope"))
            self.assertGreater(records.memory, 0)
            with self.assertRaises(NotFoundError):
                records.get(3)
            with self.assertRaises(IndexError):
                records.get(-1)

    def test_bad_contact(self):
        with Records() as records:
            records.add(**small_contacts()[0])
            with self.assertRaises(InvalidError) as cm:
                records.add(id="bad", opened_at=T0 + DAY, closed_at=T0, outcome="resolved")
            e = cm.exception
            self.assertEqual(e.message, _native.C.skpi_records_errmsg(records._h()).decode())
            self.assertIn("closed_at", e.message)
            with self.assertRaises(InvalidError) as cm:
                records.add(id="x", opened_at=T0, outcome="solved")
            self.assertIn("solved", cm.exception.message)
            with self.assertRaises(DuplicateError) as cm:
                records.add(**small_contacts()[0])
            self.assertIn("c1", cm.exception.message)
            with self.assertRaises(ParseError) as cm:
                records.add(id="y", opened_at="2025-01-01 10:00", outcome="open")
            self.assertIn("opened_at", cm.exception.message)
            self.assertEqual(len(records), 1)

    def test_add_batch(self):
        with Records() as records:
            records.add_batch(small_contacts())
            self.assertEqual(len(records), 3)
            self.assertEqual(records.get(2)["tier"], 2)
            self.assertEqual(records.get(1)["first_response_at"], None)
            self.assertEqual(records.get(0)["region"], "eu")
            # all or nothing; the message names the contact by its index
            batch = [dict(id="d1", opened_at=T0, outcome="open"),
                     dict(id="d2", opened_at=T0, closed_at=T0 - 1, outcome="resolved")]
            with self.assertRaises(InvalidError) as cm:
                records.add_batch(batch)
            self.assertIn("1", cm.exception.message)
            self.assertIn("d2", cm.exception.message)
            self.assertEqual(len(records), 3)
            with self.assertRaises(DuplicateError):
                records.add_batch([dict(id="c1", opened_at=T0, outcome="open")])

    def test_add_columns(self):
        with Records() as records:
            records.add_columns({
                "id": ["a1", "a2", "a3"],
                "customer": ["X", None, "Y"],
                "channel": ["voice", "chat", "email"],
                "opened_at": array("q", [T0, T0 + 10, T0 + 20]),
                "closed_at": [T0 + 100, "2025-01-01T00:10:00Z", None],
                "handle_seconds": [60, None, 0],
                "outcome": ["resolved", 1, "open"],
                "product": ["p1", "", None],
            })
            self.assertEqual(len(records), 3)
            self.assertEqual(records.get(1)["closed_at"], T0 + 600)
            self.assertEqual(records.get(1)["customer"], "")
            self.assertEqual(records.get(1)["handle_seconds"], 0)
            self.assertIsNone(records.get(2)["closed_at"])
            self.assertEqual(records.get(0)["product"], "p1")
            self.assertIsNone(records.get(1)["product"])
            self.assertEqual(records.dimensions, ["product"])
            with self.assertRaises(InvalidError):
                records.add_columns({"id": ["z"], "opened_at": [T0, T0], "outcome": ["open"]})
            with self.assertRaises(supportkpi.RangeError):
                records.add_columns({"id": ["z"], "opened_at": [2 ** 63], "outcome": ["open"]})
            self.assertEqual(len(records), 3)

    def test_numpy_columns(self):
        try:
            import numpy as np
        except ImportError:
            self.skipTest("numpy is not installed")
        with Records() as records:
            n = 1000
            records.add_columns({
                "id": ["n%d" % i for i in range(n)],
                "opened_at": np.arange(T0, T0 + n, dtype=np.int64),
                "closed_at": (np.arange(T0, T0 + n, dtype=np.int64) + 60).astype(
                    "datetime64[s]"),
                "tier": np.ones(n, dtype=np.int32),
                "outcome": np.full(n, 1, dtype=np.int64),
            })
            self.assertEqual(len(records), n)
            self.assertEqual(records.get(5)["closed_at"], T0 + 65)

    def test_add_batch_100k_is_one_call(self):
        n = 100000
        rows = [dict(id="r%06d" % i, customer="cu%d" % (i % 5000), reason="billing",
                     channel=("voice", "chat", "email")[i % 3], opened_at=T0 + i * 60,
                     closed_at=T0 + i * 60 + 300, handle_seconds=240, tier=i % 3,
                     outcome="resolved", region=("eu", "us")[i % 2])
                for i in range(n)]
        real = _native.C.skpi_records_append_columns
        with mock.patch.object(_native.C, "skpi_records_append_columns", wraps=real) as m, \
                mock.patch.object(_native.C, "skpi_records_add",
                                  side_effect=AssertionError("per-row call")), \
                mock.patch.object(_native.C, "skpi_records_add_batch",
                                  side_effect=AssertionError("per-row call")):
            with Records() as records:
                start = time.perf_counter()
                records.add_batch(rows)
                elapsed = time.perf_counter() - start
                self.assertEqual(m.call_count, 1)
                self.assertEqual(len(records), n)
                self.assertEqual(records.get(n - 1)["id"], "r%06d" % (n - 1))
                self.assertEqual(records.get(7)["region"], "us")
        self.assertLess(elapsed, 30.0, "add_batch of 100k rows took %.1f s" % elapsed)

    def test_load(self):
        text = (b"id,opened_at,closed_at,outcome,channel,segment\n"
                b"l1,2025-01-01T00:00:00Z,2025-01-01T01:00:00Z,resolved,voice,smb\n"
                b"l2,2025-01-02T00:00:00Z,,open,chat,\n")
        records, rep = Records.load(text)
        with records:
            self.assertEqual(rep, supportkpi.LoadReport(2, 0, []))
            self.assertEqual(records.dimensions, ["segment"])
            rep = records.load(b"id,opened_at,outcome\nl3,2025-01-03T00:00:00Z,open\n")
            self.assertEqual(rep.rows, 1)
            self.assertEqual(len(records), 3)
            with self.assertRaises(DataError) as cm:
                records.load(b"id,opened_at,outcome\nl4,yesterday,open\nl1,0,open\n",
                             name="contacts.csv")
            errors = cm.exception.errors
            self.assertEqual(len(errors), 2)
            self.assertTrue(errors[0].startswith("contacts.csv:2:opened_at:"), errors)
            self.assertTrue(errors[1].startswith("contacts.csv:3:id:"), errors)
            self.assertEqual(cm.exception.message,
                             _native.C.skpi_records_errmsg(records._h()).decode())
            self.assertEqual(len(records), 3)

    @unittest.skipUnless(SAMPLE, "needs data/sample")
    def test_load_with_two_threads(self):
        contacts = sample_paths()[0]
        one, _ = Records.load(contacts)
        two, rep = Records.load(contacts, threads=2)
        with one, two:
            self.assertEqual(rep.rows, len(one))
            self.assertEqual(len(two), len(one))
            for i in range(0, len(one), 97):
                self.assertEqual(two.get(i), one.get(i))


class TestTwoThreads(unittest.TestCase):
    @unittest.skipUnless(SAMPLE, "needs data/sample")
    def test_chains_and_breakdown_with_two_threads(self):
        contacts, costs, rates = sample_paths()[:3]
        records, _ = Records.load(contacts)
        ledger, _ = Ledger.load_costs(costs)
        with records, ledger:
            ledger.load_rates(rates)
            with Chains(records) as one, Chains(records, threads=2) as two:
                self.assertEqual(len(two), len(one))
                for c in range(0, len(one), 7):
                    self.assertEqual(two.contacts(c), one.contacts(c))
                with Breakdown(one, ledger, by="channel,region") as b1, \
                        Breakdown(two, ledger, by="channel,region", threads=2) as b2:
                    self.assertEqual(b2.to_json(), b1.to_json())


class TestChainsAndBreakdown(unittest.TestCase):
    def setUp(self):
        self.ledger = small_ledger()
        self.records = Records()
        self.records.add_batch(small_contacts())
        self.chains = Chains(self.records, as_of=AS_OF)

    def tearDown(self):
        self.chains.close()
        self.records.close()
        self.ledger.close()

    def test_chains(self):
        c = self.chains
        self.assertEqual(len(c), 2)
        self.assertEqual(c.contact_count, 3)
        self.assertEqual([c.status(0), c.status(1)], ["resolved", "resolved"])
        self.assertEqual(c.contacts(0), [0, 2])
        self.assertEqual(c.contacts(1), [1])
        self.assertEqual(c.find_contact(2), (0, 1))
        self.assertEqual(c.channels(0), ["voice"])
        self.assertEqual(c.first_opened(0), T0 + HOUR)
        self.assertEqual(c.latest_close(0), T0 + DAY + HOUR)
        self.assertEqual(c.anchor(0), 0)
        self.assertFalse(c.is_provisional(0))
        self.assertEqual(c.options, {"window": 604800, "as_of": AS_OF, "provisional": False,
                                     "anchor": "first"})
        with self.assertRaises(NotFoundError):
            c.status(2)

    def test_chain_options(self):
        with Chains(self.records, window="36h", as_of="2025-01-31T00:00:00Z",
                    anchor="last", provisional=True) as c:
            self.assertEqual(c.options, {"window": 129600, "as_of": AS_OF,
                                         "provisional": True, "anchor": "last"})
        with Chains(self.records, window=3600) as c:
            self.assertEqual(len(c), 3)       # an hour's window: c3 starts its own chain
            self.assertEqual(c.options["as_of"], T0 + DAY + HOUR)   # the latest timestamp
        with self.assertRaises(ParseError) as cm:
            Chains(self.records, window="1w")
        self.assertIn("window", cm.exception.message)
        with self.assertRaises(InvalidError):
            Chains(self.records, window="91d")
        with self.assertRaises(InvalidError):
            Chains(self.records, anchor="middle")

    def test_breakdown_by_channel(self):
        with Breakdown(self.chains, self.ledger, by="channel") as b:
            self.assertEqual(len(b), 2)
            self.assertEqual(b.key_names, ["channel"])
            self.assertEqual(b.currency, "USD")
            self.assertIsNone(b.bucket)
            self.assertEqual(b.view, "period")
            rows = b.rows()
            self.assertEqual([r["channel"] for r in rows], ["chat", "voice"])
            chat, voice = rows
            total = b.total()
            # the numbers, worked out by hand from the data (shares of 10000 cents
            # by handle time: 600 + 300 + 100 seconds)
            self.assertEqual(total["contacts"], 3)
            self.assertEqual(total["closed_contacts"], 3)
            self.assertEqual(total["escalated_contacts"], 1)
            self.assertEqual(total["repeat_contacts"], 1)
            self.assertEqual(total["resolved_chains"], 2)
            self.assertEqual(total["unresolved_chains"], 0)
            self.assertEqual(total["settled_chains"], 2)
            self.assertEqual(total["open_chains"], 0)
            self.assertEqual(total["pending_chains"], 0)
            self.assertEqual(total["cost"], 10000)
            self.assertEqual(total["failure_demand_cost"], 1000)
            self.assertEqual(total["cpt"], 3333)
            self.assertEqual(total["cpr"], 5000)
            self.assertEqual(voice["contacts"], 2)
            self.assertEqual(voice["cost"], 7000)
            self.assertEqual(voice["cpr"], 7000)
            self.assertEqual(chat["cost"], 3000)
            self.assertEqual(chat["cpt"], 3000)
            self.assertEqual(chat["fcr"], 1.0)
            self.assertEqual(voice["fcr"], 0.0)
            self.assertEqual(b.rows(exact=True)[1]["repeat_rate"], Decimal("0.5"))
            self.assertEqual(b.total(exact=True)["repeat_rate"], Decimal("0.333333333"))
            self.assertAlmostEqual(total["repeat_rate"], 1 / 3, places=9)
            self.assertEqual(total["csat"], 0.5)
            self.assertEqual(b.ledger_figures["ledger_total"], 10000)
            self.assertEqual(b.ledger_figures["unallocated"], 0)
            self.assertEqual(b.row_contacts(1), [0, 2])
            self.assertEqual(b.row_chains(1), [0])
            self.assertEqual(b.key(1), {"channel": "voice"})
            self.assertEqual(b.find_row({"channel": "voice"}), 1)
            self.assertEqual(b.find_row("channel=chat"), 0)
            self.assertIsNone(b.find_row({"channel": "email"}))

    def test_every_kpi_matches_the_json_report(self):
        with Breakdown(self.chains, self.ledger, by=["channel", "region"],
                       bucket="month") as b:
            report = json.loads(b.to_json(), parse_float=Decimal)
            self.assertNotIn("skipped_rows", report["options"])
            self.assertEqual(report["options"]["by"], ["channel", "region"])
            self.assertEqual(len(report["rows"]), len(b))
            exact, approx = b.rows(exact=True), b.rows()
            for r, (jr, er, ar) in enumerate(zip(report["rows"], exact, approx)):
                self.assertEqual(jr["key"], {k: er[k] for k in b.key_names})
                for name in supportkpi.KPIS[:32]:
                    self.assertIn(name, er)
                    self.assertEqual(jr[name], er[name], (r, name))
                    self.assertEqual(b.get(r, name, exact=True), er[name])
                    text = b.text(r, name)
                    self.assertEqual(text, None if jr[name] is None else str(jr[name]))
                    if name in supportkpi.DECIMAL_KPIS and er[name] is not None:
                        self.assertIsInstance(er[name], Decimal)
                        self.assertIsInstance(ar[name], float)
                        self.assertAlmostEqual(ar[name], float(er[name]), places=9)
                    else:
                        self.assertEqual(ar[name], er[name])
                self.assertNotIn("open_chains", er)
            total = b.total(exact=True)
            self.assertEqual(set(total), set(supportkpi.KPIS))
            for name in supportkpi.KPIS:
                self.assertEqual(report["total"][name], total[name], name)
            self.assertEqual(report["ledger_total"], b.ledger_figures["ledger_total"])

    def test_absent_is_none(self):
        with Breakdown(self.chains) as b:               # no ledger: money KPIs absent
            total = b.total()
            self.assertIsNone(total["cost"])
            self.assertIsNone(total["cpr"])
            self.assertEqual(total["contacts"], 3)
            self.assertIsNone(b.ledger_figures)
            self.assertIsNone(b.currency)
            self.assertIsNone(b.get(b.TOTAL, "cpt"))
            self.assertIsNone(b.text(b.TOTAL, "cpt"))
        with Breakdown(self.chains, self.ledger, by="reason") as b:
            login = b.row(b.find_row({"reason": "login"}))
            self.assertIsNone(login["first_response_mean"])     # no first response given

    def test_tier_key_is_a_number(self):
        with Breakdown(self.chains, self.ledger, by="tier") as b:
            self.assertEqual([r["tier"] for r in b.rows()], [1, 2])

    def test_unknown_by_key(self):
        with self.assertRaises(InvalidError) as cm:
            Breakdown(self.chains, self.ledger, by="nosuch")
        self.assertIn("nosuch", cm.exception.message)
        with self.assertRaises(InvalidError):
            Breakdown(self.chains, self.ledger, by="channel,channel")
        with self.assertRaises(InvalidError):
            Breakdown(self.chains, self.ledger, bucket="year")

    def test_explain(self):
        with Breakdown(self.chains, self.ledger, by="channel") as b:
            for r in range(len(b)):
                x = b.explain(r)
                self.assertEqual(sum(c["cost"] for c in x["contacts"]), b.get(r, "cost"))
            x = b.explain({"channel": "voice"})
            self.assertEqual(x["key"], {"channel": "voice"})
            self.assertEqual([c["id"] for c in x["contacts"]], ["c1", "c3"])
            self.assertEqual([c["cost"] for c in x["contacts"]], [6000, 1000])
            self.assertEqual(x["chains"][0]["contacts"], ["c1", "c3"])
            self.assertEqual(x["chains"][0]["cost"], 7000)
            self.assertEqual(x["chains"][0]["status"], "resolved")
            t = b.explain(b.TOTAL)
            self.assertEqual(sum(c["cost"] for c in t["contacts"]), 10000)
            with Explain(b, 0, self.ledger) as e:
                self.assertEqual(e.contacts(), [(1, 3000)])
                self.assertEqual(e.chains(), [(1, 3000)])
            with Explain(b, 0) as e:                    # no ledger: costs absent
                self.assertEqual(e.contacts(), [(1, None)])
            with self.assertRaises(NotFoundError):
                b.explain({"channel": "fax"})
            with self.assertRaises(NotFoundError):
                Explain(b, 2, self.ledger)
            with Ledger("USD") as other:
                with self.assertRaises(InvalidError) as cm:
                    Explain(b, 0, other)
                self.assertIn("ledger", cm.exception.message)

    def test_update(self):
        b = Breakdown(self.chains, self.ledger)
        self.records.add(id="c4", customer="B", reason="login", channel="email",
                         opened_at=T0 + 2 * DAY, closed_at=T0 + 2 * DAY + 60,
                         outcome="resolved")
        with self.assertRaises(InvalidError) as cm:
            self.chains.update()
        self.assertIn("breakdown", cm.exception.message)
        b.close()
        self.chains.update()
        self.assertEqual(self.chains.contact_count, 4)
        self.assertEqual(self.chains.contacts(1), [1, 3])   # B's second login contact
        self.assertEqual(len(self.chains), 2)

    def test_csv_and_dataframe(self):
        with Breakdown(self.chains, self.ledger, by="channel") as b:
            lines = b.to_csv().splitlines()
            self.assertTrue(lines[0].startswith("kind,channel,contacts,"))
            self.assertEqual(len(lines), 4)
            self.assertTrue(lines[-1].startswith("total,"))
            try:
                import pandas  # noqa: F401
            except ImportError:
                with self.assertRaises(ImportError):
                    b.to_dataframe()
            else:
                df = b.to_dataframe()
                self.assertEqual(list(df["channel"]), ["chat", "voice"])
                self.assertEqual(list(df["cost"]), [3000, 7000])


class TestLifetimes(unittest.TestCase):
    def test_close_twice_and_closed_use(self):
        for make in (Ledger, Records):
            h = make()
            h.close()
            h.close()
            self.assertTrue(h.closed)
            with self.assertRaises(ClosedError) as cm:
                len(h)
            self.assertIsInstance(cm.exception, SupportKPIError)
            self.assertIn("closed", str(cm.exception))
            with self.assertRaises(ClosedError):
                with h:
                    pass
        records = Records()
        records.add_batch(small_contacts())
        chains = Chains(records)
        b = Breakdown(chains)
        e = Explain(b, b.TOTAL)
        for h in (e, b, chains):
            h.close()
            h.close()
        for call in (lambda: e.contacts(), lambda: b.rows(), lambda: b.to_json(),
                     lambda: chains.status(0), lambda: Chains(records).close() or
                     Breakdown(chains)):
            with self.assertRaises(ClosedError):
                call()
        records.close()
        with self.assertRaises(ClosedError):
            Chains(records)

    def test_closing_records_under_chains_is_deferred(self):
        records = Records()
        records.add_batch(small_contacts())
        chains = Chains(records, as_of=AS_OF)
        ledger = small_ledger()
        b = Breakdown(chains, ledger, by="channel")
        records.close()
        chains.close()
        ledger.close()                   # the breakdown read the ledger at construction
        self.assertTrue(records.closed)
        self.assertIsNotNone(records._ptr)   # still alive in C: the chains read it
        with self.assertRaises(ClosedError):
            records.get(0)
        with self.assertRaises(ClosedError):
            len(chains)
        # the breakdown still drills down through the chains and records
        self.assertEqual(b.row_contacts(1), [0, 2])
        self.assertEqual(b.total()["cost"], 10000)
        with self.assertRaises(ClosedError):   # its default ledger is closed
            b.explain(0)
        x = b.explain(0, None)
        self.assertEqual([c["id"] for c in x["contacts"]], ["c2"])
        b.close()
        self.assertIsNone(chains._ptr)
        self.assertIsNone(records._ptr)

    def test_garbage_collection_order(self):
        # only the breakdown is referenced: the chains and records it borrows
        # stay alive until it goes, whatever order the collector picks
        def build():
            records = Records()
            records.add_batch(small_contacts())
            return Breakdown(Chains(records, as_of=AS_OF), small_ledger(), by="channel")
        b = build()
        gc.collect()
        self.assertEqual(b.explain(1, None)["contacts"][1]["id"], "c3")
        chains, records = b.chains, b.chains.records
        # a reference cycle through all three: the collector finalises them in
        # any order, and nothing is freed while a borrower lives
        records.cycle = (chains, b)
        del b, chains, records
        gc.collect()
        for _ in range(20):
            b = build()
            b.chains.records.cycle = b
            del b
        gc.collect()

    def test_del_frees(self):
        records = Records()
        ptr = records._ptr
        self.assertTrue(ptr)
        with mock.patch.object(_native.C, "skpi_records_free",
                               wraps=_native.C.skpi_records_free) as m:
            del records
            gc.collect()
            m.assert_called_once_with(ptr)


@unittest.skipUnless(COMMAND and SAMPLE, "needs the supportkpi command and data/sample")
class TestAgainstTheCommand(unittest.TestCase):
    """report() and explain() give what `supportkpi report|explain` prints."""

    def report_both(self, fmt="json", **kwargs):
        contacts, costs, rates = sample_paths()
        args = ["report", "--contacts", contacts, "--costs", costs, "--rates", rates,
                "--format", fmt]
        flags = {"by": "--by", "bucket": "--bucket", "window": "--window", "as_of": "--as-of",
                 "anchor": "--anchor"}
        for k, v in kwargs.items():
            if k in flags:
                args += [flags[k], str(v)]
            elif k == "cohort" and v:
                args.append("--cohort")
            elif k == "provisional" and v:
                args.append("--provisional")
        mine = supportkpi.report(contacts, costs, rates=rates, format=fmt, **kwargs)
        theirs = run_command(*args).stdout
        return mine.encode("utf-8"), theirs

    def test_report_json(self):
        mine, theirs = self.report_both()
        self.assertEqual(mine, theirs)
        report = json.loads(mine)
        self.assertEqual(report["currency"], "USD")
        self.assertEqual(len(report["rows"]), 1)        # no grouping: one row
        self.assertEqual(report["rows"][0]["key"], {})

    def test_report_by_channel_month(self):
        mine, theirs = self.report_both(by="channel", bucket="month")
        self.assertEqual(mine, theirs)
        self.assertGreater(len(json.loads(mine)["rows"]), 12)

    def test_report_options(self):
        kwargs = dict(by="channel,region", bucket="week", cohort=True, window="36h",
                      as_of="2025-12-01T00:00:00Z", anchor="last", provisional=True)
        self.assertEqual(*self.report_both(**kwargs))
        self.assertEqual(*self.report_both(by="tier,outcome", bucket="quarter",
                                           window=86400))

    def test_report_csv_and_table(self):
        for fmt in ("csv", "table"):
            self.assertEqual(*self.report_both(fmt))
            self.assertEqual(*self.report_both(fmt, by="product,reason", bucket="month"))

    def test_report_skip_bad_rows(self):
        contacts, costs, rates = sample_paths()
        with open(contacts, "rb") as f:
            lines = f.read().split(b"\n")
        lines.insert(3, b"bad-1,CU1,billing,voice,eu,app,not-a-time,,,,,,resolved,,")
        lines.insert(9, b"T-2025-000001,CU1,billing,voice,eu,app,2025-01-05T00:00:00Z,,,,,,"
                        b"open,,")
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "contacts.csv")
            with open(bad, "wb") as f:
                f.write(b"\n".join(lines))
            skipped = []
            mine = supportkpi.report(bad, costs, rates=rates, by="channel",
                                     skip_bad_rows=True, bad_rows=skipped)
            proc = run_command("report", "--contacts", bad, "--costs", costs, "--rates",
                               rates, "--by", "channel", "--format", "json",
                               "--skip-bad-rows")
            self.assertEqual(mine.encode(), proc.stdout)
            self.assertEqual(json.loads(mine)["options"]["skipped_rows"], 2)
            self.assertEqual(skipped, proc.stderr.decode().splitlines()[:2])
            with self.assertRaises(DataError) as cm:
                supportkpi.report(bad, costs, rates=rates)
            self.assertEqual(cm.exception.errors, skipped)
            proc = run_command("report", "--contacts", bad, "--costs", costs, check=False)
            self.assertEqual(proc.returncode, 1)
            self.assertEqual(proc.stderr.decode().splitlines(),
                             skipped + ["supportkpi: " + cm.exception.message])

    def test_report_from_memory(self):
        contacts, costs, rates = sample_paths()
        data = []
        for p in (contacts, costs, rates):
            with open(p, "rb") as f:
                data.append(f.read())
        mine = supportkpi.report(*data[:2], rates=data[2], by="channel")
        theirs = run_command("report", "--contacts", contacts, "--costs", costs, "--rates",
                             rates, "--by", "channel", "--format", "json").stdout
        self.assertEqual(mine.encode(), theirs)

    def test_unknown_by_key(self):
        contacts, costs, rates = sample_paths()
        with self.assertRaises(InvalidError) as cm:
            supportkpi.report(contacts, costs, rates=rates, by="channel,nosuch")
        proc = run_command("report", "--contacts", contacts, "--costs", costs,
                           "--by", "channel,nosuch", check=False)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stderr.decode().strip(), "supportkpi: " + cm.exception.message)

    def test_explain_rows_sum_to_the_report(self):
        contacts, costs, rates = sample_paths()
        report = json.loads(supportkpi.report(contacts, costs, rates=rates, by="channel"))
        self.assertTrue(report["rows"])
        for row in report["rows"]:
            x = supportkpi.explain(contacts, costs, rates=rates, row=row["key"])
            self.assertEqual(x["key"], row["key"])
            self.assertEqual(sum(c["cost"] for c in x["contacts"]), row["cost"])
            self.assertEqual(len(x["contacts"]), row["contacts"])
            self.assertEqual(x["cost"], row["cost"])
            self.assertEqual(x["cpr"], row["cpr"])
            self.assertEqual(len(x["chains"]), row["settled_chains"])

    def test_explain_text(self):
        contacts, costs, rates = sample_paths()
        for row, extra in (("channel=voice", []),
                           ("channel=chat,month=2025-03", []),
                           ("region=eu", ["--window", "36h"])):
            kwargs = {"window": "36h"} if extra else {}
            mine = supportkpi.explain(contacts, costs, rates=rates, row=row, format="text",
                                      **kwargs)
            theirs = run_command("explain", "--contacts", contacts, "--costs", costs,
                                 "--rates", rates, "--row", row, *extra).stdout
            self.assertEqual(mine.encode(), theirs, row)
        with self.assertRaises(NotFoundError) as cm:
            supportkpi.explain(contacts, costs, rates=rates, row={"channel": "fax"})
        proc = run_command("explain", "--contacts", contacts, "--costs", costs, "--rates",
                           rates, "--row", "channel=fax", check=False)
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr.decode().strip(), "supportkpi: " + cm.exception.message)

    def test_objects_agree_with_report(self):
        contacts, costs, rates = sample_paths()
        records, _ = Records.load(contacts)
        ledger, _ = Ledger.load_costs(costs)
        ledger.load_rates(rates)
        with records, ledger, Chains(records) as chains, \
                Breakdown(chains, ledger, by="channel") as b:
            self.assertEqual(b.to_json(), supportkpi.report(contacts, costs, rates=rates,
                                                            by="channel"))
            self.assertEqual(b.to_csv(), supportkpi.report(contacts, costs, rates=rates,
                                                           by="channel", format="csv"))
            self.assertEqual(len(records), 6000)
            for r in range(len(b)):
                x = b.explain(r)
                self.assertEqual(sum(c["cost"] for c in x["contacts"]), b.get(r, "cost"))


if __name__ == "__main__":
    unittest.main()
