/* lsupportkpi.c: the Lua 5.4 module "supportkpi" over libsupportkpi.
 *
 * Conventions follow Lua's liolib.c: one metatable per handle type
 * (ledger, records, chains, breakdown) with __gc, __close, __tostring and
 * __index; a closed handle is marked and every method refuses it; failures
 * return nil, message, code (code = the skpi_status number).  A wrong Lua
 * type in a positional argument raises, as in liolib; a bad value (a bad
 * contact, option, file or key) is a failure return.
 *
 * The module does no arithmetic of its own: every number comes from the
 * library.  It keeps what the library borrows alive: a chains userdata holds
 * its records in its user value and a breakdown holds its chains, so the
 * collector cannot free a lender first; closing a lender that still has
 * live borrowers marks it closed at once and frees it with its last
 * borrower.
 *
 * Temporary C resources (the handles of report/explain, bad-row messages,
 * CSV text) live in a "scratch" userdata whose __gc frees them, so that a
 * Lua error (out of memory) in the middle of a call leaks nothing. */
#define _POSIX_C_SOURCE 200809L  /* open_memstream, strdup */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include <supportkpi.h>

#define LEDGER "supportkpi.ledger"
#define RECORDS "supportkpi.records"
#define CHAINS "supportkpi.chains"
#define BREAKDOWN "supportkpi.breakdown"
#define SCRATCH "supportkpi.scratch"

/* Room for a library message plus the binding's prefix. */
#define MSG_SIZE (SKPI_ERROR_MESSAGE_SIZE + 256)

LUAMOD_API int luaopen_supportkpi(lua_State *L);

/* ------------------------------------------------------------------ */
/* handles */

/* The userdata of every handle type. */
typedef struct handle {
    void *ptr;              /* the library handle; NULL once freed */
    int closed;             /* closed from Lua: every method refuses it */
    int borrowers;          /* live handles that borrow this one */
    struct handle *lender;  /* the handle this one borrows, or NULL */
    void (*release)(void *);
} handle;

static void release_ledger(void *p) { skpi_ledger_free(p); }
static void release_records(void *p) { skpi_records_free(p); }
static void release_chains(void *p) { skpi_chains_free(p); }
static void release_breakdown(void *p) { skpi_breakdown_free(p); }

/* Free the library handle of a closed handle nobody borrows any more, then
 * the same for its lender (whose userdata the borrower's user value kept
 * alive, so the pointer is valid here). */
static void handle_drop(handle *h)
{
    while (h && h->closed && h->borrowers == 0 && h->ptr) {
        handle *lender = h->lender;
        h->release(h->ptr);
        h->ptr = NULL;
        h->lender = NULL;
        if (lender)
            lender->borrowers--;
        h = lender;
    }
}

static void handle_close(handle *h)
{
    h->closed = 1;
    handle_drop(h);
}

/* Push a new, closed-until-filled handle of type tname with nuv user values. */
static handle *handle_new(lua_State *L, const char *tname, void (*release)(void *), int nuv)
{
    handle *h = lua_newuserdatauv(L, sizeof *h, nuv);
    h->ptr = NULL;
    h->closed = 1;
    h->borrowers = 0;
    h->lender = NULL;
    h->release = release;
    luaL_setmetatable(L, tname);
    return h;
}

/* h (the userdata at the top of the stack) now holds ptr, borrowed from lender. */
static void handle_fill(handle *h, void *ptr, handle *lender)
{
    h->ptr = ptr;
    h->closed = 0;
    if (lender) {
        h->lender = lender;
        lender->borrowers++;
    }
}

/* nil, message, code: the failure return of every function. */
static int push_fail(lua_State *L, int code, const char *message)
{
    luaL_pushfail(L);
    lua_pushstring(L, message && *message ? message : skpi_strerror(code));
    lua_pushinteger(L, code);
    return 3;
}

static int push_closed(lua_State *L, const char *tname)
{
    lua_pushfstring(L, "attempt to use a closed %s", tname);
    return push_fail(L, SKPI_EINVAL, lua_tostring(L, -1));
}

/* The open handle at argument arg, or NULL (a closed one). */
static handle *to_open(lua_State *L, int arg, const char *tname)
{
    handle *h = luaL_checkudata(L, arg, tname);
    return h->closed ? NULL : h;
}

#define CHECK_OPEN(var, L, arg, tname)        \
    handle *var = to_open((L), (arg), (tname)); \
    if (!var)                                   \
        return push_closed((L), (tname))

static int handle_close_method(lua_State *L, const char *tname)
{
    handle_close(luaL_checkudata(L, 1, tname));
    lua_pushboolean(L, 1);
    return 1;
}

static int handle_gc(lua_State *L, const char *tname)
{
    handle_close(luaL_checkudata(L, 1, tname));
    return 0;
}

/* "supportkpi.ledger (closed)" or "supportkpi.ledger (DETAIL) (0x...)". */
static int handle_tostring(lua_State *L, const char *tname, const char *detail)
{
    handle *h = luaL_checkudata(L, 1, tname);
    if (h->closed)
        lua_pushfstring(L, "%s (closed)", tname);
    else
        lua_pushfstring(L, "%s (%s) (%p)", tname, detail, (void *)h);
    return 1;
}

/* ------------------------------------------------------------------ */
/* scratch: C resources of one call, freed by __gc if a Lua error strikes */

typedef struct scratch {
    skpi_records *records;
    skpi_ledger *ledger;
    skpi_chains *chains;
    skpi_breakdown *breakdown;
    skpi_explain *explain;
    char **messages;     /* bad-row messages from the loaders */
    size_t message_count, message_cap;
    size_t messages_lost;  /* messages malloc could not keep */
    FILE *stream;        /* open_memstream ... */
    char *text;          /* ... and its buffer */
    size_t text_size;
} scratch;

static void scratch_release(scratch *s)
{
    skpi_explain_free(s->explain);
    skpi_breakdown_free(s->breakdown);
    skpi_chains_free(s->chains);
    skpi_records_free(s->records);
    skpi_ledger_free(s->ledger);
    s->explain = NULL;
    s->breakdown = NULL;
    s->chains = NULL;
    s->records = NULL;
    s->ledger = NULL;
    for (size_t i = 0; i < s->message_count; i++)
        free(s->messages[i]);
    free(s->messages);
    s->messages = NULL;
    s->message_count = s->message_cap = s->messages_lost = 0;
    if (s->stream)
        fclose(s->stream);
    s->stream = NULL;
    free(s->text);
    s->text = NULL;
}

static int scratch_gc(lua_State *L)
{
    scratch_release(luaL_checkudata(L, 1, SCRATCH));
    return 0;
}

static scratch *scratch_new(lua_State *L)
{
    scratch *s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, SCRATCH);
    return s;
}

/* skpi_report_fn: keep a copy of a bad row's message (never raises). */
static void collect_message(void *context, const char *message)
{
    scratch *s = context;
    if (s->message_count == s->message_cap) {
        size_t cap = s->message_cap ? 2 * s->message_cap : 16;
        char **grown = realloc(s->messages, cap * sizeof *grown);
        if (!grown) {
            s->messages_lost++;
            return;
        }
        s->messages = grown;
        s->message_cap = cap;
    }
    char *copy = strdup(message);
    if (!copy) {
        s->messages_lost++;
        return;
    }
    s->messages[s->message_count++] = copy;
}

/* Push the collected messages as an array. */
static void push_messages(lua_State *L, const scratch *s)
{
    lua_createtable(L, (int)s->message_count, 0);
    for (size_t i = 0; i < s->message_count; i++) {
        lua_pushstring(L, s->messages[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    if (s->messages_lost) {
        lua_pushfstring(L, "(%I more messages lost: out of memory)",
                        (lua_Integer)s->messages_lost);
        lua_rawseti(L, -2, (lua_Integer)s->message_count + 1);
    }
}

/* ------------------------------------------------------------------ */
/* reading Lua values */

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static int failf(char *msg, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, MSG_SIZE, fmt, ap);
    va_end(ap);
    return code;
}

/* An integer: a Lua integer, or a float with an exact integer value. */
static int read_integer(lua_State *L, int idx, const char *what, int64_t *out, char *msg)
{
    int ok = 0;
    lua_Integer v = 0;
    if (lua_type(L, idx) == LUA_TNUMBER)
        v = lua_tointegerx(L, idx, &ok);
    if (!ok)
        return failf(msg, SKPI_EINVAL, "%s: an integer is expected, got %s", what,
                     lua_type(L, idx) == LUA_TNUMBER ? "a fraction" : luaL_typename(L, idx));
    *out = (int64_t)v;
    return SKPI_OK;
}

/* A time: Unix seconds as a number, or text for skpi_time_parse(). */
static int read_time(lua_State *L, int idx, const char *what, int64_t *out, char *msg)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        return read_integer(L, idx, what, out, msg);
    skpi_error err;
    int rc = skpi_time_parse(lua_tostring(L, idx), out, &err);
    return rc == SKPI_OK ? rc : failf(msg, rc, "%s: %s", what, err.message);
}

/* A duration: seconds as a number, or text for skpi_duration_parse(). */
static int read_duration(lua_State *L, int idx, const char *what, int64_t *out, char *msg)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        return read_integer(L, idx, what, out, msg);
    skpi_error err;
    int rc = skpi_duration_parse(lua_tostring(L, idx), out, &err);
    return rc == SKPI_OK ? rc : failf(msg, rc, "%s: %s", what, err.message);
}

static int read_string(lua_State *L, int idx, const char *what, const char **out, size_t *len,
                       char *msg)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        return failf(msg, SKPI_EINVAL, "%s: a string is expected, got %s", what,
                     luaL_typename(L, idx));
    *out = lua_tolstring(L, idx, len);
    return SKPI_OK;
}

static int read_boolean(lua_State *L, int idx, const char *what, int *out, char *msg)
{
    if (!lua_isnoneornil(L, idx) && lua_type(L, idx) != LUA_TBOOLEAN)
        return failf(msg, SKPI_EINVAL, "%s: a boolean is expected, got %s", what,
                     luaL_typename(L, idx));
    *out = lua_toboolean(L, idx);
    return SKPI_OK;
}

/* Fails when the table at idx has a key that allowed[] (NULL-ended) lacks. */
static int check_keys(lua_State *L, int idx, const char *const *allowed, char *msg)
{
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 1);
            return failf(msg, SKPI_EINVAL, "%s", "option names must be strings");
        }
        const char *key = lua_tostring(L, -1);
        size_t k = 0;
        while (allowed[k] && strcmp(allowed[k], key) != 0)
            k++;
        if (!allowed[k]) {
            failf(msg, SKPI_EINVAL, "unknown option '%s'", key);
            lua_pop(L, 1);
            return SKPI_EINVAL;
        }
    }
    return SKPI_OK;
}

