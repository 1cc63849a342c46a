-- libsupportkpi benchmark, peer 1: the SPEC report in SQLite (sqlite3 CLI).
--
-- Workload: load contacts.csv, costs.csv, rates.csv; stitch chains (7-day window,
-- as-of = the latest timestamp); allocate the ledger (standard and
-- escalation-adjusted); every KPI of SPEC section 9 by channel, region and for the
-- total, with SPEC's rounding.  bench/run.sh replaces @DATA@ (the directory of the
-- CSV files) and @OUT@ (the output directory) and feeds this file to sqlite3.
--
-- Output: @OUT@/sqlite_facts.json, a "long" table of facts (rid, kpi, value):
-- rid 0 is the total, rids 1.. are the rows in SPEC output order; integers are
-- JSON numbers, ratios and means are decimal strings with 9 decimals, money is an
-- integer; kpi names starting with "meta:" are report-level values and
-- "ambiguous:" / "error:" name a value this peer could not decide exactly (see
-- bench/README.md, "Exact money").  bench/peer_to_json.py turns the facts into
-- the SPEC section 9 JSON.  Lines "mark|NAME|JULIANDAY" on stdout time the phases.
.bail on
.headers off
.mode list
PRAGMA synchronous = OFF;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -8000000;
SELECT 'mark', 'start', julianday('now');

-- ------------------------------------------------------------------ load
CREATE TABLE raw (id TEXT, customer TEXT, reason TEXT, channel TEXT, region TEXT,
                  opened_at INTEGER, first_response_at INTEGER, closed_at INTEGER,
                  handle_seconds INTEGER, tier INTEGER, escalations INTEGER,
                  outcome TEXT, reopens INTEGER, csat INTEGER);
CREATE TABLE costs_raw (category TEXT, amount INTEGER, currency TEXT, start INTEGER,
                        "end" INTEGER, driver TEXT, channel TEXT, scope TEXT);
CREATE TABLE rates_raw (tier INTEGER, rate_per_hour INTEGER);
.import --csv --skip 1 @DATA@/contacts.csv raw
.import --csv --skip 1 @DATA@/costs.csv costs_raw
.import --csv --skip 1 @DATA@/rates.csv rates_raw
SELECT 'mark', 'loaded', julianday('now');

-- ------------------------------------------------------------------ chains
-- prm: the window W and (below) the as-of time T.
CREATE TABLE prm (w INTEGER, t INTEGER);
INSERT INTO prm VALUES (604800, NULL);

-- The rows: rid in SPEC order (NULL first, then bytewise: SQLite's BINARY
-- collation); every later table carries the small integer rid, not the strings.
CREATE TABLE rk AS
SELECT ROW_NUMBER() OVER (ORDER BY channel, region) AS rid, channel, region
FROM (SELECT DISTINCT NULLIF(channel, '') AS channel, NULLIF(region, '') AS region FROM raw);
CREATE UNIQUE INDEX rk_key ON rk (channel, region);

-- Pass 1: stitching order per (customer, reason) key.  A contact starts a chain
-- when its customer is empty, when it is the first of its key, or when no earlier
-- contact of the key is open and opened_at > (largest earlier closed_at) + W.
-- The running aggregates over ALL earlier contacts of the key equal those of the
-- key's current chain: an earlier chain has no open contact (else it would never
-- have ended) and every close in it is < the next chain's first opened_at <= any
-- close in the current chain.  Empty cells are NULL from here on.
CREATE TABLE c1 AS
SELECT customer, reason, seq, rid, opened_at, fr, cl, hs, tier, escd, res, reop, csat,
       CASE WHEN customer = '' OR seq = 1
                 OR (popen = 0 AND opened_at > pmax + (SELECT w FROM prm)) THEN 1
            ELSE 0 END AS st
