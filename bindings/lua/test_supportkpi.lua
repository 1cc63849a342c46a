-- Tests of the Lua module supportkpi (bindings/lua/lsupportkpi.c).
--
-- Run by bindings/test_lua.sh, which sets SKPI_TOP_BUILDDIR (the module,
-- the library and tools/supportkpi), SKPI_TOP_SRCDIR (data/sample) and
-- SKPI_TEST_TMP (a scratch directory).  Plain asserts, counted; the last
-- line is "N passed, N failed"; the exit status is non-zero on a failure.

local builddir = assert(os.getenv("SKPI_TOP_BUILDDIR"), "SKPI_TOP_BUILDDIR is not set")
local srcdir = assert(os.getenv("SKPI_TOP_SRCDIR"), "SKPI_TOP_SRCDIR is not set")
local tmpdir = os.getenv("SKPI_TEST_TMP") or os.getenv("TMPDIR") or "/tmp"
package.cpath = builddir .. "/bindings/.libs/?.so;" .. package.cpath

local skpi = require("supportkpi")

local passed, failed = 0, 0

local function check(name, cond, detail)
    if cond then
        passed = passed + 1
    else
        failed = failed + 1
        io.stderr:write("FAIL: ", name, detail ~= nil and (": " .. tostring(detail)) or "", "\n")
    end
end

local function eq(name, got, want)
    check(name, got == want, string.format("got %s, want %s", tostring(got), tostring(want)))
end

-- f(...) must fail: nil, a message matching pattern (if given), code.
local function fails(name, code, pattern, v, msg, c, ...)
    check(name .. " returns nil", v == nil, "got " .. tostring(v))
    check(name .. " returns a message", type(msg) == "string" and msg ~= "", msg)
    if pattern and type(msg) == "string" then
        check(name .. " message", msg:find(pattern) ~= nil, msg)
    end
    eq(name .. " code", c, code)
    return ...
end

local function test(name, fn)
    local ok, err = xpcall(fn, debug.traceback)
    if not ok then
        failed = failed + 1
        io.stderr:write("ERROR in ", name, ": ", tostring(err), "\n")
    end
end

local function quote(s)
    return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- Output of a command line (stderr discarded).
local function run(cmd)
    local f = assert(io.popen(cmd .. " 2>/dev/null", "r"))
    local out = f:read("a")
    f:close()
    return out
end

local function write_file(path, text)
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
end

local cli = quote(builddir .. "/tools/supportkpi")
local sample = srcdir .. "/data/sample"
local contacts_csv, costs_csv, rates_csv =
    sample .. "/contacts.csv", sample .. "/costs.csv", sample .. "/rates.csv"
local st = skpi.status

-- The CLI's JSON report for the given files and extra arguments.
local function cli_json(contacts, costs, rates, args)
    local cmd = cli .. " report --format json --contacts " .. quote(contacts)
        .. " --costs " .. quote(costs)
    if rates then cmd = cmd .. " --rates " .. quote(rates) end
    return run(cmd .. " " .. (args or ""))
end

