/* mpi_ranks.c - MLflow runs from an MPI job, in its two usual shapes.

   Shows, after rank 0 starts a run and broadcasts its id (32 hex digits) to every rank:
   - nested: every rank (rank 0 too) starts a child run with run_desc.parent_run_id set to
     that id, tagged with its rank, logs its own loss curve and ends it; after a barrier
     rank 0 ends the parent. MLflow's UI shows the job as one run with a child per rank.
   - shared: the other ranks reopen rank 0's run with run_desc.run_id and log keys that
     carry their rank ("rank3/loss"), so no two processes write the same file (two
     processes appending to one metric file are safe on local file systems, not on NFS).
     Each rank ends its handle; after a barrier rank 0 ends it last, so the final status
     is written once nobody logs any more.
   Every rank opens the same root: experiments are found or created by name safely from
   many processes. Macros: only MLFLOW_LITE_IMPLEMENTATION.

   Build and run:  mpicc -std=c99 -I<folder of mlflow_lite.h> mpi_ranks.c -o mpi_ranks
                   mpirun -np 4 ./mpi_ranks nested|shared [root [steps]]
   (root: default ./mlruns or $MLFLOW_TRACKING_URI; steps: default 1000) */
/* The implementation first: it sets the POSIX feature-test macros it needs itself, also
   under -std=c99 (after another header they would come too late). */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size, steps;

static void fail(const char *what, mll_result r) {
    fprintf(stderr, "mpi_ranks: rank %d: %s: %s\n", rank, what, mll_strerror(r));
    MPI_Abort(MPI_COMM_WORLD, 1);
}

/* Rank 0 starts the run (*run) and every rank gets its id. */
static void start_on_rank0(mll_store *store, const char *experiment, const char *name, mll_run **run,
                           char id[33]) {
    if (rank == 0) {
        mll_run_desc rd = {0};
        mll_result r;
        rd.experiment_name = experiment;
        rd.run_name = name;
        r = mll_start_run(run, store, &rd);
        if (r != MLL_OK) fail("start the run", r);
        mll_log_param_int(*run, "ranks", size);
        if (snprintf(id, 33, "%s", mll_run_id(*run)) >= 33)
            fail("copy the run id", MLL_ERR_INVALID_NAME); /* MLflow's ids are 32 characters */
    }
    MPI_Bcast(id, 33, MPI_CHAR, 0, MPI_COMM_WORLD);
}

/* Rank 0 ends the run once every rank is done with it. */
static void end_on_rank0(mll_run *run, const char *id) {
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        mll_result r = mll_end_run(run, MLL_RUN_FINISHED);
        if (r != MLL_OK) fail("end the run", r);
        printf("%s\n", id);
    }
}

/* nested: a child run per rank under the job's parent run. */
static void nested(mll_store *store) {
    mll_run *parent = NULL, *child = NULL;
    mll_run_desc rd = {0};
    char parent_id[33] = {0}, name[32];
    mll_result r;
    int step;
    start_on_rank0(store, "mpi-nested", "job", &parent, parent_id);
    snprintf(name, sizeof(name), "rank-%d", rank);
    rd.experiment_name = "mpi-nested";
    rd.run_name = name;
    rd.parent_run_id = parent_id;
    r = mll_start_run(&child, store, &rd);
    if (r != MLL_OK) fail("start the child run", r);
    mll_set_tagf(child, "mpi.rank", "%d", rank);
    mll_set_tagf(child, "mpi.size", "%d", size);
    mll_log_param_int(child, "rank", rank);
    for (step = 0; step < steps && r == MLL_OK; step++)
        r = mll_log_metric(child, "loss", (rank + 1.0) / (step + 1.0), step);
    if (r != MLL_OK) fail("log a metric", r);
    r = mll_end_run(child, MLL_RUN_FINISHED);
    if (r != MLL_OK) fail("end the child run", r);
    end_on_rank0(parent, parent_id);
}

/* shared: one run, each rank under keys of its own. */
static void shared(mll_store *store) {
    mll_run *run = NULL;
    char run_id[33] = {0}, key[64];
    mll_result r;
    int step;
    start_on_rank0(store, "mpi-shared", "one-run-all-ranks", &run, run_id);
    if (rank != 0) {
        mll_run_desc rd = {0};
        rd.run_id = run_id; /* reopen the run rank 0 made */
        r = mll_start_run(&run, store, &rd);
        if (r != MLL_OK) fail("reopen the shared run", r);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* all ranks have it open before anyone ends it */
    snprintf(key, sizeof(key), "rank%d/host", rank);
    r = mll_log_param_int(run, key, rank);
    snprintf(key, sizeof(key), "rank%d/steps", rank);
    if (r == MLL_OK) r = mll_set_tagf(run, key, "%d", steps);
    snprintf(key, sizeof(key), "rank%d/loss", rank);
    for (step = 0; step < steps && r == MLL_OK; step++)
        r = mll_log_metric(run, key, (rank + 1.0) / (step + 1.0), step);
    if (r != MLL_OK) fail("log", r);
    if (rank != 0) {
        r = mll_end_run(run, MLL_RUN_FINISHED); /* flushes this rank's points */
        if (r != MLL_OK) fail("end the run", r);
    }
    end_on_rank0(run, run_id);
}

int main(int argc, char **argv) {
    mll_store *store = NULL;
    mll_store_desc sd = {0};
    mll_result r;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 2 || (strcmp(argv[1], "nested") != 0 && strcmp(argv[1], "shared") != 0)) {
        if (rank == 0) fprintf(stderr, "usage: mpirun -np N mpi_ranks nested|shared [root [steps]]\n");
        MPI_Finalize();
        return 2;
    }
    sd.root = argc > 2 ? argv[2] : NULL;
    steps = argc > 3 ? atoi(argv[3]) : 1000;
    r = mll_open(&store, &sd);
    if (r != MLL_OK) fail("open the MLflow root", r);
    if (strcmp(argv[1], "nested") == 0)
        nested(store);
    else
        shared(store);
    r = mll_close(store);
    MPI_Finalize();
    return r == MLL_OK ? 0 : 1;
}
