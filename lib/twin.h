/* Two jobs at once: the calling thread runs one while a thread started for
 * the occasion runs the other, and both are done when the call returns
 * (fork-join).
 *
 * Why: the compute phase (chains, breakdowns) has steps that split into two
 * independent halves, or into two steps that read the same inputs and
 * write different outputs.  A thread started per step costs tens of
 * microseconds; the steps worth splitting take tens of milliseconds.  The
 * loader's worker (stage.h) is another pattern: a long-lived consumer of
 * batches. */
#ifndef SKPI_TWIN_H
#define SKPI_TWIN_H

/* One job: run(arg), returning SKPI_OK or a failure. */
typedef struct skpi__job {
    int (*run)(void *arg);
    void *arg;
} skpi__job;

/* Run both jobs to the end.  With `threads` >= 2 the second runs on a new
 * thread while the calling thread runs the first; with 0 or 1, or when no
 * thread can be started, the calling thread runs the first and then the
 * second.  The jobs must not write anything the other reads or writes.
 * Returns the first job's failure, else the second's: the outcome a caller
 * running them in that order would see. */
int skpi__twin_run(unsigned threads, skpi__job first, skpi__job second);

#endif
