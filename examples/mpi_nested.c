/* mpi_nested.c - one MLflow parent run per MPI job, one nested child run per rank.

   Shows: rank 0 starts the parent run and broadcasts its id (32 hex digits); every rank
   (rank 0 too) starts a child run with run_desc.parent_run_id set to it, tagged with its
   rank, logs its own loss curve and ends it; after a barrier rank 0 ends the parent.
   MLflow's UI then shows the job as one run with a child per rank. Every rank opens the
   same root: experiments are found or created by name safely from many processes.
   Macros: only MLFLOW_LITE_IMPLEMENTATION.

   Build and run:  mpicc -std=c99 -Iinclude-dir mpi_nested.c -o mpi_nested
                   mpirun -np 4 ./mpi_nested [root [steps]]
   (root: default ./mlruns or $MLFLOW_TRACKING_URI; steps: default 1000) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

static int fail(const char *what, mll_result r, int rank) {
    fprintf(stderr, "mpi_nested: rank %d: %s: %s\n", rank, what, mll_strerror(r));
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
}

/* The child run of this rank: a loss curve that depends on the rank. */
static mll_result log_child(mll_store *store, const char *parent_id, int rank, int size, int steps) {
    mll_run *child = NULL;
    mll_run_desc rd = {0};
    char name[32];
    mll_result r;
    int step;
    snprintf(name, sizeof(name), "rank-%d", rank);
    rd.experiment_name = "mpi-nested";
    rd.run_name = name;
    rd.parent_run_id = parent_id;
    r = mll_start_run(&child, store, &rd);
    if (r != MLL_OK) return r;
    mll_set_tagf(child, "mpi.rank", "%d", rank);
    mll_set_tagf(child, "mpi.size", "%d", size);
    mll_log_param_int(child, "rank", rank);
    for (step = 0; step < steps && r == MLL_OK; step++)
        r = mll_log_metric(child, "loss", (rank + 1.0) / (step + 1.0), step);
    if (r != MLL_OK) {
        mll_end_run(child, MLL_RUN_FAILED);
        return r;
    }
    return mll_end_run(child, MLL_RUN_FINISHED);
}

int main(int argc, char **argv) {
    mll_store *store = NULL;
    mll_store_desc sd = {0};
    mll_run *parent = NULL;
    char parent_id[33] = {0};
    int rank, size, steps;
    mll_result r;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    sd.root = argc > 1 ? argv[1] : NULL;
    steps = argc > 2 ? atoi(argv[2]) : 1000;
    r = mll_open(&store, &sd);
    if (r != MLL_OK) return fail("open the MLflow root", r, rank);

    if (rank == 0) {
        mll_run_desc rd = {0};
        rd.experiment_name = "mpi-nested";
        rd.run_name = "job";
        r = mll_start_run(&parent, store, &rd);
        if (r != MLL_OK) return fail("start the parent run", r, rank);
        mll_log_param_int(parent, "ranks", size);
        if (snprintf(parent_id, sizeof(parent_id), "%s", mll_run_id(parent)) >= (int)sizeof(parent_id))
            return fail("copy the run id", MLL_ERR_INVALID_NAME, rank); /* MLflow's ids are 32 characters */
    }
    MPI_Bcast(parent_id, (int)sizeof(parent_id), MPI_CHAR, 0, MPI_COMM_WORLD);

    r = log_child(store, parent_id, rank, size, steps);
    if (r != MLL_OK) return fail("log the child run", r, rank);

    MPI_Barrier(MPI_COMM_WORLD); /* every child has ended: the job is done */
    if (rank == 0) {
        r = mll_end_run(parent, MLL_RUN_FINISHED);
        if (r != MLL_OK) return fail("end the parent run", r, rank);
        printf("%s\n", parent_id);
    }
    r = mll_close(store);
    MPI_Finalize();
    return r == MLL_OK ? 0 : 1;
}
