/* Two jobs at once (see twin.h).  The join is the only synchronisation:
 * pthread_create and pthread_join order everything the second job reads
 * and writes with the calling thread's work before and after. */
#include "twin.h"

#include <pthread.h>
#include <stdbool.h>

#include "supportkpi/common.h"

typedef struct started {
    skpi__job job;
    int rc;
} started;

static void *run_started(void *arg)
{
    started *s = arg;
    s->rc = s->job.run(s->job.arg);
    return NULL;
}

int skpi__twin_run(unsigned threads, skpi__job first, skpi__job second)
{
    started s = { second, SKPI_OK };
    pthread_t thread;
    bool two = threads >= 2 && pthread_create(&thread, NULL, run_started, &s) == 0;
    int rc = first.run(first.arg);
    if (two)
        pthread_join(thread, NULL);
    else
        s.rc = second.run(second.arg);
    return rc != SKPI_OK ? rc : s.rc;
}
