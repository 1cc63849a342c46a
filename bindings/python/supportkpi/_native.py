"""The ctypes layer of the supportkpi package: finding and loading
libsupportkpi, one table declaring every C function the package calls, the
structures of the public header, and the typed exceptions.

Nothing here computes a KPI: this module only describes the C interface.

The library is looked for, in this order:

1. the path in the environment variable ``SUPPORTKPI_LIBRARY`` (and nothing
   else when it is set: a wrong path is an ImportError, not a fall-back);
2. a build tree: ``$top_builddir/lib/.libs/libsupportkpi.so.0`` when the
   ``top_builddir`` variable is set, then ``build/lib/.libs/`` or
   ``lib/.libs/`` in this file's directory or any directory above it;
3. the versioned soname ``libsupportkpi.so.0`` through the dynamic linker.

The unversioned development link ``libsupportkpi.so`` is never loaded: it may
name a library of another major version.
"""

import ctypes
import os
import sys
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_double, c_uint,
                    c_ubyte, c_uint64, c_void_p)

__all__ = [
    "C", "EXPECTED_MAJOR", "SONAME", "library_path", "check_version",
    "SupportKPIError", "InvalidError", "OutOfMemoryError", "RangeError", "DuplicateError",
    "NotFoundError", "ParseError", "InputOutputError", "NoSpaceError", "DataError",
    "ClosedError", "error_for",
]

#: The major version of libsupportkpi this package is written for.
EXPECTED_MAJOR = 0

if sys.platform == "darwin":
    SONAME = "libsupportkpi.%d.dylib" % EXPECTED_MAJOR
else:
    SONAME = "libsupportkpi.so.%d" % EXPECTED_MAJOR

# ---------------------------------------------------------------------------
# Status codes (common.h; the values are fixed forever)

SKPI_OK = 0
SKPI_ABSENT = 1
SKPI_EINVAL = -1
SKPI_ENOMEM = -2
SKPI_ERANGE = -3
SKPI_EDUPLICATE = -4
SKPI_ENOTFOUND = -5
SKPI_ESYNTAX = -6
SKPI_EIO = -7
SKPI_ENOSPACE = -8
SKPI_EDATA = -9

STATUS_NAMES = {
    SKPI_OK: "SKPI_OK", SKPI_ABSENT: "SKPI_ABSENT", SKPI_EINVAL: "SKPI_EINVAL",
    SKPI_ENOMEM: "SKPI_ENOMEM", SKPI_ERANGE: "SKPI_ERANGE",
    SKPI_EDUPLICATE: "SKPI_EDUPLICATE", SKPI_ENOTFOUND: "SKPI_ENOTFOUND",
    SKPI_ESYNTAX: "SKPI_ESYNTAX", SKPI_EIO: "SKPI_EIO", SKPI_ENOSPACE: "SKPI_ENOSPACE",
    SKPI_EDATA: "SKPI_EDATA",
}

# Versions of the caller-filled structures this module describes.
SKPI_CONTACT_VERSION = 1
SKPI_COLUMNS_VERSION = 1
SKPI_CHAIN_OPTIONS_VERSION = 2
SKPI_BREAKDOWN_OPTIONS_VERSION = 2
SKPI_LOAD_OPTIONS_VERSION = 2
SKPI_ERROR_MESSAGE_SIZE = 256

# Enumerations whose words the C API does not parse (chains.h, breakdown.h).
SKPI_ANCHOR_FIRST = 0
SKPI_ANCHOR_LAST = 1
SKPI_VIEW_PERIOD = 0
SKPI_VIEW_COHORT = 1
SKPI_KIND_INTEGER = 0
SKPI_KIND_DECIMAL = 1

# ---------------------------------------------------------------------------
# Checked integer argument types.  ctypes silently wraps a Python int that does
# not fit (2**64 passes as 0, -1 as SIZE_MAX for size_t); these subclasses of
# the ctypes types refuse such values instead of sending a wrong number to C.


def _checked(base, low, high, what):
    class Checked(base):
        @classmethod
        def from_param(cls, value):
            if isinstance(value, base):
                return value
            try:
                v = value.__index__()
            except AttributeError:
                raise TypeError("%s argument expected, got %s" % (what, type(value).__name__))
            if not low <= v <= high:
                raise OverflowError("%d does not fit in %s" % (v, what))
            return base(v)
    Checked.__name__ = base.__name__
    Checked.__qualname__ = base.__name__
    return Checked


