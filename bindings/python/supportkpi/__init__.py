"""supportkpi: Python bindings of libsupportkpi (pure Python over ctypes).

What a support organisation really pays to solve a customer's problem: cost
per resolution, cost per ticket, escalation-adjusted cost, failure-demand
cost, first contact resolution and the other KPIs of SPEC, by any segment.

Every number comes from the C library; this package converts arguments,
calls C and converts results.  The handle classes (Ledger, Records, Chains,
Breakdown, Explain) wrap one C handle each and have ``close()`` (idempotent),
context-manager support and a finaliser; a closed handle raises ClosedError.

Lifetimes.  A Chains keeps its Records alive, a Breakdown its Chains (and so
the Records): Python's garbage collector cannot free a borrowed handle first.
Closing a Records that live Chains still read is *deferred*: the Records is
closed at once for its own methods (they raise ClosedError), and the C handle
is freed when the last Chains built from it is closed or collected.  Closing a
Chains that live Breakdowns read is deferred the same way.
Chains.update() is refused (InvalidError) while a Breakdown of the chains is
open, because a breakdown reads its chains for drill-down.

    >>> import supportkpi
    >>> text = supportkpi.report("contacts.csv", "costs.csv", rates="rates.csv",
    ...                          by="channel", bucket="month")
"""

import collections
import datetime
import functools
import itertools
import operator
import os
import sys
import threading
from array import array
from ctypes import byref, c_char_p, c_double, c_int, c_int64, c_size_t, c_void_p, cast, \
    create_string_buffer
from decimal import Decimal

from . import _native
from ._native import (C, ClosedError, DataError, DuplicateError, InputOutputError,
                      InvalidError, NoSpaceError, NotFoundError, OutOfMemoryError, ParseError,
                      RangeError, SupportKPIError, UNSET, ROW_TOTAL)

__all__ = [
    "__version__", "Ledger", "Records", "Chains", "Breakdown", "Explain", "LoadReport",
    "report", "explain",
    "SupportKPIError", "InvalidError", "OutOfMemoryError", "RangeError", "DuplicateError",
    "NotFoundError", "ParseError", "InputOutputError", "NoSpaceError", "DataError",
    "ClosedError",
    "parse_time", "parse_duration", "format_time", "bucket_label", "format_money",
    "format_percent", "format_duration", "currency_minor_digits",
    "KPIS", "DECIMAL_KPIS", "CATEGORIES", "DRIVERS", "OUTCOMES", "BUCKETS", "CHAIN_STATUSES",
    "UNSET", "ROW_TOTAL", "TOTAL", "WINDOW_DEFAULT", "WINDOW_MAX", "TIER_MAX",
    "library_version", "library_path",
]

#: The C library's runtime version string (skpi_version_string()).
__version__ = _native.version
library_path = _native.library_path

_ABSENT = _native.SKPI_ABSENT
_OK = _native.SKPI_OK


def library_version():
    """skpi_version_string() and skpi_version_number() of the loaded library."""
    return C.skpi_version_string().decode(), C.skpi_version_number()


def _names(count, name_fn):
    return tuple(name_fn(i).decode() for i in range(count))


#: KPI member names (SPEC section 9), in the order of the JSON report.
KPIS = _names(C.skpi_kpi_count(), C.skpi_kpi_name)
#: Names of the KPIs that are decimals (ratios, means), read as nanos by C.
DECIMAL_KPIS = frozenset(n for i, n in enumerate(KPIS)
                         if C.skpi_kpi_kind(i) == _native.SKPI_KIND_DECIMAL)
_KPI = {name: i for i, name in enumerate(KPIS)}
_ROW_KPIS = _KPI["open_chains"]     # rows carry the KPIs before the two chain counts
CATEGORIES = _names(C.skpi_category_count(), C.skpi_category_name)
DRIVERS = _names(C.skpi_driver_count(), C.skpi_driver_name)
OUTCOMES = _names(C.skpi_outcome_count(), C.skpi_outcome_name)
_OUTCOME_CODE = {name: i for i, name in enumerate(OUTCOMES)}
BUCKETS = tuple(C.skpi_bucket_name(i).decode() for i in range(1, 5))
CHAIN_STATUSES = tuple(C.skpi_chain_status_name(i).decode() for i in range(4))
WINDOW_DEFAULT = C.skpi_window_default()
WINDOW_MAX = C.skpi_window_max()
TIER_MAX = C.skpi_tier_max()
#: The row argument that reads a breakdown's total (also ROW_TOTAL).
TOTAL = "total"

_CONTACT_TEXT = ("id", "customer", "reason", "channel")
_CONTACT_TIMES = ("opened_at", "first_response_at", "closed_at")
_CONTACT_INTS = ("handle_seconds", "tier", "escalations", "reopens", "csat")
_CONTACT_FIELDS = frozenset(_CONTACT_TEXT + _CONTACT_TIMES + _CONTACT_INTS + ("outcome",))

LoadReport = collections.namedtuple("LoadReport", "rows skipped errors")
LoadReport.__doc__ = ("What a load did: rows taken, bad rows skipped (skip mode) or found, "
                      "and every bad row's 'file:line:column:reason' message.")

# ---------------------------------------------------------------------------
# Conversions (no arithmetic: text goes to C, numbers come back from C)


def _enc(text, what):
    if text is None:
        return None
    if isinstance(text, bytes):
        return text
    if isinstance(text, str):
        return text.encode("utf-8")
    raise TypeError("%s: text expected, got %s" % (what, type(text).__name__))


def _dec(raw):
    return None if raw is None else raw.decode("utf-8", "surrogateescape")


def _fail(code, message):
    return _native.error_for(code, message)


def _int64(value, what):
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError("%s: an integer expected, got %s" % (what, type(value).__name__))
    if not -2 ** 63 <= v < 2 ** 63:
        raise _fail(_native.SKPI_ERANGE, "%s: %d does not fit in int64" % (what, v))
    return v


def _index(value, what="index"):
    v = operator.index(value)
    if v < 0:
        raise IndexError("%s: %d is negative" % (what, v))
    return v


def _prefixed(e, what):
    """The same error with @p what in front of its message."""
    err = _native.error_for(e.code, "%s: %s" % (what, e.message), e.function, e.errors)
    return err


def parse_time(text):
    """skpi_time_parse: epoch seconds or ISO 8601 with a zone -> Unix seconds."""
    out, err = c_int64(), _native.new_error()
    C.skpi_time_parse(_enc(text, "time"), byref(out), err)
    return out.value


def parse_duration(text):
    """skpi_duration_parse: '604800', '36h', '7d' -> seconds."""
    out, err = c_int64(), _native.new_error()
    C.skpi_duration_parse(_enc(text, "duration"), byref(out), err)
    return out.value


def _time(value, what):
    """An int (epoch seconds), ISO text, an aware datetime, or None (unset)."""
    if value is None:
        return UNSET
    if isinstance(value, datetime.datetime):
        value = value.isoformat()
    if isinstance(value, (str, bytes)):
        try:
            return parse_time(value)
        except SupportKPIError as e:
            raise _prefixed(e, what) from None
    return _int64(value, what)


def _duration(value, what):
    if value is None:
        return UNSET
    if isinstance(value, (str, bytes)):
        try:
            return parse_duration(value)
        except SupportKPIError as e:
            raise _prefixed(e, what) from None
    return _int64(value, what)