FROM (SELECT customer, reason,
             (SELECT rid FROM rk WHERE rk.channel IS NULLIF(raw.channel, '')
                                   AND rk.region IS NULLIF(raw.region, '')) AS rid,
             opened_at, NULLIF(first_response_at, '') AS fr, NULLIF(closed_at, '') AS cl,
             COALESCE(NULLIF(handle_seconds, ''), 0) AS hs,
             COALESCE(NULLIF(tier, ''), 1) AS tier,
             (COALESCE(NULLIF(escalations, ''), 0) > 0 OR outcome = 'escalated') AS escd,
             outcome = 'resolved' AS res,
             COALESCE(NULLIF(reopens, ''), 0) AS reop,
             NULLIF(csat, '') AS csat,
             ROW_NUMBER() OVER w AS seq,
             MAX(outcome = 'open') OVER wp AS popen,
             MAX(NULLIF(closed_at, '')) OVER wp AS pmax
      FROM raw
      WINDOW w AS (PARTITION BY customer, reason ORDER BY opened_at, id),
             wp AS (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING));
DROP TABLE raw;

-- T: the largest opened_at, first_response_at or closed_at.
UPDATE prm SET t = (SELECT max(COALESCE(a, b, c), COALESCE(b, a, c), COALESCE(c, a, b))
                    FROM (SELECT MAX(opened_at) a, MAX(fr) b, MAX(cl) c FROM c1));

-- Pass 2: chain number = running count of starts; one row per chain.  The anchor
-- (first contact) is the chain's only start; the last contact has the largest seq.
CREATE TABLE chs AS
SELECT rid, n, lclose - fopen AS rt, anyesc, nonauto,
       CASE WHEN anyopen THEN 'open'
            WHEN (SELECT t FROM prm) < lclose + (SELECT w FROM prm) THEN 'pending'
            WHEN lastres THEN 'resolved' ELSE 'unresolved' END AS status,
       (n = 1 AND anyreop = 0 AND anyesc = 0) AS single
FROM (SELECT MAX(CASE WHEN st = 1 THEN rid END) AS rid,
             COUNT(*) AS n, MAX(cl IS NULL) AS anyopen, MAX(cl) AS lclose,
             MIN(opened_at) AS fopen, MAX(seq * 2 + res) % 2 AS lastres,
             MAX(escd) AS anyesc, MAX(tier <> 0) AS nonauto, MAX(reop > 0) AS anyreop
      FROM (SELECT customer, reason, seq, rid, opened_at, cl, tier, escd, res, reop, st,
                   SUM(st) OVER (PARTITION BY customer, reason ORDER BY seq
                                 ROWS UNBOUNDED PRECEDING) AS cno FROM c1)
      GROUP BY customer, reason, cno);

-- ------------------------------------------------------------------ rows
CREATE TABLE cr AS
SELECT rid, COUNT(*) AS contacts, SUM(cl IS NOT NULL) AS closed,
       SUM(cl IS NOT NULL AND escd) AS escalated, SUM(st = 0) AS rep,
       SUM(cl IS NOT NULL AND reop > 0) AS reopened, SUM(csat >= 4) AS csat_good,
       COUNT(csat) AS csat_n, COALESCE(SUM(cl - opened_at), 0) AS ttc_sum,
       COUNT(cl) AS ttc_n, COALESCE(SUM(fr - opened_at), 0) AS fr_sum, COUNT(fr) AS fr_n
FROM c1 GROUP BY rid;

-- Chains: settled ones only, placed by their anchor (first contact).
CREATE TABLE chr AS
SELECT rid,
       SUM(status = 'resolved') AS resolved, SUM(status = 'unresolved') AS unresolved,
       SUM(status = 'resolved' AND single) AS fcr_n, SUM(anyesc) AS chesc,
       COALESCE(SUM(CASE WHEN status = 'resolved' THEN n END), 0) AS res_contacts,
       SUM(status = 'resolved' AND nonauto = 0) AS auto,
       COALESCE(SUM(CASE WHEN status = 'resolved' THEN rt END), 0) AS rt_sum
FROM chs WHERE status IN ('resolved', 'unresolved') GROUP BY rid;

