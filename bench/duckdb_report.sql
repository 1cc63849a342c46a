-- libsupportkpi benchmark, peer 2: the SPEC report in DuckDB (run by
-- bench/duckdb_report.mjs through @duckdb/node-api).
--
-- The same workload and the same output ("facts", see bench/sqlite_report.sql)
-- as the SQLite peer, in DuckDB's dialect: 128-bit HUGEINT makes the exact money
-- straightforward, GROUPING SETS give the rows and the total in one pass,
-- quantile_disc with a DECIMAL fraction is the nearest rank in integer arithmetic,
-- and an ASOF join places contacts in the ledger's elementary intervals.
-- "-- phase: NAME" lines split the file into phases that the runner times; the
-- runner replaces @DATA@ and splits statements at ";" ending a line.

-- phase: load
CREATE TABLE raw AS
SELECT * FROM read_csv('@DATA@/contacts.csv', header = true, auto_detect = false,
    delim = ',', quote = '"', escape = '"', nullstr = '',
    columns = {'id': 'VARCHAR', 'customer': 'VARCHAR', 'reason': 'VARCHAR',
               'channel': 'VARCHAR', 'region': 'VARCHAR', 'opened_at': 'BIGINT',
               'first_response_at': 'BIGINT', 'closed_at': 'BIGINT',
               'handle_seconds': 'BIGINT', 'tier': 'BIGINT', 'escalations': 'BIGINT',
               'outcome': 'VARCHAR', 'reopens': 'BIGINT', 'csat': 'BIGINT'});
CREATE TABLE costs_raw AS
SELECT * FROM read_csv('@DATA@/costs.csv', header = true, auto_detect = false,
    delim = ',', quote = '"', escape = '"', nullstr = '',
    columns = {'category': 'VARCHAR', 'amount': 'BIGINT', 'currency': 'VARCHAR',
               'start': 'BIGINT', 'end': 'BIGINT', 'driver': 'VARCHAR',
               'channel': 'VARCHAR', 'scope': 'VARCHAR'});
CREATE TABLE rates_raw AS
SELECT * FROM read_csv('@DATA@/rates.csv', header = true, auto_detect = false,
    delim = ',', quote = '"', escape = '"', nullstr = '',
    columns = {'tier': 'BIGINT', 'rate_per_hour': 'BIGINT'});

-- phase: compute
CREATE TEMP TABLE prm AS SELECT 604800::BIGINT AS w;

-- Pass 1: stitching order per (customer, reason); a contact starts a chain when
-- its customer is empty (NULL here), when it is the first of its key, or when no
-- earlier contact of the key is open and opened_at > max(earlier closed_at) + W
-- (the aggregates over all earlier contacts of the key equal the current chain's:
-- see bench/sqlite_report.sql).
CREATE TEMP TABLE c1 AS
SELECT customer, reason, seq, channel, region, opened_at, fr, cl, hs, tier, escd, res,
       reop, csat,
       CASE WHEN customer IS NULL OR seq = 1
                 OR (NOT popen AND opened_at > pmax + (SELECT w FROM prm)) THEN 1
            ELSE 0 END AS st
FROM (SELECT customer, reason, channel, region, opened_at,
             first_response_at AS fr, closed_at AS cl,
             COALESCE(handle_seconds, 0) AS hs, COALESCE(tier, 1) AS tier,
             (COALESCE(escalations, 0) > 0 OR outcome = 'escalated') AS escd,
             outcome = 'resolved' AS res, COALESCE(reopens, 0) AS reop, csat,
             row_number() OVER w AS seq,
             bool_or(outcome = 'open') OVER wp AS popen,
             max(closed_at) OVER wp AS pmax
      FROM raw
      WINDOW w AS (PARTITION BY customer, reason ORDER BY opened_at, id),
             wp AS (PARTITION BY customer, reason ORDER BY opened_at, id
                    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING));

CREATE TEMP TABLE tt AS
SELECT greatest(max(opened_at), max(fr), max(cl)) AS t FROM c1;

-- Pass 2: chain number = running count of starts; one row per chain.
CREATE TEMP TABLE chs AS
SELECT channel, region, n, lclose - fopen AS rt, anyesc, nonauto,
       CASE WHEN anyopen THEN 'open'
            WHEN (SELECT t FROM tt) < lclose + (SELECT w FROM prm) THEN 'pending'
            WHEN lastres THEN 'resolved' ELSE 'unresolved' END AS status,
       (n = 1 AND NOT anyreop AND NOT anyesc) AS single