c_int64 = _checked(ctypes.c_int64, -2 ** 63, 2 ** 63 - 1, "int64_t")
c_size_t = _checked(ctypes.c_size_t, 0, 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)) - 1, "size_t")
c_int = _checked(ctypes.c_int, -2 ** 31, 2 ** 31 - 1, "int")

P_int64 = POINTER(ctypes.c_int64)
P_size = POINTER(ctypes.c_size_t)
P_int = POINTER(ctypes.c_int)
P_handle = POINTER(c_void_p)
P_str = POINTER(c_char_p)
P_buf = POINTER(c_char)          # a caller-allocated char buffer (create_string_buffer)

# ---------------------------------------------------------------------------
# Structures of the public header


class Error(Structure):
    """skpi_error (common.h)."""
    _fields_ = [("code", ctypes.c_int), ("message", c_char * SKPI_ERROR_MESSAGE_SIZE)]


class Contact(Structure):
    """skpi_contact (records.h)."""
    _fields_ = [
        ("version", c_uint),
        ("id", c_char_p), ("customer", c_char_p), ("reason", c_char_p), ("channel", c_char_p),
        ("opened_at", ctypes.c_int64), ("first_response_at", ctypes.c_int64),
        ("closed_at", ctypes.c_int64), ("handle_seconds", ctypes.c_int64),
        ("tier", ctypes.c_int64), ("escalations", ctypes.c_int64),
        ("reopens", ctypes.c_int64), ("csat", ctypes.c_int64),
        ("outcome", ctypes.c_int),
        ("dimension_count", ctypes.c_size_t),
        ("dimension_names", P_str), ("dimension_values", P_str),
    ]


class TextColumn(Structure):
    """skpi_text_column (records.h): string i is bytes[offsets[i] .. offsets[i+1])."""
    _fields_ = [("bytes", c_void_p), ("offsets", c_void_p)]


class ContactColumns(Structure):
    """skpi_contact_columns (records.h); the int64 arrays are raw addresses."""
    _fields_ = [
        ("version", c_uint), ("count", ctypes.c_size_t),
        ("id", TextColumn), ("customer", TextColumn), ("reason", TextColumn),
        ("channel", TextColumn),
        ("opened_at", c_void_p), ("first_response_at", c_void_p), ("closed_at", c_void_p),
        ("handle_seconds", c_void_p), ("tier", c_void_p), ("escalations", c_void_p),
        ("reopens", c_void_p), ("csat", c_void_p), ("outcome", c_void_p),
        ("dimension_count", ctypes.c_size_t),
        ("dimension_names", P_str),
        ("dimensions", POINTER(TextColumn)),
    ]


class ChainOptions(Structure):
    """skpi_chain_options (chains.h)."""
    _fields_ = [("version", c_uint), ("window_seconds", ctypes.c_int64),
                ("as_of", ctypes.c_int64), ("provisional", ctypes.c_int),
                ("anchor", ctypes.c_int), ("threads", c_uint)]


class BreakdownOptions(Structure):
    """skpi_breakdown_options (breakdown.h)."""
    _fields_ = [("version", c_uint), ("by_count", ctypes.c_size_t), ("by", P_str),
                ("bucket", ctypes.c_int), ("view", ctypes.c_int), ("threads", c_uint)]


class Input(Structure):
    """skpi_input (load.h)."""
    _fields_ = [("path", c_char_p), ("file", c_void_p), ("data", c_char_p),
                ("size", ctypes.c_size_t), ("name", c_char_p)]


REPORT_FN = CFUNCTYPE(None, c_void_p, c_char_p)     # skpi_report_fn
PROGRESS_FN = CFUNCTYPE(None, c_void_p, c_uint64)   # skpi_progress_fn


class LoadOptions(Structure):
    """skpi_load_options (load.h)."""
    _fields_ = [("version", c_uint), ("skip_bad_rows", ctypes.c_int),
                ("report", REPORT_FN), ("progress", PROGRESS_FN), ("context", c_void_p),
                ("threads", c_uint)]


class LoadStats(Structure):
    """skpi_load_stats (load.h)."""
    _fields_ = [("rows", c_uint64), ("skipped", c_uint64)]


P_Error = POINTER(Error)

