/* The runtime version; tests check it against the generated macros. */
#include "supportkpi/version.h"

const char *skpi_version_string(void)
{
    return SKPI_VERSION_STRING;
}

int skpi_version_number(void)
{
    return SKPI_VERSION_NUMBER;
}