FROM (SELECT max(CASE WHEN st = 1 THEN channel END) AS channel,
             max(CASE WHEN st = 1 THEN region END) AS region,
             count(*) AS n, bool_or(cl IS NULL) AS anyopen, max(cl) AS lclose,
             min(opened_at) AS fopen, arg_max(res, seq) AS lastres,
             bool_or(escd) AS anyesc, bool_or(tier <> 0) AS nonauto,
             bool_or(reop > 0) AS anyreop
      FROM (SELECT *, sum(st) OVER (PARTITION BY customer, reason ORDER BY seq
                                    ROWS UNBOUNDED PRECEDING) AS cno FROM c1)
      GROUP BY customer, reason, cno);

-- Rows in SPEC order (NULL first, then bytewise); rid 0 is the total.
CREATE TEMP TABLE rk AS
SELECT row_number() OVER (ORDER BY channel NULLS FIRST, region NULLS FIRST) AS rid,
       channel, region
FROM (SELECT DISTINCT channel, region FROM c1);

-- Contact KPIs, medians and p90s per row and for the total.
CREATE TEMP TABLE cr AS
SELECT COALESCE(rk.rid, 0) AS rid, x.*
FROM (SELECT grouping(channel, region) AS g, channel, region,
             count(*) AS contacts, count(cl) AS closed,
             count_if(cl IS NOT NULL AND escd) AS escalated, count_if(st = 0) AS rep,
             count_if(cl IS NOT NULL AND reop > 0) AS reopened,
             count_if(csat >= 4) AS csat_good, count(csat) AS csat_n,
             COALESCE(sum(cl - opened_at), 0) AS ttc_sum, count(cl) AS ttc_n,
             COALESCE(sum(fr - opened_at), 0) AS fr_sum, count(fr) AS fr_n,
             quantile_disc(cl - opened_at, 0.5::DECIMAL(2, 1)) AS ttc_med,
             quantile_disc(cl - opened_at, 0.9::DECIMAL(2, 1)) AS ttc_p90,
             quantile_disc(fr - opened_at, 0.5::DECIMAL(2, 1)) AS fr_med,
             quantile_disc(fr - opened_at, 0.9::DECIMAL(2, 1)) AS fr_p90
      FROM c1 GROUP BY GROUPING SETS ((channel, region), ())) x
LEFT JOIN rk ON x.g = 0 AND rk.channel IS NOT DISTINCT FROM x.channel
            AND rk.region IS NOT DISTINCT FROM x.region;

-- Chain KPIs: settled chains, placed by their anchor (first contact).
CREATE TEMP TABLE chr AS
SELECT COALESCE(rk.rid, 0) AS rid, x.*
FROM (SELECT grouping(channel, region) AS g, channel, region,
             count_if(status = 'resolved') AS resolved,
             count_if(status = 'unresolved') AS unresolved,
             count_if(status = 'resolved' AND single) AS fcr_n,
             count_if(anyesc) AS chesc,
             COALESCE(sum(n) FILTER (WHERE status = 'resolved'), 0) AS res_contacts,
             count_if(status = 'resolved' AND NOT nonauto) AS auto,
             COALESCE(sum(rt) FILTER (WHERE status = 'resolved'), 0) AS rt_sum,
             quantile_disc(rt, 0.5::DECIMAL(2, 1)) FILTER (WHERE status = 'resolved') AS rt_med,
             quantile_disc(rt, 0.9::DECIMAL(2, 1)) FILTER (WHERE status = 'resolved') AS rt_p90
      FROM chs WHERE status IN ('resolved', 'unresolved')
      GROUP BY GROUPING SETS ((channel, region), ())) x
LEFT JOIN rk ON x.g = 0 AND rk.channel IS NOT DISTINCT FROM x.channel
            AND rk.region IS NOT DISTINCT FROM x.region;

CREATE TEMP TABLE cnt AS
SELECT cr.rid, cr.contacts, cr.closed, cr.escalated, cr.rep, cr.reopened, cr.csat_good,
       cr.csat_n, cr.ttc_sum, cr.ttc_n, cr.fr_sum, cr.fr_n, cr.ttc_med, cr.ttc_p90,
       cr.fr_med, cr.fr_p90,
       COALESCE(chr.resolved, 0) AS resolved, COALESCE(chr.unresolved, 0) AS unresolved,
       COALESCE(chr.fcr_n, 0) AS fcr_n, COALESCE(chr.chesc, 0) AS chesc,
       COALESCE(chr.res_contacts, 0) AS res_contacts, COALESCE(chr.auto, 0) AS auto,
       COALESCE(chr.rt_sum, 0) AS rt_sum, chr.rt_med, chr.rt_p90