def format_time(t):
    """skpi_time_format: Unix seconds -> 'YYYY-MM-DDThh:mm:ssZ'."""
    size = C.skpi_time_text_size()
    buf = create_string_buffer(size)
    C.skpi_time_format(_int64(t, "time"), buf, size, _native.new_error())
    return buf.value.decode()


def bucket_label(t, bucket):
    """skpi_bucket_label: the label of the day/week/month/quarter holding @p t."""
    size = C.skpi_time_text_size()
    buf = create_string_buffer(size)
    C.skpi_bucket_label(_int64(t, "time"), _bucket(bucket), buf, size, _native.new_error())
    return buf.value.decode()


def format_money(minor_units, currency):
    """skpi_format_money: 123456, 'USD' -> '1234.56'."""
    buf = create_string_buffer(48)
    C.skpi_format_money(_int64(minor_units, "amount"), _enc(currency, "currency"), buf, 48)
    return buf.value.decode()


def format_percent(nanos, decimals=1):
    """skpi_format_percent: a fraction in units of 1e-9 -> '72.9%'."""
    buf = create_string_buffer(48)
    C.skpi_format_percent(_int64(nanos, "nanos"), decimals, buf, 48)
    return buf.value.decode()


def format_duration(seconds):
    """skpi_format_duration: 93784 -> '1d 2h'."""
    buf = create_string_buffer(48)
    C.skpi_format_duration(_int64(seconds, "seconds"), buf, 48)
    return buf.value.decode()


def currency_minor_digits(currency):
    """skpi_currency_minor_digits: 2 for 'USD', 0 for 'JPY'; -1 for a malformed code."""
    return C.skpi_currency_minor_digits(_enc(currency, "currency"))


def _from_name(fn, name, what, words):
    if isinstance(name, int) and not isinstance(name, bool):
        return name
    out = c_int()
    try:
        fn(_enc(name, what), byref(out))
    except InvalidError:
        raise _fail(_native.SKPI_EINVAL, "%s: %r is not one of %s"
                    % (what, name, ", ".join(words))) from None
    return out.value


def _bucket(bucket):
    if bucket is None:
        return 0
    return _from_name(C.skpi_bucket_from_name, bucket, "bucket", BUCKETS)


def _category(category):
    return _from_name(C.skpi_category_from_name, category, "category", CATEGORIES)


def _driver(driver):
    return _from_name(C.skpi_driver_from_name, driver, "driver", DRIVERS)


def _anchor(anchor):
    if anchor in ("first", _native.SKPI_ANCHOR_FIRST):
        return _native.SKPI_ANCHOR_FIRST
    if anchor in ("last", _native.SKPI_ANCHOR_LAST):
        return _native.SKPI_ANCHOR_LAST
    raise _fail(_native.SKPI_EINVAL, "anchor: %r is not first or last" % (anchor,))


def _keys(by):
    """Grouping keys: a list, or one string of keys joined by commas (as --by)."""
    if by is None:
        return []
    if isinstance(by, (str, bytes)):
        by = _dec(by) if isinstance(by, bytes) else by
        return by.split(",") if by else []
    return list(by)


# ---------------------------------------------------------------------------
# Handles

_lock = threading.RLock()


class _Handle:
    """One C handle.  ``_ptr`` is the C pointer (None once freed), ``_closed``
    what the user sees; ``_borrowers`` counts the live handles that read this
    one; ``_parents`` are the handles this one reads (kept alive, counted)."""

    _what = "handle"
    _free = None
    _ptr = None
    _closed = True
    _borrowers = 0
    _parents = ()

    def _adopt(self, ptr, parents=()):
        with _lock:
            for p in parents:
                p._borrowers += 1
            self._parents = tuple(parents)
            self._ptr = ptr
            self._closed = False

    def _h(self):
        """The C pointer for this handle's own methods; ClosedError once closed."""
        if self._closed or self._ptr is None:
            raise ClosedError("this %s" % self._what)
        return self._ptr

    def _raw(self):
        """The C pointer for a handle that borrows this one (valid until freed)."""
        if self._ptr is None:
            raise ClosedError("this %s" % self._what)
        return self._ptr

    @property
    def closed(self):
        """True once close() was called (the C handle may live on for borrowers)."""
        return self._closed

    def close(self):
        """Close the handle.  Idempotent.  The C handle is freed now, or, while
        other handles still read it, when the last of them is closed."""
        with _lock:
            self._closed = True
            self._release()

    def _release(self):
        if self._ptr is None or not self._closed or self._borrowers:
            return
        ptr, self._ptr = self._ptr, None
        getattr(C, self._free)(ptr)
        parents, self._parents = self._parents, ()
        for p in parents:
            p._borrowers -= 1
            p._release()

    def __enter__(self):
        self._h()
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing sensible to do
            pass

    def __repr__(self):
        state = "closed" if self._closed else "open"
        return "<supportkpi.%s %s>" % (type(self).__name__, state)


def _new_handle(cls):
    obj = cls.__new__(cls)
    return obj


# ---------------------------------------------------------------------------
# Loading files


def _input(source, name):
    """An skpi_input for a path, bytes, or a binary/text file object."""
    inp = _native.Input()
    if isinstance(source, (str, os.PathLike)):
        inp.path = os.fsencode(source)
    else:
        if hasattr(source, "read"):
            if name is None:
                name = getattr(source, "name", None)
                name = name if isinstance(name, str) else None
            source = source.read()
            if isinstance(source, str):
                source = source.encode("utf-8")
        if not isinstance(source, (bytes, bytearray, memoryview)):
            raise TypeError("a path, bytes or a file object expected, got %s"
                            % type(source).__name__)
        data = bytes(source)
        inp.data = data
        inp.size = len(data)
    inp.name = _enc(name, "name")
    return inp


def _load(call, source, skip_bad_rows, name, progress, threads=1):
    """Run one loader; return LoadReport or raise with every message in .errors."""
    inp = _input(source, name)
    messages = []

    def on_report(context, message):
        messages.append(_dec(message))

    report_fn = _native.REPORT_FN(on_report)
    if progress is not None:
        progress_fn = _native.PROGRESS_FN(lambda context, done: progress(done))
    else:
        progress_fn = _native.PROGRESS_FN()
    options = _native.LoadOptions(_native.SKPI_LOAD_OPTIONS_VERSION,
                                  1 if skip_bad_rows else 0, report_fn, progress_fn, None,
                                  threads)
    stats = _native.LoadStats()
    try:
        call(byref(inp), byref(options), byref(stats))
    except SupportKPIError as e:
        e.errors = list(messages)
        raise
    return LoadReport(stats.rows, stats.skipped, messages)


class _hybridmethod:
    """A method that also works on the class (then ``self`` is None)."""

    def __init__(self, f):
        self.f = f
        functools.update_wrapper(self, f)

    def __get__(self, obj, cls):
        return functools.partial(self.f, cls, obj)


# ---------------------------------------------------------------------------
# Ledger

LedgerEntry = collections.namedtuple(
    "LedgerEntry", "category amount start end driver channel scope")