/* The options table at argument arg: its index, or 0 when none/nil. */
static int opt_table(lua_State *L, int arg)
{
    if (lua_isnoneornil(L, arg))
        return 0;
    luaL_checktype(L, arg, LUA_TTABLE);
    return lua_absindex(L, arg);
}

static const char *const load_keys[] = { "skip_bad_rows", "threads", NULL };

/* The `threads` option of a load, chains or breakdown: 1 or 2 (absent:
 * *threads is left as it is). */
static int read_threads(lua_State *L, int t, unsigned *threads, char *msg)
{
    int rc = SKPI_OK;
    if (lua_getfield(L, t, "threads") != LUA_TNIL) {
        int exact = 0;
        lua_Integer n = lua_tointegerx(L, -1, &exact);
        if (!exact || n < 1 || n > 2)
            rc = failf(msg, SKPI_EINVAL, "threads: 1 or 2 is expected");
        else
            *threads = (unsigned)n;
    }
    lua_pop(L, 1);
    return rc;
}

static int read_load_options(lua_State *L, int t, const char *const *allowed,
                             skpi_load_options *o, scratch *s, char *msg)
{
    *o = (skpi_load_options)SKPI_LOAD_OPTIONS_INIT;
    o->report = collect_message;
    o->context = s;
    if (!t)
        return SKPI_OK;
    int rc = allowed ? check_keys(L, t, allowed, msg) : SKPI_OK;
    if (rc != SKPI_OK)
        return rc;
    lua_getfield(L, t, "skip_bad_rows");
    rc = read_boolean(L, -1, "skip_bad_rows", &o->skip_bad_rows, msg);
    lua_pop(L, 1);
    return rc == SKPI_OK ? read_threads(L, t, &o->threads, msg) : rc;
}

static const char *const chain_keys[] = { "window", "as_of", "provisional", "anchor", "threads",
                                          NULL };

static int read_chain_options(lua_State *L, int t, skpi_chain_options *o, char *msg)
{
    *o = (skpi_chain_options)SKPI_CHAIN_OPTIONS_INIT;
    if (!t)
        return SKPI_OK;
    int rc = SKPI_OK;
    lua_getfield(L, t, "window");
    if (!lua_isnil(L, -1))
        rc = read_duration(L, -1, "window", &o->window_seconds, msg);
    lua_pop(L, 1);
    lua_getfield(L, t, "as_of");
    if (rc == SKPI_OK && !lua_isnil(L, -1))
        rc = read_time(L, -1, "as_of", &o->as_of, msg);
    lua_pop(L, 1);
    lua_getfield(L, t, "provisional");
    if (rc == SKPI_OK)
        rc = read_boolean(L, -1, "provisional", &o->provisional, msg);
    lua_pop(L, 1);
    lua_getfield(L, t, "anchor");
    if (rc == SKPI_OK && !lua_isnil(L, -1)) {
        const char *a = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "";
        if (strcmp(a, "first") == 0)
            o->anchor = SKPI_ANCHOR_FIRST;
        else if (strcmp(a, "last") == 0)
            o->anchor = SKPI_ANCHOR_LAST;
        else
            rc = failf(msg, SKPI_EINVAL, "anchor: 'first' or 'last' is expected");
    }
    lua_pop(L, 1);
    return rc == SKPI_OK ? read_threads(L, t, &o->threads, msg) : rc;
}

static const char *const breakdown_option_keys[] = { "by", "bucket", "cohort", "threads", NULL };

/* Reads by, bucket, cohort and threads.  On success pushes one value that holds the
 * memory of o->by (keep it on the stack until the breakdown is built). */
static int read_breakdown_options(lua_State *L, int t, skpi_breakdown_options *o, char *msg)
{
    *o = (skpi_breakdown_options)SKPI_BREAKDOWN_OPTIONS_INIT;
    if (!t) {
        lua_pushnil(L);
        return SKPI_OK;
    }
    int rc = SKPI_OK;
    int cohort = 0;
    if (lua_getfield(L, t, "bucket") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING
            || skpi_bucket_from_name(lua_tostring(L, -1), &o->bucket) != SKPI_OK)
            rc = failf(msg, SKPI_EINVAL, "bucket: 'day', 'week', 'month' or 'quarter' is expected");
    }
    lua_pop(L, 1);
    if (rc == SKPI_OK) {
        lua_getfield(L, t, "cohort");
        rc = read_boolean(L, -1, "cohort", &cohort, msg);
        lua_pop(L, 1);
        o->view = cohort ? SKPI_VIEW_COHORT : SKPI_VIEW_PERIOD;
    }
    if (rc == SKPI_OK)
        rc = read_threads(L, t, &o->threads, msg);
    if (rc != SKPI_OK)
        return rc;
    int type = lua_getfield(L, t, "by");
    int by = lua_gettop(L);
    size_t n = type == LUA_TTABLE ? lua_rawlen(L, by) : type == LUA_TSTRING ? 1 : 0;
    const char **keys = lua_newuserdatauv(L, (n + 1) * sizeof *keys, 1);
    lua_pushvalue(L, by);           /* the strings stay alive with the box */
    lua_setiuservalue(L, -2, 1);
    if (type == LUA_TSTRING) {
        keys[0] = lua_tostring(L, by);
    } else if (type == LUA_TTABLE) {
        for (size_t i = 0; i < n && rc == SKPI_OK; i++) {
            if (lua_rawgeti(L, by, (lua_Integer)i + 1) == LUA_TSTRING)
                keys[i] = lua_tostring(L, -1);  /* held by the table */
            else
                rc = failf(msg, SKPI_EINVAL, "by: a list of key names is expected, got a %s",
                           luaL_typename(L, -1));
            lua_pop(L, 1);
        }
    } else if (type != LUA_TNIL) {
        rc = failf(msg, SKPI_EINVAL, "by: a list of key names is expected, got %s",
                   luaL_typename(L, by));
    }
    lua_remove(L, by);
    if (rc != SKPI_OK) {
        lua_pop(L, 1);
        return rc;
    }
    o->by = keys;
    o->by_count = n;
    return SKPI_OK;
}

/* ------------------------------------------------------------------ */
/* contacts */

enum { T_ID, T_CUSTOMER, T_REASON, T_CHANNEL, TEXT_FIELDS };
static const char *const text_field[TEXT_FIELDS] = { "id", "customer", "reason", "channel" };

enum { N_OPENED, N_FIRST_RESPONSE, N_CLOSED, N_HANDLE, N_TIER, N_ESCALATIONS, N_REOPENS,
       N_CSAT, N_OUTCOME, NUM_FIELDS };
static const char *const num_field[NUM_FIELDS] = {
    "opened_at", "first_response_at", "closed_at", "handle_seconds", "tier", "escalations",
    "reopens", "csat", "outcome"
};

/* One contact table, read. */
typedef struct parsed {
    const char *text[TEXT_FIELDS];  /* borrowed from the table; NULL = not given */
    size_t len[TEXT_FIELDS];
    int64_t num[NUM_FIELDS];        /* SKPI_UNSET = not given; outcome -1 */
} parsed;

/* Record dimension key=value (stack indexes) in the table at dims. */
static int add_dimension(lua_State *L, int dims, int key, int value, char *msg)
{
    const char *name = lua_tostring(L, key);
    if (lua_type(L, value) != LUA_TSTRING)
        return failf(msg, SKPI_EINVAL, "dimension '%s': a string is expected, got %s", name,
                     luaL_typename(L, value));
    lua_pushvalue(L, key);
    if (lua_rawget(L, dims) != LUA_TNIL) {
        lua_pop(L, 1);
        return failf(msg, SKPI_EINVAL, "dimension '%s' given twice", name);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, key);
    lua_pushvalue(L, value);
    lua_rawset(L, dims);
    return SKPI_OK;
}

/* The dims subtable at value: each pair into dims. */
static int add_dimension_table(lua_State *L, int dims, int value, char *msg)
{
    if (!lua_istable(L, value))
        return failf(msg, SKPI_EINVAL, "dims: a table is expected, got %s",
                     luaL_typename(L, value));
    int rc = SKPI_OK;
    lua_pushnil(L);
    while (rc == SKPI_OK && lua_next(L, value)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            rc = failf(msg, SKPI_EINVAL, "dims: names must be strings, got %s",
                       luaL_typename(L, -2));
        else
            rc = add_dimension(L, dims, lua_gettop(L) - 1, lua_gettop(L), msg);
        lua_pop(L, rc == SKPI_OK ? 1 : 2);
    }
    return rc;
}

/* Field key (a string at stack index key) with the value at value. */
static int contact_field(lua_State *L, int key, int value, int dims, parsed *p, char *msg)
{
    const char *name = lua_tostring(L, key);
    for (int t = 0; t < TEXT_FIELDS; t++)
        if (strcmp(name, text_field[t]) == 0)
            return read_string(L, value, name, &p->text[t], &p->len[t], msg);
    for (int f = 0; f < NUM_FIELDS; f++) {
        if (strcmp(name, num_field[f]) != 0)
            continue;
        if (f == N_OUTCOME) {
            int outcome;
            if (lua_type(L, value) != LUA_TSTRING
                || skpi_outcome_from_name(lua_tostring(L, value), &outcome) != SKPI_OK)
                return failf(msg, SKPI_EINVAL,
                             "outcome: 'open', 'resolved', 'escalated' or 'abandoned' is expected");
            p->num[f] = outcome;
            return SKPI_OK;
        }
        if (f <= N_CLOSED)
            return read_time(L, value, name, &p->num[f], msg);
        return read_integer(L, value, name, &p->num[f], msg);
    }
    if (strcmp(name, "dims") == 0)
        return add_dimension_table(L, dims, value, msg);
    return add_dimension(L, dims, key, value, msg);
}

/* Read the contact table at idx into p.  On success pushes a table of its
 * dimensions (name -> value: the dims subtable and the unknown keys); on
 * failure pushes nothing and fills msg. */
