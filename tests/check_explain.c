/* placeholder, being written */
#include <check.h>
#include "suites.h"
Suite *make_explain_suite(void)
{
    return suite_create("explain");
}