-- Counts per rid (0 = total).
CREATE TABLE cnt AS
SELECT cr.rid, cr.contacts, cr.closed, cr.escalated, cr.rep, cr.reopened, cr.csat_good,
       cr.csat_n, cr.ttc_sum, cr.ttc_n, cr.fr_sum, cr.fr_n,
       COALESCE(chr.resolved, 0) AS resolved, COALESCE(chr.unresolved, 0) AS unresolved,
       COALESCE(chr.fcr_n, 0) AS fcr_n, COALESCE(chr.chesc, 0) AS chesc,
       COALESCE(chr.res_contacts, 0) AS res_contacts, COALESCE(chr.auto, 0) AS auto,
       COALESCE(chr.rt_sum, 0) AS rt_sum
FROM cr LEFT JOIN chr USING (rid);
INSERT INTO cnt
SELECT 0, SUM(contacts), SUM(closed), SUM(escalated), SUM(rep), SUM(reopened),
       SUM(csat_good), SUM(csat_n), SUM(ttc_sum), SUM(ttc_n), SUM(fr_sum), SUM(fr_n),
       SUM(resolved), SUM(unresolved), SUM(fcr_n), SUM(chesc), SUM(res_contacts),
       SUM(auto), SUM(rt_sum)
FROM cnt;

-- ------------------------------------------------------------------ medians
-- Nearest rank: the value at rank ceil(p n), (n + 1) / 2 and (9 n + 9) / 10 in
-- integers, is the smallest value whose cumulative count reaches that rank: from
-- a histogram of (row, value) counts, per row and (merged) for the total.
CREATE TABLE hist AS
SELECT 1 AS m, rid, cl - opened_at AS v, COUNT(*) AS c
FROM c1 WHERE cl IS NOT NULL GROUP BY rid, cl - opened_at
UNION ALL
SELECT 2, rid, fr - opened_at, COUNT(*) FROM c1 WHERE fr IS NOT NULL GROUP BY rid, fr - opened_at
UNION ALL
SELECT 3, rid, rt, COUNT(*) FROM chs WHERE status = 'resolved' GROUP BY rid, rt;
CREATE TABLE pct AS
SELECT CASE m WHEN 1 THEN 'time_to_close' WHEN 2 THEN 'first_response'
              ELSE 'resolution_time' END AS m, rid, med, p90
FROM (SELECT m, rid, MIN(CASE WHEN cum >= (n + 1) / 2 THEN v END) AS med,
             MIN(CASE WHEN cum >= (9 * n + 9) / 10 THEN v END) AS p90
      FROM (SELECT m, rid, v, SUM(c) OVER (PARTITION BY m, rid ORDER BY v
                                           ROWS UNBOUNDED PRECEDING) AS cum,
                   SUM(c) OVER (PARTITION BY m, rid) AS n
            FROM hist)
      GROUP BY m, rid
      UNION ALL
      SELECT m, 0, MIN(CASE WHEN cum >= (n + 1) / 2 THEN v END),
             MIN(CASE WHEN cum >= (9 * n + 9) / 10 THEN v END)
      FROM (SELECT m, v, SUM(c) OVER (PARTITION BY m ORDER BY v ROWS UNBOUNDED PRECEDING) AS cum,
                   SUM(c) OVER (PARTITION BY m) AS n
            FROM (SELECT m, v, SUM(c) AS c FROM hist GROUP BY m, v))
      GROUP BY m);

-- ------------------------------------------------------------------ ledger
CREATE TABLE e AS
SELECT rowid AS eid, category, amount AS a, start AS s0, "end" AS s1,
       COALESCE(NULLIF(driver, ''), 'handle_time') AS driver,
       NULLIF(channel, '') AS ch, scope AS sc
FROM costs_raw;
CREATE TABLE rt AS SELECT tier, rate_per_hour AS rate FROM rates_raw;

-- Elementary intervals: the ledger's period bounds cut time into intervals that
-- no entry period straddles, so a contact matches an entry's period iff its
-- interval start b does (s0 <= b < s1).  Contacts are summed per interval, row,
-- repeat flag and tier before meeting the ledger.
CREATE TABLE bnd (b INTEGER PRIMARY KEY);
INSERT OR IGNORE INTO bnd SELECT s0 FROM e UNION SELECT s1 FROM e;
CREATE TABLE cagg AS
SELECT (SELECT MAX(b) FROM bnd WHERE b <= opened_at) AS bi, rid,
       1 - st AS rep, tier, COUNT(*) AS cnt, SUM(hs) AS hs
