/* Explain (explain.h): the allocation run once more with every contact of
 * interest in a slot of its own, so each one's exact cost is known; the
 * row's contacts are then apportioned the row's rounded cost, so the
 * listing always sums to the report. */
#include "supportkpi/explain.h"

#include <string.h>

#include "alloc.h"
#include "allocate.h"
#include "breakdown.h"
#include "ledger.h"
#include "records.h"
#include "status.h"

struct skpi_explain {
    size_t contacts, chains;
    uint32_t *contact;       /* record indices */
    uint32_t *chain;         /* chain indices */
    int64_t *contact_cost;   /* NULL without a ledger */
    int64_t *chain_cost;
};

void skpi_explain_free(skpi_explain *e)
{
    if (!e)
        return;
    skpi__free(e->contact);
    skpi__free(e->chain);
    skpi__free(e->contact_cost);
    skpi__free(e->chain_cost);
    skpi__free(e);
}

static int list_row(skpi_explain *e, const skpi_breakdown *b, size_t row)
{
    e->contacts = skpi_breakdown_row_contact_count(b, row);
    e->chains = skpi_breakdown_row_chain_count(b, row);
    e->contact = skpi__calloc(e->contacts + 1, sizeof *e->contact);
    e->chain = skpi__calloc(e->chains + 1, sizeof *e->chain);
    if (!e->contact || !e->chain)
        return SKPI_ENOMEM;
    for (size_t k = 0; k < e->contacts; k++)
        e->contact[k] = (uint32_t)skpi_breakdown_row_contact(b, row, k);
    for (size_t k = 0; k < e->chains; k++)
        e->chain[k] = (uint32_t)skpi_breakdown_row_chain(b, row, k);
    return SKPI_OK;
}