FROM cr LEFT JOIN chr USING (rid);

-- Ledger: elementary intervals (the ledger's period bounds; no entry period
-- straddles one), contacts summed per interval, row, repeat flag and tier.
CREATE TEMP TABLE e AS
SELECT row_number() OVER () AS eid, category, amount AS a, start AS s0, "end" AS s1,
       COALESCE(driver, 'handle_time') AS driver, channel AS ch, scope AS sc
FROM costs_raw;
CREATE TEMP TABLE rt AS SELECT tier, rate_per_hour AS rate FROM rates_raw;
CREATE TEMP TABLE bnd AS SELECT s0 AS b FROM e UNION SELECT s1 FROM e;
CREATE TEMP TABLE cagg AS
SELECT bnd.b AS bi, c1.channel, c1.region, 1 - c1.st AS rep, c1.tier,
       count(*) AS cnt, sum(c1.hs) AS hs
FROM c1 ASOF LEFT JOIN bnd ON c1.opened_at >= bnd.b
GROUP BY ALL;

-- Weights per (entry, row, repeat): ws (the entry's driver), wa (escalation-
-- adjusted: direct_labor re-driven by tier_weighted), wp (the premium's
-- numerator: hs * (rate[t] - rate[1]) for tiers t > 1 with rate[t] <> 0).  The
-- contacts' only dimension is region: a scope matches iff it is empty or exactly
-- "region=<the contact's region>".
CREATE TEMP TABLE em AS
SELECT e.eid, rk.rid, g.rep,
       sum(CASE e.driver WHEN 'contacts' THEN g.cnt WHEN 'handle_time' THEN g.hs
                         WHEN 'tier_weighted' THEN g.hs * r.rate END)::HUGEINT AS ws,
       sum(CASE WHEN e.category = 'direct_labor' OR e.driver = 'tier_weighted'
                THEN g.hs * r.rate
                WHEN e.driver = 'contacts' THEN g.cnt ELSE g.hs END)::HUGEINT AS wa,
       sum(CASE WHEN e.category = 'direct_labor' AND g.tier > 1 AND r.rate <> 0
                THEN g.hs * (r.rate - r1.rate) ELSE 0 END)::HUGEINT AS wp,
       count_if(((e.category = 'direct_labor' OR e.driver = 'tier_weighted') AND r.rate IS NULL)
                OR (e.category = 'direct_labor' AND g.tier > 1 AND r1.rate IS NULL)) AS missing
FROM e JOIN cagg g ON g.bi >= e.s0 AND g.bi < e.s1
                   AND (e.ch IS NULL OR g.channel = e.ch)
                   AND (e.sc IS NULL OR (NOT contains(e.sc, ';') AND e.sc = 'region=' || g.region))
JOIN rk ON rk.channel IS NOT DISTINCT FROM g.channel AND rk.region IS NOT DISTINCT FROM g.region
LEFT JOIN rt r ON r.tier = g.tier
LEFT JOIN rt r1 ON r1.tier = 1
GROUP BY e.eid, rk.rid, g.rep;

CREATE TEMP TABLE ew AS
SELECT e.eid, e.a, e.category, COALESCE(sum(em.ws), 0)::HUGEINT AS w,
       COALESCE(sum(em.wa), 0)::HUGEINT AS wadj
FROM e LEFT JOIN em ON em.eid = e.eid GROUP BY e.eid, e.a, e.category;