FROM c1 GROUP BY 1, 2, 3, 4;

-- Weights per (entry, row, repeat): ws under the entry's driver, wa under the
-- escalation-adjusted allocation (direct_labor re-driven by tier_weighted), wp the
-- premium's numerator sum(hs * (rate[t] - rate[1])) over tiers t > 1 (the
-- adjusted share times (rate[t] - rate[1]) / rate[t]; 0 when rate[t] = 0).
-- Scope: the contacts' only dimension is region, so a scope matches iff it is
-- empty or exactly one pair "region=<the contact's region>".
CREATE TABLE em AS
SELECT e.eid, e.a, e.category, g.rid, g.rep,
       SUM(CASE e.driver WHEN 'contacts' THEN g.cnt WHEN 'handle_time' THEN g.hs
                         WHEN 'tier_weighted' THEN g.hs * r.rate END) AS ws,
       SUM(CASE WHEN e.category = 'direct_labor' OR e.driver = 'tier_weighted'
                THEN g.hs * r.rate
                WHEN e.driver = 'contacts' THEN g.cnt ELSE g.hs END) AS wa,
       SUM(CASE WHEN e.category = 'direct_labor' AND g.tier > 1 AND r.rate <> 0
                THEN g.hs * (r.rate - r1.rate) ELSE 0 END) AS wp,
       SUM((e.category = 'direct_labor' OR e.driver = 'tier_weighted') AND r.rate IS NULL
           OR (e.category = 'direct_labor' AND g.tier > 1 AND r1.rate IS NULL)) AS missing
FROM e JOIN cagg g ON g.bi >= e.s0 AND g.bi < e.s1
JOIN rk ON rk.rid = g.rid
        AND (e.ch IS NULL OR rk.channel = e.ch)
        AND (e.sc = '' OR (instr(e.sc, ';') = 0 AND e.sc = 'region=' || rk.region))
LEFT JOIN rt r ON r.tier = g.tier
LEFT JOIN rt r1 ON r1.tier = 1
GROUP BY e.eid, g.rid, g.rep;

CREATE TABLE ew AS
SELECT e.eid, e.a, e.category, COALESCE(SUM(em.ws), 0) AS w, COALESCE(SUM(em.wa), 0) AS wadj
FROM e LEFT JOIN em ON em.eid = e.eid GROUP BY e.eid;

-- Terms A * S / W of every money value: per (column, rid), rid 0 the total.
CREATE TABLE terms (col TEXT, rid INTEGER, a INTEGER, s INTEGER, w INTEGER);
INSERT INTO terms
SELECT 'cost', em.rid, ew.a, SUM(em.ws), ew.w FROM em JOIN ew USING (eid)
WHERE ew.w > 0 GROUP BY em.eid, em.rid
UNION ALL
SELECT 'failure_demand_cost', em.rid, ew.a, SUM(em.ws), ew.w FROM em JOIN ew USING (eid)
WHERE ew.w > 0 AND em.rep = 1 GROUP BY em.eid, em.rid
UNION ALL
SELECT 'escalation_adjusted_cost', em.rid, ew.a, SUM(em.wa), ew.wadj FROM em JOIN ew USING (eid)
WHERE ew.wadj > 0 GROUP BY em.eid, em.rid
UNION ALL
SELECT 'escalation_premium', em.rid, ew.a, SUM(em.wp), ew.wadj FROM em JOIN ew USING (eid)
WHERE ew.wadj > 0 AND ew.category = 'direct_labor' GROUP BY em.eid, em.rid;
DELETE FROM terms WHERE s = 0;
-- The totals, per entry (fewer terms: the standard cost of an entry is exact).
INSERT INTO terms
SELECT 'cost', 0, a, w, w FROM ew WHERE w > 0
UNION ALL
SELECT 'failure_demand_cost', 0, ew.a, SUM(em.ws), ew.w FROM em JOIN ew USING (eid)
WHERE ew.w > 0 AND em.rep = 1 GROUP BY em.eid
UNION ALL
SELECT 'escalation_adjusted_cost', 0, a, wadj, wadj FROM ew WHERE wadj > 0
UNION ALL
SELECT 'escalation_premium', 0, ew.a, SUM(em.wp), ew.wadj FROM em JOIN ew USING (eid)
WHERE ew.wadj > 0 AND ew.category = 'direct_labor' GROUP BY em.eid;