class Ledger(_Handle):
    """A cost ledger in one currency (skpi_ledger)."""

    _what = "Ledger"
    _free = "skpi_ledger_free"

    def __init__(self, currency=None):
        out = c_void_p()
        C.skpi_ledger_new(byref(out), _enc(currency, "currency"), _native.new_error())
        self._adopt(out.value)

    @classmethod
    def load_costs(cls, source, skip_bad_rows=False, name=None, progress=None):
        """costs.csv (a path, bytes or a file object) into a new ledger.

        Returns (ledger, LoadReport).  Bad rows raise DataError whose
        ``errors`` lists every 'file:line:column:reason', unless
        skip_bad_rows, which leaves them out (listed in the report)."""
        out = c_void_p()
        err = _native.new_error()
        report = _load(lambda i, o, s: C.skpi_ledger_load_costs(byref(out), i, o, s, err),
                       source, skip_bad_rows, name, progress)
        ledger = _new_handle(cls)
        ledger._adopt(out.value)
        return ledger, report

    def load_rates(self, source, skip_bad_rows=False, name=None, progress=None):
        """rates.csv into this ledger's tier-rate table; returns a LoadReport."""
        h = self._h()
        return _load(lambda i, o, s: C.skpi_ledger_load_rates(h, i, o, s),
                     source, skip_bad_rows, name, progress)

    @property
    def currency(self):
        return _dec(C.skpi_ledger_currency(self._h()))

    def add_entry(self, category, amount, start, end, driver="handle_time", channel=None,
                  scope=None):
        """Add a cost entry: category (a word or code), amount in minor units,
        period [start, end) (epoch seconds or ISO text), driver, an optional
        channel scope and a dict of dimension=value scope pairs."""
        h = self._h()
        scope = dict(scope or {})
        keys = (c_char_p * len(scope))(*[_enc(k, "scope") for k in scope])
        values = (c_char_p * len(scope))(*[_enc(v, "scope") for v in scope.values()])
        C.skpi_ledger_add_entry(h, _category(category), _int64(amount, "amount"),
                                _time(start, "start"), _time(end, "end"), _driver(driver),
                                _enc(channel, "channel"), len(scope), keys, values)

    def __len__(self):
        return C.skpi_ledger_entry_count(self._h())

    def entry(self, index):
        """Entry @p index as a LedgerEntry (category and driver as words)."""
        h = self._h()
        index = _index(index)
        cat, drv = c_int(), c_int()
        amount, start, end = c_int64(), c_int64(), c_int64()
        C.skpi_ledger_entry(h, index, byref(cat), byref(amount), byref(start), byref(end),
                            byref(drv))
        scope = {}
        for pair in range(C.skpi_ledger_entry_scope_count(h, index)):
            k, v = c_char_p(), c_char_p()
            C.skpi_ledger_entry_scope(h, index, pair, byref(k), byref(v))
            scope[_dec(k.value)] = _dec(v.value)
        return LedgerEntry(_dec(C.skpi_category_name(cat.value)), amount.value, start.value,
                           end.value, _dec(C.skpi_driver_name(drv.value)),
                           _dec(C.skpi_ledger_entry_channel(h, index)), scope)

    @property
    def entries(self):
        """Every entry, in the order added (a list of LedgerEntry)."""
        return [self.entry(i) for i in range(len(self))]

    def __iter__(self):
        return iter(self.entries)

    def total(self):
        out = c_int64()
        C.skpi_ledger_total(self._h(), byref(out))
        return out.value

    def total_by_category(self, category):
        out = c_int64()
        C.skpi_ledger_total_by_category(self._h(), _category(category), byref(out))
        return out.value

    def total_between(self, start, end):
        """Sum of the entries whose period starts in [start, end)."""
        out = c_int64()
        C.skpi_ledger_total_between(self._h(), _time(start, "from"), _time(end, "to"),
                                    byref(out))
        return out.value

    def set_rate(self, tier, rate):
        """The rate of @p tier in minor units per handle hour."""
        C.skpi_ledger_set_rate(self._h(), tier, _int64(rate, "rate_per_hour"))

    def rate(self, tier):
        """The rate of @p tier, or None when it has none."""
        out = c_int64()
        rc = C.skpi_ledger_rate(self._h(), tier, byref(out))
        return None if rc == _ABSENT else out.value

    @property
    def rates(self):
        """{tier: rate} for the tiers that have a rate."""
        result = {}
        for tier in range(TIER_MAX + 1):
            r = self.rate(tier)
            if r is not None:
                result[tier] = r
        return result

    def rate_count(self):
        return C.skpi_ledger_rate_count(self._h())

    def clear_rates(self):
        C.skpi_ledger_clear_rates(self._h())


# ---------------------------------------------------------------------------
# Records


def _numpy():
    """numpy if the program imported it (never imported here)."""
    return sys.modules.get("numpy")


def _address(data):
    """The address of a bytes object's buffer (keep @p data alive)."""
    return cast(c_char_p(data), c_void_p).value


def _text_column(values, what, count, keep):
    """An Arrow-style skpi_text_column from a sequence of str/bytes/None."""
    if values is None:
        return _native.TextColumn()
    if len(values) != count:
        raise _fail(_native.SKPI_EINVAL, "columns: '%s' has %d values, expected %d"
                    % (what, len(values), count))
    try:
        parts = [v.encode("utf-8") for v in values]
    except (AttributeError, UnicodeEncodeError):
        parts = []
        for i, v in enumerate(values):
            if v is None:
                parts.append(b"")
            elif isinstance(v, str):
                parts.append(v.encode("utf-8", "surrogateescape"))
            elif isinstance(v, (bytes, bytearray)):
                parts.append(bytes(v))
            else:
                raise TypeError("columns: '%s' row %d: text expected, got %s"
                                % (what, i, type(v).__name__))
    data = b"".join(parts)
    offsets = array("q", [0])
    offsets.extend(itertools.accumulate(map(len, parts)))
    keep.extend((data, offsets))
    return _native.TextColumn(_address(data), offsets.buffer_info()[0])


def _int_item(v, what, i, kind):
    if v is None:
        return UNSET
    where = "%s row %d" % (what, i)
    if kind == "outcome" and isinstance(v, str):
        try:
            return _OUTCOME_CODE[v]
        except KeyError:
            raise _fail(_native.SKPI_EINVAL, "%s: %r is not one of %s"
                        % (where, v, ", ".join(OUTCOMES))) from None
    if kind == "time":
        return _time(v, where)
    return _int64(v, where)


def _int_column(values, what, count, kind, keep):
    """The address of @p count int64 values (None for "not given")."""
    if values is None:
        return None
    if len(values) != count:
        raise _fail(_native.SKPI_EINVAL, "columns: '%s' has %d values, expected %d"
                    % (what, len(values), count))
    np = _numpy()
    if np is not None and isinstance(values, np.ndarray):
        if kind == "time" and values.dtype.kind == "M":
            if values.dtype != np.dtype("datetime64[s]"):
                raise TypeError("columns: '%s': datetime64 columns must be in seconds "
                                "(datetime64[s]), not %s" % (what, values.dtype))
            values = values.view(np.int64)   # NaT is INT64_MIN: SKPI_UNSET
        if values.dtype.kind in "iub":
            arr = np.ascontiguousarray(values.astype(np.int64, casting="safe", copy=False))
            keep.append(arr)
            return arr.ctypes.data
    if isinstance(values, array) and values.typecode == "q":
        keep.append(values)
        return values.buffer_info()[0]
    fast = values
    if kind == "outcome":
        fast = [_OUTCOME_CODE.get(v, v) if v.__class__ is str else v for v in values]
    try:
        arr = array("q", fast)
    except (TypeError, OverflowError):
        arr = array("q", [_int_item(v, what, i, kind) for i, v in enumerate(values)])
    keep.append(arr)
    return arr.buffer_info()[0]


