#!/bin/sh
# The supportkpi command: exit codes (0 success, 1 bad data, 2 bad usage,
# 3 I/O), the messages of bad rows, --help and --version, validate, explain
# (its contacts' costs add up to the report's cost of the row) and
# --skip-bad-rows.  Every input is a small CSV written here.
#
# Environment (from TESTS_ENVIRONMENT): top_builddir, top_srcdir.
set -u

builddir=$(cd "${top_builddir:-..}" && pwd)
S="$builddir/tools/supportkpi"
[ -x "$S" ] || { echo "no $S: build first"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/skpi-command.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1

pass=0
fail=0

ok() { pass=$((pass + 1)); }
not_ok() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}

# run CODE DESCRIPTION COMMAND...: run it (stdout in out, stderr in err) and
# expect exit status CODE.
run() {
    want=$1
    desc=$2
    shift 2
    "$@" >out 2>err
    got=$?
    if [ "$got" -eq "$want" ]; then
        ok
    else
        not_ok "$desc: exit $got, expected $want"
        sed 's/^/    | /' err | head -n 8
    fi
}

# has FILE ERE DESCRIPTION: some line of FILE matches ERE.
has() {
    if grep -q -E -e "$2" "$1"; then ok; else not_ok "$3: no line of $1 matches '$2'"; sed 's/^/    | /' "$1" | head -n 8; fi
}

# equal A B DESCRIPTION
equal() {
    if [ "$1" = "$2" ]; then ok; else not_ok "$3: '$1' is not '$2'"; fi
}

# ---- the files ----

cat >contacts.csv <<'EOF'
id,customer,reason,channel,opened_at,first_response_at,closed_at,handle_seconds,tier,escalations,outcome,reopens,csat,region
c01,u1,billing,voice,2025-01-01T09:00:00Z,,2025-01-01T09:20:00Z,700,1,0,resolved,0,5,eu
c02,u2,billing,chat,2025-01-02T09:00:00Z,2025-01-02T09:01:00Z,2025-01-02T09:30:00Z,333,2,1,escalated,0,2,us
c03,u2,billing,voice,2025-01-03T09:00:00Z,,2025-01-03T10:00:00Z,1001,1,0,resolved,1,4,us
c04,,login,chat,2025-01-20T10:00:00Z,,2025-01-20T10:10:00Z,101,0,0,resolved,0,,eu
c05,u3,login,email,2025-02-01T10:00:00Z,,2025-02-03T10:00:00Z,97,1,0,abandoned,0,,
c06,u3,login,voice,2025-02-05T10:00:00Z,,,13,1,0,open,0,,
c07,u4,shipping,voice,2025-02-10T10:00:00Z,,2025-02-10T10:05:00Z,7,3,2,resolved,0,3,eu
c08,u5,billing,voice,1739440800,,1739444400,1234,2,0,resolved,0,,us
EOF

cat >costs.csv <<'EOF'
category,amount,currency,start,end,driver,channel,scope
direct_labor,1000001,USD,2025-01-01T00:00:00Z,2025-03-01T00:00:00Z,handle_time,,
technology,33333,USD,2025-01-01T00:00:00Z,2025-03-01T00:00:00Z,contacts,,
overhead,10007,,2025-01-01T00:00:00Z,2025-03-01T00:00:00Z,contacts,voice,
other,5003,USD,2025-01-01T00:00:00Z,2025-03-01T00:00:00Z,tier_weighted,,region=eu
EOF

cat >rates.csv <<'EOF'
tier,rate_per_hour
0,0
1,3000
2,4500
3,6000
EOF

# Bad rows on lines 4 and 6 (line 3 is the second line of a quoted field).
cat >bad.csv <<'EOF'
id,customer,opened_at,closed_at,outcome
b1,"two
lines",100,200,resolved
b2,x,yesterday,200,resolved
b3,x,100,200,resolved
b4,x,100,50,resolved
b5,x,100,200,resolved
EOF

cat >badcosts.csv <<'EOF'
category,amount,start,end,scope
other,100,0,2000000000,
labour,100,0,2000000000,
other,-1,0,2000000000,
other,100,0,2000000000,region=
EOF

cat >badrates.csv <<'EOF'
tier,rate_per_hour
1,3000
1,3500
EOF

{ cat rates.csv; echo 3,7000; } >duprates.csv   # a bad row on line 6

printf 'id,opened_at,outcome\nx1,10"0,open\n' >syntax.csv
printf 'id,opened_at\nx1,100\n' >header.csv

good="--contacts contacts.csv --costs costs.csv --rates rates.csv"

# ---- reports: exit 0 in every format ----

for format in table csv json; do
    run 0 "report --format $format" "$S" report $good --format "$format"
