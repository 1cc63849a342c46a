#!/usr/bin/env python3
"""Deterministic generator of realistic libsupportkpi interchange files.

    gen_data.py --profile sample|bench [--contacts N] [--seed S] --out DIR

Writes DIR/contacts.csv, DIR/costs.csv and DIR/rates.csv (SPEC section 8) for one
synthetic support organisation over the calendar year 2025 (UTC).  Python 3 standard
library only; the same arguments always give byte-identical files (everything is
drawn from one random.Random(seed); default seed 2025).

Profiles
  sample  the bundled example data (data/sample): 6,000 contacts by default, ids
          T-2025-000001, ISO 8601 timestamps with `Z` (a few with `+01:00`),
          dimensions `region` and `product`; its ledger has two entries (November,
          December) scoped region=mea, a region with no contacts, so `unallocated`
          is non-zero.
  bench   benchmark input: N contacts (default 100,000; 10,000,000 works), ids
          C0000001 (wider from 10,000,000 on), epoch-second timestamps, dimension
          `region`; streamed to disk
          hour by hour (only follow-up contacts scheduled for later hours are held
          in memory); its ledger has one entry for December 2024, a month without
          contacts, so `unallocated` is non-zero.

The model
  * Contact volume follows hour-of-day, day-of-week and month curves, with public
    holidays, a login/bug incident on 2025-06-17 and the Black Friday peak; the
    reason mix shifts towards order_status/shipping/returns in the holiday season.
  * Customers are skewed: 40% of the issues come from customers seen once, the
    rest from customers with a power-law distribution of activity (most contact
    once or twice, a few dozens of times).  About 1% of contacts have no customer
    (withheld caller id, anonymous chat or social).
  * An issue (customer, reason) takes 1 to 4 contacts, often across channels: a bot
    session (self_service, tier 0, no handle time) fails and hands off to chat or
    voice; an agent hands off to a higher tier (outcome `escalated` on the hand-off
    contact, the next contact one tier up, tiers 1 -> 2 -> 3); a resolved contact
    turns out not to be fixed and the customer comes back within days; an abandoned
    call or chat is retried.  Some unresolved issues return 8-20 days later (a new
    chain).  Some resolved contacts were escalated inside the contact
    (escalations > 0, tier 2 or 3); some tickets are reopened.
  * Handle times per channel: voice ~9 min, chat ~8 min, email ~4 min, social ~4 min,
    self_service 0; higher tiers take longer.  First response: seconds on voice and
    chat, hours on email, tens of minutes on social; absent for contacts abandoned
    in the queue and for about 1.5% of the others.
  * CSAT on about 30% of closed contacts, skewed by outcome and by repeats.
  * The data is cut at 2026-01-01T00:00:00Z: a contact that would close later is
    `open` (so the most recent contacts are open and the last week's chains are
    pending), and follow-ups after the cut do not exist.
  * The ledger (USD, cents) is derived from the generated volume so that a cost per
    resolution of tens of dollars comes out at every size: monthly direct labour per
    live channel (driver handle_time), indirect labour, technology and overhead
    (driver contacts), a chatbot platform scoped to self_service, an EU office
    (scope region=eu), a quarterly escalation-engineering retainer (driver
    tier_weighted, April-December) and the unallocated entry described above.
    rates.csv gives tiers 0..3.
"""

import argparse
import math
import os
import random
import sys
import time
from statistics import NormalDist

Y0 = 1735689600                 # 2025-01-01T00:00:00Z
CUTOFF = 1767225600             # 2026-01-01T00:00:00Z: the extract's cut
HOURS = (CUTOFF - Y0) // 3600   # 8760
DAY = 86400
MONTH_STARTS = [1735689600, 1738368000, 1740787200, 1743465600, 1746057600,
                1748736000, 1751328000, 1754006400, 1756684800, 1759276800,
                1761955200, 1764547200, 1767225600]
DEC_2024 = 1733011200           # 2024-12-01T00:00:00Z

CHANNELS = ["voice", "chat", "email", "self_service", "social"]
VOICE, CHAT, EMAIL, SS, SOCIAL = range(5)

