/* placeholder, being written */
#include <check.h>
#include "suites.h"
Suite *make_write_suite(void)
{
    return suite_create("write");
}