static int parse_contact(lua_State *L, int idx, parsed *p, char *msg)
{
    idx = lua_absindex(L, idx);
    for (int t = 0; t < TEXT_FIELDS; t++) {
        p->text[t] = NULL;
        p->len[t] = 0;
    }
    for (int f = 0; f < NUM_FIELDS; f++)
        p->num[f] = SKPI_UNSET;
    p->num[N_OUTCOME] = -1;
    if (!lua_istable(L, idx))
        return failf(msg, SKPI_EINVAL, "a contact table is expected, got %s",
                     luaL_typename(L, idx));
    lua_newtable(L);
    int dims = lua_gettop(L);
    int rc = SKPI_OK;
    lua_pushnil(L);
    while (rc == SKPI_OK && lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            rc = failf(msg, SKPI_EINVAL, "field names must be strings, got %s",
                       luaL_typename(L, -2));
        else
            rc = contact_field(L, dims + 1, dims + 2, dims, p, msg);
        lua_pop(L, rc == SKPI_OK ? 1 : 2);
    }
    if (rc != SKPI_OK)
        lua_pop(L, 1);
    return rc;
}

/* A string for a const char * field: NUL-terminated, so no NUL inside. */
static int check_c_string(const char *s, size_t len, const char *what, char *msg)
{
    if (s && strlen(s) != len)
        return failf(msg, SKPI_EINVAL, "%s: contains a NUL byte", what);
    return SKPI_OK;
}

/* Push records:get(index)'s table for a contact. */
static void push_contact(lua_State *L, const skpi_records *r, size_t index)
{
    skpi_contact c = SKPI_CONTACT_INIT;
    if (skpi_records_get(r, index, &c) != SKPI_OK) {
        lua_pushnil(L);
        return;
    }
    lua_createtable(L, 0, 16);
    const char *texts[TEXT_FIELDS] = { c.id, c.customer, c.reason, c.channel };
    for (int t = 0; t < TEXT_FIELDS; t++) {
        if (texts[t] && *texts[t]) {
            lua_pushstring(L, texts[t]);
            lua_setfield(L, -2, text_field[t]);
        }
    }
    const int64_t nums[NUM_FIELDS - 1] = { c.opened_at, c.first_response_at, c.closed_at,
                                           c.handle_seconds, c.tier, c.escalations,
                                           c.reopens, c.csat };
    for (int f = 0; f < NUM_FIELDS - 1; f++) {
        if (nums[f] != SKPI_UNSET) {
            lua_pushinteger(L, (lua_Integer)nums[f]);
            lua_setfield(L, -2, num_field[f]);
        }
    }
    lua_pushstring(L, skpi_outcome_name(c.outcome));
    lua_setfield(L, -2, "outcome");
    lua_newtable(L);
    for (size_t d = 0; d < skpi_records_dimension_count(r); d++) {
        const char *v = skpi_records_dimension_value(r, index, d);
        if (v) {
            lua_pushstring(L, v);
            lua_setfield(L, -2, skpi_records_dimension_name(r, d));
        }
    }
    lua_setfield(L, -2, "dims");
}

/* ------------------------------------------------------------------ */
/* ledger */

static int l_ledger(lua_State *L)
{
    const char *currency = luaL_optstring(L, 1, NULL);
    handle *h = handle_new(L, LEDGER, release_ledger, 0);
    skpi_ledger *l = NULL;
    skpi_error err;
    int rc = skpi_ledger_new(&l, currency, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    handle_fill(h, l, NULL);
    return 1;
}

static const char *const entry_keys[] = { "category", "amount", "start", "end", "driver",
                                          "channel", "scope", NULL };

/* qsort() order of C strings. */
static int scope_compare(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The scope table at idx as sorted names and their values (pointers held
 * by the table); pushes the box that holds the two arrays. */
static int read_scope(lua_State *L, int idx, size_t *count, const char ***keys,
                      const char ***values, char *msg)
{
    size_t n = 0, k = 0, len;
    int rc = SKPI_OK;
    if (!lua_isnil(L, idx) && !lua_istable(L, idx))
        return failf(msg, SKPI_EINVAL, "scope: a table of dimension = value is expected, got %s",
                     luaL_typename(L, idx));
    if (lua_istable(L, idx))
        for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1))
            n++;
    const char **pairs = lua_newuserdatauv(L, (2 * n + 1) * sizeof *pairs, 0);
    if (n) {
        lua_pushnil(L);
        while (rc == SKPI_OK && lua_next(L, idx)) {
            const char *v;
            if (lua_type(L, -2) != LUA_TSTRING)
                rc = failf(msg, SKPI_EINVAL, "scope: dimension names must be strings");
            else if ((rc = read_string(L, -1, "scope value", &v, &len, msg)) == SKPI_OK
                     && (rc = check_c_string(v, len, "scope value", msg)) == SKPI_OK) {
                pairs[k] = lua_tolstring(L, -2, &len);
                rc = check_c_string(pairs[k++], len, "scope name", msg);
            }
            lua_pop(L, rc == SKPI_OK ? 1 : 2);
        }
    }
    if (rc != SKPI_OK) {
        lua_pop(L, 1);
        return rc;
    }
    /* a stable order, whatever the table's: sort the names, then look values up */
    qsort(pairs, n, sizeof *pairs, scope_compare);
    for (k = 0; k < n; k++) {
        lua_getfield(L, idx, pairs[k]);
        pairs[n + k] = lua_tostring(L, -1);  /* held by the scope table */
        lua_pop(L, 1);
    }
    *count = n;
    *keys = pairs;
    *values = pairs + n;
    return SKPI_OK;
}

/* ledger:add_entry{category=, amount=, start=, ['end']=, driver=, channel=, scope={k=v}} */
static int ledger_add_entry(lua_State *L)
{
    CHECK_OPEN(h, L, 1, LEDGER);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    char msg[MSG_SIZE];
    int category = -1, driver = SKPI_DRIVER_HANDLE_TIME;
    int64_t amount = 0, start = 0, end = 0;
    const char *channel = NULL;
    size_t len, n = 0;
    const char **keys = NULL, **values = NULL;
    int rc = check_keys(L, 2, entry_keys, msg);
    lua_getfield(L, 2, "category");  /* 3 */
    lua_getfield(L, 2, "amount");    /* 4 */
    lua_getfield(L, 2, "start");     /* 5 */
    lua_getfield(L, 2, "end");       /* 6 */
    lua_getfield(L, 2, "driver");    /* 7 */
    lua_getfield(L, 2, "channel");   /* 8 */
    lua_getfield(L, 2, "scope");     /* 9 */
    if (rc == SKPI_OK && (lua_type(L, 3) != LUA_TSTRING
                          || skpi_category_from_name(lua_tostring(L, 3), &category) != SKPI_OK))
        rc = failf(msg, SKPI_EINVAL, "category: 'direct_labor', 'indirect_labor', "
                   "'technology', 'overhead' or 'other' is expected");
    if (rc == SKPI_OK)
        rc = read_integer(L, 4, "amount", &amount, msg);
    if (rc == SKPI_OK)
        rc = read_time(L, 5, "start", &start, msg);
    if (rc == SKPI_OK)
        rc = read_time(L, 6, "end", &end, msg);
    if (rc == SKPI_OK && !lua_isnil(L, 7)
        && (lua_type(L, 7) != LUA_TSTRING
            || skpi_driver_from_name(lua_tostring(L, 7), &driver) != SKPI_OK))
        rc = failf(msg, SKPI_EINVAL,
                   "driver: 'handle_time', 'contacts' or 'tier_weighted' is expected");
    if (rc == SKPI_OK && !lua_isnil(L, 8)) {
        rc = read_string(L, 8, "channel", &channel, &len, msg);
        if (rc == SKPI_OK)
            rc = check_c_string(channel, len, "channel", msg);
    }
    if (rc == SKPI_OK)
        rc = read_scope(L, 9, &n, &keys, &values, msg);  /* pushes the box */
    if (rc != SKPI_OK)
        return push_fail(L, rc, msg);
    rc = skpi_ledger_add_entry(h->ptr, category, amount, start, end, driver, channel, n, keys,
                               values);
    if (rc != SKPI_OK)
        return push_fail(L, rc, skpi_ledger_errmsg(h->ptr));
    lua_settop(L, 1);
    return 1;
}

static int ledger_set_rate(lua_State *L)
{
    CHECK_OPEN(h, L, 1, LEDGER);
    lua_Integer tier = luaL_checkinteger(L, 2);
    lua_Integer rate = luaL_checkinteger(L, 3);
    int rc = skpi_ledger_set_rate(h->ptr, tier < INT_MIN || tier > INT_MAX ? -1 : (int)tier,
                                  (int64_t)rate);
    if (rc != SKPI_OK)
        return push_fail(L, rc, skpi_ledger_errmsg(h->ptr));
    lua_settop(L, 1);
    return 1;
}

/* ledger:rate(tier) -> the rate, or nil when that tier has none. */
static int ledger_rate(lua_State *L)
{
    CHECK_OPEN(h, L, 1, LEDGER);
    lua_Integer tier = luaL_checkinteger(L, 2);
    int64_t rate = 0;
    int rc = skpi_ledger_rate(h->ptr, tier < INT_MIN || tier > INT_MAX ? -1 : (int)tier, &rate);
    if (rc < 0)
        return push_fail(L, rc, "rate: the tier is out of range");
    if (rc == SKPI_ABSENT)
        lua_pushnil(L);
    else
        lua_pushinteger(L, (lua_Integer)rate);
    return 1;
}

static int ledger_total(lua_State *L)
{
    CHECK_OPEN(h, L, 1, LEDGER);
    int64_t total = 0;
    int rc = skpi_ledger_total(h->ptr, &total);
    if (rc != SKPI_OK)
        return push_fail(L, rc, skpi_ledger_errmsg(h->ptr));
    lua_pushinteger(L, (lua_Integer)total);
    return 1;
}

static int ledger_currency(lua_State *L)
{
    CHECK_OPEN(h, L, 1, LEDGER);
    lua_pushstring(L, skpi_ledger_currency(h->ptr));
    return 1;
}