/* Slots: one per contact of the row or of its chains, then one for the rest. */
static size_t assign_slots(const skpi_explain *e, const skpi_chains *c, uint32_t *slot, size_t n)
{
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        slot[i] = UINT32_MAX;
    for (size_t k = 0; k < e->contacts; k++)
        if (slot[e->contact[k]] == UINT32_MAX)
            slot[e->contact[k]] = (uint32_t)used++;
    for (size_t k = 0; k < e->chains; k++) {
        for (size_t p = 0; p < skpi_chain_size(c, e->chain[k]); p++) {
            size_t i = skpi_chain_contact(c, e->chain[k], p);
            if (slot[i] == UINT32_MAX)
                slot[i] = (uint32_t)used++;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (slot[i] == UINT32_MAX)
            slot[i] = (uint32_t)used;
    return used + 1;
}

/* The chains' costs: their contacts' exact costs summed, rounded half to even. */
static int chain_costs(skpi_explain *e, const skpi_chains *c, const uint32_t *slot,
                       const skpi__allocation *m)
{
    const skpi__denoms *d = skpi__allocation_denoms(m, SKPI__MONEY_COST);
    int rc = SKPI_OK;
    for (size_t k = 0; rc == SKPI_OK && k < e->chains; k++) {
        skpi__exact sum;
        rc = skpi__exact_init(&sum, d);
        for (size_t p = 0; rc == SKPI_OK && p < skpi_chain_size(c, e->chain[k]); p++)
            rc = skpi__exact_add(&sum, &m->values[SKPI__MONEY_COST][slot[skpi_chain_contact(c, e->chain[k], p)]], d);
        if (rc == SKPI_OK)
            rc = skpi__exact_round(&sum, d, &e->chain_cost[k]);
        skpi__exact_clear(&sum);
    }
    return rc;
}

/* The row's contacts: their exact costs apportioned the row's rounded cost. */
static int contact_costs(skpi_explain *e, const skpi_breakdown *b, size_t row,
                         const uint32_t *slot, const skpi__allocation *m)
{
    int64_t row_cost = 0;
    skpi_breakdown_get(b, row, SKPI_KPI_COST, &row_cost);
    skpi__exact *values = skpi__calloc(e->contacts + 1, sizeof *values);
    if (!values)
        return SKPI_ENOMEM;
    for (size_t k = 0; k < e->contacts; k++)
        values[k] = m->values[SKPI__MONEY_COST][slot[e->contact[k]]];  /* borrowed bytes */
    int rc = skpi__exact_round_rows_to(values, e->contacts,
                                       skpi__allocation_denoms(m, SKPI__MONEY_COST), row_cost,
                                       e->contact_cost);
    skpi__free(values);  /* the copies are not cleared: m owns their storage */
    return rc;
}

static int costs(skpi_explain *e, const skpi_breakdown *b, size_t row, const skpi_ledger *l,
                 skpi_error *err)
{
    const skpi_chains *c = skpi_breakdown_chains(b);
    size_t n = skpi_chains_contact_count(c);
    uint32_t *slot = skpi__calloc(n + 1, sizeof *slot);
    uint8_t *no_repeats = skpi__calloc(n / 8 + 1, 1);
    e->contact_cost = skpi__calloc(e->contacts + 1, sizeof *e->contact_cost);
    e->chain_cost = skpi__calloc(e->chains + 1, sizeof *e->chain_cost);
    if (!slot || !no_repeats || !e->contact_cost || !e->chain_cost) {
        skpi__free(slot);
        skpi__free(no_repeats);
        return skpi__fail(err, SKPI_ENOMEM, "explain: out of memory");
    }
    size_t slots = assign_slots(e, c, slot, n);
    skpi__allocation m;
    int rc = skpi__allocate(&m, l, skpi_chains_records(c), n, slot, no_repeats, slots, err);
    if (rc == SKPI_OK) {
        rc = chain_costs(e, c, slot, &m);
        if (rc == SKPI_OK)
            rc = contact_costs(e, b, row, slot, &m);
        if (rc == SKPI_EINVAL)  /* the row's cost is no rounding of these costs */
            skpi__fail(err, rc, "explain: the ledger is not the breakdown's");
        skpi__allocation_release(&m);
    }
    skpi__free(slot);
    skpi__free(no_repeats);
    return rc;
}

int skpi_explain_new(skpi_explain **explain, const skpi_breakdown *breakdown, size_t row,
                     const skpi_ledger *ledger, skpi_error *err)
{
    if (!explain || !breakdown)
        return skpi__fail(err, SKPI_EINVAL, "explain: the output pointer or breakdown is NULL");
    *explain = NULL;
    if (row != SKPI_ROW_TOTAL && row >= skpi_breakdown_row_count(breakdown))
        return skpi__fail(err, SKPI_ENOTFOUND, "explain: row %zu is past the end", row);
    if (ledger && (skpi_breakdown_ledger(breakdown, NULL, NULL, NULL) != SKPI_OK
                   || skpi__ledger_fingerprint(ledger)
                          != skpi__breakdown_ledger_fingerprint(breakdown)))
        return skpi__fail(err, SKPI_EINVAL, "explain: the ledger is not the breakdown's");
    skpi_explain *e = skpi__calloc(1, sizeof *e);
    if (!e)
        return skpi__fail(err, SKPI_ENOMEM, "explain: out of memory");
    int rc = list_row(e, breakdown, row);
    if (rc == SKPI_OK && ledger)
        rc = costs(e, breakdown, row, ledger, err);
    if (rc != SKPI_OK) {
        if (rc == SKPI_ENOMEM)
            skpi__fail(err, rc, "explain: out of memory");
        skpi_explain_free(e);
        return rc;
    }
    *explain = e;
    return skpi__succeed(err, SKPI_OK);
}

size_t skpi_explain_contact_count(const skpi_explain *e)
{
    return e ? e->contacts : 0;
}

size_t skpi_explain_chain_count(const skpi_explain *e)
{
    return e ? e->chains : 0;
}

int skpi_explain_contact(const skpi_explain *e, size_t k, size_t *contact, int64_t *cost)
{
    if (!e || k >= e->contacts)
        return SKPI_ENOTFOUND;
    if (contact)
        *contact = e->contact[k];
    if (!e->contact_cost)
        return SKPI_ABSENT;
    if (cost)
        *cost = e->contact_cost[k];
    return SKPI_OK;
}

int skpi_explain_chain(const skpi_explain *e, size_t k, size_t *chain, int64_t *cost)
{
    if (!e || k >= e->chains)
        return SKPI_ENOTFOUND;
    if (chain)
        *chain = e->chain[k];
    if (!e->chain_cost)
        return SKPI_ABSENT;
    if (cost)
        *cost = e->chain_cost[k];
    return SKPI_OK;
}