# reason: (weight, start-channel weights voice/chat/email/ss/social, bot containment,
#          hand-off factor, product weights devices/app/subscription/marketplace)
REASONS = {
    "order_status":   (14, (14, 22, 12, 46, 6), 0.68, 0.5, (45, 5, 5, 45)),
    "how_to":         (12, (12, 24, 14, 45, 5), 0.72, 0.4, (30, 45, 15, 10)),
    "billing":        (11, (34, 22, 28, 12, 4), 0.40, 1.3, (5, 5, 75, 15)),
    "password_reset": (9, (14, 18, 8, 57, 3), 0.75, 0.5, (5, 80, 10, 5)),
    "shipping":       (9, (22, 28, 22, 20, 8), 0.50, 0.8, (55, 0, 0, 45)),
    "login":          (8, (22, 30, 12, 33, 3), 0.52, 0.9, (5, 75, 15, 5)),
    "refund":         (8, (30, 26, 28, 10, 6), 0.35, 1.5, (40, 5, 20, 35)),
    "returns":        (7, (20, 26, 24, 24, 6), 0.55, 0.8, (55, 0, 0, 45)),
    "bug":            (7, (22, 30, 34, 8, 6), 0.25, 2.2, (25, 65, 5, 5)),
    "account_update": (6, (16, 22, 22, 37, 3), 0.62, 0.6, (10, 40, 40, 10)),
    "payment_failed": (5, (30, 26, 20, 20, 4), 0.45, 1.3, (10, 10, 50, 30)),
    "cancellation":   (4, (38, 26, 24, 8, 4), 0.30, 1.2, (5, 10, 75, 10)),
}
REASON_NAMES = list(REASONS)
PRODUCTS = ["devices", "app", "subscription", "marketplace"]
REGIONS = (("na", 40), ("eu", 34), ("apac", 17), ("latam", 9))

# follow-up channel after a resolved-but-not-fixed or abandoned contact, by channel
NEXT_CHANNEL = {
    VOICE:  (52, 18, 24, 2, 4),
    CHAT:   (38, 38, 18, 2, 4),
    EMAIL:  (38, 14, 42, 4, 2),
    SS:     (26, 48, 18, 0, 8),
    SOCIAL: (22, 30, 28, 0, 20),
}
# channel of the contact a hand-off (outcome escalated) creates, by channel
HANDOFF_CHANNEL = {
    VOICE:  (55, 0, 45, 0, 0),      # a specialist calls back, or a ticket
    CHAT:   (35, 10, 55, 0, 0),
    EMAIL:  (10, 0, 90, 0, 0),
    SS:     (25, 75, 0, 0, 0),      # the bot hands the session to an agent
    SOCIAL: (25, 10, 65, 0, 0),
}
P_ABANDON = (0.07, 0.08, 0.04, 0.0, 0.08)     # live contacts
P_HANDOFF = 0.055                               # times the reason's factor
P_INCONTACT = 0.035                             # escalated inside the contact
P_REOPEN = (0.008, 0.02, 0.065, 0.0, 0.05)
TIER_MULT = (1.0, 1.0, 1.35, 1.8)

CSAT_RESOLVED = (4, 3, 8, 25, 60)
CSAT_RESOLVED_REPEAT = (11, 9, 17, 30, 33)
CSAT_ESCALATED = (14, 14, 24, 26, 22)
CSAT_ABANDONED = (38, 22, 20, 11, 9)

# loaded labour cost per handle hour, cents (agent cost / utilisation)
DIRECT_RATE = (10500, 9000, 9500, None, 9500)
RATES = ((0, 500), (1, 3500), (2, 5500), (3, 8500))


def quantize(weights, bits=10):
    """Index table of 2**bits entries whose frequencies follow weights."""
    n = 1 << bits
    tot = float(sum(weights))
    exact = [w * n / tot for w in weights]
    cnt = [int(x) for x in exact]
    left = n - sum(cnt)
    order = sorted(range(len(weights)), key=lambda i: (cnt[i] - exact[i], i))
    for i in order[:left]:
        cnt[i] += 1
    tab = []
    for i, c in enumerate(cnt):
        tab.extend([i] * c)
    return tab


_ND = NormalDist()
_Z12 = [_ND.inv_cdf((i + 0.5) / 4096) for i in range(4096)]