def _contact_columns(columns, count):
    """(skpi_contact_columns, buffers to keep alive) from a dict of sequences."""
    keep = []
    cols = _native.ContactColumns()
    cols.version = _native.SKPI_COLUMNS_VERSION
    cols.count = count
    for f in _CONTACT_TEXT:
        setattr(cols, f, _text_column(columns.get(f), f, count, keep))
    for f in _CONTACT_TIMES:
        setattr(cols, f, _int_column(columns.get(f), f, count, "time", keep))
    for f in _CONTACT_INTS:
        setattr(cols, f, _int_column(columns.get(f), f, count, "int", keep))
    cols.outcome = _int_column(columns.get("outcome"), "outcome", count, "outcome", keep)
    dims = [k for k in columns if k not in _CONTACT_FIELDS]
    if dims:
        names = (c_char_p * len(dims))(*[_enc(d, "dimension") for d in dims])
        texts = (_native.TextColumn * len(dims))(
            *[_text_column(columns[d], d, count, keep) for d in dims])
        keep.extend((names, texts))
        cols.dimension_count = len(dims)
        cols.dimension_names = names
        cols.dimensions = texts
    return cols, keep


def _contact_dict(rh, index):
    """Contact @p index of records pointer @p rh as a dict."""
    c = _native.Contact()
    c.version = _native.SKPI_CONTACT_VERSION
    C.skpi_records_get(rh, index, byref(c))
    d = {}
    for f in _CONTACT_TEXT:
        d[f] = _dec(getattr(c, f)) or ""
    for f in _CONTACT_TIMES + _CONTACT_INTS:
        v = getattr(c, f)
        d[f] = None if v == UNSET else v
    d["outcome"] = _dec(C.skpi_outcome_name(c.outcome))
    for j in range(C.skpi_records_dimension_count(rh)):
        d[_dec(C.skpi_records_dimension_name(rh, j))] = _dec(
            C.skpi_records_dimension_value(rh, index, j))
    return d


class Records(_Handle):
    """A growing, columnar set of contacts (skpi_records).

    Fields: id, customer, reason, channel (text); opened_at,
    first_response_at, closed_at (epoch seconds or ISO text); handle_seconds,
    tier, escalations, reopens, csat (integers); outcome ('open', 'resolved',
    'escalated', 'abandoned'); any other name is a dimension.  None means
    "not given" (the SPEC default, or absent)."""

    _what = "Records"
    _free = "skpi_records_free"

    def __init__(self):
        out = c_void_p()
        C.skpi_records_new(byref(out))
        self._adopt(out.value)

    def add(self, **fields):
        """Add one contact (skpi_records_add)."""
        h = self._h()
        c = _native.Contact()
        c.version = _native.SKPI_CONTACT_VERSION
        for f in _CONTACT_TEXT:
            setattr(c, f, _enc(fields.get(f), f))
        for f in _CONTACT_TIMES:
            setattr(c, f, _time(fields.get(f), f))
        for f in _CONTACT_INTS:
            v = fields.get(f)
            setattr(c, f, UNSET if v is None else _int64(v, f))
        outcome = fields.get("outcome")
        c.outcome = -1 if outcome is None else _int_item(outcome, "outcome", 0, "outcome")
        dims = [k for k in fields if k not in _CONTACT_FIELDS]
        if dims:
            c.dimension_count = len(dims)
            c.dimension_names = (c_char_p * len(dims))(*[_enc(d, "dimension") for d in dims])
            c.dimension_values = (c_char_p * len(dims))(
                *[_enc(fields[d], d) for d in dims])
        C.skpi_records_add(h, byref(c))

    def add_columns(self, columns):
        """Append contacts given as a dict of equal-length sequences (lists,
        array('q'), numpy arrays) in ONE call of skpi_records_append_columns:
        all or none.  Text columns may hold None (empty); integer and time
        columns None (not given)."""
        h = self._h()
        columns = dict(columns)
        if not columns:
            return
        count = len(next(iter(columns.values())))
        cols, keep = _contact_columns(columns, count)
        C.skpi_records_append_columns(h, byref(cols))
        del keep

    def add_batch(self, contacts):
        """Append a list of dicts (fields as for add()), all or none, in ONE
        call of skpi_records_append_columns.  A key missing from a dict is
        "not given"."""
        self._h()
        contacts = list(contacts)
        if not contacts:
            return
        names = list(dict.fromkeys(k for c in contacts for k in c))
        columns = {k: [c.get(k) for c in contacts] for k in names}
        cols, keep = _contact_columns(columns, len(contacts))
        C.skpi_records_append_columns(self._h(), byref(cols))
        del keep

    @_hybridmethod
    def load(cls, self, source, skip_bad_rows=False, name=None, progress=None, threads=1):
        """contacts.csv (a path, bytes or a file object), all or none.

        On an instance: append to it; returns a LoadReport.  On the class
        (``Records.load(path)``): a new Records; returns (records, report).
        Bad rows raise DataError listing every 'file:line:column:reason' in
        ``errors``, unless skip_bad_rows.  threads=2 lets a second thread of
        the library's intern the customers (faster on large files)."""
        if self is None:
            records = cls()
            try:
                report = records.load(source, skip_bad_rows, name, progress, threads)
            except BaseException:
                records.close()
                raise
            return records, report
        h = self._h()
        return _load(lambda i, o, s: C.skpi_records_load(h, i, o, s),
                     source, skip_bad_rows, name, progress, threads)

    def __len__(self):
        return C.skpi_records_count(self._h())

    @property
    def count(self):
        return C.skpi_records_count(self._h())

    def get(self, index):
        """Contact @p index (in the order added) as a dict; defaults filled
        in, absent values None, dimensions by name (None when absent)."""
        return _contact_dict(self._h(), _index(index))

    def __getitem__(self, index):
        return self.get(index)

    def find(self, id):
        """The index of the contact with this id, or None."""
        out = c_size_t()
        try:
            C.skpi_records_find(self._h(), _enc(id, "id"), byref(out))
        except NotFoundError:
            return None
        return out.value

    @property
    def dimensions(self):
        """The dimension names, in the order registered."""
        h = self._h()
        return [_dec(C.skpi_records_dimension_name(h, j))
                for j in range(C.skpi_records_dimension_count(h))]

    def add_dimension(self, name):
        """Register a dimension; returns its index."""
        out = c_size_t()
        C.skpi_records_add_dimension(self._h(), _enc(name, "dimension"), byref(out))
        return out.value

    @property
    def memory(self):
        """Bytes of memory the handle holds."""
        return C.skpi_records_memory(self._h())


# ---------------------------------------------------------------------------
# Chains


def _chain_options(window, as_of, provisional, anchor, threads):
    o = _native.ChainOptions()
    o.version = _native.SKPI_CHAIN_OPTIONS_VERSION
    o.window_seconds = _duration(window, "window")
    o.as_of = _time(as_of, "as_of")
    o.provisional = 1 if provisional else 0
    o.anchor = _anchor(anchor)
    o.threads = threads
    return o