-- Exact division without 128-bit integers: schoolbook long division of A (ten
-- bits at a time, most significant first) times |S| by W gives q = floor(A|S|/W)
-- and the remainder exactly (every intermediate < 2^62 while W, |S| < 2^51); a
-- negative S takes floor and remainder from the positive one.  Terms with the
-- same W in one (column, rid) are added exactly: grp holds, per (column, rid, W),
-- the value q + rem / W with 0 <= rem < W.
CREATE TABLE grp AS
WITH RECURSIVE
  ip (tid, a, sa, neg, w, i, q, rem) AS (
    SELECT rowid, a, abs(s), s < 0, w, 6, 0, 0 FROM terms
    UNION ALL
    SELECT tid, a, sa, neg, w, i - 1,
           q * 1024 + (rem * 1024 + ((a >> (10 * i)) & 1023) * sa) / w,
           (rem * 1024 + ((a >> (10 * i)) & 1023) * sa) % w
    FROM ip WHERE i >= 0),
  iq (col, rid, w, q, rem, bad) AS (
    SELECT terms.col, terms.rid, terms.w,
           CASE WHEN neg AND rem > 0 THEN -q - 1 WHEN neg THEN -q ELSE q END,
           CASE WHEN neg AND rem > 0 THEN ip.w - rem ELSE rem END,
           (terms.w >= (1 << 51) OR abs(terms.s) >= (1 << 51) OR typeof(q) <> 'integer'
            OR terms.a < 0)
    FROM ip JOIN terms ON terms.rowid = ip.tid WHERE ip.i = -1)
SELECT col, rid, w, SUM(q) + SUM(rem) / w AS q, SUM(rem) % w AS rem, MAX(bad) AS bad
FROM iq GROUP BY col, rid, w;

-- The fraction sum_j rem_j / W_j of each (column, rid), two ways:
-- * exact, when D = lcm of the row's W (those with a remainder) is < 2^51 (the
--   usual case on small data, where exact ties happen): num / D, num = sum_j
--   rem_j * (D / W_j) mod D, with a 110-bit expansion (lo: 60 bits, key2: 50
--   more bits) that orders such fractions exactly (two different ones differ by
--   more than 2^-102) -- "ex";
-- * bounded otherwise: each rem/W truncated to 60 bits, "inexact" when something
--   was cut off, so the sum lies in [lo / 2^60, (lo + k) / 2^60), k the number of
--   inexact fractions, exactly lo / 2^60 when k = 0.
-- mv: qs (integer part) and, for the decisions on the row alone, num/den/k (the
-- fraction lies in [num, num + k) / den, exact when k = 0); for comparing rows,
-- lo/lk (the same in 2^-60 units: an exact row has lk = 1 when it is not a
-- multiple of 2^-60), key2 and ex.  A decision is taken only when these prove it.
CREATE TABLE mcol (col TEXT);
INSERT INTO mcol VALUES ('cost'), ('failure_demand_cost'), ('escalation_adjusted_cost'),
                        ('escalation_premium');
CREATE TABLE dw AS
SELECT col, rid, w, ROW_NUMBER() OVER (PARTITION BY col, rid ORDER BY w) AS j
FROM (SELECT DISTINCT col, rid, w FROM grp WHERE rem > 0);
CREATE TABLE drow AS
WITH RECURSIVE lc (col, rid, j, l, a, b, wn) AS (
  SELECT d1.col, d1.rid, 1, d1.w, d1.w, d2.w, d2.w
  FROM dw d1 LEFT JOIN dw d2 ON d2.col = d1.col AND d2.rid = d1.rid AND d2.j = 2
  WHERE d1.j = 1
  UNION ALL
  SELECT col, rid, j, l, b, a % b, wn FROM lc WHERE b > 0
  UNION ALL
  SELECT lc.col, lc.rid, lc.j + 1, lc.l / lc.a * lc.wn, lc.l / lc.a * lc.wn, dw.w, dw.w
  FROM lc LEFT JOIN dw ON dw.col = lc.col AND dw.rid = lc.rid AND dw.j = lc.j + 2
  WHERE lc.b = 0 AND lc.l / lc.a <= (1 << 51) / lc.wn)