# ---------------------------------------------------------------------------
# The table: every C function of libsupportkpi, with its result type, its
# argument types and how a failure is reported.
#
# check:
#   None       the result is not a status (a count, a pointer, a string);
#   "status"   a negative result raises; no message beyond skpi_strerror;
#   "sizing"   as "status", but SKPI_ENOSPACE is returned (the "how big?" call);
#   "error"    a negative result raises with the message of the skpi_error
#              passed as the last argument;
#   "records", "ledger", "chains"
#              a negative result raises with the message of the handle passed
#              as the first argument (skpi_records_errmsg ...).
# A status function returns SKPI_OK (0) or SKPI_ABSENT (1) to its caller,
# which maps ABSENT to None.

FUNCTIONS = [
    # common.h, version.h
    ("skpi_strerror", c_char_p, [c_int], None),
    ("skpi_error_message_size", ctypes.c_size_t, [], None),
    ("skpi_set_allocator", ctypes.c_int, [c_void_p, c_void_p, c_void_p], "status"),
    ("skpi_unset", ctypes.c_int64, [], None),
    ("skpi_version_string", c_char_p, [], None),
    ("skpi_version_number", ctypes.c_int, [], None),

    # money.h
    ("skpi_nanos_per_unit", ctypes.c_int64, [], None),
    ("skpi_cost_per", ctypes.c_int, [c_int64, c_int64, P_int64, P_Error], "error"),
    ("skpi_cpr", ctypes.c_int, [c_int64, c_int64, P_int64, P_Error], "error"),
    ("skpi_cpt", ctypes.c_int, [c_int64, c_int64, P_int64, P_Error], "error"),
    ("skpi_cost_per_exact", ctypes.c_int, [c_int64, c_int64, P_int64, P_int64, P_Error],
     "error"),
    ("skpi_apportion", ctypes.c_int, [c_int64, P_int64, c_size_t, P_int64, P_Error], "error"),
    ("skpi_apportion_by_tier", ctypes.c_int,
     [c_int64, P_int64, P_int64, c_size_t, P_int64, c_size_t, P_int64, P_Error], "error"),
    ("skpi_cost_per_segments", ctypes.c_int,
     [P_int64, P_int64, c_size_t, P_int64, POINTER(c_ubyte), P_Error], "error"),
    ("skpi_percentile", ctypes.c_int, [P_int64, c_size_t, c_int64, c_int64, P_int64, P_Error],
     "error"),
    ("skpi_median", ctypes.c_int, [P_int64, c_size_t, P_int64, P_Error], "error"),
    ("skpi_ratio_nanos", ctypes.c_int, [c_int64, c_int64, P_int64, P_Error], "error"),

    # ledger.h
    ("skpi_category_count", ctypes.c_int, [], None),
    ("skpi_category_name", c_char_p, [c_int], None),
    ("skpi_category_from_name", ctypes.c_int, [c_char_p, P_int], "status"),
    ("skpi_driver_count", ctypes.c_int, [], None),
    ("skpi_driver_name", c_char_p, [c_int], None),
    ("skpi_driver_from_name", ctypes.c_int, [c_char_p, P_int], "status"),
    ("skpi_tier_max", ctypes.c_int, [], None),
    ("skpi_currency_minor_digits", ctypes.c_int, [c_char_p], None),
    ("skpi_ledger_new", ctypes.c_int, [P_handle, c_char_p, P_Error], "error"),
    ("skpi_ledger_free", None, [c_void_p], None),
    ("skpi_ledger_currency", c_char_p, [c_void_p], None),
    ("skpi_ledger_errcode", ctypes.c_int, [c_void_p], None),
    ("skpi_ledger_errmsg", c_char_p, [c_void_p], None),
    ("skpi_ledger_add_entry", ctypes.c_int,
     [c_void_p, c_int, c_int64, c_int64, c_int64, c_int, c_char_p, c_size_t, P_str, P_str],
     "ledger"),
    ("skpi_ledger_entry_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_ledger_entry", ctypes.c_int,
     [c_void_p, c_size_t, P_int, P_int64, P_int64, P_int64, P_int], "status"),
    ("skpi_ledger_entry_channel", c_char_p, [c_void_p, c_size_t], None),
    ("skpi_ledger_entry_scope_count", ctypes.c_size_t, [c_void_p, c_size_t], None),
    ("skpi_ledger_entry_scope", ctypes.c_int, [c_void_p, c_size_t, c_size_t, P_str, P_str],
     "status"),
    ("skpi_ledger_total", ctypes.c_int, [c_void_p, P_int64], "status"),
    ("skpi_ledger_total_by_category", ctypes.c_int, [c_void_p, c_int, P_int64], "status"),
    ("skpi_ledger_total_between", ctypes.c_int, [c_void_p, c_int64, c_int64, P_int64],
     "status"),
    ("skpi_ledger_set_rate", ctypes.c_int, [c_void_p, c_int, c_int64], "ledger"),
    ("skpi_ledger_rate", ctypes.c_int, [c_void_p, c_int, P_int64], "status"),
    ("skpi_ledger_rate_count", ctypes.c_int, [c_void_p], None),
    ("skpi_ledger_clear_rates", None, [c_void_p], None),

    # timefmt.h
    ("skpi_time_text_size", ctypes.c_size_t, [], None),
    ("skpi_time_parse", ctypes.c_int, [c_char_p, P_int64, P_Error], "error"),
    ("skpi_duration_parse", ctypes.c_int, [c_char_p, P_int64, P_Error], "error"),
    ("skpi_time_format", ctypes.c_int, [c_int64, P_buf, c_size_t, P_Error], "error"),
    ("skpi_bucket_name", c_char_p, [c_int], None),
    ("skpi_bucket_from_name", ctypes.c_int, [c_char_p, P_int], "status"),
    ("skpi_bucket_label", ctypes.c_int, [c_int64, c_int, P_buf, c_size_t, P_Error], "error"),

    # records.h
    ("skpi_outcome_count", ctypes.c_int, [], None),
    ("skpi_outcome_name", c_char_p, [c_int], None),
    ("skpi_outcome_from_name", ctypes.c_int, [c_char_p, P_int], "status"),
    ("skpi_records_new", ctypes.c_int, [P_handle], "status"),
    ("skpi_records_free", None, [c_void_p], None),
    ("skpi_records_errcode", ctypes.c_int, [c_void_p], None),
    ("skpi_records_errmsg", c_char_p, [c_void_p], None),
    ("skpi_records_add_dimension", ctypes.c_int, [c_void_p, c_char_p, P_size], "records"),
    ("skpi_records_dimension_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_records_dimension_name", c_char_p, [c_void_p, c_size_t], None),
    ("skpi_records_dimension_index", ctypes.c_int, [c_void_p, c_char_p, P_size], "status"),
    ("skpi_records_add", ctypes.c_int, [c_void_p, POINTER(Contact)], "records"),
    ("skpi_records_add_batch", ctypes.c_int, [c_void_p, POINTER(Contact), c_size_t],
     "records"),
    ("skpi_records_append_columns", ctypes.c_int, [c_void_p, POINTER(ContactColumns)],
     "records"),
    ("skpi_records_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_records_get", ctypes.c_int, [c_void_p, c_size_t, POINTER(Contact)], "status"),
    ("skpi_records_dimension_value", c_char_p, [c_void_p, c_size_t, c_size_t], None),
    ("skpi_records_find", ctypes.c_int, [c_void_p, c_char_p, P_size], "status"),
    ("skpi_records_memory", ctypes.c_size_t, [c_void_p], None),

    # chains.h
    ("skpi_chain_status_name", c_char_p, [c_int], None),
    ("skpi_window_default", ctypes.c_int64, [], None),
    ("skpi_window_max", ctypes.c_int64, [], None),
    ("skpi_chains_new", ctypes.c_int, [P_handle, c_void_p, POINTER(ChainOptions), P_Error],
     "error"),
    ("skpi_chains_free", None, [c_void_p], None),
    ("skpi_chains_update", ctypes.c_int, [c_void_p], "chains"),
    ("skpi_chains_errcode", ctypes.c_int, [c_void_p], None),
    ("skpi_chains_errmsg", c_char_p, [c_void_p], None),
    ("skpi_chains_options", ctypes.c_int, [c_void_p, POINTER(ChainOptions)], "status"),
    ("skpi_chains_records", c_void_p, [c_void_p], None),
    ("skpi_chains_contact_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_chains_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_chain_get_status", ctypes.c_int, [c_void_p, c_size_t], "status"),
    ("skpi_chain_is_provisional", ctypes.c_int, [c_void_p, c_size_t], None),
    ("skpi_chain_size", ctypes.c_size_t, [c_void_p, c_size_t], None),
    ("skpi_chain_contact", ctypes.c_size_t, [c_void_p, c_size_t, c_size_t], None),
    ("skpi_chain_anchor", ctypes.c_size_t, [c_void_p, c_size_t], None),
    ("skpi_chain_first_opened", ctypes.c_int64, [c_void_p, c_size_t], None),
    ("skpi_chain_latest_close", ctypes.c_int64, [c_void_p, c_size_t], None),
    ("skpi_chain_channel_count", ctypes.c_size_t, [c_void_p, c_size_t], None),
    ("skpi_chain_channel", c_char_p, [c_void_p, c_size_t, c_size_t], None),
    ("skpi_chains_find_contact", ctypes.c_int, [c_void_p, c_size_t, P_size, P_size],
     "status"),
    ("skpi_chains_memory", ctypes.c_size_t, [c_void_p], None),

    # breakdown.h
    ("skpi_kpi_count", ctypes.c_int, [], None),
    ("skpi_kpi_name", c_char_p, [c_int], None),
    ("skpi_kpi_from_name", ctypes.c_int, [c_char_p, P_int], "status"),
    ("skpi_kpi_kind", ctypes.c_int, [c_int], "status"),
    ("skpi_row_total", ctypes.c_size_t, [], None),
    ("skpi_breakdown_new", ctypes.c_int,
     [P_handle, c_void_p, c_void_p, POINTER(BreakdownOptions), P_Error], "error"),
    ("skpi_breakdown_free", None, [c_void_p], None),
    ("skpi_breakdown_row_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_breakdown_key_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_breakdown_key_name", c_char_p, [c_void_p, c_size_t], None),
    ("skpi_breakdown_key_value", c_char_p, [c_void_p, c_size_t, c_size_t], None),
    ("skpi_breakdown_get", ctypes.c_int, [c_void_p, c_size_t, c_int, P_int64], "status"),
    ("skpi_breakdown_get_double", ctypes.c_int,
     [c_void_p, c_size_t, c_int, POINTER(c_double)], "status"),
    ("skpi_breakdown_text", ctypes.c_int, [c_void_p, c_size_t, c_int, P_buf, c_size_t],
     "status"),
    ("skpi_breakdown_ledger", ctypes.c_int, [c_void_p, P_int64, P_int64, P_int64], "status"),
    ("skpi_breakdown_row_contact_count", ctypes.c_size_t, [c_void_p, c_size_t], None),
    ("skpi_breakdown_row_contact", ctypes.c_size_t, [c_void_p, c_size_t, c_size_t], None),
    ("skpi_breakdown_row_chain_count", ctypes.c_size_t, [c_void_p, c_size_t], None),
    ("skpi_breakdown_row_chain", ctypes.c_size_t, [c_void_p, c_size_t, c_size_t], None),
    ("skpi_breakdown_currency", c_char_p, [c_void_p], None),
    ("skpi_breakdown_bucket", ctypes.c_int, [c_void_p], None),
    ("skpi_breakdown_view", ctypes.c_int, [c_void_p], None),
    ("skpi_breakdown_chains", c_void_p, [c_void_p], None),
    ("skpi_breakdown_write_json", ctypes.c_int, [c_void_p, c_void_p, c_int64], "status"),
    ("skpi_breakdown_json", ctypes.c_int, [c_void_p, P_buf, c_size_t, P_size, c_int64],
     "sizing"),
    ("skpi_breakdown_write_csv", ctypes.c_int, [c_void_p, c_void_p], "status"),
    ("skpi_breakdown_csv", ctypes.c_int, [c_void_p, P_buf, c_size_t, P_size], "sizing"),
    ("skpi_breakdown_find_row", ctypes.c_int, [c_void_p, c_size_t, P_str, P_str, P_size],
     "status"),

    # load.h
    ("skpi_records_load", ctypes.c_int,
     [c_void_p, POINTER(Input), POINTER(LoadOptions), POINTER(LoadStats)], "records"),
    ("skpi_ledger_load_costs", ctypes.c_int,
     [P_handle, POINTER(Input), POINTER(LoadOptions), POINTER(LoadStats), P_Error], "error"),
    ("skpi_ledger_load_rates", ctypes.c_int,
     [c_void_p, POINTER(Input), POINTER(LoadOptions), POINTER(LoadStats)], "ledger"),

    # format.h
    ("skpi_format_money", ctypes.c_int, [c_int64, c_char_p, P_buf, c_size_t], "status"),
    ("skpi_format_percent", ctypes.c_int, [c_int64, c_int, P_buf, c_size_t], "status"),
    ("skpi_format_duration", ctypes.c_int, [c_int64, P_buf, c_size_t], "status"),

    # explain.h
    ("skpi_explain_new", ctypes.c_int, [P_handle, c_void_p, c_size_t, c_void_p, P_Error],
     "error"),
    ("skpi_explain_free", None, [c_void_p], None),
    ("skpi_explain_contact_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_explain_contact", ctypes.c_int, [c_void_p, c_size_t, P_size, P_int64], "status"),
    ("skpi_explain_chain_count", ctypes.c_size_t, [c_void_p], None),
    ("skpi_explain_chain", ctypes.c_int, [c_void_p, c_size_t, P_size, P_int64], "status"),
]