static int ledger_entries(lua_State *L)
{
    CHECK_OPEN(h, L, 1, LEDGER);
    const skpi_ledger *l = h->ptr;
    size_t n = skpi_ledger_entry_count(l);
    lua_createtable(L, n < INT_MAX ? (int)n : 0, 0);
    for (size_t i = 0; i < n; i++) {
        int category, driver;
        int64_t amount, start, end;
        if (skpi_ledger_entry(l, i, &category, &amount, &start, &end, &driver) != SKPI_OK)
            break;
        lua_createtable(L, 0, 7);
        lua_pushstring(L, skpi_category_name(category));
        lua_setfield(L, -2, "category");
        lua_pushinteger(L, (lua_Integer)amount);
        lua_setfield(L, -2, "amount");
        lua_pushinteger(L, (lua_Integer)start);
        lua_setfield(L, -2, "start");
        lua_pushinteger(L, (lua_Integer)end);
        lua_setfield(L, -2, "end");
        lua_pushstring(L, skpi_driver_name(driver));
        lua_setfield(L, -2, "driver");
        const char *channel = skpi_ledger_entry_channel(l, i);
        if (channel) {
            lua_pushstring(L, channel);
            lua_setfield(L, -2, "channel");
        }
        lua_newtable(L);
        for (size_t p = 0; p < skpi_ledger_entry_scope_count(l, i); p++) {
            const char *key, *value;
            if (skpi_ledger_entry_scope(l, i, p, &key, &value) == SKPI_OK) {
                lua_pushstring(L, value);
                lua_setfield(L, -2, key);
            }
        }
        lua_setfield(L, -2, "scope");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* ledger:load_rates(path [, {skip_bad_rows=}]) -> ledger, bad_rows */
static int ledger_load_rates(lua_State *L)
{
    CHECK_OPEN(h, L, 1, LEDGER);
    const char *path = luaL_checkstring(L, 2);
    int t = opt_table(L, 3);
    scratch *s = scratch_new(L);
    skpi_load_options o;
    char msg[MSG_SIZE];
    int rc = read_load_options(L, t, load_keys, &o, s, msg);
    if (rc != SKPI_OK)
        return push_fail(L, rc, msg);
    skpi_input input = SKPI_INPUT_PATH(path);
    rc = skpi_ledger_load_rates(h->ptr, &input, &o, NULL);
    if (rc != SKPI_OK) {
        push_fail(L, rc, skpi_ledger_errmsg(h->ptr));
        push_messages(L, s);
        return 4;
    }
    lua_pushvalue(L, 1);
    push_messages(L, s);
    scratch_release(s);
    return 2;
}

static int ledger_tostring(lua_State *L)
{
    handle *h = luaL_checkudata(L, 1, LEDGER);
    if (h->closed)
        return handle_tostring(L, LEDGER, "");
    lua_pushfstring(L, "%s, %I entries", skpi_ledger_currency(h->ptr),
                    (lua_Integer)skpi_ledger_entry_count(h->ptr));
    return handle_tostring(L, LEDGER, lua_tostring(L, -1));
}

static int ledger_close(lua_State *L) { return handle_close_method(L, LEDGER); }
static int ledger_gc(lua_State *L) { return handle_gc(L, LEDGER); }

/* supportkpi.load_costs(path [, {skip_bad_rows=}]) -> ledger, bad_rows */
static int l_load_costs(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int t = opt_table(L, 2);
    scratch *s = scratch_new(L);
    skpi_load_options o;
    char msg[MSG_SIZE];
    int rc = read_load_options(L, t, load_keys, &o, s, msg);
    if (rc != SKPI_OK)
        return push_fail(L, rc, msg);
    handle *h = handle_new(L, LEDGER, release_ledger, 0);
    skpi_input input = SKPI_INPUT_PATH(path);
    skpi_ledger *l = NULL;
    skpi_error err;
    rc = skpi_ledger_load_costs(&l, &input, &o, NULL, &err);
    if (rc != SKPI_OK) {
        push_fail(L, rc, err.message);
        push_messages(L, s);
        return 4;
    }
    handle_fill(h, l, NULL);
    push_messages(L, s);
    scratch_release(s);
    return 2;
}

/* ------------------------------------------------------------------ */
/* records */

static int l_records(lua_State *L)
{
    handle *h = handle_new(L, RECORDS, release_records, 0);
    skpi_records *r = NULL;
    int rc = skpi_records_new(&r);
    if (rc != SKPI_OK)
        return push_fail(L, rc, NULL);
    handle_fill(h, r, NULL);
    return 1;
}

/* records:add{id=, ..., dims={...}, other=dimension} -> records */
static int records_add(lua_State *L)
{
    CHECK_OPEN(h, L, 1, RECORDS);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    parsed p;
    char msg[MSG_SIZE];
    int rc = parse_contact(L, 2, &p, msg);  /* pushes dims at 3 */
    for (int t = 0; rc == SKPI_OK && t < TEXT_FIELDS; t++)
        rc = check_c_string(p.text[t], p.len[t], text_field[t], msg);
    if (rc != SKPI_OK) {
        lua_pushfstring(L, "contact: %s", msg);
        return push_fail(L, rc, lua_tostring(L, -1));
    }
    size_t n = 0;
    for (lua_pushnil(L); lua_next(L, 3); lua_pop(L, 1))
        n++;
    const char **pairs = lua_newuserdatauv(L, (2 * n + 1) * sizeof *pairs, 0);
    size_t k = 0;
    lua_pushnil(L);
    while (rc == SKPI_OK && lua_next(L, 3)) {
        size_t klen, vlen;
        pairs[k] = lua_tolstring(L, -2, &klen);      /* held by dims */
        pairs[n + k] = lua_tolstring(L, -1, &vlen);
        rc = check_c_string(pairs[k], klen, "dimension name", msg);
        if (rc == SKPI_OK)
            rc = check_c_string(pairs[n + k], vlen, pairs[k], msg);
        k++;
        lua_pop(L, rc == SKPI_OK ? 1 : 2);
    }
    if (rc != SKPI_OK) {
        lua_pushfstring(L, "contact: %s", msg);
        return push_fail(L, rc, lua_tostring(L, -1));
    }
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = p.text[T_ID];
    c.customer = p.text[T_CUSTOMER];
    c.reason = p.text[T_REASON];
    c.channel = p.text[T_CHANNEL];
    c.opened_at = p.num[N_OPENED];
    c.first_response_at = p.num[N_FIRST_RESPONSE];
    c.closed_at = p.num[N_CLOSED];
    c.handle_seconds = p.num[N_HANDLE];
    c.tier = p.num[N_TIER];
    c.escalations = p.num[N_ESCALATIONS];
    c.reopens = p.num[N_REOPENS];
    c.csat = p.num[N_CSAT];
    c.outcome = (int)p.num[N_OUTCOME];
    c.dimension_count = n;
    c.dimension_names = pairs;
    c.dimension_values = pairs + n;
    rc = skpi_records_add(h->ptr, &c);
    if (rc != SKPI_OK)
        return push_fail(L, rc, skpi_records_errmsg(h->ptr));
    lua_settop(L, 1);
    return 1;
}

/* records:add_batch{contact, ...}: the contacts as columns, one
 * skpi_records_append_columns() call (all or nothing). */
static int records_add_batch(lua_State *L)
{
    CHECK_OPEN(h, L, 1, RECORDS);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    size_t n = lua_rawlen(L, 2);
    char msg[MSG_SIZE];
    lua_newtable(L);  /* 3: dimension name -> column number 1..D */
    lua_newtable(L);  /* 4: row -> its dimension table */
    lua_newtable(L);  /* 5: column number -> its bytes */
    int64_t *num = lua_newuserdatauv(L, (NUM_FIELDS * n + 1) * sizeof *num, 0);  /* 6 */
    size_t text_bytes[TEXT_FIELDS] = { 0, 0, 0, 0 };
    size_t dims = 0;

    /* pass 1: read every row, number the dimensions, measure the text */
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, 2, (lua_Integer)i + 1);
        parsed p;
        int rc = parse_contact(L, -1, &p, msg);
        if (rc != SKPI_OK) {
            lua_pushfstring(L, "contacts[%I]: %s", (lua_Integer)i + 1, msg);
            return push_fail(L, rc, lua_tostring(L, -1));
        }
        for (int f = 0; f < NUM_FIELDS; f++)
            num[(size_t)f * n + i] = p.num[f];
        for (int t = 0; t < TEXT_FIELDS; t++)
            text_bytes[t] += p.len[t];
        for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
            lua_pushvalue(L, -2);
            lua_Integer d;
            if (lua_rawget(L, 3) == LUA_TNIL) {
                d = (lua_Integer)++dims;
                lua_pushvalue(L, -3);
                lua_pushinteger(L, d);
                lua_rawset(L, 3);
                lua_pushinteger(L, 0);
                lua_rawseti(L, 5, d);
            } else {
                d = lua_tointeger(L, -1);
            }
            lua_pop(L, 1);
            lua_rawgeti(L, 5, d);
            lua_pushinteger(L, lua_tointeger(L, -1) + (lua_Integer)lua_rawlen(L, -2));
            lua_rawseti(L, 5, d);
            lua_pop(L, 1);
        }
        lua_rawseti(L, 4, (lua_Integer)i + 1);
        lua_pop(L, 1);
    }

    /* the columns' memory */
    size_t columns = TEXT_FIELDS + dims, total = 0;
    size_t *size = lua_newuserdatauv(L, (columns + 1) * sizeof *size, 0);  /* 7 */
    for (size_t c = 0; c < columns; c++) {
        if (c < TEXT_FIELDS) {
            size[c] = text_bytes[c];
        } else {
            lua_rawgeti(L, 5, (lua_Integer)(c - TEXT_FIELDS) + 1);
            size[c] = (size_t)lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        total += size[c];
    }
    int64_t *offsets = lua_newuserdatauv(L, (columns * (n + 1) + 1) * sizeof *offsets, 0); /* 8 */
    char *bytes = lua_newuserdatauv(L, total + 1, 0);                                       /* 9 */
    skpi_text_column *text = lua_newuserdatauv(L, (columns + 1) * sizeof *text, 0);         /* 10 */
    const char **names = lua_newuserdatauv(L, (dims + 1) * sizeof *names, 0);               /* 11 */
    char *at = bytes;
    for (size_t c = 0; c < columns; c++) {
        text[c].bytes = at;
        text[c].offsets = offsets + c * (n + 1);
        offsets[c * (n + 1)] = 0;
        at += size[c];
    }
    for (lua_pushnil(L); lua_next(L, 3); lua_pop(L, 1))
        names[lua_tointeger(L, -1) - 1] = lua_tostring(L, -2);  /* held by table 3 */

    /* pass 2: the text, row by row */
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < columns; c++)
            offsets[c * (n + 1) + i + 1] = offsets[c * (n + 1) + i];
        lua_rawgeti(L, 2, (lua_Integer)i + 1);
        for (int t = 0; t < TEXT_FIELDS; t++) {
            size_t len;
            lua_pushstring(L, text_field[t]);
            if (lua_rawget(L, -2) == LUA_TSTRING) {
                const char *s = lua_tolstring(L, -1, &len);
                int64_t *end = &offsets[(size_t)t * (n + 1) + i + 1];
                memcpy((char *)text[t].bytes + *end, s, len);
                *end += (int64_t)len;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        lua_rawgeti(L, 4, (lua_Integer)i + 1);
        for (lua_pushnil(L); lua_next(L, -2); lua_pop(L, 1)) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            lua_pushvalue(L, -2);
            lua_rawget(L, 3);
            size_t c = TEXT_FIELDS + (size_t)lua_tointeger(L, -1) - 1;
            lua_pop(L, 1);
            int64_t *end = &offsets[c * (n + 1) + i + 1];
            memcpy((char *)text[c].bytes + *end, s, len);
            *end += (int64_t)len;
        }
        lua_pop(L, 1);
    }

    skpi_contact_columns cols = SKPI_COLUMNS_INIT;
    cols.count = n;
    cols.id = text[T_ID];
    cols.customer = text[T_CUSTOMER];
    cols.reason = text[T_REASON];
    cols.channel = text[T_CHANNEL];
    cols.opened_at = num + (size_t)N_OPENED * n;
    cols.first_response_at = num + (size_t)N_FIRST_RESPONSE * n;
    cols.closed_at = num + (size_t)N_CLOSED * n;
    cols.handle_seconds = num + (size_t)N_HANDLE * n;
    cols.tier = num + (size_t)N_TIER * n;
    cols.escalations = num + (size_t)N_ESCALATIONS * n;
    cols.reopens = num + (size_t)N_REOPENS * n;
    cols.csat = num + (size_t)N_CSAT * n;
    cols.outcome = num + (size_t)N_OUTCOME * n;
    cols.dimension_count = dims;
    cols.dimension_names = names;
    cols.dimensions = text + TEXT_FIELDS;
    int rc = skpi_records_append_columns(h->ptr, &cols);
    if (rc != SKPI_OK)
        return push_fail(L, rc, skpi_records_errmsg(h->ptr));
    lua_settop(L, 1);
    return 1;
}