done
run 0 "report, default format" "$S" report $good
has out '^total ' "the table has a total line"
run 0 "report --format json --by channel" "$S" report $good --format json --by channel
has out '^\{' "JSON starts with {"
has out '"currency": "USD"' "JSON currency"
if grep -q skipped_rows out; then not_ok "skipped_rows without --skip-bad-rows"; else ok; fi
run 0 "report --format csv --by region,tier" "$S" report $good --format csv --by region,tier
has out '^kind,region,tier,contacts,' "CSV header"
run 0 "report with every option" "$S" report $good --by channel,reason --bucket week --cohort \
    --anchor last --provisional --window 36h --as-of 2025-03-01T00:00:00+01:00 --format json
run 0 "report --window 90d (the limit)" "$S" report $good --window 90d
run 0 "report --window 0" "$S" report $good --window 0
grep -v tier_weighted costs.csv >plain.csv
run 0 "report without rates" "$S" report --contacts contacts.csv --costs plain.csv \
    --format csv --by region
has out '^total,,8,' "a report without rates"

# ---- bad data: exit 1 ----

run 1 "report with bad rows" "$S" report --contacts bad.csv --costs costs.csv
has err '^bad\.csv:4:opened_at:.' "bad row message (line 4)"
has err '^bad\.csv:6:closed_at:.' "bad row message (line 6)"
equal "$(grep -c -E '^bad\.csv:[0-9]+:' err)" 2 "one message per bad row"
if [ -s out ]; then not_ok "a failed report printed a report"; else ok; fi
run 1 "report with bad costs" "$S" report --contacts contacts.csv --costs badcosts.csv
has err '^badcosts\.csv:3:category:.' "bad costs message"
run 1 "report with a rate given twice" "$S" report $good --rates badrates.csv
has err '^badrates\.csv:3:tier:.' "bad rates message"
run 1 "CSV syntax error" "$S" report --contacts syntax.csv --costs costs.csv
has err '^syntax\.csv:2:opened_at:.' "syntax error message"
run 1 "missing required column" "$S" report --contacts header.csv --costs costs.csv
has err '^header\.csv:1:outcome:.' "header error message"
: >empty.csv
run 1 "an empty rates file" "$S" report $good --rates empty.csv
has err '^empty\.csv:1:1:.' "empty file message"
printf 'category,amount,start,end,driver\nother,5,0,2000000000,tier_weighted\n' >tw.csv
run 1 "a missing tier rate" "$S" report --contacts contacts.csv --costs tw.csv

# ---- bad usage: exit 2 ----

run 2 "no command" "$S"
run 2 "unknown command" "$S" frobnicate $good
has err "unknown command" "unknown command message"
run 2 "unknown option" "$S" report $good --frob 1
has err "unknown option '--frob'" "unknown option message"
run 2 "unknown option, last" "$S" report $good --provisonal
has err "unknown option '--provisonal'" "unknown option (last) message"
run 2 "option without its value" "$S" report $good --window
run 2 "unexpected argument" "$S" report $good extra
run 2 "--window 7x" "$S" report $good --window 7x
run 2 "--window 91d" "$S" report $good --window 91d
run 2 "--window -1" "$S" report $good --window -1
run 2 "--bucket year" "$S" report $good --bucket year
run 2 "--by an unknown key" "$S" report $good --by colour
has err "colour" "unknown --by key named"
run 2 "--by customer" "$S" report $good --by customer
run 2 "--format xml" "$S" report $good --format xml
run 2 "--anchor middle" "$S" report $good --anchor middle
run 2 "--as-of without a zone" "$S" report $good --as-of 2025-01-01T00:00:00
run 2 "missing --contacts" "$S" report --costs costs.csv
run 2 "missing --costs" "$S" report --contacts contacts.csv
run 2 "--row is not a report option" "$S" report $good --row channel=voice
run 2 "explain without --row" "$S" explain $good
run 2 "explain --row without =" "$S" explain $good --row channel
run 2 "validate without files" "$S" validate

# ---- I/O: exit 3 ----

run 3 "missing contacts file" "$S" report --contacts nope.csv --costs costs.csv
has err 'nope\.csv' "missing file named"
run 3 "missing costs file" "$S" report --contacts contacts.csv --costs nope.csv
run 3 "missing rates file" "$S" report $good --rates nope.csv
run 3 "validate a missing file" "$S" validate --contacts nope.csv

# ---- --version and --help ----

version=$(sed -n 's/^#define SKPI_VERSION_STRING "\(.*\)"$/\1/p' "$builddir/include/supportkpi/version.h")
run 0 "--version" "$S" --version
equal "$(cat out)" "supportkpi $version" "--version prints the library version"
run 0 "--help" "$S" --help
for word in report explain validate --version; do
    has out "$word" "--help mentions $word"
done
run 0 "report --help" "$S" report --help
for option in --contacts --costs --rates --window --as-of --by --bucket --cohort --anchor \
              --provisional --format --skip-bad-rows; do
    has out "[[:space:]]$option([[:space:]]|$)" "report --help mentions $option"
done
run 0 "explain --help" "$S" explain --help
for option in --row --contacts --costs --rates --by; do
    has out "$option" "explain --help mentions $option"
done
run 0 "validate --help" "$S" validate --help
for option in --contacts --costs --rates; do
    has out "$option" "validate --help mentions $option"