# ---------------------------------------------------------------------------
# Exceptions


class SupportKPIError(Exception):
    """A libsupportkpi call failed.

    Attributes: ``code`` (the negative skpi_status), ``status`` (its name,
    e.g. ``"SKPI_EINVAL"``), ``strerror`` (skpi_strerror(code)), ``message``
    (the handle's or skpi_error's message naming the field; skpi_strerror
    when the call gives none), ``function`` (the C function, when known) and
    ``errors`` (for loads: every ``file:line:column:reason`` reported).
    """

    def __init__(self, code, message="", function=None, errors=None):
        self.code = code
        self.status = STATUS_NAMES.get(code, "status %d" % code)
        self.strerror = strerror(code)
        self.message = message or self.strerror
        self.function = function
        self.errors = list(errors or [])
        super().__init__(code, self.message)

    def __str__(self):
        if self.message == self.strerror:
            return self.message
        return "%s (%s)" % (self.message, self.strerror)

    def __repr__(self):
        return "%s(%s, %r)" % (type(self).__name__, self.status, self.message)


class InvalidError(SupportKPIError, ValueError):
    """SKPI_EINVAL: an argument or a field value is invalid."""


class OutOfMemoryError(SupportKPIError, MemoryError):
    """SKPI_ENOMEM."""