static int records_count(lua_State *L)
{
    CHECK_OPEN(h, L, 1, RECORDS);
    lua_pushinteger(L, (lua_Integer)skpi_records_count(h->ptr));
    return 1;
}

/* records:get(i) (1-based) -> contact table */
static int records_get(lua_State *L)
{
    CHECK_OPEN(h, L, 1, RECORDS);
    lua_Integer i = luaL_checkinteger(L, 2);
    if (i < 1 || (lua_Unsigned)i > skpi_records_count(h->ptr)) {
        lua_pushfstring(L, "records: no contact %I (there are %I)", i,
                        (lua_Integer)skpi_records_count(h->ptr));
        return push_fail(L, SKPI_ENOTFOUND, lua_tostring(L, -1));
    }
    push_contact(L, h->ptr, (size_t)(i - 1));
    return 1;
}

/* records:find(id) -> index (1-based) */
static int records_find(lua_State *L)
{
    CHECK_OPEN(h, L, 1, RECORDS);
    const char *id = luaL_checkstring(L, 2);
    size_t index;
    int rc = skpi_records_find(h->ptr, id, &index);
    if (rc != SKPI_OK) {
        lua_pushfstring(L, "records: no contact with id '%s'", id);
        return push_fail(L, rc, lua_tostring(L, -1));
    }
    lua_pushinteger(L, (lua_Integer)index + 1);
    return 1;
}

static int records_dimensions(lua_State *L)
{
    CHECK_OPEN(h, L, 1, RECORDS);
    size_t n = skpi_records_dimension_count(h->ptr);
    lua_createtable(L, (int)n, 0);
    for (size_t d = 0; d < n; d++) {
        lua_pushstring(L, skpi_records_dimension_name(h->ptr, d));
        lua_rawseti(L, -2, (lua_Integer)d + 1);
    }
    return 1;
}

/* records:load(path [, {skip_bad_rows=}]) -> records, bad_rows */
static int records_load(lua_State *L)
{
    CHECK_OPEN(h, L, 1, RECORDS);
    const char *path = luaL_checkstring(L, 2);
    int t = opt_table(L, 3);
    scratch *s = scratch_new(L);
    skpi_load_options o;
    char msg[MSG_SIZE];
    int rc = read_load_options(L, t, load_keys, &o, s, msg);
    if (rc != SKPI_OK)
        return push_fail(L, rc, msg);
    skpi_input input = SKPI_INPUT_PATH(path);
    rc = skpi_records_load(h->ptr, &input, &o, NULL);
    if (rc != SKPI_OK) {
        push_fail(L, rc, skpi_records_errmsg(h->ptr));
        push_messages(L, s);
        return 4;
    }
    lua_pushvalue(L, 1);
    push_messages(L, s);
    scratch_release(s);
    return 2;
}

static int records_tostring(lua_State *L)
{
    handle *h = luaL_checkudata(L, 1, RECORDS);
    if (h->closed)
        return handle_tostring(L, RECORDS, "");
    lua_pushfstring(L, "%I contacts", (lua_Integer)skpi_records_count(h->ptr));
    return handle_tostring(L, RECORDS, lua_tostring(L, -1));
}

static int records_close(lua_State *L) { return handle_close_method(L, RECORDS); }
static int records_gc(lua_State *L) { return handle_gc(L, RECORDS); }

/* ------------------------------------------------------------------ */
/* chains */

/* supportkpi.chains(records [, {window=, as_of=, provisional=, anchor=, threads=}]) */
static int l_chains(lua_State *L)
{
    CHECK_OPEN(r, L, 1, RECORDS);
    int t = opt_table(L, 2);
    char msg[MSG_SIZE];
    skpi_chain_options o;
    int rc = t ? check_keys(L, t, chain_keys, msg) : SKPI_OK;
    if (rc == SKPI_OK)
        rc = read_chain_options(L, t, &o, msg);
    if (rc != SKPI_OK)
        return push_fail(L, rc, msg);
    handle *h = handle_new(L, CHAINS, release_chains, 1);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);  /* the records live as long as the chains */
    skpi_chains *c = NULL;
    skpi_error err;
    rc = skpi_chains_new(&c, r->ptr, &o, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    handle_fill(h, c, r);
    return 1;
}

static int chains_count(lua_State *L)
{
    CHECK_OPEN(h, L, 1, CHAINS);
    lua_pushinteger(L, (lua_Integer)skpi_chains_count(h->ptr));
    return 1;
}

/* chains:options() -> {window=, as_of=, provisional=, anchor=} as in force */
static int chains_options(lua_State *L)
{
    CHECK_OPEN(h, L, 1, CHAINS);
    skpi_chain_options o;
    skpi_chains_options(h->ptr, &o);
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)o.window_seconds);
    lua_setfield(L, -2, "window");
    if (o.as_of != SKPI_UNSET) {
        lua_pushinteger(L, (lua_Integer)o.as_of);
        lua_setfield(L, -2, "as_of");
    }
    lua_pushboolean(L, o.provisional);
    lua_setfield(L, -2, "provisional");
    lua_pushstring(L, o.anchor == SKPI_ANCHOR_LAST ? "last" : "first");
    lua_setfield(L, -2, "anchor");
    return 1;
}

/* One chain's table: chain, status, provisional, first_opened,
 * latest_close, records (1-based record indexes), ids, channels. */
static void push_chain(lua_State *L, const skpi_chains *c, size_t chain)
{
    const skpi_records *r = skpi_chains_records(c);
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, (lua_Integer)chain + 1);
    lua_setfield(L, -2, "chain");
    lua_pushstring(L, skpi_chain_status_name(skpi_chain_get_status(c, chain)));
    lua_setfield(L, -2, "status");
    lua_pushboolean(L, skpi_chain_is_provisional(c, chain));
    lua_setfield(L, -2, "provisional");
    lua_pushinteger(L, (lua_Integer)skpi_chain_first_opened(c, chain));
    lua_setfield(L, -2, "first_opened");
    int64_t close = skpi_chain_latest_close(c, chain);
    if (close != SKPI_UNSET) {
        lua_pushinteger(L, (lua_Integer)close);
        lua_setfield(L, -2, "latest_close");
    }
    size_t n = skpi_chain_size(c, chain);
    lua_createtable(L, (int)n, 0);
    lua_createtable(L, (int)n, 0);
    for (size_t p = 0; p < n; p++) {
        size_t index = skpi_chain_contact(c, chain, p);
        skpi_contact contact = SKPI_CONTACT_INIT;
        lua_pushinteger(L, (lua_Integer)index + 1);
        lua_rawseti(L, -3, (lua_Integer)p + 1);
        if (skpi_records_get(r, index, &contact) == SKPI_OK) {
            lua_pushstring(L, contact.id);
            lua_rawseti(L, -2, (lua_Integer)p + 1);
        }
    }
    lua_setfield(L, -3, "ids");
    lua_setfield(L, -2, "records");
    size_t k = skpi_chain_channel_count(c, chain);
    lua_createtable(L, (int)k, 0);
    for (size_t j = 0; j < k; j++) {
        lua_pushstring(L, skpi_chain_channel(c, chain, j));
        lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_setfield(L, -2, "channels");
}

/* chains:get(i) (1-based) -> chain table */
static int chains_get(lua_State *L)
{
    CHECK_OPEN(h, L, 1, CHAINS);
    lua_Integer i = luaL_checkinteger(L, 2);
    if (i < 1 || (lua_Unsigned)i > skpi_chains_count(h->ptr)) {
        lua_pushfstring(L, "chains: no chain %I (there are %I)", i,
                        (lua_Integer)skpi_chains_count(h->ptr));
        return push_fail(L, SKPI_ENOTFOUND, lua_tostring(L, -1));
    }
    push_chain(L, h->ptr, (size_t)(i - 1));
    return 1;
}

/* chains:update(): take in contacts added to the records since. */
static int chains_update(lua_State *L)
{
    CHECK_OPEN(h, L, 1, CHAINS);
    if (h->borrowers)
        return push_fail(L, SKPI_EINVAL,
                         "chains: a breakdown still reads these chains; close it before update");
    int rc = skpi_chains_update(h->ptr);
    if (rc != SKPI_OK)
        return push_fail(L, rc, skpi_chains_errmsg(h->ptr));
    lua_settop(L, 1);
    return 1;
}

static int chains_tostring(lua_State *L)
{
    handle *h = luaL_checkudata(L, 1, CHAINS);
    if (h->closed)
        return handle_tostring(L, CHAINS, "");
    lua_pushfstring(L, "%I chains", (lua_Integer)skpi_chains_count(h->ptr));
    return handle_tostring(L, CHAINS, lua_tostring(L, -1));
}

