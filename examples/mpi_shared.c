/* mpi_shared.c - every MPI rank logs into one shared MLflow run, under its own keys.

   Shows: rank 0 starts the run and broadcasts its id; the other ranks reopen it with
   run_desc.run_id and log metrics, params and tags whose keys carry the rank
   ("rank3/loss"), so no two processes ever write the same file (two processes appending
   to one metric file are safe on local file systems, not on NFS). Each rank ends its
   handle; after a barrier, rank 0 ends it last, so the run's final status is written once
   nobody logs any more.
   Macros: only MLFLOW_LITE_IMPLEMENTATION.

   Build and run:  mpicc -std=c99 -Iinclude-dir mpi_shared.c -o mpi_shared
                   mpirun -np 4 ./mpi_shared [root [steps]]
   (root: default ./mlruns or $MLFLOW_TRACKING_URI; steps: default 1000) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

static int fail(const char *what, mll_result r, int rank) {
    fprintf(stderr, "mpi_shared: rank %d: %s: %s\n", rank, what, mll_strerror(r));
    MPI_Abort(MPI_COMM_WORLD, 1);
    return 1;
}

/* This rank's share of the run: keys prefixed with rank<k>/. */
static mll_result log_my_keys(mll_run *run, int rank, int steps) {
    char key[64];
    mll_result r;
    int step;
    snprintf(key, sizeof(key), "rank%d/host", rank);
    r = mll_log_param_int(run, key, rank);
    snprintf(key, sizeof(key), "rank%d/steps", rank);
    if (r == MLL_OK) r = mll_set_tagf(run, key, "%d", steps);
    snprintf(key, sizeof(key), "rank%d/loss", rank);
    for (step = 0; step < steps && r == MLL_OK; step++)
        r = mll_log_metric(run, key, (rank + 1.0) / (step + 1.0), step);
    return r;
}

int main(int argc, char **argv) {
    mll_store *store = NULL;
    mll_store_desc sd = {0};
    mll_run *run = NULL;
    mll_run_desc rd = {0};
    char run_id[33] = {0};
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
        rd.experiment_name = "mpi-shared";
        rd.run_name = "one-run-all-ranks";
        r = mll_start_run(&run, store, &rd);
        if (r != MLL_OK) return fail("start the run", r, rank);
        mll_log_param_int(run, "ranks", size);
        if (snprintf(run_id, sizeof(run_id), "%s", mll_run_id(run)) >= (int)sizeof(run_id))
            return fail("copy the run id", MLL_ERR_INVALID_NAME, rank); /* MLflow's ids are 32 characters */
    }
    MPI_Bcast(run_id, (int)sizeof(run_id), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (rank != 0) {
        rd.run_id = run_id; /* reopen the run rank 0 made */
        r = mll_start_run(&run, store, &rd);
        if (r != MLL_OK) return fail("reopen the shared run", r, rank);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* all ranks have it open before anyone ends it */

    r = log_my_keys(run, rank, steps);
    if (r != MLL_OK) return fail("log", r, rank);
    if (rank != 0) {
        r = mll_end_run(run, MLL_RUN_FINISHED); /* flushes this rank's points */
        if (r != MLL_OK) return fail("end the run", r, rank);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        r = mll_end_run(run, MLL_RUN_FINISHED);
        if (r != MLL_OK) return fail("end the run", r, rank);
        printf("%s\n", run_id);
    }
    r = mll_close(store);
    MPI_Finalize();
    return r == MLL_OK ? 0 : 1;
}