class RangeError(SupportKPIError, OverflowError):
    """SKPI_ERANGE: overflow, or a value beyond a documented limit."""


class DuplicateError(SupportKPIError, ValueError):
    """SKPI_EDUPLICATE: a name or id that must be unique is already present."""


class NotFoundError(SupportKPIError, LookupError):
    """SKPI_ENOTFOUND: a name, tier rate or row does not exist."""


class ParseError(SupportKPIError, ValueError):
    """SKPI_ESYNTAX: malformed text (CSV syntax, header, timestamp grammar)."""


class InputOutputError(SupportKPIError):
    """SKPI_EIO: reading or writing a file or stream failed."""


class NoSpaceError(SupportKPIError):
    """SKPI_ENOSPACE: a buffer is too small (the package sizes its buffers:
    seeing this is a bug)."""


class DataError(SupportKPIError, ValueError):
    """SKPI_EDATA: a loaded file has bad rows; ``errors`` lists them all."""


class ClosedError(InvalidError):
    """The handle was closed; its methods refuse to run."""

    def __init__(self, what):
        super().__init__(SKPI_EINVAL, "%s is closed" % what)


_CLASSES = {
    SKPI_EINVAL: InvalidError, SKPI_ENOMEM: OutOfMemoryError, SKPI_ERANGE: RangeError,
    SKPI_EDUPLICATE: DuplicateError, SKPI_ENOTFOUND: NotFoundError, SKPI_ESYNTAX: ParseError,
    SKPI_EIO: InputOutputError, SKPI_ENOSPACE: NoSpaceError, SKPI_EDATA: DataError,
}