static int chains_close(lua_State *L) { return handle_close_method(L, CHAINS); }
static int chains_gc(lua_State *L) { return handle_gc(L, CHAINS); }

/* ------------------------------------------------------------------ */
/* breakdown */

/* supportkpi.breakdown(chains [, ledger] [, {by=, bucket=, cohort=}]) */
static int l_breakdown(lua_State *L)
{
    CHECK_OPEN(c, L, 1, CHAINS);
    int ledger_arg = 0, t;
    if (lua_istable(L, 2)) {
        t = opt_table(L, 2);
    } else {
        if (!lua_isnoneornil(L, 2) && !(lua_isboolean(L, 2) && !lua_toboolean(L, 2)))
            ledger_arg = 2;
        t = opt_table(L, 3);
    }
    handle *l = NULL;
    if (ledger_arg && !(l = to_open(L, ledger_arg, LEDGER)))
        return push_closed(L, LEDGER);
    char msg[MSG_SIZE];
    skpi_breakdown_options o;
    int rc = t ? check_keys(L, t, breakdown_option_keys, msg) : SKPI_OK;
    if (rc == SKPI_OK)
        rc = read_breakdown_options(L, t, &o, msg);  /* pushes the by box */
    if (rc != SKPI_OK)
        return push_fail(L, rc, msg);
    handle *h = handle_new(L, BREAKDOWN, release_breakdown, 2);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);  /* the chains (and so the records) outlive it */
    if (ledger_arg) {
        lua_pushvalue(L, ledger_arg);
        lua_setiuservalue(L, -2, 2);  /* the default ledger of :explain() */
    }
    skpi_breakdown *b = NULL;
    skpi_error err;
    rc = skpi_breakdown_new(&b, c->ptr, l ? l->ptr : NULL, &o, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    handle_fill(h, b, c);
    return 1;
}

/* Push a row's table: key = {name = value} (NULL keys left out), then every
 * KPI by name: integers exact, decimals as skpi_breakdown_get_double(),
 * absent ones left out (nil). */
static void push_row(lua_State *L, const skpi_breakdown *b, size_t row)
{
    int kpis = skpi_kpi_count();
    lua_createtable(L, 0, kpis + 1);
    size_t keys = skpi_breakdown_key_count(b);
    lua_createtable(L, 0, (int)keys);
    for (size_t k = 0; row != SKPI_ROW_TOTAL && k < keys; k++) {
        const char *v = skpi_breakdown_key_value(b, row, k);
        if (v) {
            lua_pushstring(L, v);
            lua_setfield(L, -2, skpi_breakdown_key_name(b, k));
        }
    }
    lua_setfield(L, -2, "key");
    for (int kpi = 0; kpi < kpis; kpi++) {
        if (skpi_kpi_kind(kpi) == SKPI_KIND_DECIMAL) {
            double d;
            if (skpi_breakdown_get_double(b, row, kpi, &d) != SKPI_OK)
                continue;
            lua_pushnumber(L, (lua_Number)d);
        } else {
            int64_t v;
            if (skpi_breakdown_get(b, row, kpi, &v) != SKPI_OK)
                continue;
            lua_pushinteger(L, (lua_Integer)v);
        }
        lua_setfield(L, -2, skpi_kpi_name(kpi));
    }
}

/* The row of a key table {name = value} ("" = null): the CLI's find_row
 * (every key of the breakdown given, each value equal).  SIZE_MAX if none. */
static size_t find_row(lua_State *L, int t, const skpi_breakdown *b)
{
    size_t keys = skpi_breakdown_key_count(b), given = 0;
    for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1))
        given++;
    if (given != keys)
        return SIZE_MAX;
    for (size_t r = 0; r < skpi_breakdown_row_count(b); r++) {
        size_t matched = 0;
        for (size_t k = 0; k < keys; k++) {
            if (lua_getfield(L, t, skpi_breakdown_key_name(b, k)) == LUA_TSTRING) {
                const char *v = skpi_breakdown_key_value(b, r, k);
                matched += strcmp(v ? v : "", lua_tostring(L, -1)) == 0;
            }
            lua_pop(L, 1);
        }
        if (matched == keys)
            return r;
    }
    return SIZE_MAX;
}

/* "channel=voice,month=2025-01" for a message (pushed). */
static void push_key_text(lua_State *L, int t)
{
    int acc = lua_gettop(L) + 1;
    lua_pushliteral(L, "");
    for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
        int top = lua_gettop(L);  /* key at top - 1, value at top */
        lua_pushvalue(L, acc);
        lua_pushstring(L, lua_rawlen(L, acc) ? "," : "");
        luaL_tolstring(L, top - 1, NULL);
        lua_pushliteral(L, "=");
        luaL_tolstring(L, top, NULL);
        lua_concat(L, 5);
        lua_replace(L, acc);
    }
}

/* The row argument: 1..count, "total", or a key table.  On failure pushes
 * nil, message, code and returns 0. */
static int check_row(lua_State *L, int arg, const skpi_breakdown *b, size_t *row)
{
    size_t count = skpi_breakdown_row_count(b);
    if (lua_type(L, arg) == LUA_TSTRING && strcmp(lua_tostring(L, arg), "total") == 0) {
        *row = SKPI_ROW_TOTAL;
        return 1;
    }
    if (lua_istable(L, arg)) {
        *row = find_row(L, lua_absindex(L, arg), b);
        if (*row != SIZE_MAX)
            return 1;
        push_key_text(L, lua_absindex(L, arg));
        lua_pushfstring(L, "breakdown: no row with %s", lua_tostring(L, -1));
        push_fail(L, SKPI_ENOTFOUND, lua_tostring(L, -1));
        return 0;
    }
    int ok = 0;
    lua_Integer i = lua_tointegerx(L, arg, &ok);
    if (!ok || lua_type(L, arg) != LUA_TNUMBER)
        luaL_typeerror(L, arg, "row number, 'total' or key table");
    if (i < 1 || (lua_Unsigned)i > count) {
        lua_pushfstring(L, "breakdown: no row %I (there are %I)", i, (lua_Integer)count);
        push_fail(L, SKPI_ENOTFOUND, lua_tostring(L, -1));
        return 0;
    }
    *row = (size_t)(i - 1);
    return 1;
}

/* The KPI argument (a name).  On failure pushes nil, message, code. */
static int check_kpi(lua_State *L, int arg, int *kpi)
{
    const char *name = luaL_checkstring(L, arg);
    if (skpi_kpi_from_name(name, kpi) == SKPI_OK)
        return 1;
    lua_pushfstring(L, "breakdown: unknown KPI '%s'", name);
    push_fail(L, SKPI_EINVAL, lua_tostring(L, -1));
    return 0;
}