-- Terms A * S / W of each money value per (column, rid); the totals per entry.
CREATE TEMP TABLE terms AS
SELECT * FROM (
  SELECT 'cost' AS col, em.rid, ew.a, sum(em.ws) AS s, ew.w FROM em JOIN ew USING (eid)
  WHERE ew.w > 0 GROUP BY em.eid, em.rid, ew.a, ew.w
  UNION ALL
  SELECT 'failure_demand_cost', em.rid, ew.a, sum(em.ws), ew.w FROM em JOIN ew USING (eid)
  WHERE ew.w > 0 AND em.rep = 1 GROUP BY em.eid, em.rid, ew.a, ew.w
  UNION ALL
  SELECT 'escalation_adjusted_cost', em.rid, ew.a, sum(em.wa), ew.wadj FROM em JOIN ew USING (eid)
  WHERE ew.wadj > 0 GROUP BY em.eid, em.rid, ew.a, ew.wadj
  UNION ALL
  SELECT 'escalation_premium', em.rid, ew.a, sum(em.wp), ew.wadj FROM em JOIN ew USING (eid)
  WHERE ew.wadj > 0 AND ew.category = 'direct_labor' GROUP BY em.eid, em.rid, ew.a, ew.wadj
  UNION ALL
  SELECT 'cost', 0, a, w, w FROM ew WHERE w > 0
  UNION ALL
  SELECT 'failure_demand_cost', 0, ew.a, sum(em.ws), ew.w FROM em JOIN ew USING (eid)
  WHERE ew.w > 0 AND em.rep = 1 GROUP BY em.eid, ew.a, ew.w
  UNION ALL
  SELECT 'escalation_adjusted_cost', 0, a, wadj, wadj FROM ew WHERE wadj > 0
  UNION ALL
  SELECT 'escalation_premium', 0, ew.a, sum(em.wp), ew.wadj FROM em JOIN ew USING (eid)
  WHERE ew.wadj > 0 AND ew.category = 'direct_labor' GROUP BY em.eid, ew.a, ew.wadj)
WHERE s <> 0;

-- Terms of one (column, rid) with the same W added exactly in HUGEINT
-- (|A|, |S|, W < 2^63): grp holds q + rem / W per (column, rid, W), 0 <= rem < W.
CREATE TEMP TABLE grp AS
SELECT col, rid, w, q, num - q * w AS rem
FROM (SELECT col, rid, w, num,
             CASE WHEN num >= 0 THEN num // w ELSE -((-num + w - 1) // w) END AS q
      FROM (SELECT col, rid, sum(a::HUGEINT * s) AS num, w::HUGEINT AS w
            FROM terms GROUP BY col, rid, w));