SELECT col, rid, l AS d FROM lc WHERE b IS NULL;
CREATE TABLE ld AS
WITH RECURSIVE fx (col, rid, w, r0, i, q, rem, f, bad) AS (
  SELECT col, rid, w, rem, 6, q, rem, 0, bad FROM grp
  UNION ALL
  SELECT col, rid, w, r0, i - 1, q, (rem * 1024) % w, f * 1024 + (rem * 1024) / w, bad
  FROM fx WHERE i > 0)
SELECT col, rid, w, r0, q, f, rem > 0 AS inexact, bad FROM fx WHERE i = 0;
CREATE TABLE mv0 AS
SELECT mcol.col, g.rid, drow.d IS NOT NULL OR x.rid IS NULL AS ex,
       CASE WHEN drow.d IS NOT NULL THEN x.q + x.en / drow.d
            ELSE COALESCE(x.q + ((x.hs + (x.ls >> 30)) >> 30), 0) END AS qs,
       CASE WHEN drow.d IS NOT NULL THEN x.en % drow.d
            ELSE COALESCE((((x.hs + (x.ls >> 30)) & 1073741823) << 30)
                          + (x.ls & 1073741823), 0) END AS num,
       COALESCE(drow.d, 1 << 60) AS den,
       CASE WHEN drow.d IS NOT NULL THEN 0 ELSE COALESCE(x.k, 0) END AS k,
       COALESCE(x.bad, 0) AS bad
FROM mcol CROSS JOIN (SELECT rid FROM cnt) g
LEFT JOIN (SELECT ld.col, ld.rid, SUM(ld.q) AS q, SUM(ld.f >> 30) AS hs,
                  SUM(ld.f & 1073741823) AS ls, SUM(ld.inexact) AS k, MAX(ld.bad) AS bad,
                  SUM(ld.r0 * (drow.d / ld.w)) AS en
           FROM ld LEFT JOIN drow USING (col, rid) GROUP BY ld.col, ld.rid) x
       ON x.col = mcol.col AND x.rid = g.rid
LEFT JOIN drow ON drow.col = mcol.col AND drow.rid = g.rid;
CREATE TABLE mv AS
WITH RECURSIVE ex (col, rid, i, rem, lo, key2) AS (
  SELECT col, rid, 11, num, 0, 0 FROM mv0 WHERE ex AND den <> (1 << 60)
  UNION ALL
  SELECT ex.col, ex.rid, i - 1, (rem * 1024) % mv0.den,
         CASE WHEN i > 5 THEN lo * 1024 + (rem * 1024) / mv0.den ELSE lo END,
         CASE WHEN i > 5 THEN 0 ELSE key2 * 1024 + (rem * 1024) / mv0.den END
  FROM ex JOIN mv0 ON mv0.col = ex.col AND mv0.rid = ex.rid WHERE i > 0)
SELECT mv0.*, COALESCE(e6.lo, mv0.num) AS lo,
       CASE WHEN e6.lo IS NULL THEN mv0.k ELSE e6.rem <> 0 OR e6.key2 <> 0 END AS lk,
       COALESCE(e6.key2, 0) AS key2
FROM mv0 LEFT JOIN (SELECT e.col, e.rid, e.lo, e.key2, e5.rem
                    FROM ex e JOIN ex e5 ON e5.col = e.col AND e5.rid = e.rid AND e5.i = 5
                    WHERE e.i = 0) e6
       ON e6.col = mv0.col AND e6.rid = mv0.rid;