static int breakdown_rows(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    size_t n = skpi_breakdown_row_count(h->ptr);
    lua_createtable(L, n < INT_MAX ? (int)n : 0, 0);
    for (size_t r = 0; r < n; r++) {
        push_row(L, h->ptr, r);
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    return 1;
}

static int breakdown_row(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    size_t row;
    if (!check_row(L, 2, h->ptr, &row))
        return 3;
    push_row(L, h->ptr, row);
    return 1;
}

static int breakdown_total(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    push_row(L, h->ptr, SKPI_ROW_TOTAL);
    return 1;
}

static int breakdown_count(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    lua_pushinteger(L, (lua_Integer)skpi_breakdown_row_count(h->ptr));
    return 1;
}

/* breakdown:find{key=value} -> row number */
static int breakdown_find(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t row;
    if (!check_row(L, 2, h->ptr, &row))
        return 3;
    lua_pushinteger(L, (lua_Integer)row + 1);
    return 1;
}

static int breakdown_keys(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    size_t n = skpi_breakdown_key_count(h->ptr);
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        lua_pushstring(L, skpi_breakdown_key_name(h->ptr, k));
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* breakdown:text(row, kpi) -> the JSON text of a KPI, or nil when absent. */
static int breakdown_text(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    size_t row;
    int kpi;
    if (!check_row(L, 2, h->ptr, &row) || !check_kpi(L, 3, &kpi))
        return 3;
    char buf[64];
    int rc = skpi_breakdown_text(h->ptr, row, kpi, buf, sizeof buf);
    if (rc < 0)
        return push_fail(L, rc, NULL);
    if (rc == SKPI_ABSENT)
        lua_pushnil(L);
    else
        lua_pushstring(L, buf);
    return 1;
}

/* breakdown:get(row, kpi) -> the exact integer (decimals in units of 1e-9),
 * or nil when absent. */
static int breakdown_get(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    size_t row;
    int kpi;
    if (!check_row(L, 2, h->ptr, &row) || !check_kpi(L, 3, &kpi))
        return 3;
    int64_t v = 0;
    int rc = skpi_breakdown_get(h->ptr, row, kpi, &v);
    if (rc < 0)
        return push_fail(L, rc, rc == SKPI_ERANGE ? "breakdown: the value does not fit in "
                                                    "int64; read it with :text()" : NULL);
    if (rc == SKPI_ABSENT)
        lua_pushnil(L);
    else
        lua_pushinteger(L, (lua_Integer)v);
    return 1;
}

/* breakdown:ledger() -> {ledger_total=, unallocated=,
 * escalation_adjusted_unallocated=} or nil without a ledger. */
static int breakdown_ledger(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    int64_t total, unallocated, adjusted;
    if (skpi_breakdown_ledger(h->ptr, &total, &unallocated, &adjusted) != SKPI_OK) {
        lua_pushnil(L);
        return 1;
    }
    lua_createtable(L, 0, 4);
    lua_pushstring(L, skpi_breakdown_currency(h->ptr));
    lua_setfield(L, -2, "currency");
    lua_pushinteger(L, (lua_Integer)total);
    lua_setfield(L, -2, "ledger_total");
    lua_pushinteger(L, (lua_Integer)unallocated);
    lua_setfield(L, -2, "unallocated");
    if (adjusted != SKPI_UNSET) {
        lua_pushinteger(L, (lua_Integer)adjusted);
        lua_setfield(L, -2, "escalation_adjusted_unallocated");
    }
    return 1;
}

/* The JSON report of b, pushed (skpi_breakdown_json: ask for the size,
 * then write into a Lua buffer). */
static int push_json(lua_State *L, const skpi_breakdown *b, int64_t skipped)
{
    size_t needed = 0;
    int rc = skpi_breakdown_json(b, NULL, 0, &needed, skipped);
    if (rc != SKPI_OK && rc != SKPI_ENOSPACE)
        return rc;
    luaL_Buffer buf;
    char *p = luaL_buffinitsize(L, &buf, needed);
    rc = skpi_breakdown_json(b, p, needed, &needed, skipped);
    if (rc != SKPI_OK) {
        luaL_pushresultsize(&buf, 0);
        lua_pop(L, 1);
        return rc;
    }
    luaL_pushresultsize(&buf, needed - 1);
    return SKPI_OK;
}

/* breakdown:json([skipped_rows]) -> the SPEC §9 JSON report */
static int breakdown_json(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    int64_t skipped = lua_isnoneornil(L, 2) ? SKPI_UNSET : (int64_t)luaL_checkinteger(L, 2);
    int rc = push_json(L, h->ptr, skipped);
    return rc == SKPI_OK ? 1 : push_fail(L, rc, NULL);
}

/* breakdown:csv() -> the CSV text (skpi_breakdown_write_csv to memory) */
static int breakdown_csv(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    scratch *s = scratch_new(L);
    s->stream = open_memstream(&s->text, &s->text_size);
    if (!s->stream)
        return push_fail(L, SKPI_ENOMEM, "breakdown: open_memstream failed");
    int rc = skpi_breakdown_write_csv(h->ptr, s->stream);
    if (fclose(s->stream) != 0 && rc == SKPI_OK)
        rc = SKPI_EIO;
    s->stream = NULL;
    if (rc != SKPI_OK)
        return push_fail(L, rc, NULL);
    lua_pushlstring(L, s->text ? s->text : "", s->text_size);
    scratch_release(s);
    return 1;
}

/* Push the explanation table of row (see README). */
static void push_explanation(lua_State *L, const skpi_breakdown *b, size_t row,
                             const skpi_explain *e)
{
    const skpi_chains *c = skpi_breakdown_chains(b);
    const skpi_records *r = skpi_chains_records(c);
    lua_createtable(L, 0, 6);
    if (row == SKPI_ROW_TOTAL)
        lua_pushliteral(L, "total");
    else
        lua_pushinteger(L, (lua_Integer)row + 1);
    lua_setfield(L, -2, "row");
    push_row(L, b, row);
    lua_getfield(L, -1, "key");
    lua_setfield(L, -3, "key");
    lua_setfield(L, -2, "kpis");
    const char *currency = skpi_breakdown_currency(b);
    if (currency) {
        lua_pushstring(L, currency);
        lua_setfield(L, -2, "currency");
    }
    size_t n = skpi_explain_chain_count(e);
    lua_createtable(L, n < INT_MAX ? (int)n : 0, 0);
    for (size_t k = 0; k < n; k++) {
        size_t chain = 0;
        int64_t cost = 0;
        int rc = skpi_explain_chain(e, k, &chain, &cost);
        push_chain(L, c, chain);
        if (rc == SKPI_OK) {
            lua_pushinteger(L, (lua_Integer)cost);
            lua_setfield(L, -2, "cost");
        }
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "chains");
    n = skpi_explain_contact_count(e);
    lua_createtable(L, n < INT_MAX ? (int)n : 0, 0);
    for (size_t k = 0; k < n; k++) {
        size_t index = 0;
        int64_t cost = 0;
        int rc = skpi_explain_contact(e, k, &index, &cost);
        push_contact(L, r, index);
        lua_pushinteger(L, (lua_Integer)index + 1);
        lua_setfield(L, -2, "record");
        if (rc == SKPI_OK) {
            lua_pushinteger(L, (lua_Integer)cost);
            lua_setfield(L, -2, "cost");
        }
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "contacts");
}

/* breakdown:explain(row [, ledger]): ledger absent or nil = the one the
 * breakdown was built with; false = none (no costs). */
static int breakdown_explain(lua_State *L)
{
    CHECK_OPEN(h, L, 1, BREAKDOWN);
    size_t row;
    if (!check_row(L, 2, h->ptr, &row))
        return 3;
    const skpi_ledger *ledger = NULL;
    if (lua_isnoneornil(L, 3)) {
        lua_getiuservalue(L, 1, 2);
        if (!lua_isnil(L, -1)) {
            handle *l = lua_touserdata(L, -1);  /* a ledger: l_breakdown stored it */
            if (l->closed)
                return push_fail(L, SKPI_EINVAL, "explain: the breakdown's ledger is closed "
                                                 "(pass false to explain without costs)");
            ledger = l->ptr;
        }
    } else if (!(lua_isboolean(L, 3) && !lua_toboolean(L, 3))) {
        handle *l = to_open(L, 3, LEDGER);
        if (!l)
            return push_closed(L, LEDGER);
        ledger = l->ptr;
    }
    scratch *s = scratch_new(L);
    skpi_error err;
    int rc = skpi_explain_new(&s->explain, h->ptr, row, ledger, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    push_explanation(L, h->ptr, row, s->explain);
    scratch_release(s);
    return 1;
}

static int breakdown_tostring(lua_State *L)
{
    handle *h = luaL_checkudata(L, 1, BREAKDOWN);
    if (h->closed)
        return handle_tostring(L, BREAKDOWN, "");
    lua_pushfstring(L, "%I rows", (lua_Integer)skpi_breakdown_row_count(h->ptr));
    return handle_tostring(L, BREAKDOWN, lua_tostring(L, -1));
}

static int breakdown_close(lua_State *L) { return handle_close_method(L, BREAKDOWN); }
static int breakdown_gc(lua_State *L) { return handle_gc(L, BREAKDOWN); }

/* ------------------------------------------------------------------ */
/* report and explain: the command's calls, from files to the breakdown */

static const char *const report_keys[] = {
    "contacts", "costs", "rates", "window", "as_of", "by", "bucket", "cohort", "anchor",
    "provisional", "skip_bad_rows", NULL
};
static const char *const explain_keys[] = {
    "contacts", "costs", "rates", "window", "as_of", "by", "bucket", "cohort", "anchor",
    "provisional", "skip_bad_rows", "row", NULL
};

static int read_path(lua_State *L, int t, const char *name, int required, const char **out,
                     char *msg)
{
    size_t len;
    *out = NULL;
    int type = lua_getfield(L, t, name);
    int rc = SKPI_OK;
    if (type == LUA_TNIL && required)
        rc = failf(msg, SKPI_EINVAL, "%s: a file name is required", name);
    else if (type != LUA_TNIL)
        rc = read_string(L, -1, name, out, &len, msg);   /* held by the table */
    lua_pop(L, 1);
    return rc;
}

/* explain without by: the row's keys (sorted) are the grouping, a bucket
 * unit as the bucket (the CLI's grouping_from_row).  Pushes the box of by. */
static int grouping_from_row(lua_State *L, int row, skpi_breakdown_options *o, char *msg)
{
    size_t n = 0;
    for (lua_pushnil(L); lua_next(L, row); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING) {
            lua_pop(L, 2);
            return failf(msg, SKPI_EINVAL, "row: a table of key = value strings is expected");
        }
        n++;
    }
    const char **keys = lua_newuserdatauv(L, (n + 1) * sizeof *keys, 0);
    size_t k = 0;
    for (lua_pushnil(L); lua_next(L, row); lua_pop(L, 1))
        keys[k++] = lua_tostring(L, -2);  /* held by the row table */
    qsort(keys, n, sizeof *keys, scope_compare);
    if (o->by_count)
        return SKPI_OK;
    size_t by = 0;
    for (k = 0; k < n; k++) {
        int unit;
        if (o->bucket == SKPI_BUCKET_NONE && skpi_bucket_from_name(keys[k], &unit) == SKPI_OK)
            o->bucket = unit;
        else
            keys[by++] = keys[k];
    }
    o->by = keys;
    o->by_count = by;
    return SKPI_OK;
}

/* Everything report and explain need, from the spec table at t, into s.
 * skipped gets the skipped_rows of the JSON.  Pushes 2 values (the boxes of
 * the by lists) on success. */
static int build_from_spec(lua_State *L, int t, scratch *s, int explain, int64_t *skipped,
                           char *msg)
{
    const char *contacts, *costs, *rates;
    skpi_load_options lo;
    skpi_chain_options co;
    skpi_breakdown_options bo;
    int rc = check_keys(L, t, explain ? explain_keys : report_keys, msg);
    if (rc == SKPI_OK)
        rc = read_path(L, t, "contacts", 1, &contacts, msg);
    if (rc == SKPI_OK)
        rc = read_path(L, t, "costs", 1, &costs, msg);
    if (rc == SKPI_OK)
        rc = read_path(L, t, "rates", 0, &rates, msg);
    if (rc == SKPI_OK)
        rc = read_load_options(L, t, NULL, &lo, s, msg);
    if (rc == SKPI_OK)
        rc = read_chain_options(L, t, &co, msg);
    if (rc == SKPI_OK)
        rc = read_breakdown_options(L, t, &bo, msg);  /* pushes 1 */
    if (rc != SKPI_OK)
        return rc;
    if (explain) {
        int type = lua_getfield(L, t, "row");
        if (type != LUA_TTABLE) {
            lua_pop(L, 2);
            return failf(msg, SKPI_EINVAL, "row: a table of key = value strings is required");
        }
        rc = grouping_from_row(L, lua_gettop(L), &bo, msg);  /* pushes 1 */
        lua_remove(L, -2);
        if (rc != SKPI_OK) {
            lua_pop(L, 1);
            return rc;
        }
    } else {
        lua_pushnil(L);
    }
    /* from here on, the calls of tools/supportkpi.c's run_report() */
    uint64_t skip = 0;
    skpi_load_stats stats = { 0, 0 };
    skpi_input input = SKPI_INPUT_PATH(contacts);
    rc = skpi_records_new(&s->records);
    if (rc == SKPI_OK)
        rc = skpi_records_load(s->records, &input, &lo, &stats);
    skip += lo.skip_bad_rows ? stats.skipped : 0;
    if (rc != SKPI_OK) {
        snprintf(msg, MSG_SIZE, "%s", s->records ? skpi_records_errmsg(s->records)
                                                 : skpi_strerror(rc));
        goto fail;
    }
    skpi_error err;
    stats = (skpi_load_stats){ 0, 0 };
    input = SKPI_INPUT_PATH(costs);
    rc = skpi_ledger_load_costs(&s->ledger, &input, &lo, &stats, &err);
    skip += lo.skip_bad_rows ? stats.skipped : 0;
    if (rc != SKPI_OK) {
        snprintf(msg, MSG_SIZE, "%s", err.message);
        goto fail;
    }
    if (rates) {
        stats = (skpi_load_stats){ 0, 0 };
        input = SKPI_INPUT_PATH(rates);
        rc = skpi_ledger_load_rates(s->ledger, &input, &lo, &stats);
        skip += lo.skip_bad_rows ? stats.skipped : 0;
        if (rc != SKPI_OK) {
            snprintf(msg, MSG_SIZE, "%s", skpi_ledger_errmsg(s->ledger));
            goto fail;
        }
    }
    rc = skpi_chains_new(&s->chains, s->records, &co, &err);
    if (rc == SKPI_OK)
        rc = skpi_breakdown_new(&s->breakdown, s->chains, s->ledger, &bo, &err);
    if (rc != SKPI_OK) {
        snprintf(msg, MSG_SIZE, "%s", err.message);
        goto fail;
    }
    *skipped = lo.skip_bad_rows ? (int64_t)skip : SKPI_UNSET;
    return SKPI_OK;
fail:
    lua_pop(L, 2);
    return rc;
}

/* supportkpi.report{contacts=, costs=, rates=, ...} -> json, bad_rows */
static int l_report(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    scratch *s = scratch_new(L);
    char msg[MSG_SIZE];
    int64_t skipped;
    int rc = build_from_spec(L, 1, s, 0, &skipped, msg);
    if (rc != SKPI_OK) {
        push_fail(L, rc, msg);
        push_messages(L, s);
        return 4;
    }
    rc = push_json(L, s->breakdown, skipped);
    if (rc != SKPI_OK)
        return push_fail(L, rc, NULL);
    push_messages(L, s);
    scratch_release(s);
    return 2;
}

/* supportkpi.explain{..., row={key=value}} -> explanation, bad_rows */
static int l_explain(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    scratch *s = scratch_new(L);
    char msg[MSG_SIZE];
    int64_t skipped;
    int rc = build_from_spec(L, 1, s, 1, &skipped, msg);
    if (rc != SKPI_OK) {
        push_fail(L, rc, msg);
        push_messages(L, s);
        return 4;
    }
    lua_getfield(L, 1, "row");
    size_t row = find_row(L, lua_gettop(L), s->breakdown);
    if (row == SIZE_MAX) {
        luaL_checkstack(L, (int)skpi_breakdown_key_count(s->breakdown) + 8, NULL);
        push_key_text(L, lua_gettop(L));
        lua_pushfstring(L, "explain: no row with %s in this report (keys:", lua_tostring(L, -1));
        for (size_t j = 0; j < skpi_breakdown_key_count(s->breakdown); j++)
            lua_pushfstring(L, " %s", skpi_breakdown_key_name(s->breakdown, j));
        lua_pushliteral(L, ")");
        lua_concat(L, (int)skpi_breakdown_key_count(s->breakdown) + 2);
        return push_fail(L, SKPI_ENOTFOUND, lua_tostring(L, -1));
    }
    skpi_error err;
    rc = skpi_explain_new(&s->explain, s->breakdown, row, s->ledger, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    push_explanation(L, s->breakdown, row, s->explain);
    push_messages(L, s);
    scratch_release(s);
    return 2;
}

/* ------------------------------------------------------------------ */
/* time and text helpers (pure library functions) */

static int l_parse_time(lua_State *L)
{
    const char *text = luaL_checkstring(L, 1);
    int64_t t;
    skpi_error err;
    int rc = skpi_time_parse(text, &t, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    lua_pushinteger(L, (lua_Integer)t);
    return 1;
}

static int l_parse_duration(lua_State *L)
{
    const char *text = luaL_checkstring(L, 1);
    int64_t seconds;
    skpi_error err;
    int rc = skpi_duration_parse(text, &seconds, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    lua_pushinteger(L, (lua_Integer)seconds);
    return 1;
}

static int l_format_time(lua_State *L)
{
    lua_Integer t = luaL_checkinteger(L, 1);
    char buf[SKPI_TIME_TEXT_SIZE];
    skpi_error err;
    int rc = skpi_time_format((int64_t)t, buf, sizeof buf, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    lua_pushstring(L, buf);
    return 1;
}

static int l_bucket_label(lua_State *L)
{
    lua_Integer t = luaL_checkinteger(L, 1);
    const char *unit = luaL_checkstring(L, 2);
    int bucket;
    char buf[SKPI_TIME_TEXT_SIZE];
    skpi_error err;
    if (skpi_bucket_from_name(unit, &bucket) != SKPI_OK)
        return push_fail(L, SKPI_EINVAL, "bucket: 'day', 'week', 'month' or 'quarter' is expected");
    int rc = skpi_bucket_label((int64_t)t, bucket, buf, sizeof buf, &err);
    if (rc != SKPI_OK)
        return push_fail(L, rc, err.message);
    lua_pushstring(L, buf);
    return 1;
}

/* Text from one of format.h's writers, or nil, message, code. */
static int push_formatted(lua_State *L, int rc, const char *buf)
{
    if (rc != SKPI_OK)
        return push_fail(L, rc, NULL);
    lua_pushstring(L, buf);
    return 1;
}

static int l_format_money(lua_State *L)
{
    lua_Integer minor = luaL_checkinteger(L, 1);
    const char *currency = luaL_checkstring(L, 2);
    char buf[64];
    return push_formatted(L, skpi_format_money((int64_t)minor, currency, buf, sizeof buf), buf);
}

static int l_format_percent(lua_State *L)
{
    lua_Integer nanos = luaL_checkinteger(L, 1);
    lua_Integer decimals = luaL_optinteger(L, 2, 1);
    char buf[64];
    int d = decimals < 0 || decimals > 64 ? -1 : (int)decimals;
    return push_formatted(L, skpi_format_percent((int64_t)nanos, d, buf, sizeof buf), buf);
}

static int l_format_duration(lua_State *L)
{
    lua_Integer seconds = luaL_checkinteger(L, 1);
    char buf[64];
    return push_formatted(L, skpi_format_duration((int64_t)seconds, buf, sizeof buf), buf);
}

/* ------------------------------------------------------------------ */
/* module */

static int l_strerror(lua_State *L)
{
    lua_Integer code = luaL_checkinteger(L, 1);
    lua_pushstring(L, skpi_strerror(code < INT_MIN || code > INT_MAX ? INT_MIN : (int)code));
    return 1;
}

static const luaL_Reg functions[] = {
    { "ledger", l_ledger },
    { "load_costs", l_load_costs },
    { "records", l_records },
    { "chains", l_chains },
    { "breakdown", l_breakdown },
    { "report", l_report },
    { "explain", l_explain },
    { "strerror", l_strerror },
    { "parse_time", l_parse_time },
    { "parse_duration", l_parse_duration },
    { "format_time", l_format_time },
    { "bucket_label", l_bucket_label },
    { "format_money", l_format_money },
    { "format_percent", l_format_percent },
    { "format_duration", l_format_duration },
    { NULL, NULL }
};

static const luaL_Reg ledger_methods[] = {
    { "add_entry", ledger_add_entry },
    { "set_rate", ledger_set_rate },
    { "rate", ledger_rate },
    { "total", ledger_total },
    { "currency", ledger_currency },
    { "entries", ledger_entries },
    { "load_rates", ledger_load_rates },
    { "close", ledger_close },
    { NULL, NULL }
};

static const luaL_Reg records_methods[] = {
    { "add", records_add },
    { "add_batch", records_add_batch },
    { "count", records_count },
    { "get", records_get },
    { "find", records_find },
    { "dimensions", records_dimensions },
    { "load", records_load },
    { "close", records_close },
    { NULL, NULL }
};

static const luaL_Reg chains_methods[] = {
    { "count", chains_count },
    { "get", chains_get },
    { "options", chains_options },
    { "update", chains_update },
    { "close", chains_close },
    { NULL, NULL }
};

static const luaL_Reg breakdown_methods[] = {
    { "rows", breakdown_rows },
    { "row", breakdown_row },
    { "total", breakdown_total },
    { "count", breakdown_count },
    { "find", breakdown_find },
    { "keys", breakdown_keys },
    { "text", breakdown_text },
    { "get", breakdown_get },
    { "ledger", breakdown_ledger },
    { "json", breakdown_json },
    { "csv", breakdown_csv },
    { "explain", breakdown_explain },
    { "close", breakdown_close },
    { NULL, NULL }
};

/* One metatable: __index = methods, __gc and __close = gc, __tostring. */
static void new_type(lua_State *L, const char *tname, const luaL_Reg *methods,
                     lua_CFunction gc, lua_CFunction tostring)
{
    luaL_newmetatable(L, tname);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
}

static void set_integer(lua_State *L, const char *name, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, name);
}

LUAMOD_API int luaopen_supportkpi(lua_State *L)
{
    new_type(L, LEDGER, ledger_methods, ledger_gc, ledger_tostring);
    new_type(L, RECORDS, records_methods, records_gc, records_tostring);
    new_type(L, CHAINS, chains_methods, chains_gc, chains_tostring);
    new_type(L, BREAKDOWN, breakdown_methods, breakdown_gc, breakdown_tostring);
    luaL_newmetatable(L, SCRATCH);
    lua_pushcfunction(L, scratch_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);

    luaL_newlib(L, functions);
    lua_pushstring(L, skpi_version_string());
    lua_setfield(L, -2, "version");
    set_integer(L, "version_number", skpi_version_number());
    lua_createtable(L, 0, 11);
    set_integer(L, "OK", SKPI_OK);
    set_integer(L, "ABSENT", SKPI_ABSENT);
    set_integer(L, "EINVAL", SKPI_EINVAL);
    set_integer(L, "ENOMEM", SKPI_ENOMEM);
    set_integer(L, "ERANGE", SKPI_ERANGE);
    set_integer(L, "EDUPLICATE", SKPI_EDUPLICATE);
    set_integer(L, "ENOTFOUND", SKPI_ENOTFOUND);
    set_integer(L, "ESYNTAX", SKPI_ESYNTAX);
    set_integer(L, "EIO", SKPI_EIO);
    set_integer(L, "ENOSPACE", SKPI_ENOSPACE);
    set_integer(L, "EDATA", SKPI_EDATA);
    lua_setfield(L, -2, "status");
    int kpis = skpi_kpi_count();
    lua_createtable(L, kpis, 0);
    for (int k = 0; k < kpis; k++) {
        lua_pushstring(L, skpi_kpi_name(k));
        lua_rawseti(L, -2, k + 1);
    }
    lua_setfield(L, -2, "kpis");
    return 1;
}
