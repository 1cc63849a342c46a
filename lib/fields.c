#include "fields.h"

#include <string.h>

static const char *const contact_fields[] = {
    "id", "customer", "reason", "channel", "opened_at", "first_response_at",
    "closed_at", "handle_seconds", "tier", "escalations", "outcome", "reopens",
    "csat",
};

bool skpi__is_contact_field(const char *name)
{
    for (size_t i = 0; i < sizeof contact_fields / sizeof contact_fields[0]; i++)
        if (strcmp(name, contact_fields[i]) == 0)
            return true;
    return false;
}