def lognorm(median, sigma, lo, hi, mult=1.0):
    """4096 quantiles of a clamped log-normal distribution, as integers."""
    return [min(hi, max(lo, int(round(median * mult * math.exp(sigma * z)))))
            for z in _Z12]


def iso(t, off=0):
    tm = time.gmtime(t + off)
    s = "%04d-%02d-%02dT%02d:%02d:%02d" % tm[:6]
    if off == 0:
        return s + "Z"
    sign = "+" if off > 0 else "-"
    off = abs(off)
    return "%s%s%02d:%02d" % (s, sign, off // 3600, off % 3600 // 60)


def hour_weights():
    """Relative contact volume of every hour of 2025, and a reason-mix id per hour
    (0 normal, 1 holiday season, 2 incident)."""
    hod = (0.35, 0.26, 0.2, 0.18, 0.2, 0.3, 0.5, 0.8, 1.1, 1.3, 1.4, 1.45,
           1.5, 1.6, 1.75, 1.8, 1.75, 1.6, 1.4, 1.2, 1.0, 0.85, 0.65, 0.5)
    dow = (1.15, 1.1, 1.05, 1.0, 0.95, 0.6, 0.55)          # Monday first
    month = (1.12, 0.96, 1.0, 0.95, 0.95, 0.93, 0.9, 0.9, 1.0, 1.0, 1.15, 1.22)
    special = {}                                          # day of year -> factor
    for (m, d, f) in ((1, 1, 0.5), (1, 2, 1.3), (6, 17, 2.2), (6, 18, 1.4),
                      (11, 28, 1.7), (12, 1, 1.4), (12, 24, 0.7), (12, 25, 0.45),
                      (12, 26, 0.8), (12, 31, 0.7)):
        special[(MONTH_STARTS[m - 1] - Y0) // DAY + d - 1] = f
    w = []
    mix = []
    for h in range(HOURS):
        day = h // 24
        t = Y0 + h * 3600
        m = max(i for i in range(12) if MONTH_STARTS[i] <= t)
        wd = (day + 2) % 7                                # 2025-01-01 was a Wednesday
        f = hod[h % 24] * dow[wd] * month[m] * special.get(day, 1.0)
        w.append(f)
        if day == 167 and h % 24 >= 9:                    # 2025-06-17 incident
            mix.append(2)
        elif t >= 1763164800 or t < 1736467200:           # from Nov 15 / to Jan 10
            mix.append(1)
        else:
            mix.append(0)
    return w, mix


def generate(profile, n, seed, out):
    rnd = random.Random(seed)
    random_ = rnd.random
    bits = rnd.getrandbits
    sample = profile == "sample"

    # ---------------------------------------------------------------- tables
    reason_w = [REASONS[r][0] for r in REASON_NAMES]
    season_w = list(reason_w)
    for r, f in (("order_status", 1.8), ("shipping", 1.9), ("returns", 1.7),
                 ("refund", 1.3)):
        season_w[REASON_NAMES.index(r)] *= f
    incident_w = list(reason_w)
    for r, f in (("login", 7.0), ("bug", 3.0), ("password_reset", 2.0)):
        incident_w[REASON_NAMES.index(r)] *= f
    reason_tabs = [quantize(reason_w), quantize(season_w), quantize(incident_w)]
    start_tab = [quantize(REASONS[r][1]) for r in REASON_NAMES]
    contain = [REASONS[r][2] for r in REASON_NAMES]
    handoff_f = [REASONS[r][3] for r in REASON_NAMES]
    product_tab = [[PRODUCTS[i] for i in quantize(REASONS[r][4])]
                   for r in REASON_NAMES]
    region_names = [r for r, _ in REGIONS]
    region_tab = quantize([w for _, w in REGIONS])
    next_tab = {c: quantize(v) for c, v in NEXT_CHANNEL.items()}
    hand_tab = {c: quantize(v) for c, v in HANDOFF_CHANNEL.items()}
    csat_tabs = [[s + 1 for s in quantize(w)] for w in
                 (CSAT_RESOLVED, CSAT_RESOLVED_REPEAT, CSAT_ESCALATED, CSAT_ABANDONED)]

    # time tables (seconds), 4096 quantiles each; handle times by tier
    voice_wait = lognorm(55, 1.0, 5, 1800)
    voice_aband = lognorm(100, 0.8, 10, 1800)
    voice_hs = [lognorm(480, 0.45, 60, 5400, TIER_MULT[t]) for t in range(4)]
    voice_short = lognorm(90, 0.6, 10, 600)
    chat_wait = lognorm(40, 1.0, 3, 1200)
    chat_aband = lognorm(150, 0.8, 10, 1800)
    chat_hs = [lognorm(430, 0.55, 45, 5400, TIER_MULT[t]) for t in range(4)]
    chat_conc = [1.2 + 1.3 * i / 4095 for i in range(4096)]
    email_frt = lognorm(5 * 3600, 1.1, 300, 4 * DAY)
    email_hs = [lognorm(200, 0.6, 30, 7200, TIER_MULT[t]) for t in range(4)]
    email_lag = lognorm(10 * 3600, 1.3, 0, 12 * DAY)
    email_hand = lognorm(3600, 1.0, 60, 2 * DAY)
    social_frt = lognorm(40 * 60, 1.0, 60, DAY)
    social_hs = [lognorm(240, 0.5, 30, 3600, TIER_MULT[t]) for t in range(4)]
    social_lag = lognorm(90 * 60, 1.3, 0, 4 * DAY)
    ss_session = lognorm(150, 0.9, 10, 3600)
    d_return = lognorm(30 * 3600, 0.9, 1800, int(6.5 * DAY))
    d_retry = lognorm(90 * 60, 1.3, 120, 4 * DAY)
    d_ss_retry = lognorm(20 * 60, 1.2, 60, 3 * DAY)
    d_callback = lognorm(3 * 3600, 0.8, 600, 2 * DAY)
    d_ticket = lognorm(120, 0.8, 10, 1800)
    d_bot = lognorm(30, 0.6, 5, 300)
    d_reopen = lognorm(DAY, 0.8, 3600, 6 * DAY)
    d_late = [8 * DAY + int(12 * DAY * i / 4095) for i in range(4096)]

    weights, mix = hour_weights()
    total_w = sum(weights)
    hour_month = [max(i for i in range(12) if MONTH_STARTS[i] <= Y0 + h * 3600)
                  for h in range(0, HOURS)]

    # customers: 40% of the issues from one-time customers, the rest from eight
    # classes of customers who open on average 1, 2, 4 ... 128 issues a year, the
    # number of customers in a class falling as 2**(-1.6 k): a power law whose top
    # customers open about a hundred issues in the large data sets (a class needs
    # two customers to exist, so the small sample has no single giant customer)
    issues_est = max(1, int(n / 1.3))
    shares = [2.0 ** (-0.6 * k) for k in range(8)]
    shares = [0.6 * x / sum(shares) for x in shares]
    class_n = [int(round(shares[k] * issues_est / 2 ** k)) for k in range(8)]
    class_n = [c if c >= 2 else 0 for c in class_n]
    class_off = [sum(class_n[:k]) for k in range(8)]
    class_tab = quantize([0.4 * issues_est] + [class_n[k] * 2 ** k for k in range(8)],
                         12)
    pool = sum(class_n)
    digits = max(5, len(str(3 * (pool + n))))
    modulus = 10 ** digits
    cust_prefix = "CU" if sample else "K"
    fresh = pool                                     # next one-time customer

    # ---------------------------------------------------------------- state
    buckets = [[] for _ in range(HOURS)]
    produced = 0
    hs_sum = [0] * (12 * 5)
    cnt = [0] * (12 * 5)
    hour_m5 = [m * 5 for m in hour_month]
    cutoff = CUTOFF
    y0 = Y0
    ch_reg = [[c + "," + r for r in region_names] for c in CHANNELS]
    eu = region_names.index("eu")
    p_ho = [[0.0, P_HANDOFF * f, 0.7 * P_HANDOFF * f, 0.0] for f in handoff_f]
    p_inc = [P_INCONTACT * f for f in handoff_f]
    contain_esc = [c + 0.12 for c in contain]
    csat_res, csat_rep, csat_esc, csat_ab = csat_tabs
    next_ss = next_tab[SS]

    def issue(t, cust, gi, ri, late):
        """Generate one issue of customer cust (region index gi, reason index ri)
        from time t: up to four contacts, plus possibly a late return."""
        nonlocal produced
        reason = REASON_NAMES[ri]
        prod = product_tab[ri][bits(10)] if sample else None
        ch = next_ss[bits(10)] if late else start_tab[ri][bits(10)]
        if ch == SS and cust == "":
            ch = CHAT
        tier = 0 if ch == SS else 1
        step = 0
        p_ab_ri = p_ho[ri]
        while True:
            if produced >= n or t >= cutoff:
                return
            esc = 0
            reopens = 0
            u = random_()
            # ------------------------------------------------ one contact
            if ch == SS:
                frt = t + 1 + bits(1)
                hs = 0
                close = t + ss_session[bits(12)]
                if u < contain[ri]:
                    outcome = "resolved"
                    cont = bits(5) == 0
                elif u < contain_esc[ri]:
                    outcome = "escalated"            # the bot hands off to an agent
                    esc = 1
                    cont = True
                else:
                    outcome = "abandoned"
                    cont = random_() < 0.55
            else:
                p_ab = P_ABANDON[ch]
                if u < p_ab:
                    outcome = "abandoned"
                    cont = random_() < 0.6
                    if ch == VOICE:
                        if bits(10) < 700:           # hung up in the queue
                            frt = None
                            hs = 0
                            close = t + voice_aband[bits(12)]
                        else:                        # dropped mid-call
                            frt = t + voice_wait[bits(12)]
                            hs = voice_short[bits(12)]
                            close = frt + hs
                    elif ch == CHAT:
                        if bits(10) < 600:
                            frt = None
                            hs = 0
                            close = t + chat_aband[bits(12)]
                        else:
                            frt = t + chat_wait[bits(12)]
                            hs = voice_short[bits(12)]
                            close = frt + 2 * hs
                    elif ch == EMAIL:                # no reply: auto-closed
                        frt = t + email_frt[bits(12)]
                        hs = email_hs[tier][bits(12)] // 2
                        close = frt + 3 * DAY + bits(14)
                    else:
                        frt = t + social_frt[bits(12)]
                        hs = social_hs[tier][bits(12)] // 2
                        close = frt + DAY + bits(13)
                else:
                    if u < p_ab + p_ab_ri[tier]:
                        outcome = "escalated"        # handed off to the next tier
                        esc = 1
                        cont = random_() < 0.85
                    else:
                        outcome = "resolved"
                        cont = random_() < (0.08 if step else 0.11)
                        if tier < 3 and random_() < p_inc[ri]:
                            if tier == 1 and bits(10) < 800:
                                tier = 2
                                esc = 1
                            else:
                                esc = 2 if tier == 1 else 1
                                tier = 3
                    if ch == VOICE:
                        frt = t + voice_wait[bits(12)]
                        hs = voice_hs[tier][bits(12)]
                        close = frt + hs
                    elif ch == CHAT:
                        frt = t + chat_wait[bits(12)]
                        hs = chat_hs[tier][bits(12)]
                        close = frt + int(hs * chat_conc[bits(12)])
                    elif ch == EMAIL:
                        frt = t + email_frt[bits(12)]
                        hs = email_hs[tier][bits(12)]
                        if outcome == "escalated":
                            close = frt + email_hand[bits(12)]
                        elif tier > 1:
                            close = frt + 2 * email_lag[bits(12)]
                        else:
                            close = frt + email_lag[bits(12)]
                    else:
                        frt = t + social_frt[bits(12)]
                        hs = social_hs[tier][bits(12)]
                        close = frt + social_lag[bits(12)]
                    if outcome == "resolved" and random_() < P_REOPEN[ch]:
                        reopens = 2 if bits(4) == 0 else 1
                        first_close = close
                        for _ in range(reopens):
                            close += d_reopen[bits(12)] + email_lag[bits(12)] // 4
                        hs += hs * (1 + bits(2)) // 3
                    if bits(10) < 15:
                        frt = None                   # first response not recorded
            # ------------------------------------------------ record it
            if frt is not None and frt >= cutoff:
                frt = None
            if close >= cutoff:                      # not closed at the cut: open
                if reopens and first_close >= cutoff:
                    reopens = 0
                if outcome != "resolved":
                    esc = 0
                outcome = "open"
                close = None
                if frt is None:
                    hs = 0
                elif hs > cutoff - frt:
                    hs = cutoff - frt
                csat = ""
            else:                                    # the CSAT survey
                u = random_()
                if outcome == "resolved":
                    if u < (0.2 if ch == SS else 0.4):
                        if step or reopens or esc:
                            csat = csat_rep[bits(10)]
                        else:
                            csat = csat_res[bits(10)]
                    else:
                        csat = ""
                elif outcome == "escalated":
                    csat = csat_esc[bits(10)] if u < 0.22 else ""
                else:
                    csat = csat_ab[bits(10)] if u < 0.1 else ""
            r = reason
            if ch == EMAIL and not step and bits(7) == 0:
                r = ""                               # an untagged ticket
            h = (t - y0) // 3600
            k = hour_m5[h] + ch
            hs_sum[k] += hs
            cnt[k] += 1
            produced += 1
            if sample:
                off = 0
                if gi == eu and ch == EMAIL and (t < 1743465600 or t >= 1761955200) \
                        and random_() < 0.08:
                    off = 3600                       # a mailbox exporting in CET
                row = "%s,%s,%s,%s,%s,%s,%s,%d,%d,%d,%s,%d,%s" % (
                    cust, r, ch_reg[ch][gi], prod, iso(t, off),
                    "" if frt is None else iso(frt, off),
                    "" if close is None else iso(close, off),
                    hs, tier, esc, outcome, reopens, csat)
            else:
                row = "%s,%s,%s,%d,%s,%s,%d,%d,%d,%s,%d,%s" % (
                    cust, r, ch_reg[ch][gi], t, "" if frt is None else frt,
                    "" if close is None else close, hs, tier, esc, outcome,
                    reopens, csat)
            buckets[h].append((t, row))
            if close is None:
                return
            # ------------------------------------------------ what comes next
            if cont and step < 3 and cust != "":
                step += 1
                if outcome == "escalated":
                    nch = hand_tab[ch][bits(10)]
                    if ch == SS:
                        t = close + d_bot[bits(12)]
                        tier = 1
                    else:
                        t = close + (d_callback[bits(12)] if nch == VOICE
                                     else d_ticket[bits(12)])
                        if tier < 3:
                            tier += 1
                elif outcome == "abandoned":
                    if ch == SS:
                        nch = next_ss[bits(10)]
                        t = close + d_ss_retry[bits(12)]
                    else:
                        nch = ch if bits(1) else next_tab[ch][bits(10)]
                        t = close + d_retry[bits(12)]
                    tier = 0 if nch == SS else 1
                else:
                    nch = next_tab[ch][bits(10)]
                    t = close + d_return[bits(12)]
                    tier = 0 if nch == SS else 1
                ch = nch
                continue
            if outcome != "resolved" and not late and cust != "" \
                    and random_() < 0.3:
                # the customer comes back after more than W: a new chain
                issue(close + d_late[bits(12)], cust, gi, ri, True)
            return

    # ---------------------------------------------------------------- output
    os.makedirs(out, exist_ok=True)
    idw = 6 if sample else max(7, len(str(n)))
    id_fmt = ("T-2025-%0" + str(idw) + "d,%s\n") if sample \
        else ("C%0" + str(idw) + "d,%s\n")
    cust_fmt = cust_prefix + "%0" + str(digits) + "d"
    header = ("id,customer,reason,channel,region,product,opened_at,"
              "first_response_at,closed_at,handle_seconds,tier,escalations,outcome,"
              "reopens,csat\n") if sample else \
             ("id,customer,reason,channel,region,opened_at,first_response_at,"
              "closed_at,handle_seconds,tier,escalations,outcome,reopens,csat\n")
    written = 0
    cum = 0.0
    with open(os.path.join(out, "contacts.csv"), "w", encoding="utf-8",
              newline="\n", buffering=1 << 22) as fo:
        fo.write(header)
        for h in range(HOURS):
            cum += weights[h]
            target = n if h == HOURS - 1 else min(n, int(round(n * cum / total_w)))
            rtab = reason_tabs[mix[h]]
            base = Y0 + h * 3600
            while produced < target:
                t = base + int(random_() * 3600)
                if bits(7) == 0:                     # unknown customer
                    issue(t, "", region_tab[bits(10)], rtab[bits(10)], False)
                    continue
                k = class_tab[bits(12)]
                if k == 0:
                    idx = fresh
                    fresh += 1
                else:
                    idx = class_off[k - 1] + int(random_() * class_n[k - 1])
                num = (idx * 7_919_317 + 3_141_593) % modulus
                issue(t, cust_fmt % num, region_tab[(num // 7) % 1024],
                      rtab[bits(10)], False)
            b = buckets[h]
            buckets[h] = None
            b.sort()
            fo.write("".join([id_fmt % (i, row)
                              for i, (_, row) in enumerate(b, written + 1)]))
            written += len(b)
    assert written == n, (written, n)

    # ---------------------------------------------------------------- ledger
    def ts(t):
        return iso(t) if sample else str(t)

    rows = []

    def entry(cat, amount, start, end, driver, channel="", scope=""):
        if amount > 0:
            rows.append("%s,%d,USD,%s,%s,%s,%s,%s\n" % (
                cat, amount, ts(start), ts(end), driver, channel, scope))

    def noise():
        return 0.97 + 0.06 * random_()

    direct_by_month = []
    totals = []
    for m in range(12):
        s, e = MONTH_STARTS[m], MONTH_STARTS[m + 1]
        direct = 0
        for ch in (VOICE, CHAT, EMAIL, SOCIAL):
            a = int(round(hs_sum[m * 5 + ch] / 3600.0 * DIRECT_RATE[ch] * noise()))
            entry("direct_labor", a, s, e, "handle_time", CHANNELS[ch])
            direct += a
        contacts = sum(cnt[m * 5:(m + 1) * 5])
        indirect = int(round(direct * 0.34 * noise()))
        entry("indirect_labor", indirect, s, e, "contacts")
        tech = int(round(contacts * 210 * noise()))
        entry("technology", tech, s, e, "contacts")
        bot = int(round(cnt[m * 5 + SS] * 55 * noise()))
        entry("technology", bot, s, e, "contacts", "self_service")
        over = int(round((direct + indirect) * 0.18 * noise()))
        entry("overhead", over, s, e, "contacts")
        eu = int(round(over * 0.12 * noise()))
        entry("overhead", eu, s, e, "contacts", "", "region=eu")
        if sample and m >= 10:
            # MEA launch preparation: no contacts from region mea yet
            entry("technology", int(round((direct + tech) * 0.02)), s, e, "contacts",
                  "", "region=mea")
        direct_by_month.append(direct)
        totals.append(direct + indirect + tech + bot + over + eu)
    for q in (1, 2, 3):                          # Q2..Q4 escalation retainer
        a = int(round(sum(direct_by_month[3 * q:3 * q + 3]) * 0.08 * noise()))
        entry("indirect_labor", a, MONTH_STARTS[3 * q], MONTH_STARTS[3 * q + 3],
              "tier_weighted")
    if not sample:
        # December 2024: onboarding before the first contact, allocated to nobody
        entry("indirect_labor", int(round(totals[0] * 0.015)), DEC_2024, Y0,
              "contacts")
    rows.sort(key=lambda r: r.split(",")[3])     # stable: by start
    with open(os.path.join(out, "costs.csv"), "w", encoding="utf-8",
              newline="\n") as fo:
        fo.write("category,amount,currency,start,end,driver,channel,scope\n")
        fo.write("".join(rows))
    with open(os.path.join(out, "rates.csv"), "w", encoding="utf-8",
              newline="\n") as fo:
        fo.write("tier,rate_per_hour\n")
        fo.write("".join("%d,%d\n" % r for r in RATES))
    return written


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="gen_data.py",
        description="Deterministic realistic contacts.csv, costs.csv and rates.csv "
                    "(SPEC section 8) for the year 2025.")
    ap.add_argument("--profile", choices=("sample", "bench"), required=True)
    ap.add_argument("--contacts", type=int,
                    help="number of contacts (sample: 6000, bench: 100000)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--out", required=True, help="output directory")
    a = ap.parse_args(argv)
    n = a.contacts if a.contacts is not None else \
        (6000 if a.profile == "sample" else 100000)
    if n < 1:
        ap.error("--contacts must be at least 1")
    generate(a.profile, n, a.seed, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