---------------------------------------------------------------------------
test("module", function()
    eq("version is a string", type(skpi.version), "string")
    eq("version matches the CLI", run(cli .. " --version"), "supportkpi " .. skpi.version .. "\n")
    eq("version_number is an integer", math.type(skpi.version_number), "integer")
    eq("status.OK", st.OK, 0)
    eq("status.EINVAL", st.EINVAL, -1)
    eq("status.EDATA", st.EDATA, -9)
    eq("34 KPIs", #skpi.kpis, 34)
    eq("first KPI", skpi.kpis[1], "contacts")
    eq("strerror", type(skpi.strerror(st.EINVAL)), "string")
    eq("parse_time ISO", skpi.parse_time("2025-03-01T10:00:00Z"), 1740823200)
    eq("parse_time offset", skpi.parse_time("2025-03-01T11:00:00+01:00"), 1740823200)
    fails("parse_time date alone", st.ESYNTAX, nil, skpi.parse_time("2025-03-01"))
    eq("parse_duration", skpi.parse_duration("36h"), 129600)
    fails("parse_duration unit", st.ESYNTAX, nil, skpi.parse_duration("2w"))
    eq("format_time", skpi.format_time(1740823200), "2025-03-01T10:00:00Z")
    eq("bucket_label week", skpi.bucket_label(skpi.parse_time("2021-01-03T00:00:00Z"), "week"), "2020-W53")
    fails("bucket_label unit", st.EINVAL, "bucket", skpi.bucket_label(0, "year"))
    eq("format_money USD", skpi.format_money(123456, "USD"), "1234.56")
    eq("format_money JPY", skpi.format_money(5, "JPY"), "5")
    fails("format_money bad currency", st.EINVAL, nil, skpi.format_money(5, "usd"))
    eq("format_percent", skpi.format_percent(728874506, 1), "72.9%")
    eq("format_duration", skpi.format_duration(93784), "1d 2h")
    fails("format_duration negative", st.EINVAL, nil, skpi.format_duration(-1))
end)

---------------------------------------------------------------------------
-- A small data set, built by hand and also written as CSV for the CLI.

local hand_contacts = {
    { id = "C1", customer = "A", reason = "billing", channel = "voice",
      opened_at = "2025-03-01T10:00:00Z", first_response_at = "2025-03-01T10:01:00Z",
      closed_at = "2025-03-01T10:10:00Z", handle_seconds = 300, tier = 1, escalations = 1,
      outcome = "escalated", dims = { region = "eu" } },
    { id = "C2", customer = "A", reason = "billing", channel = "chat",
      opened_at = "2025-03-01T12:00:00Z", closed_at = "2025-03-01T12:20:00Z",
      handle_seconds = 900, tier = 2, outcome = "resolved", csat = 4, region = "eu" },
    { id = "C3", customer = "B", reason = "login", channel = "voice",
      opened_at = 1740906000, first_response_at = 1740906060, closed_at = 1740906300,
      handle_seconds = 200, outcome = "resolved", csat = 5, region = "us" },
    { id = "C4", customer = "C", reason = "login", channel = "email",
      opened_at = "2025-03-03T08:00:00Z", outcome = "open" },
    { id = "C5", reason = "other", channel = "voice", opened_at = "2025-03-20T15:00:00Z",
      closed_at = "2025-03-20T15:30:00Z", handle_seconds = 100, tier = 0, reopens = 1,
      outcome = "abandoned" },
}

local hand_entries = {
    { category = "direct_labor", amount = 150000, start = "2025-03-01T00:00:00Z",
      ["end"] = "2025-04-01T00:00:00Z", driver = "handle_time" },
    { category = "technology", amount = 30000, start = 1740787200, ["end"] = 1743465600,
      driver = "contacts", channel = "voice" },
    { category = "overhead", amount = 10001, start = "2025-03-01T00:00:00Z",
      ["end"] = "2025-04-01T00:00:00Z", driver = "tier_weighted", scope = { region = "eu" } },
}
local hand_rates = { [0] = 1000, [1] = 3000, [2] = 6000 }

local function write_hand_csv()
    local function cell(v) return v == nil and "" or tostring(v) end
    local lines = { "id,customer,reason,channel,opened_at,first_response_at,closed_at,"
        .. "handle_seconds,tier,escalations,outcome,reopens,csat,region" }
    for _, c in ipairs(hand_contacts) do
        local region = c.region or (c.dims and c.dims.region)
        lines[#lines + 1] = table.concat({ cell(c.id), cell(c.customer), cell(c.reason),
            cell(c.channel), cell(c.opened_at), cell(c.first_response_at), cell(c.closed_at),
            cell(c.handle_seconds), cell(c.tier), cell(c.escalations), cell(c.outcome),
            cell(c.reopens), cell(c.csat), cell(region) }, ",")
    end
    write_file(tmpdir .. "/hand_contacts.csv", table.concat(lines, "\n") .. "\n")
    lines = { "category,amount,currency,start,end,driver,channel,scope" }
    for _, e in ipairs(hand_entries) do
        local scope = {}
        for k, v in pairs(e.scope or {}) do scope[#scope + 1] = k .. "=" .. v end
        lines[#lines + 1] = table.concat({ e.category, cell(e.amount), "USD", cell(e.start),
            cell(e["end"]), cell(e.driver), cell(e.channel), table.concat(scope, ";") }, ",")
    end
    write_file(tmpdir .. "/hand_costs.csv", table.concat(lines, "\n") .. "\n")
    lines = { "tier,rate_per_hour" }
    for tier = 0, 2 do lines[#lines + 1] = tier .. "," .. hand_rates[tier] end
    write_file(tmpdir .. "/hand_rates.csv", table.concat(lines, "\n") .. "\n")
end

local function hand_ledger()
    local l = assert(skpi.ledger("USD"))
    for _, e in ipairs(hand_entries) do assert(l:add_entry(e)) end
    for tier = 0, 2 do assert(l:set_rate(tier, hand_rates[tier])) end
    return l
end

test("ledger by hand", function()
    local l = hand_ledger()
    eq("ledger currency", l:currency(), "USD")
    eq("ledger total", l:total(), 190001)
    eq("rate tier 2", l:rate(2), 6000)
    eq("rate tier 5 absent", l:rate(5), nil)
    local entries = l:entries()
    eq("3 entries", #entries, 3)
    eq("entry 1 category", entries[1].category, "direct_labor")
    eq("entry 1 start parsed", entries[1].start, 1740787200)
    eq("entry 1 end parsed", entries[1]["end"], 1743465600)
    eq("entry 2 driver", entries[2].driver, "contacts")
    eq("entry 2 channel", entries[2].channel, "voice")
    eq("entry 1 no channel", entries[1].channel, nil)
    eq("entry 3 scope", entries[3].scope.region, "eu")
    check("tostring", tostring(l):find("^supportkpi.ledger %(USD, 3 entries%)") ~= nil, tostring(l))
    check("add_entry returns the ledger", l:add_entry{ category = "other", amount = 0,
        start = 0, ["end"] = 1 } == l)
    eq("default currency", skpi.ledger():currency(), "XXX")
    fails("bad currency", st.EINVAL, nil, skpi.ledger("usd"))
    fails("bad category", st.EINVAL, "category", l:add_entry{ category = "food", amount = 1,
        start = 0, ["end"] = 1 })
    fails("negative amount", st.EINVAL, "amount", l:add_entry{ category = "other", amount = -1,
        start = 0, ["end"] = 1 })
    fails("fractional amount", st.EINVAL, "amount", l:add_entry{ category = "other",
        amount = 1.5, start = 0, ["end"] = 1 })
    fails("bad start", st.ESYNTAX, "start", l:add_entry{ category = "other", amount = 1,
        start = "2025-13-01T00:00:00Z", ["end"] = 1 })
    fails("end before start", st.EINVAL, nil, l:add_entry{ category = "other", amount = 1,
        start = 10, ["end"] = 1 })
    fails("unknown entry field", st.EINVAL, "unknown option 'ammount'",
        l:add_entry{ category = "other", ammount = 1, start = 0, ["end"] = 1 })
    fails("bad tier rate", st.EINVAL, nil, l:set_rate(10, 100))
    eq("failures leave the total", l:total(), 190001)
    eq("failures leave the entries", #l:entries(), 4)
end)

test("records by hand", function()
    local r = assert(skpi.records())
    for _, c in ipairs(hand_contacts) do
        local ok, msg = r:add(c)
        check("add " .. c.id, ok == r, msg)
    end
    eq("count", r:count(), 5)
    local c1 = r:get(1)
    eq("get id", c1.id, "C1")
    eq("get customer", c1.customer, "A")
    eq("get opened_at parsed", c1.opened_at, 1740823200)
    eq("get outcome word", c1.outcome, "escalated")
    eq("get dims subtable", c1.dims.region, "eu")
    eq("get csat absent", c1.csat, nil)
    eq("unknown key is a dimension", r:get(2).dims.region, "eu")
    eq("tier default", r:get(4).tier, 1)
    eq("closed_at absent", r:get(4).closed_at, nil)
    eq("customer empty", r:get(5).customer, nil)
    eq("find", r:find("C3"), 3)
    eq("dimensions", r:dimensions()[1], "region")
    fails("get past the end", st.ENOTFOUND, nil, r:get(6))
    fails("get 0", st.ENOTFOUND, nil, r:get(0))
    fails("find unknown", st.ENOTFOUND, nil, r:find("nope"))

    -- bad contacts
    fails("duplicate id", st.EDUPLICATE, "C1", r:add(hand_contacts[1]))
    fails("missing opened_at", st.EINVAL, "opened_at", r:add{ id = "X1", outcome = "open" })
    fails("bad outcome word", st.EINVAL, "outcome", r:add{ id = "X2", opened_at = 0,
        outcome = "done" })
    fails("bad timestamp", st.ESYNTAX, "opened_at", r:add{ id = "X3",
        opened_at = "2025-03-01 10:00", outcome = "open" })
    fails("closed before opened", st.EINVAL, nil, r:add{ id = "X4", opened_at = 100,
        closed_at = 50, outcome = "resolved" })
    fails("csat out of range", st.EINVAL, "csat", r:add{ id = "X5", opened_at = 0,
        closed_at = 1, outcome = "resolved", csat = 9 })
    fails("numeric dimension", st.EINVAL, "priority", r:add{ id = "X6", opened_at = 0,
        outcome = "open", priority = 2 })
    fails("dimension given twice", st.EINVAL, "twice", r:add{ id = "X7", opened_at = 0,
        outcome = "open", region = "eu", dims = { region = "us" } })
    fails("text field not a string", st.EINVAL, "id", r:add{ id = 7, opened_at = 0,
        outcome = "open" })
    eq("bad contacts added nothing", r:count(), 5)

    -- batches: all or nothing through one append_columns call
    local batch = {}
    for i = 1, 50 do
        batch[i] = { id = string.format("B%03d", i), customer = "K" .. (i % 7),
            reason = (i % 2 == 0) and "billing" or "login",
            channel = ({ "voice", "chat", "email" })[i % 3 + 1],
            opened_at = 1741000000 + i * 3600, closed_at = 1741000000 + i * 3600 + 600,
            handle_seconds = i * 10, tier = i % 3, outcome = (i % 5 == 0) and "escalated" or "resolved",
            dims = (i % 4 == 0) and { region = "eu", plan = "pro" } or nil,
            segment = (i % 3 == 0) and "smb" or nil }
    end
    local bad = {}
    for i = 1, 50 do bad[i] = batch[i] end
    bad[51] = { id = "B001", opened_at = 0, outcome = "open" }  -- duplicate of row 1
    fails("batch with a duplicate", st.EDUPLICATE, "B001", r:add_batch(bad))
    eq("failed batch added nothing", r:count(), 5)
    bad[51] = { id = "B051", opened_at = "yesterday", outcome = "open" }
    fails("batch with a bad timestamp", st.ESYNTAX, "contacts%[51%]", r:add_batch(bad))
    bad[51] = "not a table"
    fails("batch with a non-table", st.EINVAL, "contacts%[51%]", r:add_batch(bad))
    eq("still nothing added", r:count(), 5)
    local ok, msg = r:add_batch(batch)
    check("batch added", ok == r, msg)
    eq("count after batch", r:count(), 55)
    local b4 = r:get(5 + 4)
    eq("batch row id", b4.id, "B004")
    eq("batch row dims", b4.dims.plan, "pro")
    eq("batch row region", b4.dims.region, "eu")
    eq("batch row without dims", r:get(5 + 5).dims.plan, nil)
    eq("batch row unknown key", r:get(5 + 3).dims.segment, "smb")
    eq("batch row handle", r:get(5 + 50).handle_seconds, 500)
    eq("batch row channel", r:get(5 + 1).channel, "chat")
    check("empty batch", r:add_batch({}) == r)
    eq("count after empty batch", r:count(), 55)
    check("tostring", tostring(r):find("55 contacts") ~= nil, tostring(r))
    r:close()
end)

test("chains, breakdown and KPIs by hand", function()
    local r = skpi.records()
    for _, c in ipairs(hand_contacts) do assert(r:add(c)) end
    local l = hand_ledger()
    local as_of = "2025-04-30T00:00:00Z"
    local ch = assert(skpi.chains(r, { window = "7d", as_of = as_of }))
    eq("4 chains", ch:count(), 4)
    local o = ch:options()
    eq("window parsed", o.window, 604800)
    eq("as_of parsed", o.as_of, 1745971200)
    eq("anchor default", o.anchor, "first")
    local c1 = ch:get(1)
    eq("first chain is stitched", #c1.records, 2)
    eq("first chain ids", c1.ids[1] .. "," .. c1.ids[2], "C1,C2")
    eq("first chain status", c1.status, "resolved")
    eq("first chain channels", #c1.channels, 2)
    eq("chains with numbers", skpi.chains(r, { window = 3600, as_of = 1745971200 }):options().window, 3600)
    fails("window too long", st.EINVAL, nil, skpi.chains(r, { window = "91d" }))
    fails("bad duration", st.ESYNTAX, "window", skpi.chains(r, { window = "1w" }))
    fails("bad anchor", st.EINVAL, "anchor", skpi.chains(r, { anchor = "middle" }))
    fails("unknown chain option", st.EINVAL, "unknown option", skpi.chains(r, { windw = 1 }))

    local b = assert(skpi.breakdown(ch, l, { by = { "channel" } }))
    eq("3 channel rows", b:count(), 3)
    eq("key names", b:keys()[1], "channel")
    local rows = b:rows()
    eq("rows()", #rows, 3)
    eq("rows sorted bytewise", rows[1].key.channel .. rows[2].key.channel .. rows[3].key.channel,
        "chatemailvoice")
    local voice = rows[3]
    eq("voice contacts", voice.contacts, 3)
    eq("voice row by key", b:find{ channel = "voice" }, 3)
    local total = b:total()
    eq("total contacts", total.contacts, 5)
    eq("total key is empty", next(total.key), nil)
    eq("integers are integers", math.type(total.cost), "integer")
    eq("decimals are floats", math.type(total.fcr), "float")
    eq("fcr text is exact", b:text("total", "fcr"), "0.333333333")
    eq("fcr nanos", b:get("total", "fcr"), 333333333)
    eq("fcr as the C double", total.fcr, 333333333 / 1e9)
    eq("email row has no resolved chain: cpr absent", rows[2].cpr, nil)
    eq("absent text is nil", b:text(2, "cpr"), nil)
    eq("absent get is nil", b:get(2, "cpr"), nil)
    fails("unknown KPI", st.EINVAL, "KPI", b:text(1, "happiness"))
    fails("row past the end", st.ENOTFOUND, nil, b:text(4, "cost"))
    fails("no such key row", st.ENOTFOUND, "channel=fax", b:find{ channel = "fax" })
    local lf = b:ledger()
    eq("ledger total", lf.ledger_total, 190001)
    eq("cost + unallocated = ledger", total.cost + lf.unallocated, lf.ledger_total)
    eq("escalation-adjusted unallocated given", math.type(lf.escalation_adjusted_unallocated), "integer")

    -- explain: the contacts' costs sum to the row's cost
    local e = assert(b:explain(3))
    eq("explain row", e.row, 3)
    eq("explain key", e.key.channel, "voice")
    eq("explain contacts", #e.contacts, 3)
    local sum = 0
    for _, c in ipairs(e.contacts) do sum = sum + c.cost end
    eq("explained costs sum to the row cost", sum, e.kpis.cost)
    eq("explained contact fields", e.contacts[1].id, "C1")
    eq("explained contact record", e.contacts[1].record, 1)
    eq("explained chains have costs", math.type(e.chains[1].cost), "integer")
    local nocost = assert(b:explain(3, false))
    eq("explain without ledger: no costs", nocost.contacts[1].cost, nil)
    local et = assert(b:explain("total"))
    eq("explain total", et.row, "total")
    eq("explain total contacts", #et.contacts, 5)
    fails("explain with another ledger", st.EINVAL, "ledger", b:explain(3, skpi.ledger("USD")))

    -- no ledger: money absent, not 0
    local nb = assert(skpi.breakdown(ch))
    eq("one row without grouping", nb:count(), 1)
    eq("no ledger: cost absent", nb:total().cost, nil)
    eq("no ledger: ledger() nil", nb:ledger(), nil)
    eq("no ledger: counts present", nb:total().contacts, 5)

    -- by a dimension, a tier, a bucket, cohort view
    local bd = assert(skpi.breakdown(ch, l, { by = "region", bucket = "month", cohort = true }))
    eq("keys: region, month", table.concat(bd:keys(), ","), "region,month")
    eq("null key sorts first and reads nil", bd:rows()[1].key.region, nil)
    eq("bucket label", bd:rows()[1].key.month, "2025-03")
    fails("unknown by key", st.EINVAL, "colour", skpi.breakdown(ch, l, { by = { "colour" } }))
    fails("repeated by key", st.EINVAL, nil, skpi.breakdown(ch, l, { by = { "tier", "tier" } }))
    fails("bad bucket", st.EINVAL, "bucket", skpi.breakdown(ch, l, { bucket = "year" }))
    fails("unknown breakdown option", st.EINVAL, "unknown option", skpi.breakdown(ch, { bi = 1 }))

    -- the same data through the CLI gives the same JSON and CSV
    write_hand_csv()
    local hc, hk, hr = tmpdir .. "/hand_contacts.csv", tmpdir .. "/hand_costs.csv",
        tmpdir .. "/hand_rates.csv"
    local want = cli_json(hc, hk, hr, "--as-of " .. as_of .. " --by channel")
    check("CLI ran on the hand data", #want > 0)
    eq("hand-built breakdown JSON = CLI JSON", b:json(), want)
    eq("hand-built CSV = CLI CSV", b:csv(), run(cli .. " report --format csv --contacts "
        .. quote(hc) .. " --costs " .. quote(hk) .. " --rates " .. quote(hr)
        .. " --as-of " .. as_of .. " --by channel"))
    eq("report on the hand files = CLI", skpi.report{ contacts = hc, costs = hk, rates = hr,
        as_of = as_of, by = { "channel" } }, want)

    -- a tiny exact check: 1000 shared 100:300 by handle time
    local tr = skpi.records()
    assert(tr:add_batch{
        { id = "a", channel = "voice", opened_at = 0, closed_at = 10, handle_seconds = 100, outcome = "resolved" },
        { id = "b", channel = "voice", opened_at = 5, closed_at = 10, handle_seconds = 300, outcome = "resolved" },
    })
    local tl = skpi.ledger("EUR")
    assert(tl:add_entry{ category = "direct_labor", amount = 1000, start = 0, ["end"] = 100 })
    local tb = skpi.breakdown(skpi.chains(tr), tl)
    local te = tb:explain("total")
    eq("apportioned 250", te.contacts[1].cost, 250)
    eq("apportioned 750", te.contacts[2].cost, 750)
    eq("cost per ticket", tb:total().cpt, 500)
    eq("currency", te.currency, "EUR")
end)

---------------------------------------------------------------------------
-- The bundled sample against the CLI, byte for byte.

test("report on the bundled sample", function()
    local f = io.open(contacts_csv, "r")
    check("data/sample/contacts.csv exists", f ~= nil, contacts_csv)
    if not f then return end
    f:close()
    local cases = {
        { {}, "" },
        { { by = { "channel" }, bucket = "month" }, "--by channel --bucket month" },
        { { by = "reason", bucket = "week", cohort = true, anchor = "last" },
          "--by reason --bucket week --cohort --anchor last" },
        { { by = { "tier", "region" }, window = "36h", as_of = "2025-12-31T00:00:00Z", provisional = true },
          "--by tier,region --window 36h --as-of 2025-12-31T00:00:00Z --provisional" },
        { { by = { "outcome" }, bucket = "quarter", window = 86400, as_of = 1767139200 },
          "--by outcome --bucket quarter --window 86400 --as-of 1767139200" },
    }
    for i, case in ipairs(cases) do
        local spec = { contacts = contacts_csv, costs = costs_csv, rates = rates_csv }
        for k, v in pairs(case[1]) do spec[k] = v end
        local json, bad = skpi.report(spec)
        local want = cli_json(contacts_csv, costs_csv, rates_csv, case[2])
        check("CLI report " .. i .. " ran", #want > 100)
        eq("report " .. i .. " = CLI (" .. case[2] .. ")", json, want)
        eq("report " .. i .. " no bad rows", type(bad) == "table" and #bad, 0)
    end
    -- the sample's tier_weighted entries need the rates: both fail without them
    local want = cli_json(contacts_csv, costs_csv, nil, "--by channel")
    eq("CLI without rates prints nothing", want, "")
    fails("report without rates", st.ENOTFOUND, "no rate for tier", skpi.report{
        contacts = contacts_csv, costs = costs_csv, by = { "channel" } })
    want = cli_json(contacts_csv, costs_csv, rates_csv, "--skip-bad-rows")
    eq("report skip mode (skipped_rows 0) = CLI", skpi.report{ contacts = contacts_csv,
        costs = costs_csv, rates = rates_csv, skip_bad_rows = true }, want)
    check("skip mode writes skipped_rows", want:find('"skipped_rows": 0') ~= nil)

    -- step by step gives the same report
    local r = assert(skpi.records():load(contacts_csv))
    eq("loaded 6000 contacts", r:count(), 6000)
    local l, bad = skpi.load_costs(costs_csv)
    check("load_costs", l ~= nil, bad)
    eq("no bad cost rows", #bad, 0)
    check("load_rates", l:load_rates(rates_csv) == l)
    local b = assert(skpi.breakdown(skpi.chains(r), l, { by = { "channel" }, bucket = "month" }))
    eq("step-by-step JSON = CLI", b:json(), cli_json(contacts_csv, costs_csv, rates_csv,
        "--by channel --bucket month"))
    eq("step-by-step CSV = CLI", b:csv(), run(cli .. " report --format csv --contacts "
        .. quote(contacts_csv) .. " --costs " .. quote(costs_csv) .. " --rates "
        .. quote(rates_csv) .. " --by channel --bucket month"))
    local t = b:total()
    eq("sample total contacts", t.contacts, 6000)
    eq("text of cost = integer", b:text("total", "cost"), tostring(t.cost))
end)

-- The CLI's explain: the ids and costs of a row's contacts.
local function cli_explain(args)
    local out = run(cli .. " explain --contacts " .. quote(contacts_csv) .. " --costs "
        .. quote(costs_csv) .. " --rates " .. quote(rates_csv) .. " " .. args)
    local chains = tonumber(out:match("chains placed in this row: (%d+)"))
    local contacts = {}
    local section = out:match("contacts in this row: %d+\n[^\n]*\n(.*)$") or ""
    for line in section:gmatch("[^\n]+") do
        local id = line:match("^%s+(%S+)")
        local cost = line:match("(%S+)%s*$")
        contacts[#contacts + 1] = { id = id, cost = cost }
    end
    return chains, contacts
end

test("explain on the bundled sample", function()
    local e, bad = skpi.explain{ contacts = contacts_csv, costs = costs_csv, rates = rates_csv,
        row = { channel = "voice" } }
    check("explain succeeded", e ~= nil, bad)
    if not e then return end
    local chains, contacts = cli_explain("--row channel=voice")
    eq("explain chains = CLI", #e.chains, chains)
    eq("explain contacts = CLI", #e.contacts, #contacts)
    local same = #e.contacts == #contacts
    for i = 1, math.min(#e.contacts, #contacts) do
        -- the CLI prints money with the currency's 2 decimals
        local cents = contacts[i].cost:gsub("%.", "")
        if e.contacts[i].id ~= contacts[i].id or tonumber(cents) ~= e.contacts[i].cost then
            same = false
            check("explain contact " .. i, false, e.contacts[i].id .. " vs " .. contacts[i].id)
            break
        end
    end
    check("explain ids and costs = CLI", same)
    eq("explain key", e.key.channel, "voice")
    local sum = 0
    for _, c in ipairs(e.contacts) do sum = sum + c.cost end
    eq("explain costs sum to the row cost", sum, e.kpis.cost)

    local e2 = assert(skpi.explain{ contacts = contacts_csv, costs = costs_csv, rates = rates_csv,
        by = { "channel" }, bucket = "month", row = { channel = "chat", month = "2025-02" } })
    local c2, k2 = cli_explain("--by channel --bucket month --row channel=chat,month=2025-02")
    eq("explain with bucket: chains = CLI", #e2.chains, c2)
    eq("explain with bucket: contacts = CLI", #e2.contacts, #k2)
    local e3 = assert(skpi.explain{ contacts = contacts_csv, costs = costs_csv, rates = rates_csv,
        row = { channel = "chat", month = "2025-02" } })
    eq("bucket unit in row = grouping", #e3.contacts, #k2)
    fails("explain: no such row", st.ENOTFOUND, "channel=fax", skpi.explain{
        contacts = contacts_csv, costs = costs_csv, rates = rates_csv, row = { channel = "fax" } })
    fails("explain: row required", st.EINVAL, "row", skpi.explain{
        contacts = contacts_csv, costs = costs_csv })
end)

---------------------------------------------------------------------------
test("errors on bad input", function()
    -- a costs file with bad rows
    local badcosts = tmpdir .. "/bad_costs.csv"
    write_file(badcosts, "category,amount,currency,start,end,driver,channel,scope\n"
        .. "direct_labor,100,USD,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,handle_time,,\n"
        .. "food,100,USD,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,handle_time,,\n"
        .. "overhead,-5,USD,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z,handle_time,,\n")
    local bad = fails("bad costs file", st.EDATA, nil, skpi.load_costs(badcosts))
    eq("bad costs: 2 bad rows listed", type(bad) == "table" and #bad, 2)
    check("bad row message names file:line", bad and bad[1] and bad[1]:find("bad_costs.csv:3:") ~= nil,
        bad and bad[1])
    local l, skipped = skpi.load_costs(badcosts, { skip_bad_rows = true })
    check("skip mode loads", l ~= nil, skipped)
    eq("skip mode lists the bad rows", #skipped, 2)
    eq("skip mode keeps the good row", l:total(), 100)
    fails("missing costs file", st.EIO, nil, skpi.load_costs(tmpdir .. "/nope.csv"))
    fails("bad load option", st.EINVAL, "unknown option", skpi.load_costs(badcosts, { skip = true }))
    local json, rows = skpi.report{ contacts = contacts_csv, costs = badcosts, skip_bad_rows = true }
    eq("report skip mode = CLI", json, cli_json(contacts_csv, badcosts, nil, "--skip-bad-rows"))
    eq("report skip mode: bad rows", #rows, 2)
    check("report skip mode: skipped_rows 2", json:find('"skipped_rows": 2') ~= nil)
    bad = fails("report on a bad costs file", st.EDATA, nil,
        skpi.report{ contacts = contacts_csv, costs = badcosts })
    eq("report failure lists bad rows", type(bad) == "table" and #bad, 2)

    -- bad contacts file
    local badcontacts = tmpdir .. "/bad_contacts.csv"
    write_file(badcontacts, "id,opened_at,outcome\nx1,2025-01-01T00:00:00Z,open\nx2,never,open\n")
    local r = skpi.records()
    fails("records:load bad file", st.EDATA, nil, r:load(badcontacts))
    eq("failed load added nothing", r:count(), 0)
    local ok, skippedc = r:load(badcontacts, { skip_bad_rows = true })
    check("records:load skip mode", ok == r and #skippedc == 1, skippedc and skippedc[1])
    eq("skip mode took the good row", r:count(), 1)
    -- a second loader thread (threads = 2) loads the same contacts
    local one, two = skpi.records(), skpi.records()
    one:load(sample .. "/contacts.csv")
    two:load(sample .. "/contacts.csv", { threads = 2 })
    eq("two threads: same count", two:count(), one:count())
    local same = true
    for i = 1, one:count(), 97 do
        local a, b = one:get(i), two:get(i)
        same = same and a.id == b.id and a.customer == b.customer and a.closed_at == b.closed_at
    end
    check("two threads: same contacts", same)
    fails("threads: 3 refused", st.EINVAL, "threads", skpi.records():load(sample .. "/contacts.csv",
        { threads = 3 }))
    -- chains and a breakdown on two threads: the same report as on one
    local costed = assert(skpi.load_costs(costs_csv))
    assert(costed:load_rates(rates_csv))
    local c1 = skpi.chains(one)
    local c2 = skpi.chains(one, { threads = 2 })
    eq("two threads: same chains", c2:count(), c1:count())
    local b1 = skpi.breakdown(c1, costed, { by = { "channel", "region" } })
    local b2 = skpi.breakdown(c2, costed, { by = { "channel", "region" }, threads = 2 })
    eq("two threads: same breakdown", b2:json(), b1:json())
    fails("chains threads: 0 refused", st.EINVAL, "threads", skpi.chains(one, { threads = 0 }))
    fails("breakdown threads: 3 refused", st.EINVAL, "threads",
        skpi.breakdown(c1, { threads = 3 }))
    write_file(tmpdir .. "/bad_header.csv", "name,when\nx,1\n")
    fails("bad header", st.ESYNTAX, nil, skpi.records():load(tmpdir .. "/bad_header.csv"))
    local lr = skpi.ledger()
    write_file(tmpdir .. "/bad_rates.csv", "tier,rate_per_hour\n1,100\n1,200\n")
    fails("rates: a tier twice", st.EDATA, nil, lr:load_rates(tmpdir .. "/bad_rates.csv"))

    -- report / explain arguments
    fails("unknown by key in report", st.EINVAL, "colour", skpi.report{ contacts = contacts_csv,
        costs = costs_csv, rates = rates_csv, by = { "colour" } })
    fails("report: costs required", st.EINVAL, "costs", skpi.report{ contacts = contacts_csv })
    fails("report: unknown option", st.EINVAL, "unknown option 'format'",
        skpi.report{ contacts = contacts_csv, costs = costs_csv, format = "json" })
    fails("report: bad as_of", st.ESYNTAX, "as_of", skpi.report{ contacts = contacts_csv,
        costs = costs_csv, as_of = "2025-12-31" })
    fails("report: missing contacts file", st.EIO, nil, skpi.report{
        contacts = tmpdir .. "/none.csv", costs = costs_csv })
    fails("report: missing tier rate", st.ENOTFOUND, "rate", skpi.report{ contacts = contacts_csv,
        costs = costs_csv })
    -- a wrong Lua type in a positional argument raises, as in liolib
    check("records:get('x') raises", not pcall(skpi.records().get, skpi.records(), "x"))
    check("report(nil) raises", not pcall(skpi.report))
end)

---------------------------------------------------------------------------
test("closing, lifetimes and the collector", function()
    local r = skpi.records()
    for _, c in ipairs(hand_contacts) do assert(r:add(c)) end
    local l = hand_ledger()
    check("close returns true", l:close() == true)
    check("close twice is fine", l:close() == true)
    check("closed tostring", tostring(l) == "supportkpi.ledger (closed)", tostring(l))
    fails("closed ledger: total", st.EINVAL, "closed", l:total())
    fails("closed ledger: add_entry", st.EINVAL, "closed", l:add_entry(hand_entries[1]))
    fails("closed ledger: entries", st.EINVAL, "closed", l:entries())
    fails("closed ledger: set_rate", st.EINVAL, "closed", l:set_rate(1, 1))
    fails("closed ledger: load_rates", st.EINVAL, "closed", l:load_rates(rates_csv))
    fails("closed ledger in breakdown", st.EINVAL, "closed", skpi.breakdown(skpi.chains(r), l))

    -- records closed under live chains: refused at once, freed with the chains
    local ch = skpi.chains(r)
    local b = skpi.breakdown(ch, { by = { "channel" } })
    r:close()
    fails("closed records: count", st.EINVAL, "closed", r:count())
    fails("closed records: add", st.EINVAL, "closed", r:add(hand_contacts[1]))
    fails("closed records: add_batch", st.EINVAL, "closed", r:add_batch({}))
    fails("closed records: get", st.EINVAL, "closed", r:get(1))
    fails("closed records: load", st.EINVAL, "closed", r:load(contacts_csv))
    fails("closed records: chains", st.EINVAL, "closed", skpi.chains(r))
    eq("chains still work", ch:count(), 4)
    fails("chains:update with a live breakdown", st.EINVAL, "breakdown", ch:update())
    ch:close()
    fails("closed chains: count", st.EINVAL, "closed", ch:count())
    fails("closed chains: breakdown", st.EINVAL, "closed", skpi.breakdown(ch))
    eq("breakdown still works", b:total().contacts, 5)
    eq("breakdown explain still works", #b:explain(1).contacts, 1)
    b:close()
    b:close()
    fails("closed breakdown: rows", st.EINVAL, "closed", b:rows())
    fails("closed breakdown: json", st.EINVAL, "closed", b:json())
    fails("closed breakdown: explain", st.EINVAL, "closed", b:explain(1))
    check("closed breakdown tostring", tostring(b) == "supportkpi.breakdown (closed)")

    -- <close> variables
    local outer
    do
        local x <close> = skpi.records()
        outer = x
        eq("<close> value usable", x:count(), 0)
    end
    fails("<close> closed it", st.EINVAL, "closed", outer:count())
    do
        local rr <close> = skpi.records()
        assert(rr:add(hand_contacts[1]))
        local cc <close> = skpi.chains(rr)
        local bb <close> = skpi.breakdown(cc)
        eq("<close> chain of handles", bb:total().contacts, 1)
    end

    -- the collector never frees a lender before its borrowers
    local function make()
        local rr = skpi.records()
        for _, c in ipairs(hand_contacts) do assert(rr:add(c)) end
        local ll = hand_ledger()
        return skpi.breakdown(skpi.chains(rr), ll, { by = { "channel" } })
    end
    local bb = make()
    for _ = 1, 3 do collectgarbage("collect") end
    eq("breakdown after collection", bb:total().contacts, 5)
    eq("explain after collection (records and ledger kept)", #bb:explain(3).contacts, 3)
    bb = nil
    for _ = 1, 3 do collectgarbage("collect") end
    -- many handles left to the collector
    for _ = 1, 200 do make() end
    collectgarbage("collect")
    check("survived the collector", true)

    -- chains:update takes in new contacts
    local ur = skpi.records()
    assert(ur:add(hand_contacts[1]))
    local uc = skpi.chains(ur)
    eq("before update", uc:count(), 1)
    assert(ur:add(hand_contacts[3]))
    check("update", uc:update() == uc)
    eq("after update", uc:count(), 2)
end)

print(string.format("%d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1)