class Chains(_Handle):
    """Resolution chains stitched from a Records (skpi_chains).  Keeps the
    Records alive; see the module doc for closing.  threads=2 lets a second
    thread of the library's stitch half of them (faster on large records;
    the same chains), for update() too."""

    _what = "Chains"
    _free = "skpi_chains_free"

    def __init__(self, records, window=None, as_of=None, provisional=False, anchor="first",
                 threads=1):
        rh = records._h()
        options = _chain_options(window, as_of, provisional, anchor, threads)
        out = c_void_p()
        C.skpi_chains_new(byref(out), rh, byref(options), _native.new_error())
        self._records = records
        self._adopt(out.value, parents=(records,))

    @property
    def records(self):
        return self._records

    def update(self):
        """Take in the contacts appended to the records since (skpi_chains_update).
        Refused while a Breakdown of these chains is open."""
        h = self._h()
        if self._borrowers:
            raise _fail(_native.SKPI_EINVAL, "chains: %d open breakdown(s) read these chains; "
                        "close them before update()" % self._borrowers)
        C.skpi_chains_update(h)

    @property
    def options(self):
        """The options in force: window (s), as_of (None without contacts),
        provisional, anchor."""
        o = _native.ChainOptions()
        o.version = _native.SKPI_CHAIN_OPTIONS_VERSION
        C.skpi_chains_options(self._h(), byref(o))
        return {"window": o.window_seconds, "as_of": None if o.as_of == UNSET else o.as_of,
                "provisional": bool(o.provisional),
                "anchor": "last" if o.anchor == _native.SKPI_ANCHOR_LAST else "first"}

    def __len__(self):
        return C.skpi_chains_count(self._h())

    @property
    def contact_count(self):
        return C.skpi_chains_contact_count(self._h())

    def status(self, chain):
        """'open', 'pending', 'resolved' or 'unresolved'."""
        return _dec(C.skpi_chain_status_name(C.skpi_chain_get_status(self._h(),
                                                                     _index(chain))))

    def is_provisional(self, chain):
        return bool(C.skpi_chain_is_provisional(self._h(), _index(chain)))

    def contacts(self, chain):
        """The record indexes of the chain's contacts, in stitching order."""
        h = self._h()
        chain = _index(chain)
        C.skpi_chain_get_status(h, chain)           # NotFoundError past the end
        return [C.skpi_chain_contact(h, chain, p) for p in range(C.skpi_chain_size(h, chain))]

    def anchor(self, chain):
        """The record index of the chain's anchor contact."""
        h = self._h()
        chain = _index(chain)
        C.skpi_chain_get_status(h, chain)                # NotFoundError past the end
        return C.skpi_chain_anchor(h, chain)

    def first_opened(self, chain):
        h = self._h()
        chain = _index(chain)
        C.skpi_chain_get_status(h, chain)                # NotFoundError past the end
        return C.skpi_chain_first_opened(h, chain)

    def latest_close(self, chain):
        """The largest closed_at of the chain's contacts, or None."""
        h = self._h()
        chain = _index(chain)
        C.skpi_chain_get_status(h, chain)                # NotFoundError past the end
        v = C.skpi_chain_latest_close(h, chain)
        return None if v == UNSET else v

    def channels(self, chain):
        """The distinct channels the chain crossed, in order of first use."""
        h = self._h()
        chain = _index(chain)
        C.skpi_chain_get_status(h, chain)
        return [_dec(C.skpi_chain_channel(h, chain, k))
                for k in range(C.skpi_chain_channel_count(h, chain))]

    def find_contact(self, contact):
        """(chain, position) of a record index; position > 0 marks a repeat."""
        chain, position = c_size_t(), c_size_t()
        C.skpi_chains_find_contact(self._h(), _index(contact), byref(chain), byref(position))
        return chain.value, position.value

    @property
    def memory(self):
        return C.skpi_chains_memory(self._h())


# ---------------------------------------------------------------------------
# Breakdown

_DEFAULT = object()


def _row_arg(row):
    if row is None or row == TOTAL:
        return ROW_TOTAL
    return _index(row, "row")


def _sized_text(name, call):
    """Text from a C writer into a caller buffer: ask its size, then fill."""
    needed = c_size_t()
    call(None, 0, byref(needed))   # SKPI_ENOSPACE: the size
    size = needed.value
    buf = create_string_buffer(size)
    if call(buf, size, byref(needed)) == _native.SKPI_ENOSPACE:
        raise _fail(_native.SKPI_ENOSPACE, name + ": the text grew between two calls")
    return buf.raw[:needed.value - 1].decode("utf-8", "surrogateescape")