-- Rounding (SPEC 4): the total half to even; each row its floor (qs, proven when
-- num + k <= den), then the units left over to the largest fractions, ties to the
-- earlier row (proven when every picked row's fraction is larger than, or equal to
-- and earlier than, every passed-over row's).
CREATE TABLE mtot AS
SELECT col, qs + CASE WHEN k = 0 THEN (CASE WHEN 2 * num > den THEN 1
                                            WHEN 2 * num = den THEN qs & 1 ELSE 0 END)
                      WHEN 2 * num >= den THEN 1 ELSE 0 END AS total,
       (k > 0 AND (num + k > den OR (2 * num < den AND 2 * (num + k) > den))) AS amb
FROM mv WHERE rid = 0;
CREATE TABLE mrank AS
SELECT mv.col, mv.rid, mv.qs, mv.lo, mv.lk, mv.key2, mv.ex,
       ROW_NUMBER() OVER (PARTITION BY mv.col ORDER BY mv.lo DESC, mv.key2 DESC, mv.rid) AS rnk,
       mtot.total - SUM(mv.qs) OVER (PARTITION BY mv.col) AS left_over,
       (mv.num + mv.k > mv.den) AS amb
FROM mv JOIN mtot USING (col) WHERE mv.rid > 0;
CREATE TABLE money AS
SELECT col, 0 AS rid, total AS v, amb FROM mtot
UNION ALL
SELECT p.col, p.rid, p.qs + (p.rnk <= p.left_over), p.amb
       OR (p.left_over < 0 OR p.left_over > (SELECT COUNT(*) FROM rk))
       OR EXISTS (SELECT 1 FROM mrank x, mrank y
                  WHERE x.col = p.col AND y.col = p.col
                    AND x.rnk <= x.left_over AND y.rnk > y.left_over
                    AND NOT ((x.ex AND y.ex)
                             OR (y.lk = 0 AND (y.lo < x.lo
                                               OR (y.lo = x.lo AND (x.lk > 0 OR x.rid < y.rid))))
                             OR (y.lk > 0 AND y.lo + y.lk <= x.lo)))
FROM mrank p;

-- CPT, CPR, CPR escalation-adjusted: exact money / n, half to even.  With the
-- money qs + f (f in [num, num + k) / den) and qs = a n + b, the result is a or
-- a + 1, by comparing b + f with n / 2.
CREATE TABLE mdiv (kpi TEXT, col TEXT, rid INTEGER, n INTEGER);
INSERT INTO mdiv SELECT 'cpt', 'cost', rid, closed FROM cnt;
INSERT INTO mdiv SELECT 'cpr', 'cost', rid, resolved FROM cnt;
INSERT INTO mdiv SELECT 'cpr_escalation_adjusted', 'escalation_adjusted_cost', rid, resolved FROM cnt;
CREATE TABLE mratio AS
SELECT kpi, rid,
       CASE WHEN n = 0 THEN NULL
            ELSE qs / n + CASE WHEN 2 * (qs % n) + 2 <= n THEN 0
                               WHEN 2 * (qs % n) > n THEN 1
                               WHEN 2 * (qs % n) = n THEN
                                    CASE WHEN num = 0 AND k = 0 THEN (qs / n) & 1 ELSE 1 END
                               WHEN k = 0 THEN
                                    CASE WHEN 2 * num > den THEN 1 WHEN 2 * num < den THEN 0
                                         ELSE (qs / n) & 1 END
                               WHEN 2 * num >= den THEN 1 ELSE 0 END END AS v,
       (n > 0 AND (qs < 0 OR bad OR num + k > den
                   OR (2 * (qs % n) = n - 1 AND k > 0 AND 2 * num < den
                       AND 2 * (num + k) > den))) AS amb
FROM mdiv JOIN mv USING (col, rid);

-- ------------------------------------------------------------------ facts
-- Ratios and means: num / den half to even to 9 decimals, in integers.
CREATE TABLE rat (rid INTEGER, kpi TEXT, num INTEGER, den INTEGER);
INSERT INTO rat
SELECT rid, 'fcr', fcr_n, resolved + unresolved FROM cnt UNION ALL
SELECT rid, 'reopen_rate', reopened, closed FROM cnt UNION ALL
SELECT rid, 'escalation_rate', escalated, closed FROM cnt UNION ALL
SELECT rid, 'chain_escalation_rate', chesc, resolved + unresolved FROM cnt UNION ALL
SELECT rid, 'repeat_rate', rep, contacts FROM cnt UNION ALL
SELECT rid, 'automation_rate', auto, resolved FROM cnt UNION ALL
SELECT rid, 'csat', csat_good, csat_n FROM cnt UNION ALL
SELECT rid, 'contacts_per_resolution', res_contacts, resolved FROM cnt UNION ALL
SELECT rid, 'resolution_time_mean', rt_sum, resolved FROM cnt UNION ALL
SELECT rid, 'time_to_close_mean', ttc_sum, ttc_n FROM cnt UNION ALL
SELECT rid, 'first_response_mean', fr_sum, fr_n FROM cnt;

SELECT 'mark', 'computed', julianday('now');
.mode json
.output @OUT@/sqlite_facts.json
SELECT rid, kpi, v FROM (
  SELECT rid, kpi, CASE WHEN den = 0 THEN NULL
                        ELSE printf('%d.%09d', q + (d = 1000000000), d % 1000000000) END AS v
  FROM (SELECT rid, kpi, den, num / den AS q,
               (num % den) * 1000000000 / den
               + CASE WHEN 2 * ((num % den) * 1000000000 % den) > den
                        OR (2 * ((num % den) * 1000000000 % den) = den
                            AND ((num % den) * 1000000000 / den) % 2 = 1) THEN 1 ELSE 0 END AS d
        FROM rat)
  UNION ALL SELECT rid, 'contacts', contacts FROM cnt
  UNION ALL SELECT rid, 'closed_contacts', closed FROM cnt
  UNION ALL SELECT rid, 'escalated_contacts', escalated FROM cnt
  UNION ALL SELECT rid, 'repeat_contacts', rep FROM cnt
  UNION ALL SELECT rid, 'reopened_contacts', reopened FROM cnt
  UNION ALL SELECT rid, 'resolved_chains', resolved FROM cnt
  UNION ALL SELECT rid, 'unresolved_chains', unresolved FROM cnt
  UNION ALL SELECT rid, 'settled_chains', resolved + unresolved FROM cnt
  UNION ALL SELECT rid, col, v FROM money
  UNION ALL SELECT rid, 'ambiguous:' || col, 1 FROM money WHERE amb
  UNION ALL SELECT rid, kpi, v FROM mratio
  UNION ALL SELECT rid, 'ambiguous:' || kpi, 1 FROM mratio WHERE amb
  UNION ALL SELECT rid, m || '_median', med FROM pct
  UNION ALL SELECT rid, m || '_p90', p90 FROM pct
  UNION ALL SELECT 0, 'open_chains', COUNT(*) FROM chs WHERE status = 'open'
  UNION ALL SELECT 0, 'pending_chains', COUNT(*) FROM chs WHERE status = 'pending'
  UNION ALL SELECT rid, 'key:channel', channel FROM rk
  UNION ALL SELECT rid, 'key:region', region FROM rk
  UNION ALL SELECT 0, 'meta:as_of', t FROM prm
  UNION ALL SELECT 0, 'meta:window_seconds', w FROM prm
  UNION ALL SELECT 0, 'meta:currency', COALESCE(MAX(NULLIF(currency, '')), 'XXX') FROM costs_raw
  UNION ALL SELECT 0, 'meta:ledger_total', SUM(a) FROM ew
  UNION ALL SELECT 0, 'meta:unallocated', COALESCE(SUM(CASE WHEN w = 0 THEN a END), 0) FROM ew
  UNION ALL SELECT 0, 'meta:escalation_adjusted_unallocated',
                   COALESCE(SUM(CASE WHEN wadj = 0 THEN a END), 0) FROM ew
  UNION ALL SELECT 0, 'error:missing_tier_rate', SUM(missing) FROM em HAVING SUM(missing) > 0
  UNION ALL SELECT rid, 'error:money_range', 1 FROM grp WHERE bad GROUP BY rid
);
.output stdout
.mode list
SELECT 'mark', 'written', julianday('now');