-- The fraction sum_j rem_j / W_j of each (column, rid), as in the SQLite peer:
-- exact (num / D, D = lcm of the row's W with a remainder, when D < 2^51, with a
-- 110-bit expansion lo, key2 that orders such fractions exactly), or bounded
-- (each rem/W truncated to 60 bits: the sum lies in [lo, lo + k) / 2^60).
-- Decisions on a row use num/den/k (fraction in [num, num + k) / den), the
-- comparisons between rows lo/lk/key2/ex; each is taken only when proven.
CREATE TEMP TABLE drow AS
SELECT col, rid,
       list_reduce(list(w::BIGINT), (x, y) -> CASE WHEN x IS NULL THEN NULL
           WHEN x // gcd(x, y) > 2251799813685248 // y THEN NULL
           ELSE x // gcd(x, y) * y END) AS d
FROM grp WHERE rem > 0 GROUP BY col, rid;
CREATE TEMP TABLE mv0 AS
SELECT m.col, g.rid, drow.d IS NOT NULL OR x.rid IS NULL AS ex,
       CASE WHEN drow.d IS NOT NULL THEN x.q + x.en // drow.d
            ELSE COALESCE(x.q + (x.fs >> 60), 0) END::HUGEINT AS qs,
       CASE WHEN drow.d IS NOT NULL THEN x.en % drow.d
            ELSE COALESCE(x.fs & ((1::HUGEINT << 60) - 1), 0) END::HUGEINT AS num,
       COALESCE(drow.d, 1::BIGINT << 60)::HUGEINT AS den,
       CASE WHEN drow.d IS NOT NULL THEN 0 ELSE COALESCE(x.k, 0) END::HUGEINT AS k
FROM (VALUES ('cost'), ('failure_demand_cost'), ('escalation_adjusted_cost'),
             ('escalation_premium')) m(col)
CROSS JOIN (SELECT rid FROM cnt) g
LEFT JOIN (SELECT grp.col, grp.rid, sum(grp.q) AS q,
                  sum((grp.rem << 60) // grp.w) AS fs,
                  count_if((grp.rem << 60) % grp.w <> 0) AS k,
                  sum(grp.rem * (drow.d // grp.w)) AS en
           FROM grp LEFT JOIN drow USING (col, rid) GROUP BY grp.col, grp.rid) x
       ON x.col = m.col AND x.rid = g.rid
LEFT JOIN drow ON drow.col = m.col AND drow.rid = g.rid;
CREATE TEMP TABLE mv AS
SELECT *,
       CASE WHEN ex AND den <> (1::HUGEINT << 60) THEN (num << 60) // den ELSE num END AS lo,
       CASE WHEN ex AND den <> (1::HUGEINT << 60) THEN CASE WHEN (num << 60) % den <> 0 THEN 1 ELSE 0 END
            ELSE k END AS lk,
       CASE WHEN ex AND den <> (1::HUGEINT << 60) THEN (((num << 60) % den) << 50) // den
            ELSE 0 END AS key2
FROM mv0;

-- SPEC 4 rounding: total half to even; rows floor + largest remainders, ties to
-- the earlier row; "amb" when the bounds cannot decide.
CREATE TEMP TABLE mtot AS
SELECT col, qs + CASE WHEN k = 0 THEN (CASE WHEN 2 * num > den THEN 1
                                            WHEN 2 * num = den THEN qs & 1 ELSE 0 END)
                      WHEN 2 * num >= den THEN 1 ELSE 0 END AS total,
       (k > 0 AND (num + k > den OR (2 * num < den AND 2 * (num + k) > den))) AS amb
FROM mv WHERE rid = 0;
CREATE TEMP TABLE mrank AS
SELECT mv.col, mv.rid, mv.qs, mv.lo, mv.lk, mv.key2, mv.ex,
       row_number() OVER (PARTITION BY mv.col ORDER BY mv.lo DESC, mv.key2 DESC, mv.rid) AS rnk,
       mtot.total - sum(mv.qs) OVER (PARTITION BY mv.col) AS left_over,
       (mv.num + mv.k > mv.den) AS amb
FROM mv JOIN mtot USING (col) WHERE mv.rid > 0;
CREATE TEMP TABLE money AS
SELECT col, 0 AS rid, total AS v, amb FROM mtot
UNION ALL
SELECT p.col, p.rid, p.qs + CASE WHEN p.rnk <= p.left_over THEN 1 ELSE 0 END,
       p.amb OR p.left_over < 0 OR p.left_over > (SELECT count(*) FROM rk)
       OR EXISTS (SELECT 1 FROM mrank x, mrank y
                  WHERE x.col = p.col AND y.col = p.col
                    AND x.rnk <= x.left_over AND y.rnk > y.left_over
                    AND NOT ((x.ex AND y.ex)
                             OR (y.lk = 0 AND (y.lo < x.lo
                                               OR (y.lo = x.lo AND (x.lk > 0 OR x.rid < y.rid))))
                             OR (y.lk > 0 AND y.lo + y.lk <= x.lo)))
FROM mrank p;

-- CPT, CPR, CPR escalation-adjusted: exact money / n, half to even: with the money
-- qs + f (f in [num, num + k) / den) and qs = a n + b, a or a + 1 by comparing
-- b + f with n / 2.
CREATE TEMP TABLE mratio AS
SELECT kpi, rid,
       CASE WHEN n = 0 THEN NULL
            ELSE qs // n + CASE WHEN 2 * (qs % n) + 2 <= n THEN 0
                                WHEN 2 * (qs % n) > n THEN 1
                                WHEN 2 * (qs % n) = n THEN
                                     CASE WHEN num = 0 AND k = 0 THEN (qs // n) & 1 ELSE 1 END
                                WHEN k = 0 THEN
                                     CASE WHEN 2 * num > den THEN 1 WHEN 2 * num < den THEN 0
                                          ELSE (qs // n) & 1 END
                                WHEN 2 * num >= den THEN 1 ELSE 0 END END AS v,
       (n > 0 AND (qs < 0 OR num + k > den
                   OR (2 * (qs % n) = n - 1 AND k > 0 AND 2 * num < den
                       AND 2 * (num + k) > den))) AS amb
FROM (SELECT 'cpt' AS kpi, 'cost' AS col, rid, closed AS n FROM cnt
      UNION ALL SELECT 'cpr', 'cost', rid, resolved FROM cnt
      UNION ALL SELECT 'cpr_escalation_adjusted', 'escalation_adjusted_cost', rid, resolved FROM cnt) d
JOIN mv USING (col, rid);

-- Ratios and means: num / den half to even to 9 decimals, in integers.
CREATE TEMP TABLE rat AS
SELECT rid, kpi, num::HUGEINT AS num, den::HUGEINT AS den FROM (
  SELECT rid, 'fcr' AS kpi, fcr_n AS num, resolved + unresolved AS den FROM cnt UNION ALL
  SELECT rid, 'reopen_rate', reopened, closed FROM cnt UNION ALL
  SELECT rid, 'escalation_rate', escalated, closed FROM cnt UNION ALL
  SELECT rid, 'chain_escalation_rate', chesc, resolved + unresolved FROM cnt UNION ALL
  SELECT rid, 'repeat_rate', rep, contacts FROM cnt UNION ALL
  SELECT rid, 'automation_rate', auto, resolved FROM cnt UNION ALL
  SELECT rid, 'csat', csat_good, csat_n FROM cnt UNION ALL
  SELECT rid, 'contacts_per_resolution', res_contacts, resolved FROM cnt UNION ALL
  SELECT rid, 'resolution_time_mean', rt_sum, resolved FROM cnt UNION ALL
  SELECT rid, 'time_to_close_mean', ttc_sum, ttc_n FROM cnt UNION ALL
  SELECT rid, 'first_response_mean', fr_sum, fr_n FROM cnt);

-- phase: facts
SELECT rid, kpi, v FROM (
  SELECT rid, kpi, CASE WHEN den = 0 THEN NULL
                        ELSE printf('%d.%09d', q + CASE WHEN d = 1000000000 THEN 1 ELSE 0 END,
                                    d % 1000000000) END AS v
  FROM (SELECT rid, kpi, den, CASE WHEN den = 0 THEN 0 ELSE num // den END AS q,
               CASE WHEN den = 0 THEN 0 ELSE
                    (num % den) * 1000000000 // den
                    + CASE WHEN 2 * ((num % den) * 1000000000 % den) > den
                             OR (2 * ((num % den) * 1000000000 % den) = den
                                 AND ((num % den) * 1000000000 // den) % 2 = 1) THEN 1 ELSE 0 END
               END AS d
        FROM rat)
  UNION ALL SELECT rid, 'contacts', contacts::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'closed_contacts', closed::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'escalated_contacts', escalated::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'repeat_contacts', rep::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'reopened_contacts', reopened::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'resolved_chains', resolved::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'unresolved_chains', unresolved::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'settled_chains', (resolved + unresolved)::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'time_to_close_median', ttc_med::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'time_to_close_p90', ttc_p90::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'first_response_median', fr_med::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'first_response_p90', fr_p90::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'resolution_time_median', rt_med::VARCHAR FROM cnt
  UNION ALL SELECT rid, 'resolution_time_p90', rt_p90::VARCHAR FROM cnt
  UNION ALL SELECT rid, col, v::VARCHAR FROM money
  UNION ALL SELECT rid, 'ambiguous:' || col, '1' FROM money WHERE amb
  UNION ALL SELECT rid, kpi, v::VARCHAR FROM mratio
  UNION ALL SELECT rid, 'ambiguous:' || kpi, '1' FROM mratio WHERE amb
  UNION ALL SELECT 0, 'open_chains', count(*)::VARCHAR FROM chs WHERE status = 'open'
  UNION ALL SELECT 0, 'pending_chains', count(*)::VARCHAR FROM chs WHERE status = 'pending'
  UNION ALL SELECT rid, 'key:channel', channel FROM rk
  UNION ALL SELECT rid, 'key:region', region FROM rk
  UNION ALL SELECT 0, 'meta:as_of', t::VARCHAR FROM tt
  UNION ALL SELECT 0, 'meta:window_seconds', w::VARCHAR FROM prm
  UNION ALL SELECT 0, 'meta:currency', COALESCE(max(currency), 'XXX') FROM costs_raw
  UNION ALL SELECT 0, 'meta:ledger_total', sum(a)::VARCHAR FROM ew
  UNION ALL SELECT 0, 'meta:unallocated', COALESCE(sum(a) FILTER (WHERE w = 0), 0)::VARCHAR FROM ew
  UNION ALL SELECT 0, 'meta:escalation_adjusted_unallocated',
                   COALESCE(sum(a) FILTER (WHERE wadj = 0), 0)::VARCHAR FROM ew
  UNION ALL SELECT 0, 'error:missing_tier_rate', sum(missing)::VARCHAR FROM em HAVING sum(missing) > 0
) ORDER BY rid, kpi;