def error_for(code, message="", function=None, errors=None):
    """The exception of the class that matches @p code."""
    return _CLASSES.get(code, SupportKPIError)(code, message, function, errors)


def _decode(raw):
    return raw.decode("utf-8", "replace") if raw else ""


def strerror(code):
    """skpi_strerror(code) as text."""
    return _decode(C.skpi_strerror(code))


def _error_arg(arg):
    """The skpi_error behind an argument passed as an Error, byref() or pointer()."""
    if isinstance(arg, Error):
        return arg
    obj = getattr(arg, "_obj", None)          # byref(Error())
    if isinstance(obj, Error):
        return obj
    if isinstance(arg, P_Error) and arg:
        return arg.contents
    return None


_HANDLE_MESSAGE = {
    "records": "skpi_records_errmsg",
    "ledger": "skpi_ledger_errmsg",
    "chains": "skpi_chains_errmsg",
}


def _make_errcheck(check):
    def errcheck(result, func, args):
        if result >= 0 or (check == "sizing" and result == SKPI_ENOSPACE):
            return result
        message = ""
        if check == "error":
            err = _error_arg(args[-1]) if args else None
            if err is not None:
                message = _decode(err.message)
        elif check in _HANDLE_MESSAGE and args and args[0]:
            message = _decode(getattr(C, _HANDLE_MESSAGE[check])(args[0]))
        if not message:
            message = "%s: %s" % (func.__name__, strerror(result))
        raise error_for(result, message, func.__name__)
    return errcheck