done

# ---- validate ----

run 0 "validate good files" "$S" validate $good
has out '^all rows valid$' "validate says all is well"
run 1 "validate bad files" "$S" validate --contacts bad.csv --costs badcosts.csv --rates badrates.csv
grep -E '^[a-z]+\.csv:[0-9]+:[^:]+:.' err | cut -d: -f1-3 >listed
printf '%s\n' bad.csv:4:opened_at bad.csv:6:closed_at badcosts.csv:3:category \
    badcosts.csv:4:amount badcosts.csv:5:scope badrates.csv:3:tier >expected
if cmp -s listed expected; then ok; else not_ok "validate lists every bad row, in order"; diff expected listed; fi
run 1 "validate a syntax error" "$S" validate --contacts syntax.csv --rates rates.csv
has err '^syntax\.csv:2:opened_at:.' "validate syntax error message"
run 1 "validate a bad header, then the rates" "$S" validate --costs header.csv --rates badrates.csv
has err '^badrates\.csv:3:tier:.' "rates checked after costs failed"
run 1 "validate bad rates alone" "$S" validate --rates badrates.csv

# ---- explain: the contacts' costs add up to the row's cost ----

# report_cost KEYS ARGS...: the cost (minor units) of the row whose key
# columns, joined by commas, are KEYS, in `report ARGS --format csv`.
report_cost() {
    keys=$1
    shift
    "$S" report "$@" --format csv >report.csv 2>/dev/null || return 1
    awk -F, -v keys="$keys" '
        NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "cost") c = i; if ($i == "contacts") k = i }; next }
        $1 == "row" {
            key = ""
            for (i = 2; i < k; i++) key = key (i > 2 ? "," : "") $i
            if (key == keys) { print $c; found = 1 }
        }
        END { if (!found) print "none" }' report.csv
}

# The sum of the last field (a cost) of each contact line of explain's
# output, in minor units, and the cost on its first line.
contacts_sum() {
    awk '/^contacts in this row:/ { on = 1; getline; next }
         on && NF { x = $NF; gsub(/[,.]/, "", x); s += x }
         END { print s + 0 }' out
}
header_cost() {
    sed -n 's/^row .*: cost \([0-9.,]*\) .*/\1/p' out | tr -d '.,' | sed 's/^0*\([0-9]\)/\1/'
}

# explain_row ROW KEYS REPORT_GROUPING [EXPLAIN_ARGS...]: explain the row,
# and find its cost in a report grouped by REPORT_GROUPING (word-split).
explain_row() {
    row=$1
    keys=$2
    grouping=$3
    shift 3
    run 0 "explain --row $row $*" "$S" explain $good --row "$row" "$@"
    want=$(report_cost "$keys" $good $grouping)
    sum=$(contacts_sum)
    equal "$sum" "$want" "explain --row $row: the contacts' costs sum to the report's cost"
    equal "$(header_cost)" "$want" "explain --row $row: the cost it prints"
    lines=$(awk '/^contacts in this row:/ { print $NF }' out)
    [ "${lines:-0}" -gt 0 ] && ok || not_ok "explain --row $row lists no contact"
}

explain_row channel=voice voice "--by channel"
explain_row channel=voice voice "--by channel" --by channel
explain_row channel=chat chat "--by channel"
explain_row channel=email email "--by channel"
explain_row region=eu eu "--by region"
explain_row region= "" "--by region"
explain_row channel=voice,month=2025-02 voice,2025-02 "--by channel --bucket month"
explain_row tier=1,channel=voice voice,1 "--by channel,tier" --by channel,tier
explain_row reason=billing billing "--by reason --rates duprates.csv --skip-bad-rows" \
    --rates duprates.csv --skip-bad-rows
has err '^duprates\.csv:6:tier:.' "explain --skip-bad-rows reports the skipped row"

run 1 "explain a row that does not exist" "$S" explain $good --row channel=fax
has err 'channel=fax' "the missing row is named"
run 1 "explain with a key the grouping lacks" "$S" explain $good --row channel=voice --by region

# ---- --skip-bad-rows ----

run 0 "report --skip-bad-rows" "$S" report --contacts bad.csv --costs badcosts.csv \
    --rates badrates.csv --skip-bad-rows --format json
skipped=$(sed -n 's/^ *"skipped_rows": \([0-9]*\),\{0,1\}$/\1/p' out)
equal "$skipped" 6 "options.skipped_rows counts every bad row"
equal "$(grep -c -E '^[a-z]+\.csv:[0-9]+:[^:]+:.' err)" 6 "each skipped row is reported"
has out '"contacts": 3,' "the good contacts are counted"
run 0 "--skip-bad-rows with good files" "$S" report $good --skip-bad-rows --format json
equal "$(sed -n 's/^ *"skipped_rows": \([0-9]*\),\{0,1\}$/\1/p' out)" 0 "skipped_rows is 0"
run 1 "--skip-bad-rows does not skip a syntax error" "$S" report --contacts syntax.csv \
    --costs costs.csv --skip-bad-rows

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