class Breakdown(_Handle):
    """Every KPI per row of a grouping (skpi_breakdown).  Keeps its Chains
    (and their Records) alive; the ledger is read during construction only.

    ``by``: keys (channel, reason, tier, outcome, a dimension), a list or a
    string joined by commas; ``bucket``: day, week, month, quarter or None;
    ``cohort``: place chains by their anchor's opened_at; ``threads``: 2 lets
    a second thread of the library's compute part of it (faster on large
    records; the same result)."""

    _what = "Breakdown"
    _free = "skpi_breakdown_free"
    TOTAL = TOTAL

    def __init__(self, chains, ledger=None, by=(), bucket=None, cohort=False, threads=1):
        ch = chains._h()
        lh = ledger._h() if ledger is not None else None
        keys = _keys(by)
        o = _native.BreakdownOptions()
        o.version = _native.SKPI_BREAKDOWN_OPTIONS_VERSION
        names = (c_char_p * len(keys))(*[_enc(k, "by") for k in keys])
        o.by_count = len(keys)
        o.by = names if keys else None
        o.bucket = _bucket(bucket)
        o.view = _native.SKPI_VIEW_COHORT if cohort else _native.SKPI_VIEW_PERIOD
        o.threads = threads
        out = c_void_p()
        C.skpi_breakdown_new(byref(out), ch, lh, byref(o), _native.new_error())
        self._chains = chains
        self._ledger = ledger
        self._adopt(out.value, parents=(chains,))

    @property
    def chains(self):
        return self._chains

    def __len__(self):
        return C.skpi_breakdown_row_count(self._h())

    @property
    def row_count(self):
        return C.skpi_breakdown_row_count(self._h())

    @property
    def key_names(self):
        """The key columns: the grouping keys, then the bucket unit if any."""
        h = self._h()
        return [_dec(C.skpi_breakdown_key_name(h, j))
                for j in range(C.skpi_breakdown_key_count(h))]

    def key(self, row):
        """{key column: value} of a row (None for an empty or absent value;
        a tier as an int, as the JSON report writes it)."""
        h = self._h()
        row = _index(row, "row")
        if row >= C.skpi_breakdown_row_count(h):
            raise _fail(_native.SKPI_ENOTFOUND, "breakdown: no row %d" % row)
        d = {}
        for j in range(C.skpi_breakdown_key_count(h)):
            name = _dec(C.skpi_breakdown_key_name(h, j))
            value = _dec(C.skpi_breakdown_key_value(h, row, j))
            d[name] = int(value) if name == "tier" and value is not None else value
        return d

    @property
    def currency(self):
        return _dec(C.skpi_breakdown_currency(self._h()))

    @property
    def bucket(self):
        return _dec(C.skpi_bucket_name(C.skpi_breakdown_bucket(self._h())))

    @property
    def view(self):
        return "cohort" if C.skpi_breakdown_view(self._h()) == _native.SKPI_VIEW_COHORT \
            else "period"

    @property
    def ledger_figures(self):
        """{'ledger_total', 'unallocated', 'escalation_adjusted_unallocated'},
        or None without a ledger (the last is None without tier rates)."""
        total, unallocated, adjusted = c_int64(), c_int64(), c_int64()
        rc = C.skpi_breakdown_ledger(self._h(), byref(total), byref(unallocated),
                                     byref(adjusted))
        if rc == _ABSENT:
            return None
        return {"ledger_total": total.value, "unallocated": unallocated.value,
                "escalation_adjusted_unallocated":
                    None if adjusted.value == UNSET else adjusted.value}

    def _kpi(self, kpi):
        if isinstance(kpi, str):
            out = c_int()
            try:
                C.skpi_kpi_from_name(kpi.encode(), byref(out))
            except InvalidError:
                raise _fail(_native.SKPI_EINVAL, "kpi: %r is not a KPI name" % kpi) from None
            return out.value
        return operator.index(kpi)

    def _value(self, h, row, k, exact):
        if KPIS[k] not in DECIMAL_KPIS:
            v = c_int64()
            rc = C.skpi_breakdown_get(h, row, k, byref(v))
            return None if rc == _ABSENT else v.value
        if not exact:
            d = c_double()
            try:
                rc = C.skpi_breakdown_get_double(h, row, k, byref(d))
                return None if rc == _ABSENT else d.value
            except RangeError:
                pass
        buf = create_string_buffer(64)
        rc = C.skpi_breakdown_text(h, row, k, buf, 64)
        if rc == _ABSENT:
            return None
        text = buf.value.decode()
        return Decimal(text) if exact else float(text)

    def get(self, row, kpi, exact=False):
        """One KPI of a row (an index, or TOTAL): an int, a float (decimal
        KPIs; Decimal with exact=True), or None when absent."""
        return self._value(self._h(), _row_arg(row), self._kpi(kpi), exact)

    def text(self, row, kpi):
        """One KPI as the JSON report writes it ('0.728874506'), or None."""
        buf = create_string_buffer(64)
        rc = C.skpi_breakdown_text(self._h(), _row_arg(row), self._kpi(kpi), buf, 64)
        return None if rc == _ABSENT else buf.value.decode()

    def row(self, row, exact=False):
        """A row as a dict: its key columns, then every KPI by its SPEC name."""
        h = self._h()
        d = self.key(row)
        for k in range(_ROW_KPIS):
            d[KPIS[k]] = self._value(h, row, k, exact)
        return d

    def rows(self, exact=False):
        """Every row as a dict (see row()).  Decimal KPIs are floats, or exact
        decimal.Decimal values with exact=True (from skpi_breakdown_text)."""
        return [self.row(r, exact) for r in range(len(self))]

    def total(self, exact=False):
        """The total as a dict of every KPI (open_chains and pending_chains too)."""
        h = self._h()
        return {KPIS[k]: self._value(h, ROW_TOTAL, k, exact) for k in range(len(KPIS))}

    def row_contacts(self, row):
        """The record indexes of the contacts behind a row (or TOTAL)."""
        h = self._h()
        row = _row_arg(row)
        return [C.skpi_breakdown_row_contact(h, row, k)
                for k in range(C.skpi_breakdown_row_contact_count(h, row))]

    def row_chains(self, row):
        """The chain indexes placed in a row (or TOTAL)."""
        h = self._h()
        row = _row_arg(row)
        return [C.skpi_breakdown_row_chain(h, row, k)
                for k in range(C.skpi_breakdown_row_chain_count(h, row))]

    def find_row(self, keys):
        """The index of the row whose every key matches, as `supportkpi explain
        --row` matches (text; '' or None matches a null key), or None.
        @p keys: a dict, or 'key=value,key=value'."""
        h = self._h()
        wanted = _row_keys(keys)
        count = C.skpi_breakdown_key_count(h)
        if count != len(wanted):
            return None
        names = [C.skpi_breakdown_key_name(h, j) for j in range(count)]
        for r in range(C.skpi_breakdown_row_count(h)):
            matched = 0
            for k, v in wanted:
                for j in range(count):
                    if names[j] != k:
                        continue
                    value = C.skpi_breakdown_key_value(h, r, j)
                    matched += (value or b"") == v
            if matched == count:
                return r
        return None

    def to_json(self, skipped_rows=None):
        """The SPEC section 9 JSON report (skpi_breakdown_json); @p
        skipped_rows is written as options.skipped_rows unless None."""
        skipped = UNSET if skipped_rows is None else _int64(skipped_rows, "skipped_rows")
        return _sized_text("skpi_breakdown_json",
                           lambda buf, cap, needed: C.skpi_breakdown_json(
                               self._h(), buf, cap, needed, skipped))

    def to_csv(self):
        """The CSV of skpi_breakdown_csv, as text."""
        return _sized_text("skpi_breakdown_csv",
                           lambda buf, cap, needed: C.skpi_breakdown_csv(
                               self._h(), buf, cap, needed))

    def to_text(self):
        """The command's table format (`supportkpi report --format table`)."""
        return _summary(self._h()).decode("utf-8", "surrogateescape")

    def to_dataframe(self, exact=False, total=False):
        """The rows as a pandas DataFrame (pandas must be installed); with
        total=True the total is appended as a last row with null keys."""
        try:
            import pandas
        except ImportError:
            raise ImportError("Breakdown.to_dataframe() needs pandas") from None
        keys = self.key_names
        records = self.rows(exact)
        columns = keys + list(KPIS[:_ROW_KPIS])
        if total:
            t = self.total(exact)
            columns += ["open_chains", "pending_chains"]
            records.append(dict({k: None for k in keys}, **t))
        return pandas.DataFrame.from_records(records, columns=columns)

    def explain(self, row, ledger=_DEFAULT):
        """The contacts and chains behind a row (an index, TOTAL, or keys for
        find_row()), each with its cost, as a dict.  @p ledger defaults to
        the breakdown's."""
        h = self._h()
        if ledger is _DEFAULT:
            ledger = self._ledger
        if isinstance(row, (dict, str)) and row != TOTAL:
            index = self.find_row(row)
            if index is None:
                raise _fail(_native.SKPI_ENOTFOUND, "no row with %s in this breakdown "
                            "(keys: %s)" % (_row_text(row), " ".join(self.key_names)))
            row = index
        with Explain(self, row, ledger) as e:
            return _explanation(self, h, _row_arg(row), e)


def _row_keys(keys):
    """[(name bytes, value bytes)] from a dict or 'key=value,...'."""
    if isinstance(keys, (str, bytes)):
        text = _dec(keys) if isinstance(keys, bytes) else keys
        pairs = []
        for part in text.split(","):
            k, eq, v = part.partition("=")
            if not eq or not k:
                raise _fail(_native.SKPI_EINVAL, "row: '%s' is not KEY=VALUE" % part)
            pairs.append((k, v))
    else:
        pairs = list(dict(keys).items())
    return [(_enc(k, "row"), _enc("" if v is None else str(v), "row")) for k, v in pairs]


def _row_text(keys):
    if isinstance(keys, (str, bytes)):
        return _dec(keys) if isinstance(keys, bytes) else keys
    return ",".join("%s=%s" % (k, "" if v is None else v) for k, v in dict(keys).items())