# ---------------------------------------------------------------------------
# Loading


def _candidates():
    """(how, path) pairs to try, in order."""
    env = os.environ.get("SUPPORTKPI_LIBRARY")
    if env:
        return [("SUPPORTKPI_LIBRARY", env)]
    found = []
    top = os.environ.get("top_builddir")
    if top:
        path = os.path.join(os.path.abspath(top), "lib", ".libs", SONAME)
        if os.path.exists(path):
            found.append(("top_builddir", path))
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        for sub in (("build", "lib", ".libs"), ("lib", ".libs")):
            path = os.path.join(here, *sub, SONAME)
            if os.path.exists(path):
                found.append(("build tree", path))
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    found.append(("soname", SONAME))
    return found


def _load():
    tried = []
    for how, path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s): %s" % (path, how, e))
            if how == "SUPPORTKPI_LIBRARY":
                break
    raise ImportError("supportkpi: cannot load libsupportkpi; tried:\n  " + "\n  ".join(tried)
                      + "\nSet SUPPORTKPI_LIBRARY to the path of %s." % SONAME)


class _Functions:
    """The declared C functions, as attributes (tests may wrap them)."""

    def __init__(self, lib, table, what):
        for name, restype, argtypes, check in table:
            try:
                f = getattr(lib, name)
            except AttributeError:
                raise ImportError("supportkpi: %s has no function %s" % (what, name))
            f.restype = restype
            f.argtypes = argtypes
            if check is not None:
                f.errcheck = _make_errcheck(check)
            setattr(self, name, f)


def check_version(version_text, path="libsupportkpi"):
    """Raise ImportError unless @p version_text's major is EXPECTED_MAJOR."""
    head = version_text.split(".", 1)[0]
    if not head.isdigit() or int(head) != EXPECTED_MAJOR:
        raise ImportError(
            "supportkpi: %s is version %s, but this Python package needs major version %d "
            "(libsupportkpi %d.x); install a matching library or package, or point "
            "SUPPORTKPI_LIBRARY at one" % (path, version_text, EXPECTED_MAJOR, EXPECTED_MAJOR))


_lib, library_path = _load()
C = _Functions(_lib, FUNCTIONS, library_path)

#: The runtime version string of the loaded library ("MAJOR.MINOR.PATCH").
version = _decode(C.skpi_version_string())
check_version(version, library_path)
if C.skpi_error_message_size() != SKPI_ERROR_MESSAGE_SIZE:
    raise ImportError("supportkpi: %s: skpi_error's message is %d bytes, this package "
                      "expects %d" % (library_path, C.skpi_error_message_size(),
                                      SKPI_ERROR_MESSAGE_SIZE))

#: SKPI_UNSET (INT64_MIN), SKPI_ROW_TOTAL (SIZE_MAX), read from the library.
UNSET = C.skpi_unset()
ROW_TOTAL = C.skpi_row_total()
SIZE_MAX = ROW_TOTAL


def new_error():
    """A fresh skpi_error for a pure function."""
    return Error()


def out_handle():
    """A void * to receive a new handle."""
    return c_void_p()