def _explanation(breakdown, h, row, e):
    chains = breakdown._chains
    ch = chains._raw()
    rh = chains._records._raw()
    result = {
        "row": TOTAL if row == ROW_TOTAL else row,
        "key": {} if row == ROW_TOTAL else breakdown.key(row),
        "currency": _dec(C.skpi_breakdown_currency(h)),
        "cost": breakdown._value(h, row, _KPI["cost"], False),
        "cpr": breakdown._value(h, row, _KPI["cpr"], False),
        "contacts": [],
        "chains": [],
    }
    for index, cost in e.contacts():
        c = _contact_dict(rh, index)
        result["contacts"].append({
            "index": index, "id": c["id"], "opened_at": c["opened_at"],
            "channel": c["channel"], "outcome": c["outcome"], "tier": c["tier"],
            "cost": cost})
    for chain, cost in e.chains():
        latest = C.skpi_chain_latest_close(ch, chain)
        members = [C.skpi_chain_contact(ch, chain, p) for p in range(C.skpi_chain_size(ch, chain))]
        result["chains"].append({
            "chain": chain,
            "status": _dec(C.skpi_chain_status_name(C.skpi_chain_get_status(ch, chain))),
            "provisional": bool(C.skpi_chain_is_provisional(ch, chain)),
            "first_opened": C.skpi_chain_first_opened(ch, chain),
            "latest_close": None if latest == UNSET else latest,
            "cost": cost,
            "contacts": [_contact_dict(rh, i)["id"] for i in members],
            "channels": [_dec(C.skpi_chain_channel(ch, chain, k))
                         for k in range(C.skpi_chain_channel_count(ch, chain))],
        })
    return result


# ---------------------------------------------------------------------------
# Explain


class Explain(_Handle):
    """The contacts and chains behind one breakdown row, each with its cost
    (skpi_explain).  Reads the breakdown during construction only."""

    _what = "Explain"
    _free = "skpi_explain_free"

    def __init__(self, breakdown, row, ledger=None):
        out = c_void_p()
        C.skpi_explain_new(byref(out), breakdown._h(), _row_arg(row),
                           ledger._h() if ledger is not None else None, _native.new_error())
        self._adopt(out.value)

    def contacts(self):
        """[(record index, cost or None)] in record order; the costs sum to the row's."""
        h = self._h()
        result = []
        for k in range(C.skpi_explain_contact_count(h)):
            index, cost = c_size_t(), c_int64()
            rc = C.skpi_explain_contact(h, k, byref(index), byref(cost))
            result.append((index.value, None if rc == _ABSENT else cost.value))
        return result

    def chains(self):
        """[(chain index, cost of all its contacts or None)]."""
        h = self._h()
        result = []
        for k in range(C.skpi_explain_chain_count(h)):
            chain, cost = c_size_t(), c_int64()
            rc = C.skpi_explain_chain(h, k, byref(chain), byref(cost))
            result.append((chain.value, None if rc == _ABSENT else cost.value))
        return result


# ---------------------------------------------------------------------------
# The command's table and explanation, byte for byte (C printf pads by bytes)

_TABLE_KPIS = ("contacts", "resolved_chains", "fcr", "repeat_rate", "escalation_rate", "cost",
               "cpt", "cpr", "cpr_escalation_adjusted", "failure_demand_cost",
               "escalation_premium", "resolution_time_median")
_TABLE_TITLES = (b"contacts", b"resolved", b"FCR", b"repeat", b"escalated", b"cost", b"CPT",
                 b"CPR", b"CPR esc-adj", b"failure demand", b"esc premium", b"resolution p50")


def _buf_text(fn, *args, cap=48):
    buf = create_string_buffer(cap)
    fn(*args, buf, cap)
    return buf.value


def _money_bytes(minor, currency):
    return _buf_text(C.skpi_format_money, minor, currency)


def _get_raw(h, row, kpi):
    """(rc, value) of skpi_breakdown_get; an error reads as absent ('-')."""
    v = c_int64()
    try:
        rc = C.skpi_breakdown_get(h, row, kpi, byref(v))
    except SupportKPIError as e:
        return e.code, None
    return rc, v.value


def _table_cell(h, row, kpi):
    rc, v = _get_raw(h, row, kpi)
    if rc != _OK:
        return b"-"
    if _KPI["cost"] <= kpi <= _KPI["cpr_escalation_adjusted"]:
        return _money_bytes(v, C.skpi_breakdown_currency(h))
    if KPIS[kpi] in DECIMAL_KPIS:
        return _buf_text(C.skpi_format_percent, v, 1)
    if kpi == _KPI["resolution_time_median"]:
        return _buf_text(C.skpi_format_duration, v)
    return b"%d" % v


def _any_cell(h, row, c, keys):
    if c >= keys:
        return _table_cell(h, row, _KPI[_TABLE_KPIS[c - keys]])
    if row == ROW_TOTAL:
        key = b"total" if c == 0 else b""
    else:
        key = C.skpi_breakdown_key_value(h, row, c)
    return (b"(none)" if key is None else key)[:47]


def _cell(text, width, left, last):
    return (text.ljust(width) if left else text.rjust(width)) + (b"\n" if last else b"  ")


def _table(h):
    keys, rows = C.skpi_breakdown_key_count(h), C.skpi_breakdown_row_count(h)
    columns = keys + len(_TABLE_KPIS)
    titles = [C.skpi_breakdown_key_name(h, c) for c in range(keys)] + list(_TABLE_TITLES)
    width = [len(t) for t in titles]
    if keys == 0:
        width[0] = 0
    row_ids = list(range(rows)) + [ROW_TOTAL]
    cells = [[_any_cell(h, row, c, keys) for c in range(columns)] for row in row_ids]
    for line in cells:
        for c, text in enumerate(line):
            width[c] = max(width[c], len(text))
    out = []
    if keys == 0:
        out.append(b"%-5s  " % b"")
    for c in range(columns):
        out.append(_cell(titles[c], width[c], c < keys, c + 1 == columns))
    for row, line in zip(row_ids, cells):
        if keys == 0:
            out.append(b"%-5s  " % (b"total" if row == ROW_TOTAL else b"all"))
        for c in range(columns):
            out.append(_cell(line[c], width[c], c < keys, c + 1 == columns))
    return b"".join(out)


def _summary(h):
    currency = C.skpi_breakdown_currency(h)
    o = _native.ChainOptions()
    C.skpi_chains_options(C.skpi_breakdown_chains(h), byref(o))
    total, unallocated, adjusted = c_int64(), c_int64(), c_int64()
    C.skpi_breakdown_ledger(h, byref(total), byref(unallocated), byref(adjusted))
    when = b"-"
    if o.as_of != UNSET:
        when = _time_bytes(o.as_of)
    window = _buf_text(C.skpi_format_duration, o.window_seconds, cap=32)
    money = [_money_bytes(total.value, currency), _money_bytes(unallocated.value, currency)]
    if adjusted.value == UNSET:
        money.append(b"- (no tier rates)")
    else:
        money.append(_money_bytes(adjusted.value, currency))
    out = [b"as of %s, window %s, %s view, %s anchor%s\n" % (
        when, window,
        b"cohort" if C.skpi_breakdown_view(h) == _native.SKPI_VIEW_COHORT else b"period",
        b"last" if o.anchor == _native.SKPI_ANCHOR_LAST else b"first",
        b", provisional" if o.provisional else b"")]
    out.append(b"ledger %s %s; unallocated %s; escalation-adjusted unallocated %s\n"
               % (money[0], currency or b"(null)", money[1], money[2]))
    out.append(b"chains: open %d" % _get_raw(h, ROW_TOTAL, _KPI["open_chains"])[1])
    out.append(b", pending %d" % _get_raw(h, ROW_TOTAL, _KPI["pending_chains"])[1])
    out.append(b", settled %d\n\n" % _get_raw(h, ROW_TOTAL, _KPI["settled_chains"])[1])
    return b"".join(out) + _table(h)


def _time_bytes(t):
    buf = create_string_buffer(40)
    C.skpi_time_format(t, buf, 40, _native.new_error())
    return buf.value


def _explain_text(row_text, h, row, e):
    """The command's explanation of a row."""
    currency = C.skpi_breakdown_currency(h)
    ch = C.skpi_breakdown_chains(h)
    rh = C.skpi_chains_records(ch)

    def money_text(rc, v):
        return _money_bytes(v, currency) if rc == _OK else b"-"

    out = [b"row %s: cost %s %s" % (row_text, money_text(*_get_raw(h, row, _KPI["cost"])),
                                    currency or b"(null)")]
    out.append(b", CPR %s\n\n" % money_text(*_get_raw(h, row, _KPI["cpr"])))
    out.append(b"chains placed in this row: %d\n" % C.skpi_explain_chain_count(e))
    out.append(b"  %-8s %-10s %-21s %-21s %12s  %s\n" % (
        b"chain", b"status", b"first opened", b"latest close", b"cost", b"contacts (channel)"))
    contact = _native.Contact()
    for k in range(C.skpi_explain_chain_count(e)):
        chain, cost = c_size_t(), c_int64()
        rc = C.skpi_explain_chain(e, k, byref(chain), byref(cost))
        chain = chain.value
        out.append(b"  %-8d %-10s %-21s %-21s %12s " % (
            chain, C.skpi_chain_status_name(C.skpi_chain_get_status(ch, chain)),
            _time_bytes(C.skpi_chain_first_opened(ch, chain)),
            _time_bytes(C.skpi_chain_latest_close(ch, chain)), money_text(rc, cost.value)))
        for p in range(C.skpi_chain_size(ch, chain)):
            C.skpi_records_get(rh, C.skpi_chain_contact(ch, chain, p), byref(contact))
            out.append(b" %s (%s)" % (contact.id, contact.channel or b"-"))
        out.append(b"\n")
    out.append(b"\n")
    out.append(b"contacts in this row: %d\n" % C.skpi_explain_contact_count(e))
    out.append(b"  %-20s %-21s %-12s %-10s %4s %12s\n" % (
        b"id", b"opened", b"channel", b"outcome", b"tier", b"cost"))
    for k in range(C.skpi_explain_contact_count(e)):
        index, cost = c_size_t(), c_int64()
        rc = C.skpi_explain_contact(e, k, byref(index), byref(cost))
        C.skpi_records_get(rh, index.value, byref(contact))
        out.append(b"  %-20s %-21s %-12s %-10s %4d %12s\n" % (
            contact.id, _time_bytes(contact.opened_at), contact.channel or b"-",
            C.skpi_outcome_name(contact.outcome), contact.tier, money_text(rc, cost.value)))
    return b"".join(out)


# ---------------------------------------------------------------------------
# The command's two operations


def _load_inputs(contacts, costs, rates, skip_bad_rows, bad_rows):
    """load_all() of the command: (records, ledger, skipped rows)."""
    reports = []
    records = ledger = None
    try:
        records, r = Records.load(contacts, skip_bad_rows)
        reports.append(r)
        ledger, r = Ledger.load_costs(costs, skip_bad_rows)
        reports.append(r)
        if rates is not None:
            reports.append(ledger.load_rates(rates, skip_bad_rows))
    except BaseException:
        for h in (ledger, records):
            if h is not None:
                h.close()
        raise
    finally:
        if bad_rows is not None:
            for r in reports:
                bad_rows.extend(r.errors)
    skipped = sum(r.skipped for r in reports) if skip_bad_rows else None
    return records, ledger, skipped


def report(contacts, costs, rates=None, window=None, as_of=None, by=(), bucket=None,
           cohort=False, anchor="first", provisional=False, skip_bad_rows=False,
           format="json", bad_rows=None):
    """What `supportkpi report` prints, with the same library calls.

    contacts, costs, rates: paths, bytes or file objects.  window: seconds or
    '7d'/'36h'; as_of: epoch seconds or ISO 8601; by: keys (a list or
    'a,b'); bucket: day, week, month, quarter; format: 'json' (SPEC section 9,
    options.skipped_rows written in skip mode), 'csv' or 'table'.  Bad rows
    raise DataError (its ``errors`` lists them) unless skip_bad_rows; in skip
    mode their messages are appended to the list @p bad_rows when given."""
    if format not in ("json", "csv", "table"):
        raise _fail(_native.SKPI_EINVAL, "format: %r is not table, csv or json" % (format,))
    records, ledger, skipped = _load_inputs(contacts, costs, rates, skip_bad_rows, bad_rows)
    with records, ledger:
        with Chains(records, window, as_of, provisional, anchor) as chains:
            with Breakdown(chains, ledger, by, bucket, cohort) as b:
                if format == "json":
                    return b.to_json(skipped)
                if format == "csv":
                    return b.to_csv()
                return b.to_text()


def explain(contacts, costs, rates=None, row=None, window=None, as_of=None, by=(),
            bucket=None, cohort=False, anchor="first", provisional=False,
            skip_bad_rows=False, format="dict", bad_rows=None):
    """What `supportkpi explain --row ...` shows: the chains and contacts
    behind one row, with their costs (the contacts' costs sum to the row's).

    @p row: a dict ({'channel': 'voice'}) or 'key=value,...'; None or ''
    matches a null key.  Without @p by, the row's keys are the grouping (a
    bucket unit as the bucket).  format: 'dict' (see Breakdown.explain) or
    'text' (the command's output).  No such row raises NotFoundError."""
    if row is None:
        raise _fail(_native.SKPI_EINVAL, "row is required")
    if format not in ("dict", "text"):
        raise _fail(_native.SKPI_EINVAL, "format: %r is not dict or text" % (format,))
    pairs = _row_keys(row)
    keys = _keys(by)
    if not keys:
        for k, _ in pairs:
            if bucket is None and _dec(k) in BUCKETS:
                bucket = _dec(k)
            else:
                keys.append(_dec(k))
    records, ledger, _ = _load_inputs(contacts, costs, rates, skip_bad_rows, bad_rows)
    with records, ledger:
        with Chains(records, window, as_of, provisional, anchor) as chains:
            with Breakdown(chains, ledger, keys, bucket, cohort) as b:
                index = b.find_row(row)
                if index is None:
                    raise _fail(_native.SKPI_ENOTFOUND,
                                "no row with %s in this report (keys: %s)"
                                % (_row_text(row), " ".join(b.key_names)))
                if format == "text":
                    with Explain(b, index, ledger) as e:
                        return _explain_text(_enc(_row_text(row), "row"), b._h(), index,
                                             e._h()).decode("utf-8", "surrogateescape")
                return b.explain(index, ledger)
