/* mlflow_lite.h - v0.2.0 (TBD) - log MLflow runs into mlruns/ from C and C++, no server, no Python.
   Public domain / MIT dual license, see the end of the file.

   Do this:
       #define MLFLOW_LITE_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the implementation.
   (Or compile the two-line mlflow_lite.c beside this header.)

       #include ...
       #define MLFLOW_LITE_IMPLEMENTATION
       #include "mlflow_lite.h"

OVERVIEW
========
mlflow_lite writes experiments, runs, params, tags, metrics and artifacts straight
into MLflow's on-disk file store (the `mlruns/` folder), so that `mlflow ui`,
`MlflowClient`, `mlflow migrate-filestore` and `mlflow-lite sync` read them exactly
as if Python MLflow had written them. Verified against MLflow 3.18.0 (and read back
by MLflow 2.22); see MLL_MLFLOW_VERIFIED.

mlflow_lite does NOT:
    - talk to any network or server (use the `mlflow-lite sync` tool later),
    - need Python, a JSON or YAML library, or anything but libc (+ pthreads),
    - abort(), exit() or crash the training process because logging failed,
    - keep global mutable state: everything lives in mll_store / mll_run handles (but for
      the process-wide table those handles are ids into, see THREADS).

MLflow >= 3.13 refuses to read a file store unless MLFLOW_ALLOW_FILE_STORE=true is
set in the reading process (mlflow ui / server / your Python script). mlflow_lite
itself never needs it.

QUICK START
===========
    mll_store *store = NULL;
    mll_run *run = NULL;
    if (mll_open(&store, NULL) != MLL_OK) return 1;     // ./mlruns or $MLFLOW_TRACKING_URI
    mll_run_desc rd = {0};
    rd.experiment_name = "cifar10";                     // get-or-create by name
    rd.run_name = "baseline";
    if (mll_start_run(&run, store, &rd) != MLL_OK) return 1;
    mll_log_param(run, "lr", "0.01");
    for (int step = 0; step < 1000; step++)
        mll_log_metric(run, "train/loss", 1.0 / (step + 1), step);
    mll_set_tag(run, "team", "vision");
    mll_log_artifact(run, "config.yaml", "configs");    // -> artifacts/configs/config.yaml
    mll_end_run(run, MLL_RUN_FINISHED);
    mll_close(store);

Then: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ./mlruns

STEP BY STEP
============
1. mll_open(&store, &desc) opens (creating if needed) the root folder. A NULL desc
   or a zeroed one takes every default (see DESC STRUCTS AND DEFAULTS). The root gets
   `0/` (experiment "Default") and `.trash/` as MLflow expects.
2. mll_start_run(&run, store, &run_desc) finds or creates the experiment by name
   (or takes experiment_id), then creates a run, or reopens run_desc.run_id to keep
   appending after a job restart. System tags are written as Python MLflow does:
   mlflow.user, mlflow.source.name, mlflow.source.type=LOCAL, mlflow.runName, and
   mlflow.source.git.commit when the program runs inside a git work tree; and
   mlflow_lite.host and mlflow_lite.pid, so that `mlflow-lite check` can tell a run
   left RUNNING by a process that is gone.
3. Log: mll_log_metric / mll_log_metric_at / mll_log_metrics (batch of points),
   mll_log_param (+ _int, _double, _bool, printf-style mll_log_paramf),
   mll_set_tag (+ mll_set_tagf), mll_delete_tag, mll_log_batch (metrics, params and
   tags validated together, all or nothing), mll_log_artifact (a file),
   mll_log_text / mll_log_bytes (memory to an artifact file),
   mll_set_experiment_tag, mll_set_run_name.
   Model registry: mll_register_model (a run's artifact path as a new model version),
   mll_set_model_alias, mll_transition_model_version_stage, tags and descriptions.
4. mll_flush(run) forces buffered points to disk (they are also flushed by a
   background thread at least every flush interval, when the buffer fills, at
   mll_end_run and at mll_close).
5. mll_end_run(run, MLL_RUN_FINISHED | MLL_RUN_FAILED | MLL_RUN_KILLED) flushes,
   records status and end time, and ends the handle (later calls with it get
   MLL_ERR_RUN_ENDED). If the points cannot be written (a full disk) it returns the
   error and the run stays open with them: call it again later.
6. mll_close(store) ends any run still open as FINISHED (as Python's atexit
   hook does), stops the flusher thread and frees everything; if a run cannot be ended
   the store stays open (retry), see CRASH AND FULL-DISK BEHAVIOUR.

CONFIGURATION MACROS
====================
    macro                     default                effect
    ------------------------  ---------------------  --------------------------------------------
    MLFLOW_LITE_IMPLEMENTATION (undefined)           emit the implementation in this translation unit
    MLL_API                   extern                 linkage of public functions
    MLL_STATIC                (undefined)            make every function static (private copy per TU)
    MLL_DLL                   (undefined)            export public functions (visibility/dllexport)
    MLL_ASSERT(c)             assert(c) in debug     programmer-error checks only; never for I/O or data
    MLL_USE_STB_SPRINTF       auto: 1 if <stb/stb_sprintf.h> is found by __has_include, else 0
                                                     1: stb_sprintf (Debian libstb-dev) is the printf engine
                                                     of mll_log_paramf / mll_set_tagf and of messages.
                                                     A file that also implements stb_sprintf itself must
                                                     include <stb/stb_sprintf.h> BEFORE this header (its
                                                     copy is then used); the other order redefines it
    MLL_NO_THREADS            (undefined)            no threads (pthreads / Win32): no background flusher,
                                                     no locking (flushing then happens inside log calls)
    MLL_NO_STDIO              (undefined)            the default logger prints nothing
    MLL_NO_DEFAULT_FS         (undefined)            no POSIX / Win32 file system: every mll_fs hook must be set
    MLL_NO_REGISTRY           (undefined)            compile the model registry out (bare metal: ~5 KiB less);
                                                     its functions stay declared but are not defined
    MLL_MAX_PATH              4096                   longest path built (bytes)
    MLL_MAX_NAME              255                    longest file or folder name (bytes): a metric key
                                                     with a longer part is refused when first logged
    MLL_MAX_HANDLES           4096                   runs open at once in the process (static table:
                                                     about 64 bytes a slot); more: MLL_ERR_TOO_MANY_HANDLES
    MLL_MAX_STORES            256                    stores open at once in the process
    MLL_PAGE_SIZE             4096                   no metric line crosses a multiple of this
                                                     (set to the OS page size if it is smaller)
    MLL_NO_SYSTEM_METRICS     (undefined)            no system metrics (mll_start_system_metrics
                                                     returns MLL_ERR_SYSTEM_METRICS_UNSUPPORTED)
    MLL_NO_DLOPEN             (undefined)            system metrics without GPUs: no dlopen of NVML / ROCm SMI

Numbers: metric values and mll_log_param_double() use the built-in shortest
round-trip formatter in every build (Grisu3 with an exact fallback): the output parses
back to the identical double, never depends on the locale, and is byte for byte
Python's repr(float) ("0.1", "1e-05", "1e+16", "5.0", "-0.0", "nan", "inf", "-inf").
It is faster than any printf, stb_sprintf included, which is why the metric path
does not use printf at all. printf-style helpers use stb_sprintf when available,
else vsnprintf with the locale's decimal point replaced by '.'.

DESC STRUCTS AND DEFAULTS
=========================
Zero-initialise (`mll_store_desc d = {0};`); every 0 field means "default";
mll_query_store_desc() returns the resolved values.
    mll_store_desc.root               $MLFLOW_TRACKING_URI if it is a file: URI or a path,
                                      else "./mlruns". A server URI (http, https,
                                      databricks) still writes ./mlruns and says so
                                      once through the logger: use `mlflow-lite sync`.
    mll_store_desc.flush_interval_ms  1000 (points reach the file at most this late)
    mll_store_desc.buffer_bytes       1 MiB per run (a full buffer is flushed inline)
    mll_store_desc.max_pending_bytes  64 MiB per run: if flushing keeps failing (disk
                                      full), points are kept in memory up to this, then
                                      log calls return MLL_ERR_BUFFER_FULL
    mll_store_desc.durability         MLL_DURABILITY_DEFAULT = process-crash safe (write(),
                                      no fsync); MLL_DURABILITY_FSYNC also fsyncs on flush
    mll_store_desc.precise_timestamps 0: "now" (mll_log_metric, batch points with timestamp 0)
                                      is the kernel's coarse wall clock, exact to its tick
                                      (1-10 ms; 4 ms on most Linux) and ~5x cheaper;
                                      1: gettimeofday, exact to the ms like Python's time.time()
    mll_store_desc.ignore_env         0: honour MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME,
                                      MLFLOW_EXPERIMENT_ID, MLFLOW_RUN_ID,
                                      MLFLOW_TRACKING_USERNAME
    mll_store_desc.allocator/fs/logger  hooks, see below
    mll_run_desc.experiment_name      $MLFLOW_EXPERIMENT_NAME, else experiment_id, else
                                      $MLFLOW_EXPERIMENT_ID, else "Default" (id "0")
    mll_run_desc.run_id               $MLFLOW_RUN_ID: reopen that run (so a C program
                                      started by `mlflow run` logs into it)
    mll_run_desc.run_name             random "adjective-noun-NNN", like MLflow
    mll_run_desc.start_time_ms        now
    mll_run_desc.user                 $MLFLOW_TRACKING_USERNAME, else the login name
    mll_run_desc.source_name          the program's path (/proc/self/exe)
    mll_run_desc.system_metrics       off, unless $MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING is true/1;
                                      its fields: see SYSTEM METRICS

ERRORS AND LOGGING
==================
Every call that can fail returns mll_result; MLL_OK is 0. mll_strerror() never
returns NULL. The last error of a run (code, errno, operation, key or path, message)
is kept and read with mll_run_last_error(); store-level failures (including a failed
mll_start_run, and points given up when a run ends) with mll_store_last_error().
Misuse of a handle is an error code, never a crash (see THREADS): MLL_ERR_RUN_ENDED
(its run was ended, by mll_end_run or mll_close), MLL_ERR_STORE_CLOSED, and
MLL_ERR_INVALID_ARGUMENT for NULL or anything that never was a handle. Bad input
(invalid or traversing keys, over-long values, invalid UTF-8, a changed param) returns an
error and writes nothing. The logger hook receives warnings (e.g. a server
MLFLOW_TRACKING_URI) and every error -- a failure that repeats (a full disk retried every
flush interval) once per streak; the default logger prints "mlflow_lite: ..." lines to
stderr.

Was a metric point taken? A log call that returns MLL_OK took it, and so did one that
returns an error from writing (MLL_ERR_NO_SPACE, MLL_ERR_IO, MLL_ERR_PERMISSION, ...): the
point is buffered and retried. The point was NOT taken when the call returns
MLL_ERR_BUFFER_FULL, MLL_ERR_NO_MEMORY, MLL_ERR_RUN_ENDED, MLL_ERR_INVALID_ARGUMENT,
MLL_ERR_INVALID_KEY, MLL_ERR_INVALID_UTF8, MLL_ERR_VALUE_TOO_LONG, MLL_ERR_INVALID_VALUE or
MLL_ERR_PATH_TOO_LONG. mll_log_metrics and mll_log_batch take all of their points or none.

Refused when the call is made, because later it could only fail: a metric key whose path
would pass MLL_MAX_PATH or has a part longer than MLL_MAX_NAME bytes (MLL_ERR_PATH_TOO_LONG),
a metric key that is a folder of another key of the run or the other way round ("a" and
"a/b": MLflow's validation allows both, its file store cannot hold both; MLL_ERR_INVALID_KEY),
a tracking URI or root with an encoded NUL (%00) or "file:" without a path
(MLL_ERR_INVALID_URI; it is never cut short), a root that is a file, e.g. file:///dev/null
(MLL_ERR_NOT_A_DIRECTORY), a blank run name, "" or "   " (MLL_ERR_INVALID_NAME; MLflow 3.18
stores "   " and treats "" as no name), and mll_end_run with any status but FINISHED, FAILED
or KILLED (MLL_ERR_INVALID_VALUE; the run stays open).

Validation follows MLflow 3.18 exactly: keys match ^[/\w.\- :]*$ with Python's
Unicode \w (table generated from Python 3.11's `re`), are at most 250 characters,
and must be normalised relative paths (no "", ".", "..", leading "/" or "..",
"./", "//", trailing "/"). Param values <= 6000 characters, run tag values <= 8000,
experiment tag values <= 20000, experiment names 1..500 characters. MLflow's client
silently truncates long values; mlflow_lite returns MLL_ERR_VALUE_TOO_LONG instead.
A param logged again with the same value is OK; another value is MLL_ERR_PARAM_CHANGED.

THREADS, PROCESSES AND MPI RANKS
================================
Every function may be called from any thread, and these may run at the same time:
    - calls on different runs, and store calls (mll_start_run, mll_set_experiment_tag,
      the registry), from any number of threads;
    - many threads logging into one run (a mutex per run; give each thread its own run for
      the highest throughput);
    - mll_end_run(run) while other threads still use that run: the calls that got the run
      first finish (their points are flushed by the end), later ones return
      MLL_ERR_RUN_ENDED; a second mll_end_run of it returns MLL_ERR_RUN_ENDED;
    - mll_close(store) while other threads use the store or its runs: calls already inside
      finish first, every run is ended as by mll_end_run(run, MLL_RUN_FINISHED), and every
      later call with the store or one of its runs returns MLL_ERR_STORE_CLOSED or
      MLL_ERR_RUN_ENDED; a second mll_close returns MLL_ERR_STORE_CLOSED.
Handles cannot dangle. mll_store * and mll_run * are ids, not addresses: a slot and a
generation count (as sokol_gfx's resource ids) in a process-wide table of slots that lives
as long as the process and holds each run's and store's mutex. A handle used after its run
ended or its store closed -- by any thread, however late, even after the memory was reused
-- finds a newer generation and gets MLL_ERR_RUN_ENDED / MLL_ERR_STORE_CLOSED; a pointer that
never was a handle gets MLL_ERR_INVALID_ARGUMENT; none is ever dereferenced. What stays the
caller's part:
    - a string from mll_run_id(), mll_run_name(), mll_run_dir(), mll_run_experiment_id(),
      mll_run_artifact_uri(), mll_store_root() or mll_query_store_desc() lives until its
      run ends or its store closes (a rename keeps the old name alive that long): copy it
      if another thread may end them meanwhile;
    - keys, values and desc structs passed in must stay valid during the call;
    - a handle is recognised by the copy of the implementation that made it (a second copy
      with MLL_STATIC in another file has its own table), and a handle kept across 2^31
      reuses of its slot (2^15 on 32-bit systems) could name a newer run;
    - logger, allocator and fs hooks are also called from the flusher thread, must be
      thread-safe and must not call mlflow_lite.
Different processes may
log into the same root at once: experiment ids are derived from the experiment name
(18 digits, probing on collision) and published with an atomic rename, so 64 ranks
that start runs in a new experiment at once end with one experiment.
MPI: examples/mpi_ranks.c and .f90 (tests/mpi runs both under mpirun -np 4 and MLflow
reads them back). Rank 0 starts a run and broadcasts mll_run_id(). "nested": every rank
starts a child run with run_desc.parent_run_id, tagged with its rank; after a barrier
rank 0 ends the parent. "shared": the other ranks reopen the run with run_desc.run_id
and log under keys that carry their rank (two processes appending to the same metric
file are safe on local file systems, not on NFS); each rank ends its handle, rank 0
last, after a barrier.

ON-DISK LAYOUT (checked against MLflow 3.18.0)
==============================================
    <root>/.trash/                          created if missing
    <root>/0/meta.yaml                      experiment "Default"
    <root>/<exp_id>/meta.yaml               artifact_location, creation_time, experiment_id,
                                            last_update_time, lifecycle_stage, name,
                                            workspace: default (keys sorted, as PyYAML)
    <root>/<exp_id>/tags/<key>              experiment tags
    <root>/<exp_id>/<run_id>/meta.yaml      artifact_uri, end_time, entry_point_name,
                                            experiment_id, lifecycle_stage, run_id, run_name,
                                            run_uuid (for 2.x readers), source_name,
                                            source_type: 4, source_version, start_time,
                                            status (int), tags: [], user_id
    <root>/<exp_id>/<run_id>/metrics/<key>  "<ts_ms> <value> <step>\n" lines
    <root>/<exp_id>/<run_id>/params/<key>   value, no trailing newline
    <root>/<exp_id>/<run_id>/tags/<key>     value, no trailing newline
    <root>/<exp_id>/<run_id>/artifacts/...  artifacts (when artifact_uri is local or
                                            not a file: URI, e.g. s3:// for a later sync)
    <root>/models/<name>/meta.yaml          registered model (aliases: {}, creation_timestamp,
                                            deployment_job_id, deployment_job_state,
                                            description, last_updated_timestamp, name, workspace)
    <root>/models/<name>/tags/<key>         registered-model tags
    <root>/models/<name>/aliases/<alias>    version number, no newline
    <root>/models/<name>/version-<N>/meta.yaml  creation_timestamp, current_stage, description,
                                            last_updated_timestamp, model_id, name, run_id,
                                            run_link, source, status: READY, storage_location,
                                            version (int), workspace ...
    <root>/models/<name>/version-<N>/tags/<key>
Keys with '/' become sub-folders. Temporary files are named ".mll-tmp-*" and live
only in run and experiment folders (never in metrics/, params/, tags/); a staging
folder for a new experiment is "<root>/.mll-stage-*.trash", which MLflow skips.

CRASH AND FULL-DISK BEHAVIOUR
=============================
Metric points are buffered and written as whole lines. Linux can cut a write() short
only between pages (a fatal signal, a full disk), so no line is laid across a 4 KiB
boundary (the line before it gets trailing spaces, which every MLflow reader strips):
a SIGKILL leaves whole lines only. A new metric file appears with its first lines
(temporary file + link()), never empty; on a disk with less room than its backlog it is
born with the whole lines that fit, so a new key makes progress as soon as one line fits.
A short write (disk full) is truncated back, and the unwritten points stay in memory to
be retried on the next flush (the background flusher retries every interval). A close()
that reports a delayed write error (NFS) after the data may have landed: the next flush
counts the lines that did land, so none is written twice or lost.
Nothing is dropped silently when points cannot be written:
    - log calls keep taking points, up to max_pending_bytes per run; then they return
      MLL_ERR_BUFFER_FULL (that point is refused; refusals are counted, and the count is
      logged when the run ends);
    - mll_flush, mll_end_run and mll_close return the error (MLL_ERR_NO_SPACE, ...) and
      keep every point: a run whose end failed stays open (its handle stays valid, it
      takes points) and a store whose close failed stays open with it; call mll_end_run
      or mll_close again once there is room;
    - only a run that can never be written again -- its folder is gone (its experiment
      was deleted and moved to .trash, or it was purged), MLflow deleted it, or every key
      still holding points fails for a reason no retry mends -- is ended with its points
      given up: they are counted, logged, and mll_end_run / mll_close return
      MLL_ERR_POINTS_DROPPED, the count in mll_store_last_error().
A failed mll_start_run removes the run folder it had begun (MLflow would list it as a
broken run); its error names the step that failed.
meta.yaml, params and tags are written to a temporary file and renamed into place
(params with link(), so two writers cannot both "create" one param). A process
killed with SIGKILL at any moment leaves a folder that MLflow reads, holding every
point that was flushed before the kill. With MLL_DURABILITY_FSYNC data also
survives power loss once mll_flush() returned.

MEMORY AND FILE-SYSTEM HOOKS
============================
    desc.allocator = (mll_allocator){ my_alloc, my_free, user_data };   both or neither
    desc.fs.write  = my_write;  ...  each mll_fs entry left NULL uses the POSIX default
                                     (all are required with MLL_NO_DEFAULT_FS)
    desc.logger    = (mll_logger){ my_log, user_data };
The fs hooks let embedded targets plug in their file system and let tests inject
faults (short writes, ENOSPC, failed renames). In steady state mll_log_metric
allocates nothing: per-key buffers grow to their working size and are reused.

SYSTEM METRICS
==============
MLflow's "System metrics" (CPU, memory, disk, network, GPU) for a C run, under the names
MLflow 3.18's monitors use, so that the MLflow UI's System metrics tab shows them. Off by
default; on with run_desc.system_metrics.enabled = MLL_SYSTEM_METRICS_ON, or
MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING=true (or 1) with the field left 0, or later with
mll_start_system_metrics(run, &desc). mll_stop_system_metrics or mll_end_run stops it (before
the run's last flush; an end that fails and keeps the run open leaves it stopped: call
mll_start_system_metrics again to resume).
Samples are taken on the store's background (flusher) thread: no thread per run. Without
one (MLL_NO_THREADS, store_desc.no_flush_thread) a sample is taken inside mll_log_metric*
calls once it is due, so a run that stops logging stops sampling.

    mll_system_metrics_desc   field, else environment variable, else MLflow's default
    interval_ms               MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL (seconds)   10 s
    samples_before_logging    MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING        1
    node_id                   MLFLOW_SYSTEM_METRICS_NODE_ID: names system/<node_id>/...  none
    disk_path                 -                                                    "/"
    no_gpu / no_process_metrics / no_hardware_tags: 1 leaves that part out
A bad environment value is a logger warning naming it (MLL_ERR_SYSTEM_METRICS_ENV) and its
default is used; a bad desc field makes mll_start_system_metrics fail, and in a run desc it
is a warning: the run starts without system metrics. store_desc.ignore_env ignores the
variables. Per MPI rank: rd.system_metrics.node_id = "rank3" (or the variable per rank).

Names (prefix system/ or system/<node_id>/; MB = 10^6 bytes, GB = 10^9), as MLflow 3.18:
    cpu_utilization_percentage      /proc/stat by psutil.cpu_percent's rule, round(, 1) per sample
    system_memory_usage_megabytes   MemTotal - MemAvailable (psutil's "used")
    system_memory_usage_percentage  used / MemTotal * 100
    disk_usage_percentage           statvfs(disk_path): used / (used + free to users) * 100, rounded
    disk_usage_megabytes            (blocks - free blocks) * fragment size
    disk_available_megabytes        blocks free to users * fragment size
    network_receive_megabytes       /proc/net/dev, every interface with loopback, since the start
    network_transmit_megabytes
    gpu_<i>_memory_usage_percentage NVML used / total * 100, round(, 1) per sample
    gpu_<i>_memory_usage_megabytes  (AMD: gpu_<i>_memory_usage_gigabytes, as MLflow's ROCm monitor)
    gpu_<i>_utilization_percentage
    gpu_<i>_power_usage_watts
    gpu_<i>_power_usage_percentage  of the enforced power limit (AMD: of 500 W, as MLflow)
  ours, for this process (MLflow has no process metrics; no MLflow name starts with process_):
    process_cpu_utilization_percentage  user + system time / wall time * 100 (one core = 100)
    process_memory_rss_megabytes        VmRSS
    process_threads
Every samples_before_logging samples, each metric's mean is logged, rounded as Python's
round(x, 1) -- except the network values: the last sample, unrounded, as MLflow. All values
of one step share one timestamp. Steps count 0, 1, 2... and, when a run is reopened or
sampling restarted, go on after the largest step of the run's system/ metrics (MLflow's
resume). Samples not yet logged when sampling stops are dropped, as MLflow drops them.
One difference, on purpose: MLflow takes its first sample the moment it starts, so its
step 0 holds a CPU use measured over no time (psutil answers 0.0) and a network of ~0;
mlflow_lite reads a baseline at the start and takes each sample at the end of its interval
(same steps, same moments of logging).

GPUs: NVIDIA through NVML, AMD through ROCm SMI, loaded with dlopen("libnvidia-ml.so.1"),
then dlopen("librocm_smi64.so"), when sampling starts: nothing at build time. No library,
no driver or no GPU: no GPU metrics and one logger note (MLL_LOG_INFO,
MLL_ERR_GPU_UNAVAILABLE) saying why. dlopen is a weak reference: with glibc < 2.34 link
-ldl for GPU metrics (without it the program still links, and the note says so).

Hardware tags, once per start: mlflow_lite.system.[<node_id>.]hostname, os, cpu_model,
cpu_count (logical), cpu_cores (physical), memory_total_megabytes, and with a GPU gpu_count,
gpu_driver_version, gpu_<i>_name, gpu_<i>_memory_total_megabytes.

Linux only so far (any libc); elsewhere, or with MLL_NO_SYSTEM_METRICS,
mll_start_system_metrics returns MLL_ERR_SYSTEM_METRICS_UNSUPPORTED. A reader that fails
(no /proc in a container) leaves its metrics out and is reported once
(MLL_ERR_SYSTEM_METRICS_READ). Cost (bench/run_sysmetrics_bench.sh, 2-core VM): 85 us of
CPU to read a sample, 221 us with its 11 points written: 79 ms of CPU per hour at 10 s
(0.002% of one core); no measurable change in mll_log_metric while sampling every 100 ms.

PLATFORM NOTES
==============
Tested here (scripts/test-all.sh; see the README's Platforms section for how):
    Linux x86_64 (gcc, clang, C and C++), aarch64, armhf (32-bit) and s390x (big-endian),
    the last three cross-compiled and run under qemu-user; Windows x86_64 (mingw-w64,
    run under wine); bare metal (arm-none-eabi-gcc, Cortex-M4, newlib-nano, MLL_NO_THREADS
    + MLL_NO_DEFAULT_FS + MLL_NO_STDIO). Untested: macOS, the BSDs, MSVC, real Windows.
POSIX: POSIX.1-2008 only, plus guarded extras each with a fallback: /proc/self/exe (Linux;
    else the source name is "<c-program>"), CLOCK_REALTIME_COARSE (else the precise clock),
    O_CLOEXEC, /dev/urandom (else a time/pid/counter-seeded generator), EDQUOT.
    Feature-test macros: when the implementation is the first thing its translation unit
    includes (as in mlflow_lite.c) it defines _DEFAULT_SOURCE (if no feature macro is set)
    and _LARGEFILE64_SOURCE, which only add declarations. After another system header they
    come too late: glibc in strict ISO mode (-std=c99 with <stdio.h> first) then hides
    POSIX, and the header stops with an #error saying so (include it first, or build with
    -D_POSIX_C_SOURCE=200809L). No libc function is ever declared by hand.
32-bit glibc (armhf, i386): file offsets are 64-bit inside the implementation whatever
    _FILE_OFFSET_BITS the program uses (the explicit 64-bit calls when off_t is 32-bit), so
    folders on file systems with 64-bit directory cookies (ext4, XFS, NFS, Lustre) list and
    files past 2 GiB work. If a system header came first without -D_FILE_OFFSET_BITS=64,
    an #error says so. time_t stays the program's: build with -D_FILE_OFFSET_BITS=64
    -D_TIME_BITS=64 to log past 2038 with "now" timestamps.
Windows (Vista or later; the precise clock needs Windows 8): paths are UTF-8 in the API and
    UTF-16 at the Win32 edge (CreateFileW, MoveFileExW, CreateHardLinkW, FindFirstFileW);
    '\' and '/' both work, drive letters and //server/share roots are kept, paths past
    MAX_PATH get the \\?\ prefix. Paths returned (mll_store_root, mll_run_dir) use '/'.
    URIs are written as MLflow on Windows writes them (pathlib's as_uri): file:///C:/x.
    Threads: SRW locks, condition variables, _beginthreadex. Timestamps: the system time
    (GetSystemTimeAsFileTime, ~1-16 ms ticks) or, precise, GetSystemTimePreciseAsFileTime.
    Crash safety: meta.yaml, params and tags are replaced with MoveFileExW(REPLACE_EXISTING),
    one rename on NTFS (a reader sees the old or the new file). A reader that opened the
    file without FILE_SHARE_DELETE (Python's open()) blocks the replacement; it is retried
    for about a second, then the call returns MLL_ERR_PERMISSION. A process killed with
    TerminateProcess (Task Manager, taskkill /F) loses only what was not yet handed to
    WriteFile, as SIGKILL does on Linux: written data is in the system cache and survives.
    Windows does not promise that a WriteFile interrupted by the kill is all-or-nothing,
    so a torn last line is possible and is cut on the next open (as after a crash on
    Linux). Power loss: as on Linux, only MLL_DURABILITY_FSYNC (FlushFileBuffers) helps.
    Keys with ':' are refused there (MLL_ERR_INVALID_KEY), as MLflow on Windows refuses them
    (validate_param_and_metric_name): on NTFS "a:b" would name a stream of file "a".
    MSVC: the code is meant to be MSVC-clean (no VLAs, GNU extensions only under #ifdef)
    but no MSVC ran here.
Bare metal (no OS detected): MLL_NO_DEFAULT_FS and MLL_NO_THREADS are required; the fs
    hooks do the I/O (examples/baremetal_ramdisk.c: a RAM disk whose hooks name the FatFs
    calls to use). "Now" is time() (newlib: the board's _gettimeofday; 0 without one), so
    pass timestamps with mll_log_metric_at and run_desc.start_time_ms. Size (Cortex-M4,
    -Os, newlib-nano, MLL_NO_REGISTRY): ~31 KiB of flash for the header in a linked
    firmware, 8 bytes of RAM besides the run's buffers.

PERFORMANCE (bench/run_bench.sh, idle 2-core Xeon VM, gcc 12 -O3, 2026-11-22)
=============================================================================
    mll_log_metric, 1 thread                 83.8 ns/point   11.9 M points/s
    mll_log_metric, 2 threads, a run each    42.2 ns/point   23.7 M points/s in total
    mll_log_metric, 2 threads, one run      140.6 ns/point   (they share the run's mutex)
    Python MLflow log_batch (1000/call)   33265   ns/point   -> mlflow_lite is 397x faster
    Python MLflow log_metric             224892   ns/point   -> 2685x
    double -> text: mll_format_double 46 ns (exactly repr), glibc "%.17g" 191 ns,
    stb_sprintf "%.17g" 63 ns. No allocation per call in steady state; RSS flat.

LICENSE
=======
See end of file.
*/
#ifndef MLFLOW_LITE_H
#define MLFLOW_LITE_H

#define MLL_VERSION_MAJOR 0
#define MLL_VERSION_MINOR 2
#define MLL_VERSION_PATCH 0
#define MLL__STR2(x) #x
#define MLL__STR(x) MLL__STR2(x)
#define MLL_VERSION_STRING \
    MLL__STR(MLL_VERSION_MAJOR) "." MLL__STR(MLL_VERSION_MINOR) "." MLL__STR(MLL_VERSION_PATCH)
#define MLL_VERSION_HEX ((MLL_VERSION_MAJOR << 16) | (MLL_VERSION_MINOR << 8) | MLL_VERSION_PATCH)
/* The MLflow release whose file store this version was verified against. */
#define MLL_MLFLOW_VERIFIED "3.18.0"

/* Feature-test macros for the implementation (>>config checks what the system headers
   chose). They act only where the implementation is the first thing its translation unit
   includes, as in mlflow_lite.c; after another system header they are too late and
   harmless. Both only add declarations (POSIX.1-2008 in strict ISO C mode; the explicit
   64-bit file calls on 32-bit glibc): off_t and time_t stay as the program compiles them. */
#if defined(MLFLOW_LITE_IMPLEMENTATION) && !defined(_WIN32)
#  if !defined(_POSIX_C_SOURCE) && !defined(_XOPEN_SOURCE) && !defined(_GNU_SOURCE) && \
      !defined(_DEFAULT_SOURCE) && !defined(_BSD_SOURCE) && !defined(_POSIX_SOURCE)
#    define _DEFAULT_SOURCE 1
#  endif
#  ifndef _LARGEFILE64_SOURCE
#    define _LARGEFILE64_SOURCE 1
#  endif
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifndef MLL_API
#  if defined(MLL_STATIC)
#    define MLL_API static
#  elif defined(MLL_DLL) && defined(_WIN32)
#    define MLL_API __declspec(dllexport)
#  elif defined(MLL_DLL) && (defined(__GNUC__) || defined(__clang__))
#    define MLL_API __attribute__((visibility("default"))) extern
#  else
#    define MLL_API extern
#  endif
#endif

#if defined(__MINGW32__) && defined(__USE_MINGW_ANSI_STDIO) && __USE_MINGW_ANSI_STDIO
/* mingw-w64: the archetype of the snprintf the implementation calls: C99's (gnu_printf)
   under __USE_MINGW_ANSI_STDIO, set by <_mingw.h> in C99 and C++11 modes; else msvcrt's */
#  define MLL__PRINTF(fmt_idx, arg_idx) __attribute__((format(gnu_printf, fmt_idx, arg_idx)))
#elif defined(__GNUC__) || defined(__clang__)
#  define MLL__PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#  define MLL__PRINTF(fmt_idx, arg_idx)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- results -------------------------------------------------------------
   One list, expanded into the enum and the mll_strerror() table. Numbers are
   stable and never reused. */
#define MLL__RESULTS(X) \
    X(MLL_OK, 0, "success") \
    X(MLL_ERR_INVALID_ARGUMENT, 1, "invalid argument (NULL handle or pointer, or a bad desc field)") \
    X(MLL_ERR_INVALID_KEY, 2, "invalid key: MLflow allows word characters, '/', '.', '-', ' ' and ':' and a normalised relative path (no '..', leading '/', './', '//' or trailing '/')") \
    X(MLL_ERR_VALUE_TOO_LONG, 3, "value or key longer than MLflow allows") \
    X(MLL_ERR_INVALID_NAME, 4, "invalid experiment name, run name or id") \
    X(MLL_ERR_INVALID_UTF8, 5, "string is not valid UTF-8") \
    X(MLL_ERR_PARAM_CHANGED, 6, "param already logged with a different value (MLflow params are immutable)") \
    X(MLL_ERR_NOT_FOUND, 7, "not found (experiment, run, tag or file)") \
    X(MLL_ERR_EXPERIMENT_DELETED, 8, "an experiment with that name is deleted (restore it or purge .trash)") \
    X(MLL_ERR_NO_MEMORY, 9, "out of memory") \
    X(MLL_ERR_IO, 10, "file-system error (see errno)") \
    X(MLL_ERR_NO_SPACE, 11, "no space left on device (or disk quota exceeded)") \
    X(MLL_ERR_PERMISSION, 12, "permission denied or read-only file system") \
    X(MLL_ERR_BUFFER_FULL, 13, "metric buffer full and cannot be flushed; this point was not logged") \
    X(MLL_ERR_CORRUPT, 14, "an existing MLflow file is malformed") \
    X(MLL_ERR_INVALID_VALUE, 15, "invalid value (negative timestamp, bad status)") \
    X(MLL_ERR_INVALID_STATE, 16, "run is deleted or not active") \
    X(MLL_ERR_EXISTS, 17, "file or directory already exists") \
    X(MLL_ERR_PATH_TOO_LONG, 18, "path longer than MLL_MAX_PATH") \
    X(MLL_ERR_UNSUPPORTED, 19, "unsupported tracking URI or operation") \
    X(MLL_ERR_RUN_ENDED, 20, "the run was ended (mll_end_run, or mll_close of its store): this handle is no longer valid") \
    X(MLL_ERR_STORE_CLOSED, 21, "the store was closed (mll_close): this handle is no longer valid") \
    X(MLL_ERR_TOO_MANY_HANDLES, 22, "too many runs (MLL_MAX_HANDLES) or stores (MLL_MAX_STORES) open at once in this process") \
    X(MLL_ERR_POINTS_DROPPED, 23, "metric points were given up because their run can no longer be written (the count is in the message)") \
    X(MLL_ERR_INVALID_URI, 24, "malformed tracking URI or root (an encoded NUL byte %00, or file: without a path)") \
    X(MLL_ERR_NOT_A_DIRECTORY, 25, "the root, or a folder on the way to it, is not a directory") \
    X(MLL_ERR_SYSTEM_METRICS_UNSUPPORTED, 35, "system metrics are not available in this build or on this platform (Linux only so far)") \
    X(MLL_ERR_SYSTEM_METRICS_ACTIVE, 36, "system metrics are already being sampled for this run") \
    X(MLL_ERR_SYSTEM_METRICS_ENV, 37, "invalid MLFLOW_*SYSTEM_METRICS* environment value; the default is used") \
    X(MLL_ERR_GPU_UNAVAILABLE, 38, "no GPU metrics: no NVIDIA (libnvidia-ml.so.1) or AMD (librocm_smi64) library, or no GPU") \
    X(MLL_ERR_SYSTEM_METRICS_READ, 39, "a system metric could not be read (/proc, statvfs or the GPU library failed); it is left out")

#define MLL__RESULT_ENUM(name, num, text) name = num,
typedef enum mll_result { MLL__RESULTS(MLL__RESULT_ENUM) MLL__RESULT_COUNT } mll_result;
#undef MLL__RESULT_ENUM

/* Run status, numbered as MLflow's RunStatus (written as this int in meta.yaml). */
typedef enum mll_run_status {
    MLL_RUN_STATUS_DEFAULT = 0, /* for mll_end_run: FINISHED */
    MLL_RUN_RUNNING = 1,
    MLL_RUN_SCHEDULED = 2,
    MLL_RUN_FINISHED = 3,
    MLL_RUN_FAILED = 4,
    MLL_RUN_KILLED = 5
} mll_run_status;

typedef enum mll_log_level {
    MLL_LOG_ERROR = 1,
    MLL_LOG_WARN = 2,
    MLL_LOG_INFO = 3,
    MLL_LOG_DEBUG = 4
} mll_log_level;

typedef enum mll_durability {
    MLL_DURABILITY_DEFAULT = 0, /* survive process crashes: data handed to the OS on flush */
    MLL_DURABILITY_WRITE = 1,   /* same as default, by name */
    MLL_DURABILITY_FSYNC = 2    /* also fsync metric files and renamed files: survive power loss */
} mll_durability;

/* ---- hooks ---------------------------------------------------------------- */
typedef struct mll_allocator {
    void *(*alloc)(size_t size, void *user_data); /* return NULL on failure */
    void (*free)(void *ptr, void *user_data);     /* ptr may be NULL */
    void *user_data;
} mll_allocator;

/* Called for warnings and errors. Must be re-entrant; strings are only valid during the call. */
typedef struct mll_logger {
    void (*func)(mll_log_level level, mll_result code, const char *message, const char *file,
                 int line, void *user_data);
    void *user_data;
} mll_logger;

typedef enum mll_open_mode {
    MLL_OPEN_READ = 1,        /* read an existing file */
    MLL_OPEN_APPEND = 2,      /* write at the end, create if missing (O_APPEND) */
    MLL_OPEN_CREATE_EXCL = 3, /* create a new file, MLL_ERR_EXISTS if it exists */
    MLL_OPEN_TRUNCATE = 4     /* create or truncate for writing */
} mll_open_mode;

typedef struct mll_stat {
    int exists;
    int is_dir;
    uint64_t size;
} mll_stat;

/* Called once per directory entry ("." and ".." excluded); return non-zero to stop. */
typedef int (*mll_list_fn)(const char *name, int is_dir, void *ctx);

/* File-system hooks. Every entry returns MLL_OK or an error code (MLL_ERR_EXISTS for an
   existing target where noted, MLL_ERR_NOT_FOUND, MLL_ERR_NO_SPACE, MLL_ERR_PERMISSION,
   MLL_ERR_IO) and should leave errno set. NULL entries use the POSIX default. */
typedef struct mll_fs {
    mll_result (*mkdir)(const char *path, void *user_data); /* MLL_ERR_EXISTS if present */
    mll_result (*open)(const char *path, mll_open_mode mode, intptr_t *handle, void *user_data);
    mll_result (*read)(intptr_t handle, uint64_t offset, void *buf, size_t size, size_t *got,
                       void *user_data); /* like pread(): *got = 0 at end of file */
    mll_result (*write)(intptr_t handle, const void *buf, size_t size, size_t *written,
                        void *user_data); /* may write less than size: *written says how much */
    mll_result (*sync)(intptr_t handle, void *user_data);
    mll_result (*truncate)(intptr_t handle, uint64_t size, void *user_data);
    mll_result (*close)(intptr_t handle, void *user_data);
    mll_result (*rename)(const char *from, const char *to, void *user_data); /* replaces files */
    mll_result (*link)(const char *from, const char *to, void *user_data);   /* MLL_ERR_EXISTS if `to` exists */
    mll_result (*remove)(const char *path, void *user_data); /* file or empty directory */
    mll_result (*stat)(const char *path, mll_stat *st, void *user_data); /* missing: exists = 0, MLL_OK */
    mll_result (*list)(const char *dir, mll_list_fn fn, void *ctx, void *user_data);
    void *user_data;
} mll_fs;

/* ---- desc structs (zero-initialise; 0 = default) --------------------------- */
typedef struct mll_store_desc {
    uint32_t _start_canary;
    const char *root;             /* folder or file: URI; see DESC STRUCTS AND DEFAULTS */
    int flush_interval_ms;        /* 0: 1000 */
    size_t buffer_bytes;          /* 0: 1 MiB */
    size_t max_pending_bytes;     /* 0: 64 MiB */
    mll_durability durability;    /* 0: MLL_DURABILITY_DEFAULT */
    int ignore_env;               /* 1: do not read MLFLOW_* environment variables */
    int no_flush_thread;          /* 1: no background flusher; flush in log calls only */
    int precise_timestamps;       /* 1: "now" from gettimeofday; 0: the coarse clock (1-10 ms) */
    mll_allocator allocator;
    mll_fs fs;
    mll_logger logger;
    uint32_t _end_canary;
} mll_store_desc;

typedef struct mll_tag {
    const char *key;
    const char *value;
} mll_tag;
typedef mll_tag mll_param;

typedef struct mll_metric {
    const char *key;
    double value;
    int64_t step;
    int64_t timestamp_ms; /* 0: now (use mll_log_metric_at for a literal 0) */
} mll_metric;

/* System metrics (see SYSTEM METRICS): MLflow's "system/..." metrics sampled on the store's
   background thread. Zero-initialise; every 0 field means "the MLflow environment variable,
   else MLflow's default". */
typedef enum mll_system_metrics_mode {
    MLL_SYSTEM_METRICS_DEFAULT = 0, /* $MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING (true/1), else off */
    MLL_SYSTEM_METRICS_ON = 1,
    MLL_SYSTEM_METRICS_OFF = 2 /* off even when the environment asks for it */
} mll_system_metrics_mode;

typedef struct mll_system_metrics_desc {
    mll_system_metrics_mode enabled; /* read from mll_run_desc.system_metrics only */
    int interval_ms;            /* 0: $MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL (seconds), else 10000 */
    int samples_before_logging; /* 0: $MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING, else 1 */
    const char *node_id;        /* 0: $MLFLOW_SYSTEM_METRICS_NODE_ID, else none; names become
                                   system/<node_id>/... (e.g. one per MPI rank) */
    const char *disk_path;      /* 0: "/" (MLflow's disk monitor) */
    int no_gpu;                 /* 1: do not load NVML / ROCm SMI */
    int no_process_metrics;     /* 1: only MLflow's names (no system/process_*) */
    int no_hardware_tags;       /* 1: no mlflow_lite.system.* tags */
} mll_system_metrics_desc;

typedef struct mll_run_desc {
    uint32_t _start_canary;
    const char *experiment_name;   /* get-or-create by name */
    const char *experiment_id;     /* or an existing experiment id */
    const char *run_name;          /* 0: random adjective-noun-NNN */
    const char *run_id;            /* reopen this run and keep appending */
    const char *parent_run_id;     /* nested run: tag mlflow.parentRunId */
    const mll_tag *tags;           /* initial tags */
    size_t num_tags;
    const char *description;       /* tag mlflow.note.content */
    const char *artifact_location; /* for a newly created experiment, e.g. "s3://bucket/path" */
    const char *user;              /* 0: $MLFLOW_TRACKING_USERNAME, else the login name */
    const char *source_name;       /* 0: the program's path */
    int64_t start_time_ms;         /* 0: now */
    mll_system_metrics_desc system_metrics; /* 0: off unless $MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING */
    uint32_t _end_canary;
} mll_run_desc;

/* Detail of the last error of a run or store. */
typedef struct mll_error {
    mll_result code;
    int sys_errno;          /* errno at the failure, 0 if none */
    const char *operation;  /* static string: "open", "write", "validate key", ... */
    char subject[512];      /* the key, name or path concerned */
    char message[512];      /* one line, for humans */
} mll_error;

typedef struct mll_store mll_store;
typedef struct mll_run mll_run;

/* ---- version and errors ---------------------------------------------------- */
/* Returns MLL_VERSION_STRING of the implementation (compare with the header's to detect a mismatch). */
MLL_API const char *mll_version(void);
/* Never NULL; unknown codes give "unknown mlflow_lite result". */
MLL_API const char *mll_strerror(mll_result result);

/* ---- store ----------------------------------------------------------------- */
/* Opens the root (creating it, 0/ and .trash/ if needed). desc may be NULL (all defaults).
   On failure *out is NULL and the error is returned (details go to the logger), e.g.
   MLL_ERR_INVALID_URI for a URI with %00, MLL_ERR_NOT_A_DIRECTORY for a root that is a file.
   Thread-safe: open as many stores as you like (up to MLL_MAX_STORES at once). */
MLL_API mll_result mll_open(mll_store **out, const mll_store_desc *desc);
/* Ends runs still open (FINISHED), flushes, stops the flusher and frees. NULL is a no-op (MLL_OK).
   Returns the first error met while ending the runs. If a run cannot be ended because its
   points cannot be written yet (full disk), that run and the store stay open with their
   points: call mll_close again later. Calls other threads make meanwhile finish first or
   get MLL_ERR_STORE_CLOSED / MLL_ERR_RUN_ENDED; a closed store's handle gets
   MLL_ERR_STORE_CLOSED (also from a second mll_close). */
MLL_API mll_result mll_close(mll_store *store);
/* The resolved desc (defaults filled in; root is the absolute root path). */
MLL_API mll_result mll_query_store_desc(const mll_store *store, mll_store_desc *out);
/* Absolute root path; "" for NULL or a closed store. Valid until mll_close. */
MLL_API const char *mll_store_root(const mll_store *store);
/* Copies the last store-level error (e.g. of a failed mll_start_run); returns its code. */
MLL_API mll_result mll_store_last_error(mll_store *store, mll_error *out);
/* Sets a tag on an experiment (key <= 250, value <= 20000 characters, as MLflow 3.18). */
MLL_API mll_result mll_set_experiment_tag(mll_store *store, const char *experiment_id,
                                          const char *key, const char *value);
/* Finds an active experiment by name; writes its id (up to 64 bytes incl. NUL) to id_out. */
MLL_API mll_result mll_get_experiment_id(mll_store *store, const char *name, char *id_out,
                                         size_t id_cap);

/* ---- runs ------------------------------------------------------------------ */
/* Creates (or, with run_id / $MLFLOW_RUN_ID, reopens) a run. desc may be NULL.
   On failure *out is NULL; see mll_store_last_error(). */
MLL_API mll_result mll_start_run(mll_run **out, mll_store *store, const mll_run_desc *desc);
/* Flushes, writes status and end time, and ends the handle: later calls with it (from any
   thread) get MLL_ERR_RUN_ENDED, a second mll_end_run too. MLL_RUN_STATUS_DEFAULT means
   FINISHED; any status but FINISHED, FAILED or KILLED is MLL_ERR_INVALID_VALUE. When the
   points or the status cannot be written yet (full disk, I/O), returns that error and the run
   stays open with its points: call it again later (or mll_close). A run that can never be
   written again (its folder is gone, MLflow deleted it) is ended anyway; points given up
   that way make it return MLL_ERR_POINTS_DROPPED (count in mll_store_last_error()). */
MLL_API mll_result mll_end_run(mll_run *run, mll_run_status status);
/* Writes buffered points now. Returns MLL_ERR_NO_SPACE etc. if they could not be written
   (they stay buffered and are retried). */
MLL_API mll_result mll_flush(mll_run *run);
/* Accessors: never NULL ("" for NULL or an ended run). The string is valid until the run
   ends (copy it if another thread may end the run). */
MLL_API const char *mll_run_id(const mll_run *run);
MLL_API const char *mll_run_experiment_id(const mll_run *run);
MLL_API const char *mll_run_name(const mll_run *run);
MLL_API const char *mll_run_artifact_uri(const mll_run *run);
MLL_API const char *mll_run_dir(const mll_run *run);
/* Copies the run's last error; returns its code (MLL_OK if none). */
MLL_API mll_result mll_run_last_error(mll_run *run, mll_error *out);

/* ---- metrics --------------------------------------------------------------- */
/* Logs one point with timestamp = now (ms). NaN and +-inf are allowed. An error from
   writing (MLL_ERR_NO_SPACE, ...) still took the point; see ERRORS AND LOGGING. */
MLL_API mll_result mll_log_metric(mll_run *run, const char *key, double value, int64_t step);
/* Same with an explicit timestamp in ms since the epoch (>= 0). */
MLL_API mll_result mll_log_metric_at(mll_run *run, const char *key, double value, int64_t step,
                                     int64_t timestamp_ms);
/* Logs n points, all of them or none: the keys are validated and room is made for all
   first (on a bad key or MLL_ERR_BUFFER_FULL nothing is logged). */
MLL_API mll_result mll_log_metrics(mll_run *run, const mll_metric *metrics, size_t n);

/* ---- params and tags ------------------------------------------------------- */
MLL_API mll_result mll_log_param(mll_run *run, const char *key, const char *value);
MLL_API mll_result mll_log_param_int(mll_run *run, const char *key, long long value);
/* Written as Python's str(float) would write it ("0.01", "1e-05"). */
MLL_API mll_result mll_log_param_double(mll_run *run, const char *key, double value);
/* Written as Python's str(bool): "True" / "False". */
MLL_API mll_result mll_log_param_bool(mll_run *run, const char *key, int value);
/* printf-style value, locale-independent ('.' as decimal point). */
MLL_API mll_result mll_log_paramf(mll_run *run, const char *key, const char *fmt, ...)
    MLL__PRINTF(3, 4);
MLL_API mll_result mll_set_tag(mll_run *run, const char *key, const char *value);
MLL_API mll_result mll_set_tagf(mll_run *run, const char *key, const char *fmt, ...)
    MLL__PRINTF(3, 4);
MLL_API mll_result mll_delete_tag(mll_run *run, const char *key);
/* Renames the run (meta.yaml run_name and tag mlflow.runName together). A blank name ("",
   "   ") is MLL_ERR_INVALID_NAME. */
MLL_API mll_result mll_set_run_name(mll_run *run, const char *name);
/* Like MLflow's log_batch: everything is validated first (keys, lengths, UTF-8, param
   immutability); nothing is written unless all of it is valid. */
MLL_API mll_result mll_log_batch(mll_run *run, const mll_metric *metrics, size_t num_metrics,
                                 const mll_param *params, size_t num_params, const mll_tag *tags,
                                 size_t num_tags);

/* ---- artifacts ------------------------------------------------------------- */
/* Copies a local file to artifacts/<artifact_dir>/<basename>. artifact_dir may be NULL or "". */
MLL_API mll_result mll_log_artifact(mll_run *run, const char *local_path, const char *artifact_dir);
/* Writes text to artifacts/<artifact_file>. */
MLL_API mll_result mll_log_text(mll_run *run, const char *text, const char *artifact_file);
MLL_API mll_result mll_log_bytes(mll_run *run, const void *data, size_t size,
                                 const char *artifact_file);

/* ---- model registry (<root>/models, read by MLflow's registry file store) --------------
   Names follow MLflow: model names non-blank, without '/', ':' or '%', a normalised path;
   aliases match ^[\w-]+$ (<= 255), not "latest" nor v<digits>; tag keys as run tags,
   registered-model tag values <= 100000 characters. Versions created at once by several
   processes get distinct, consecutive numbers. All functions are thread-safe. */
typedef enum mll_model_stage {
    MLL_STAGE_NONE = 0, /* "None" */
    MLL_STAGE_STAGING = 1,
    MLL_STAGE_PRODUCTION = 2,
    MLL_STAGE_ARCHIVED = 3
} mll_model_stage;

typedef struct mll_model_version_desc {
    uint32_t _start_canary;
    const char *source;      /* required: where the model's files are (an artifact URI) */
    const char *run_id;      /* run that produced it, or 0 */
    const char *run_link;    /* or 0 */
    const char *description; /* or 0 (null) */
    const mll_tag *tags;     /* model-version tags */
    size_t num_tags;
    uint32_t _end_canary;
} mll_model_version_desc;

/* Registers `artifact_path` of the run (source = <run artifact_uri>/<artifact_path>) as a
   new version of model_name, creating the registered model if needed. *version_out (may be
   NULL) gets the version number. As mlflow.register_model("runs:/<id>/<path>", name). */
MLL_API mll_result mll_register_model(mll_run *run, const char *artifact_path,
                                      const char *model_name, int *version_out);
/* The general form: a version from any source URI. */
MLL_API mll_result mll_create_model_version(mll_store *store, const char *model_name,
                                            const mll_model_version_desc *desc, int *version_out);
/* Creates the registered model if it does not exist (MLL_OK either way). */
MLL_API mll_result mll_create_registered_model(mll_store *store, const char *model_name);
/* description NULL writes null. */
MLL_API mll_result mll_set_registered_model_description(mll_store *store, const char *model_name,
                                                        const char *description);
MLL_API mll_result mll_set_model_version_description(mll_store *store, const char *model_name,
                                                     int version, const char *description);
MLL_API mll_result mll_set_registered_model_tag(mll_store *store, const char *model_name,
                                                const char *key, const char *value);
MLL_API mll_result mll_delete_registered_model_tag(mll_store *store, const char *model_name,
                                                   const char *key);
MLL_API mll_result mll_set_model_version_tag(mll_store *store, const char *model_name, int version,
                                             const char *key, const char *value);
MLL_API mll_result mll_delete_model_version_tag(mll_store *store, const char *model_name,
                                                int version, const char *key);
/* Points alias (e.g. "champion") at a version; MLL_ERR_NOT_FOUND if the version is missing. */
MLL_API mll_result mll_set_model_alias(mll_store *store, const char *model_name, const char *alias,
                                       int version);
MLL_API mll_result mll_delete_model_alias(mll_store *store, const char *model_name, const char *alias);
/* Moves a version to a stage; archive_existing (only for Staging/Production) moves the other
   versions in that stage to Archived, as MLflow does. */
MLL_API mll_result mll_transition_model_version_stage(mll_store *store, const char *model_name,
                                                      int version, mll_model_stage stage,
                                                      int archive_existing);

/* ---- system metrics (see SYSTEM METRICS) ------------------------------------ */
/* Starts sampling MLflow's system metrics (and ours, see SYSTEM METRICS) for a run on the
   store's background thread; desc may be NULL (environment, else MLflow's defaults; its
   `enabled` field is not read). Writes the hardware tags once. Steps continue after the
   largest step of the run's existing system/ metrics (0 for a new run), as MLflow's
   resume_logging. Returns MLL_ERR_SYSTEM_METRICS_ACTIVE if already sampling,
   MLL_ERR_SYSTEM_METRICS_UNSUPPORTED off Linux or with MLL_NO_SYSTEM_METRICS,
   MLL_ERR_INVALID_ARGUMENT for a NULL run or a negative field, MLL_ERR_INVALID_KEY for a
   node_id that cannot be part of a metric name. Thread-safe. */
MLL_API mll_result mll_start_system_metrics(mll_run *run, const mll_system_metrics_desc *desc);
/* Stops sampling; samples not yet logged (fewer than samples_before_logging) are dropped, as
   MLflow drops them. MLL_OK also when not sampling; NULL: MLL_ERR_INVALID_ARGUMENT.
   mll_end_run stops it too. Thread-safe. */
MLL_API mll_result mll_stop_system_metrics(mll_run *run);
/* The resolved settings while sampling (enabled = MLL_SYSTEM_METRICS_ON; node_id and
   disk_path valid until sampling stops), else a zeroed desc with enabled = OFF. NULL run or
   out: MLL_ERR_INVALID_ARGUMENT. Thread-safe. */
MLL_API mll_result mll_query_system_metrics(mll_run *run, mll_system_metrics_desc *out);

/* ---- formatting (exposed for tests and for callers who want MLflow's spelling) ---- */
/* Python's repr(float) of v, exactly (shortest digits that read back as v, the closest of
   them); returns the length (< 32), or 0 if cap < 32. Locale-independent. */
MLL_API size_t mll_format_double(double v, char *buf, size_t cap);

#ifdef __cplusplus
} /* extern "C" */
#endif
#endif /* MLFLOW_LITE_H */

/* ============================================================================
   IMPLEMENTATION
   ============================================================================ */
#if defined(MLFLOW_LITE_IMPLEMENTATION) && !defined(MLFLOW_LITE_IMPLEMENTATION_INCLUDED)
#define MLFLOW_LITE_IMPLEMENTATION_INCLUDED

/* >>config ----------------------------------------------------------------- */
#ifndef MLL_MAX_PATH
#define MLL_MAX_PATH 4096
#endif
/* No metric line crosses a multiple of this (see mll__slot_flush); the kernel's page size
   or a divisor of it. */
#ifndef MLL_PAGE_SIZE
#define MLL_PAGE_SIZE 4096
#endif
#ifndef MLL_ASSERT
#include <assert.h>
#define MLL_ASSERT(c) assert(c)
#endif
#if defined(__GNUC__) || defined(__clang__)
#define MLL__PRIVATE static __attribute__((unused))
#else
#define MLL__PRIVATE static
#endif
#ifdef MLL_STATIC
/* a private copy: the program may use only some functions of it */
#if defined(__GNUC__) || defined(__clang__)
#define MLL__PUBLIC static __attribute__((unused))
#else
#define MLL__PUBLIC static
#endif
#else
#define MLL__PUBLIC
#endif

#ifndef MLL_USE_STB_SPRINTF
#  if defined(__has_include)
#    if __has_include(<stb/stb_sprintf.h>)
#      define MLL_USE_STB_SPRINTF 1
#    endif
#  endif
#endif
#ifndef MLL_USE_STB_SPRINTF
#define MLL_USE_STB_SPRINTF 0
#endif
#if MLL_USE_STB_SPRINTF
#ifndef STB_SPRINTF_H_INCLUDE
/* A private static copy: cannot clash with an stb_sprintf elsewhere in the program. */
#define STB_SPRINTF_STATIC
#define STB_SPRINTF_NOUNALIGNED /* UBSan-clean */
#define STB_SPRINTF_IMPLEMENTATION
#include <stb/stb_sprintf.h>
#endif
/* else: this file already included stb_sprintf.h (its implementation here or in another
   file): use that one rather than defining it twice */
#define MLL__STBSP_SNPRINTF STB_SPRINTF_DECORATE(snprintf)
#endif

#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <errno.h>
#include <locale.h>
#include <time.h>
#include <limits.h>

/* Typedef-array static assert: C99 has no _Static_assert. */
#define MLL__STATIC_ASSERT(name, cond) typedef char mll__static_assert_##name[(cond) ? 1 : -1]
MLL__STATIC_ASSERT(double_is_64_bits, sizeof(double) == 8);
MLL__STATIC_ASSERT(int64_is_8_bytes, sizeof(int64_t) == 8);

enum {
    MLL__DEFAULT_FLUSH_INTERVAL_MS = 1000,
    MLL__DEFAULT_BUFFER_BYTES = 1 << 20,
    MLL__DEFAULT_MAX_PENDING_BYTES = 64 << 20,
    MLL__MAX_KEY_CHARS = 250,
    MLL__MAX_PARAM_VALUE_CHARS = 6000,
    MLL__MAX_TAG_VALUE_CHARS = 8000,
    MLL__MAX_EXPERIMENT_TAG_VALUE_CHARS = 20000, /* 3.18.0 validation.py (was 5000 in 3.11) */
    MLL__MAX_EXPERIMENT_NAME_CHARS = 500,
    MLL__MAX_ARTIFACT_LOCATION_CHARS = 2048,
    MLL__MAX_LINE = 96 /* "<ts> <value> <step>\n" is at most 20+1+24+1+20+1 bytes */
};

/* >>platform ----------------------------------------------------------------
   Detected once; always 0 or 1, tested with #if. POSIX: Linux, macOS, the BSDs (POSIX.1-2008
   plus guarded extras, each with a fallback). WINDOWS: Win32 (wide-character file calls,
   SRW locks, condition variables). NONE: no OS (bare metal, e.g. arm-none-eabi with newlib):
   libc only, so MLL_NO_DEFAULT_FS and MLL_NO_THREADS are required there. */
#if defined(_WIN32)
#define MLL__PLATFORM_WINDOWS 1
#define MLL__PLATFORM_POSIX 0
#elif defined(__unix__) || defined(__unix) || defined(__APPLE__) || defined(__linux__)
#define MLL__PLATFORM_WINDOWS 0
#define MLL__PLATFORM_POSIX 1
#else
#define MLL__PLATFORM_WINDOWS 0
#define MLL__PLATFORM_POSIX 0
#endif
#define MLL__PLATFORM_NONE (!MLL__PLATFORM_WINDOWS && !MLL__PLATFORM_POSIX)
#if MLL__PLATFORM_NONE && (!defined(MLL_NO_DEFAULT_FS) || !defined(MLL_NO_THREADS))
#error "mlflow_lite: no operating system detected (bare metal): define MLL_NO_DEFAULT_FS and MLL_NO_THREADS and pass mll_fs hooks (see examples/baremetal_ramdisk.c)"
#endif

#if MLL__PLATFORM_POSIX
#include <unistd.h>
#include <fcntl.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <dirent.h>
#include <pwd.h>
#include <sys/utsname.h>
/* Every POSIX call below comes from the system headers, never from a declaration of ours
   (a hand-written prototype with the wrong off_t links the wrong symbol). glibc hides them
   in strict ISO C mode when a system header came before the implementation, too late for
   the feature-test macros at the top of this file: then say how to fix it. */
#if defined(__GLIBC__) && !(defined(_POSIX_C_SOURCE) && _POSIX_C_SOURCE >= 200809L)
#error "mlflow_lite: POSIX.1-2008 declarations are hidden (strict ISO C mode, and a system header was included before the implementation). Include mlflow_lite.h with MLFLOW_LITE_IMPLEMENTATION before any other header (or compile mlflow_lite.c), or compile with -D_POSIX_C_SOURCE=200809L (or -D_DEFAULT_SOURCE)."
#endif
/* 32-bit glibc without -D_FILE_OFFSET_BITS=64: off_t, readdir() and stat() are 32-bit, so a
   directory on a file system with 64-bit cookies (ext4 hashes, XFS, NFS, Lustre) fails with
   EOVERFLOW and files over 2 GiB cannot be opened. The implementation then uses the explicit
   64-bit calls (declared thanks to _LARGEFILE64_SOURCE at the top of this file). */
#if defined(__GLIBC__) && !defined(__USE_FILE_OFFSET64) && !defined(__OFF_T_MATCHES_OFF64_T)
#if defined(__USE_LARGEFILE64)
#define MLL__LFS64 1
#elif !defined(MLL_NO_DEFAULT_FS)
#error "mlflow_lite: 32-bit file offsets, and the 64-bit file calls are hidden because a system header came before the implementation. Compile with -D_FILE_OFFSET_BITS=64 (and -D_TIME_BITS=64), or include mlflow_lite.h with MLFLOW_LITE_IMPLEMENTATION before any other header (or compile mlflow_lite.c)."
#endif
#endif
#endif /* MLL__PLATFORM_POSIX */
#ifndef MLL__LFS64
#define MLL__LFS64 0
#endif

#if MLL__PLATFORM_WINDOWS
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
#ifndef MLL_NO_THREADS
#include <process.h> /* _beginthreadex: a thread the C runtime knows about */
#endif
#endif

#if MLL__PLATFORM_WINDOWS
/* UTF-8 -> UTF-16 for the wide Win32 calls: '/' becomes '\', and a long absolute path gets
   the \\?\ prefix (drive) or \\?\UNC\ (share), which lifts the 260-character MAX_PATH limit
   (such paths are never relative and never contain "." or "..": ours are normalised).
   Returns MLL_OK, MLL_ERR_INVALID_UTF8 or MLL_ERR_PATH_TOO_LONG. */
MLL__PRIVATE mll_result mll__win_wide(const char *utf8, wchar_t *out, int cap) {
    int n, pre = 0, i, len = (int)strlen(utf8);
    const char *src = utf8;
    if (len > 240 && ((utf8[0] && utf8[1] == ':') || (utf8[0] == '/' && utf8[1] == '/'))) {
        int unc = utf8[1] != ':';
        const wchar_t *p = unc ? L"\\\\?\\UNC\\" : L"\\\\?\\";
        for (pre = 0; p[pre]; pre++) out[pre] = p[pre];
        if (unc) src += 2; /* //server/share -> \\?\UNC\server\share */
    }
    if (cap - pre < 2) return MLL_ERR_PATH_TOO_LONG;
    n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, src, -1, out + pre, cap - pre);
    if (n <= 0)
        return GetLastError() == ERROR_INSUFFICIENT_BUFFER ? MLL_ERR_PATH_TOO_LONG : MLL_ERR_INVALID_UTF8;
    for (i = pre; out[i]; i++)
        if (out[i] == L'/') out[i] = L'\\';
    return MLL_OK;
}
/* UTF-16 -> UTF-8, '\' -> '/' when slashes is set. Returns 0 when it does not fit. */
MLL__PRIVATE int mll__win_utf8(const wchar_t *w, char *out, int cap, int slashes) {
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, out, cap, NULL, NULL), i;
    if (n <= 0) return 0;
    for (i = 0; slashes && out[i]; i++)
        if (out[i] == '\\') out[i] = '/';
    return 1;
}
/* FILETIME (100 ns since 1601) -> ms since 1970. */
MLL__PRIVATE int64_t mll__win_ms(FILETIME ft) {
    uint64_t t = ((uint64_t)ft.dwHighDateTime << 32) | ft.dwLowDateTime;
    return (int64_t)((t - 116444736000000000ULL) / 10000ULL);
}
#endif

/* Milliseconds since the Unix epoch (wall clock, as MLflow's timestamps), exact to the ms
   like Python's time.time(). */
MLL__PRIVATE int64_t mll__os_now_ms(void) {
#if MLL__PLATFORM_POSIX
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
        return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
    return (int64_t)time(NULL) * 1000;
#elif MLL__PLATFORM_WINDOWS
    FILETIME ft;
#if defined(_WIN32_WINNT) && _WIN32_WINNT >= 0x0602
    GetSystemTimePreciseAsFileTime(&ft); /* Windows 8 and later */
#else
    GetSystemTimeAsFileTime(&ft);
#endif
    return mll__win_ms(ft);
#else
    time_t t = time(NULL); /* newlib: the board's _gettimeofday; -1 without one */
    return t > 0 ? (int64_t)t * 1000 : 0;
#endif
}

/* The kernel's tick-granular wall clock (1-10 ms resolution on Linux, ~5x cheaper than the
   precise clock on VMs): the default timestamp of mll_log_metric. Linux only
   (CLOCK_REALTIME_COARSE); Windows' system time is tick-granular too (~1-16 ms); elsewhere
   the precise clock. */
MLL__PRIVATE int64_t mll__os_now_ms_coarse(void) {
#if MLL__PLATFORM_POSIX && defined(CLOCK_REALTIME_COARSE)
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0)
        return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
#elif MLL__PLATFORM_WINDOWS
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return mll__win_ms(ft);
#endif
    return mll__os_now_ms();
}

MLL__PRIVATE long mll__os_pid(void) {
#if MLL__PLATFORM_POSIX
    return (long)getpid();
#elif MLL__PLATFORM_WINDOWS
    return (long)GetCurrentProcessId();
#else
    return 0;
#endif
}

/* This machine's name ("" when unknown), for the mlflow_lite.host tag. uname(), not
   gethostname(): strict ISO mode hides the latter, and both give the node name. */
MLL__PRIVATE void mll__os_hostname(char *buf, size_t n) {
    buf[0] = '\0';
#if MLL__PLATFORM_POSIX
    {
        struct utsname u;
        size_t len;
        if (uname(&u) == 0) {
            len = strlen(u.nodename) < n - 1 ? strlen(u.nodename) : n - 1;
            memcpy(buf, u.nodename, len);
            buf[len] = '\0';
        }
    }
#elif MLL__PLATFORM_WINDOWS
    {
        DWORD len = (DWORD)n;
        if (!GetComputerNameA(buf, &len)) buf[0] = '\0';
    }
#else
    (void)n; /* bare metal: no name */
#endif
}

/* splitmix64: mixes seeds and, without an OS random source, produces the random bits. */
MLL__PRIVATE uint64_t mll__mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Fills buf with random bytes: /dev/urandom where there is one, else a generator seeded
   from the time, the pid, a high-resolution counter and addresses (ids must differ between
   ranks that start in the same millisecond; a clash is retried by the caller anyway). */
MLL__PRIVATE void mll__os_random(void *buf, size_t n) {
    static volatile uint64_t counter; /* only a seed perturbation; races are harmless */
    unsigned char *out = (unsigned char *)buf;
    size_t got = 0;
    uint64_t c, s;
#if MLL__PLATFORM_POSIX
    int flags = O_RDONLY, fd;
#ifdef O_CLOEXEC
    flags |= O_CLOEXEC;
#endif
    fd = open("/dev/urandom", flags);
    if (fd >= 0) {
        while (got < n) {
            ssize_t r = read(fd, out + got, n - got);
            if (r <= 0) break;
            got += (size_t)r;
        }
        close(fd);
    }
#endif
    if (got == n) return;
    /* read, then write: a compound assignment on a volatile is deprecated in C++20 */
    c = counter + 0x632BE59BD9B4E019ULL;
    counter = c;
    s = (uint64_t)mll__os_now_ms() ^ ((uint64_t)mll__os_pid() << 32) ^ (uint64_t)(uintptr_t)buf ^ c;
#if MLL__PLATFORM_WINDOWS
    {
        LARGE_INTEGER q;
        QueryPerformanceCounter(&q);
        s ^= mll__mix64((uint64_t)q.QuadPart);
    }
#else
    s ^= mll__mix64((uint64_t)clock());
#endif
    while (got < n) {
        s = mll__mix64(s);
        out[got++] = (unsigned char)(s >> 24);
    }
}

/* The current folder with '/' separators (Windows: "C:/Users/me"); "" where there is none. */
MLL__PRIVATE mll_result mll__os_getcwd(char *out, size_t cap) {
    out[0] = '\0';
#if MLL__PLATFORM_POSIX
    if (!getcwd(out, cap)) return errno == ERANGE ? MLL_ERR_PATH_TOO_LONG : MLL_ERR_IO;
#elif MLL__PLATFORM_WINDOWS
    {
        wchar_t w[MLL_MAX_PATH];
        DWORD n = GetCurrentDirectoryW(MLL_MAX_PATH, w);
        if (n == 0 || n >= MLL_MAX_PATH) return MLL_ERR_PATH_TOO_LONG;
        if (!mll__win_utf8(w, out, (int)cap, 1)) return MLL_ERR_PATH_TOO_LONG;
    }
#else
    (void)cap;
#endif
    return MLL_OK;
}

/* path made absolute, with '/' separators: POSIX joins a relative path to the current
   folder; Windows asks GetFullPathNameW, which also resolves "\tmp" (the current drive's
   root) and "C:x" (drive C's current folder) as Windows does; bare metal takes it as is. */
MLL__PRIVATE mll_result mll__os_abspath(const char *path, char *out, size_t cap);

/* Length of the part of an absolute path that ".." cannot remove: 0 on POSIX (the leading
   '/' is handled by the caller); on Windows "C:" (2) or "//server/share". */
MLL__PRIVATE size_t mll__os_root_len(const char *p) {
    if (!MLL__PLATFORM_WINDOWS) return 0;
    if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':') return 2;
    if (p[0] == '/' && p[1] == '/' && p[2] && p[2] != '/') {
        const char *q = strchr(p + 2, '/'); /* //server/share */
        if (q) q = strchr(q + 1, '/');
        return q ? (size_t)(q - p) : strlen(p);
    }
    return 0;
}

/* An absolute path: "/..." on POSIX; "C:/...", "C:\..." or "//server/share/..." on Windows. */
MLL__PRIVATE int mll__os_is_abs(const char *p) {
    if (!MLL__PLATFORM_WINDOWS) return p[0] == '/';
    return (mll__os_root_len(p) == 2 && (p[2] == '/' || p[2] == '\\')) ||
           (mll__os_root_len(p) > 2);
}

/* The running program's path: /proc/self/exe on Linux (a guarded extra), GetModuleFileNameW
   on Windows; elsewhere (macOS, the BSDs, bare metal) 0, and the caller falls back. */
MLL__PRIVATE int mll__os_program_path(char *out, size_t cap) {
#if MLL__PLATFORM_POSIX && defined(__linux__)
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n > 0 && (size_t)n < cap - 1) {
        out[n] = '\0';
        return 1;
    }
#elif MLL__PLATFORM_WINDOWS
    wchar_t w[MLL_MAX_PATH];
    DWORD n = GetModuleFileNameW(NULL, w, MLL_MAX_PATH);
    if (n > 0 && n < MLL_MAX_PATH && mll__win_utf8(w, out, (int)cap, 0)) return 1;
#endif
    (void)out;
    (void)cap;
    return 0;
}

/* The file name part of a local path: after the last '/' (and '\' or "C:" on Windows). */
MLL__PRIVATE const char *mll__os_basename(const char *p) {
    const char *b = p, *c;
    for (c = p; *c; c++)
        if (*c == '/' || (MLL__PLATFORM_WINDOWS && (*c == '\\' || (*c == ':' && c == p + 1)))) b = c + 1;
    return b;
}

MLL__PRIVATE mll_result mll__os_abspath(const char *path, char *out, size_t cap) {
    size_t n = strlen(path);
#if MLL__PLATFORM_WINDOWS
    wchar_t w[MLL_MAX_PATH + 16], full[MLL_MAX_PATH];
    mll_result r = mll__win_wide(path, w, MLL_MAX_PATH + 16);
    DWORD got;
    if (r != MLL_OK) return r;
    got = GetFullPathNameW(w, MLL_MAX_PATH, full, NULL);
    if (got == 0 || got >= MLL_MAX_PATH) return MLL_ERR_PATH_TOO_LONG;
    if (!mll__win_utf8(full, out, (int)cap, 1)) return MLL_ERR_PATH_TOO_LONG;
    (void)n;
#else
    if (n >= cap) return MLL_ERR_PATH_TOO_LONG;
    if (mll__os_is_abs(path) || MLL__PLATFORM_NONE) {
        memcpy(out, path, n + 1);
    } else {
        char cwd[MLL_MAX_PATH];
        size_t c;
        mll_result r = mll__os_getcwd(cwd, sizeof(cwd));
        if (r != MLL_OK) return r;
        c = strlen(cwd);
        if (c + 1 + n >= cap) return MLL_ERR_PATH_TOO_LONG;
        memcpy(out, cwd, c);
        out[c] = '/';
        memcpy(out + c + 1, path, n + 1);
    }
#endif
    return MLL_OK;
}

/* >>threads -----------------------------------------------------------------
   A mutex, a condition variable with a timed wait, and one thread (the flusher): pthreads on
   POSIX, SRW locks, condition variables and _beginthreadex on Windows (Vista and later). */
#ifndef MLL_NO_THREADS
#if MLL__PLATFORM_WINDOWS
typedef SRWLOCK mll__mutex;
typedef CONDITION_VARIABLE mll__cond;
#define MLL__MUTEX_INITIALIZER SRWLOCK_INIT /* a mutex with static storage */
typedef struct mll__thread {
    HANDLE handle;
    void *(*fn)(void *);
    void *arg;
} mll__thread;
MLL__PRIVATE void mll__mutex_init(mll__mutex *m) { InitializeSRWLock(m); }
MLL__PRIVATE void mll__mutex_destroy(mll__mutex *m) { (void)m; } /* SRW locks need no cleanup */
MLL__PRIVATE void mll__lock(mll__mutex *m) { AcquireSRWLockExclusive(m); }
MLL__PRIVATE void mll__unlock(mll__mutex *m) { ReleaseSRWLockExclusive(m); }
MLL__PRIVATE void mll__cond_init(mll__cond *c) { InitializeConditionVariable(c); }
MLL__PRIVATE void mll__cond_destroy(mll__cond *c) { (void)c; }
MLL__PRIVATE void mll__cond_broadcast(mll__cond *c) { WakeAllConditionVariable(c); }
MLL__PRIVATE void mll__cond_wait(mll__cond *c, mll__mutex *m) { SleepConditionVariableSRW(c, m, INFINITE, 0); }
/* Waits until woken or ms passed (spurious wake-ups possible, as with pthreads). */
MLL__PRIVATE void mll__cond_wait_ms(mll__cond *c, mll__mutex *m, int64_t ms) {
    SleepConditionVariableSRW(c, m, ms < 0 ? 0 : (DWORD)ms, 0);
}
MLL__PRIVATE unsigned __stdcall mll__thread_trampoline(void *p) {
    mll__thread *t = (mll__thread *)p;
    t->fn(t->arg);
    return 0;
}
/* t must stay at its address until joined. Returns 1 when the thread runs. */
MLL__PRIVATE int mll__thread_start(mll__thread *t, void *(*fn)(void *), void *arg) {
    t->fn = fn;
    t->arg = arg;
    t->handle = (HANDLE)_beginthreadex(NULL, 0, mll__thread_trampoline, t, 0, NULL);
    return t->handle != NULL;
}
MLL__PRIVATE void mll__thread_join(mll__thread *t) {
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
}
#else
#include <pthread.h>
typedef pthread_mutex_t mll__mutex;
typedef pthread_cond_t mll__cond;
typedef pthread_t mll__thread;
#define MLL__MUTEX_INITIALIZER PTHREAD_MUTEX_INITIALIZER /* a mutex with static storage */
MLL__PRIVATE void mll__mutex_init(mll__mutex *m) { pthread_mutex_init(m, NULL); }
MLL__PRIVATE void mll__mutex_destroy(mll__mutex *m) { pthread_mutex_destroy(m); }
MLL__PRIVATE void mll__lock(mll__mutex *m) { pthread_mutex_lock(m); }
MLL__PRIVATE void mll__unlock(mll__mutex *m) { pthread_mutex_unlock(m); }
MLL__PRIVATE void mll__cond_init(mll__cond *c) { pthread_cond_init(c, NULL); }
MLL__PRIVATE void mll__cond_destroy(mll__cond *c) { pthread_cond_destroy(c); }
MLL__PRIVATE void mll__cond_broadcast(mll__cond *c) { pthread_cond_broadcast(c); }
MLL__PRIVATE void mll__cond_wait(mll__cond *c, mll__mutex *m) { pthread_cond_wait(c, m); }
/* Waits until woken or ms passed. The deadline is on CLOCK_REALTIME, the condition
   variable's default clock everywhere (pthread_condattr_setclock is not on macOS). */
MLL__PRIVATE void mll__cond_wait_ms(mll__cond *c, mll__mutex *m, int64_t ms) {
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        ts.tv_sec = time(NULL);
        ts.tv_nsec = 0;
    }
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(c, m, &ts);
}
MLL__PRIVATE int mll__thread_start(mll__thread *t, void *(*fn)(void *), void *arg) {
    return pthread_create(t, NULL, fn, arg) == 0;
}
MLL__PRIVATE void mll__thread_join(mll__thread *t) { pthread_join(*t, NULL); }
#endif
#else
typedef int mll__mutex;
#define MLL__MUTEX_INITIALIZER 0
MLL__PRIVATE void mll__mutex_init(mll__mutex *m) { *m = 0; }
MLL__PRIVATE void mll__mutex_destroy(mll__mutex *m) { (void)m; }
MLL__PRIVATE void mll__lock(mll__mutex *m) { (void)m; }
MLL__PRIVATE void mll__unlock(mll__mutex *m) { (void)m; }
#endif

/* >>tables ------------------------------------------------------------------- */
typedef struct mll__cached_pow {
    uint64_t f;
    int16_t e;
    int16_t k;
} mll__cached_pow;
static const mll__cached_pow mll__pow10_cache[] = {
    {0xAB70FE17C79AC6CAULL, -1060, -300},
    {0xFF77B1FCBEBCDC4FULL, -1034, -292},
    {0xBE5691EF416BD60CULL, -1007, -284},
    {0x8DD01FAD907FFC3CULL, -980, -276},
    {0xD3515C2831559A83ULL, -954, -268},
    {0x9D71AC8FADA6C9B5ULL, -927, -260},
    {0xEA9C227723EE8BCBULL, -901, -252},
    {0xAECC49914078536DULL, -874, -244},
    {0x823C12795DB6CE57ULL, -847, -236},
    {0xC21094364DFB5637ULL, -821, -228},
    {0x9096EA6F3848984FULL, -794, -220},
    {0xD77485CB25823AC7ULL, -768, -212},
    {0xA086CFCD97BF97F4ULL, -741, -204},
    {0xEF340A98172AACE5ULL, -715, -196},
    {0xB23867FB2A35B28EULL, -688, -188},
    {0x84C8D4DFD2C63F3BULL, -661, -180},
    {0xC5DD44271AD3CDBAULL, -635, -172},
    {0x936B9FCEBB25C996ULL, -608, -164},
    {0xDBAC6C247D62A584ULL, -582, -156},
    {0xA3AB66580D5FDAF6ULL, -555, -148},
    {0xF3E2F893DEC3F126ULL, -529, -140},
    {0xB5B5ADA8AAFF80B8ULL, -502, -132},
    {0x87625F056C7C4A8BULL, -475, -124},
    {0xC9BCFF6034C13053ULL, -449, -116},
    {0x964E858C91BA2655ULL, -422, -108},
    {0xDFF9772470297EBDULL, -396, -100},
    {0xA6DFBD9FB8E5B88FULL, -369, -92},
    {0xF8A95FCF88747D94ULL, -343, -84},
    {0xB94470938FA89BCFULL, -316, -76},
    {0x8A08F0F8BF0F156BULL, -289, -68},
    {0xCDB02555653131B6ULL, -263, -60},
    {0x993FE2C6D07B7FACULL, -236, -52},
    {0xE45C10C42A2B3B06ULL, -210, -44},
    {0xAA242499697392D3ULL, -183, -36},
    {0xFD87B5F28300CA0EULL, -157, -28},
    {0xBCE5086492111AEBULL, -130, -20},
    {0x8CBCCC096F5088CCULL, -103, -12},
    {0xD1B71758E219652CULL, -77, -4},
    {0x9C40000000000000ULL, -50, 4},
    {0xE8D4A51000000000ULL, -24, 12},
    {0xAD78EBC5AC620000ULL, 3, 20},
    {0x813F3978F8940984ULL, 30, 28},
    {0xC097CE7BC90715B3ULL, 56, 36},
    {0x8F7E32CE7BEA5C70ULL, 83, 44},
    {0xD5D238A4ABE98068ULL, 109, 52},
    {0x9F4F2726179A2245ULL, 136, 60},
    {0xED63A231D4C4FB27ULL, 162, 68},
    {0xB0DE65388CC8ADA8ULL, 189, 76},
    {0x83C7088E1AAB65DBULL, 216, 84},
    {0xC45D1DF942711D9AULL, 242, 92},
    {0x924D692CA61BE758ULL, 269, 100},
    {0xDA01EE641A708DEAULL, 295, 108},
    {0xA26DA3999AEF774AULL, 322, 116},
    {0xF209787BB47D6B85ULL, 348, 124},
    {0xB454E4A179DD1877ULL, 375, 132},
    {0x865B86925B9BC5C2ULL, 402, 140},
    {0xC83553C5C8965D3DULL, 428, 148},
    {0x952AB45CFA97A0B3ULL, 455, 156},
    {0xDE469FBD99A05FE3ULL, 481, 164},
    {0xA59BC234DB398C25ULL, 508, 172},
    {0xF6C69A72A3989F5CULL, 534, 180},
    {0xB7DCBF5354E9BECEULL, 561, 188},
    {0x88FCF317F22241E2ULL, 588, 196},
    {0xCC20CE9BD35C78A5ULL, 614, 204},
    {0x98165AF37B2153DFULL, 641, 212},
    {0xE2A0B5DC971F303AULL, 667, 220},
    {0xA8D9D1535CE3B396ULL, 694, 228},
    {0xFB9B7CD9A4A7443CULL, 720, 236},
    {0xBB764C4CA7A44410ULL, 747, 244},
    {0x8BAB8EEFB6409C1AULL, 774, 252},
    {0xD01FEF10A657842CULL, 800, 260},
    {0x9B10A4E5E9913129ULL, 827, 268},
    {0xE7109BFBA19C0C9DULL, 853, 276},
    {0xAC2820D9623BF429ULL, 880, 284},
    {0x80444B5E7AA7CF85ULL, 907, 292},
    {0xBF21E44003ACDD2DULL, 933, 300},
    {0x8E679C2F5E44FF8FULL, 960, 308},
    {0xD433179D9C8CB841ULL, 986, 316},
    {0x9E19DB92B4E31BA9ULL, 1013, 324},
};

/* Python's `re` \w above ASCII: 730 ranges of code points, each stored as two LEB128
   varints (the gap since the last range's end + 1, starting at 0x80; then last - first).
   1.5 KB instead of the 5.8 KB of a uint32_t pair table, which keeps the bare-metal writer
   under 32 KiB of code; read by mll__is_word_codepoint. Made from Python 3.11's `re`;
   tests/mlflow word_table_check.py compares all 0x110000 code points with it. */
static const unsigned char mll__word_leb[1531] = {
    42, 0, 7, 1, 1, 0, 3, 1, 1, 2, 1, 22, 1, 30, 1, 201, 3, 4, 11, 14, 4, 7, 0, 1,
    0, 129, 1, 4, 1, 1, 2, 3, 1, 0, 6, 0, 1, 2, 1, 0, 1, 19, 1, 82, 1, 138, 1, 8,
    165, 1, 1, 37, 2, 0, 6, 40, 71, 26, 4, 3, 45, 42, 21, 9, 4, 1, 1, 98, 1, 0, 15, 1,
    7, 14, 2, 0, 16, 0, 1, 29, 29, 88, 11, 0, 14, 42, 9, 1, 4, 0, 5, 21, 4, 0, 9, 0,
    3, 0, 23, 24, 7, 10, 5, 23, 1, 5, 17, 41, 58, 53, 3, 0, 18, 0, 7, 9, 4, 9, 1, 15,
    4, 7, 2, 1, 2, 21, 1, 6, 1, 0, 3, 3, 3, 0, 16, 0, 13, 1, 1, 2, 4, 11, 2, 5,
    2, 0, 8, 5, 4, 1, 2, 21, 1, 6, 1, 1, 1, 1, 1, 1, 31, 3, 1, 0, 7, 9, 2, 2,
    16, 8, 1, 2, 1, 21, 1, 6, 1, 1, 1, 4, 3, 0, 18, 0, 15, 1, 4, 9, 9, 0, 11, 7,
    2, 1, 2, 21, 1, 6, 1, 1, 1, 4, 3, 0, 30, 1, 1, 2, 4, 9, 1, 6, 11, 0, 1, 5,
    3, 2, 1, 3, 3, 1, 1, 0, 1, 1, 3, 1, 3, 2, 3, 11, 22, 0, 21, 12, 18, 7, 1, 2,
    1, 22, 1, 15, 3, 0, 26, 2, 2, 0, 2, 1, 4, 9, 8, 6, 1, 0, 4, 7, 1, 2, 1, 22,
    1, 9, 1, 4, 3, 0, 31, 1, 1, 1, 4, 9, 1, 1, 17, 8, 1, 2, 1, 40, 2, 0, 16, 0,
    5, 2, 1, 9, 4, 18, 1, 5, 5, 17, 3, 23, 1, 8, 1, 0, 2, 6, 31, 9, 17, 47, 1, 1,
    12, 6, 9, 9, 39, 1, 1, 0, 1, 4, 1, 23, 1, 0, 1, 9, 1, 1, 9, 0, 2, 4, 1, 0,
    9, 9, 2, 3, 32, 0, 31, 19, 12, 7, 1, 35, 27, 4, 115, 42, 20, 10, 6, 5, 4, 3, 3, 0,
    3, 1, 7, 2, 4, 12, 12, 0, 1, 9, 6, 37, 1, 0, 5, 0, 2, 42, 1, 204, 2, 1, 3, 2,
    6, 1, 0, 1, 3, 2, 40, 1, 3, 2, 32, 1, 3, 2, 6, 1, 0, 1, 3, 2, 14, 1, 56, 1,
    3, 2, 66, 14, 19, 3, 15, 16, 85, 2, 5, 3, 235, 4, 2, 16, 1, 25, 5, 74, 3, 10, 7, 17,
    13, 18, 14, 17, 14, 12, 1, 2, 15, 51, 35, 0, 4, 0, 3, 9, 6, 9, 22, 9, 6, 88, 7, 4,
    2, 33, 1, 0, 5, 69, 10, 30, 39, 39, 2, 4, 11, 43, 4, 25, 6, 10, 37, 22, 9, 52, 43, 9,
    6, 9, 13, 0, 93, 46, 17, 7, 3, 9, 41, 29, 13, 55, 26, 35, 28, 9, 3, 48, 2, 8, 7, 42,
    2, 2, 41, 3, 1, 5, 1, 1, 3, 0, 5, 191, 1, 64, 149, 2, 2, 5, 2, 37, 2, 5, 2, 7,
    1, 0, 1, 0, 1, 0, 1, 30, 2, 52, 1, 6, 1, 0, 3, 2, 1, 6, 3, 3, 2, 5, 4, 12,
    5, 2, 1, 6, 115, 1, 2, 5, 5, 10, 6, 12, 101, 0, 4, 0, 2, 9, 1, 0, 3, 4, 6, 0,
    1, 0, 1, 0, 1, 3, 1, 10, 2, 3, 5, 4, 4, 0, 1, 57, 214, 5, 59, 78, 21, 246, 4, 29,
    236, 8, 228, 1, 6, 3, 3, 1, 9, 0, 2, 37, 1, 0, 5, 0, 2, 55, 7, 0, 16, 22, 9, 6,
    1, 6, 1, 6, 1, 6, 1, 6, 1, 6, 1, 6, 1, 6, 80, 0, 213, 3, 2, 25, 8, 7, 4, 2,
    4, 4, 85, 6, 2, 1, 89, 1, 3, 5, 42, 1, 93, 3, 3, 10, 31, 48, 15, 32, 9, 30, 7, 1,
    14, 32, 9, 39, 14, 192, 2, 191, 51, 64, 140, 173, 1, 67, 45, 2, 140, 2, 3, 27, 20, 46, 16, 30,
    2, 79, 39, 8, 2, 102, 2, 63, 5, 1, 1, 0, 1, 4, 24, 15, 1, 2, 1, 3, 1, 22, 13, 5,
    10, 51, 14, 49, 28, 9, 24, 5, 3, 0, 1, 1, 1, 37, 10, 22, 25, 28, 7, 46, 28, 10, 6, 4,
    1, 24, 1, 40, 23, 2, 1, 7, 4, 9, 6, 22, 3, 0, 3, 49, 1, 0, 3, 1, 2, 4, 2, 0,
    1, 0, 24, 2, 2, 10, 7, 2, 12, 5, 2, 5, 2, 5, 9, 6, 1, 6, 1, 42, 1, 13, 6, 114,
    13, 9, 6, 163, 87, 12, 22, 4, 48, 132, 66, 237, 2, 2, 105, 38, 6, 12, 4, 5, 0, 1, 9, 1,
    12, 1, 4, 1, 0, 1, 1, 1, 1, 1, 107, 33, 234, 2, 18, 63, 2, 53, 40, 11, 116, 4, 1, 134,
    1, 19, 9, 7, 25, 6, 25, 11, 88, 3, 5, 2, 5, 2, 5, 2, 2, 35, 11, 1, 25, 1, 18, 1,
    1, 1, 14, 2, 13, 34, 122, 12, 44, 12, 56, 17, 1, 244, 1, 28, 3, 48, 16, 26, 4, 35, 9, 29,
    5, 37, 10, 29, 2, 35, 4, 7, 1, 4, 42, 157, 1, 2, 9, 6, 35, 4, 35, 4, 39, 8, 51, 12,
    10, 1, 14, 1, 6, 1, 1, 1, 10, 1, 14, 1, 6, 1, 1, 67, 182, 2, 9, 21, 10, 7, 24, 5,
    1, 41, 1, 8, 69, 5, 2, 0, 1, 43, 1, 1, 3, 0, 2, 22, 2, 30, 2, 37, 8, 8, 48, 18,
    1, 1, 5, 32, 4, 25, 70, 55, 4, 19, 2, 46, 15, 3, 1, 2, 1, 28, 10, 8, 23, 30, 1, 31,
    32, 7, 1, 27, 6, 4, 16, 53, 10, 21, 2, 26, 5, 25, 23, 6, 80, 72, 55, 50, 13, 50, 7, 41,
    12, 9, 166, 2, 30, 1, 41, 6, 1, 78, 39, 8, 21, 11, 3, 27, 17, 46, 27, 20, 22, 12, 52, 26,
    29, 1, 1, 2, 0, 13, 44, 32, 24, 7, 9, 9, 35, 15, 9, 4, 0, 2, 0, 8, 34, 3, 0, 12,
    47, 14, 3, 11, 10, 1, 0, 4, 19, 11, 17, 1, 24, 84, 6, 1, 0, 1, 3, 1, 14, 1, 9, 7,
    46, 17, 9, 11, 7, 2, 1, 2, 21, 1, 6, 1, 1, 1, 4, 3, 0, 18, 0, 12, 4, 158, 1, 52,
    18, 3, 5, 9, 5, 2, 30, 47, 20, 1, 1, 0, 8, 9, 166, 1, 46, 41, 3, 36, 47, 20, 0, 11,
    9, 38, 42, 13, 0, 7, 9, 54, 26, 21, 11, 4, 6, 185, 1, 43, 116, 82, 12, 7, 2, 0, 2, 7,
    1, 1, 1, 23, 15, 0, 1, 0, 14, 9, 70, 7, 2, 38, 16, 0, 1, 0, 28, 0, 10, 39, 7, 0,
    21, 0, 11, 45, 19, 0, 18, 72, 135, 2, 8, 1, 36, 17, 0, 15, 28, 5, 29, 112, 6, 1, 1, 1,
    37, 21, 0, 9, 9, 6, 5, 1, 1, 1, 31, 14, 0, 7, 9, 182, 2, 18, 189, 1, 0, 15, 20, 43,
    153, 7, 102, 110, 17, 195, 1, 204, 20, 96, 15, 174, 8, 209, 31, 198, 4, 185, 67, 184, 4, 7, 30, 1,
    9, 6, 78, 1, 9, 6, 29, 18, 47, 16, 3, 12, 9, 1, 6, 1, 20, 5, 18, 176, 5, 86, 105, 74,
    5, 0, 66, 12, 64, 1, 1, 0, 28, 247, 47, 8, 213, 9, 42, 8, 231, 69, 3, 1, 6, 1, 1, 1,
    162, 2, 45, 2, 17, 3, 8, 139, 3, 132, 18, 106, 5, 12, 3, 8, 7, 9, 198, 44, 19, 108, 24, 135,
    1, 84, 1, 70, 1, 1, 2, 0, 2, 1, 2, 3, 1, 11, 1, 0, 1, 6, 1, 64, 1, 3, 2, 7,
    1, 6, 1, 27, 1, 3, 1, 4, 1, 0, 3, 6, 1, 211, 2, 2, 24, 1, 24, 1, 30, 1, 24, 1,
    30, 1, 24, 1, 30, 1, 24, 1, 30, 1, 24, 1, 7, 2, 49, 128, 14, 30, 225, 3, 44, 10, 6, 2,
    9, 4, 0, 193, 2, 29, 18, 43, 4, 9, 230, 9, 6, 1, 3, 1, 1, 1, 14, 1, 196, 1, 2, 8,
    48, 67, 7, 0, 4, 9, 151, 6, 58, 1, 2, 1, 3, 76, 44, 1, 14, 194, 1, 3, 1, 26, 1, 1,
    1, 0, 2, 0, 1, 9, 1, 3, 1, 0, 1, 0, 6, 0, 4, 0, 1, 0, 1, 0, 1, 2, 1, 1,
    1, 0, 2, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 2, 3, 1, 6, 1, 3, 1, 3,
    1, 0, 1, 9, 1, 16, 5, 2, 1, 4, 1, 16, 196, 4, 12, 227, 21, 9, 134, 8, 223, 205, 2, 32,
    184, 32, 7, 221, 1, 2, 129, 45, 14, 176, 58, 159, 24, 157, 4, 226, 11, 202, 38,
};

/* >>format ------------------------------------------------------------------
   Shortest round-trip double -> text, exactly as Python's repr(float) (which MLflow itself
   writes): Grisu3 (Loitsch, "Printing Floating-Point Numbers Quickly and Accurately with
   Integers", PLDI 2010) with 64-bit integers for ~99.5% of doubles, and an exact bignum
   algorithm for the cases Grisu3 cannot decide. */
/* Unsigned decimal into buf; returns length. Digits are written from the end, two
   at a time. */
MLL__PRIVATE size_t mll__fmt_u64(uint64_t v, char *buf) {
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    static const uint64_t p10[19] = {10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
                                     10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
                                     100000000000ULL, 1000000000000ULL, 10000000000000ULL,
                                     100000000000000ULL, 1000000000000000ULL,
                                     10000000000000000ULL, 100000000000000000ULL,
                                     1000000000000000000ULL, 10000000000000000000ULL};
    size_t n = 1, pos;
    while (n < 20 && v >= p10[n - 1]) n++; /* digit count by comparison, not division */
    pos = n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        buf[--pos] = pairs[2 * r + 1];
        buf[--pos] = pairs[2 * r];
    }
    if (v >= 10) {
        buf[--pos] = pairs[2 * v + 1];
        buf[--pos] = pairs[2 * v];
    } else {
        buf[--pos] = (char)('0' + v);
    }
    return n;
}

typedef struct mll__fp {
    uint64_t f;
    int e;
} mll__fp;

#if defined(__SIZEOF_INT128__) && (defined(__GNUC__) || defined(__clang__))
__extension__ typedef unsigned __int128 mll__u128; /* __extension__: no -Wpedantic warning */
MLL__PRIVATE mll__fp mll__fp_mul(mll__fp x, mll__fp y) {
    /* 64x64 -> upper 64 bits, rounded: one multiply instruction on 64-bit targets */
    mll__u128 p = (mll__u128)x.f * y.f + ((mll__u128)1 << 63);
    mll__fp r;
    r.f = (uint64_t)(p >> 64);
    r.e = x.e + y.e + 64;
    return r;
}
#else
MLL__PRIVATE mll__fp mll__fp_mul(mll__fp x, mll__fp y) {
    /* 64x64 -> upper 64 bits, rounded */
    const uint64_t lo = 0xFFFFFFFFu;
    uint64_t a = x.f >> 32, b = x.f & lo, c = y.f >> 32, d = y.f & lo;
    uint64_t ac = a * c, bc = b * c, ad = a * d, bd = b * d;
    uint64_t mid = (bd >> 32) + (ad & lo) + (bc & lo) + (1u << 31);
    mll__fp r;
    r.f = ac + (ad >> 32) + (bc >> 32) + (mid >> 32);
    r.e = x.e + y.e + 64;
    return r;
}
#endif

MLL__PRIVATE mll__fp mll__fp_normalize(mll__fp x) {
#if defined(__GNUC__) || defined(__clang__)
    int lz = __builtin_clzll(x.f); /* x.f != 0 here */
    x.f <<= lz;
    x.e -= lz;
#else
    while (!(x.f & (1ULL << 63))) {
        x.f <<= 1;
        x.e--;
    }
#endif
    return x;
}

/* Grisu3's last step: moves the last digit down while that brings it closer to v, then
   decides whether the result is provably the shortest and closest (0 = undecided). */
MLL__PRIVATE int mll__grisu_weed(char *buf, int len, uint64_t dist_high_w, uint64_t unsafe,
                                 uint64_t rest, uint64_t ten_kappa, uint64_t unit) {
    uint64_t small_d = dist_high_w - unit, big_d = dist_high_w + unit;
    while (rest < small_d && unsafe - rest >= ten_kappa &&
           (rest + ten_kappa < small_d || small_d - rest >= rest + ten_kappa - small_d)) {
        buf[len - 1]--;
        rest += ten_kappa;
    }
    if (rest < big_d && unsafe - rest >= ten_kappa &&
        (rest + ten_kappa < big_d || big_d - rest > rest + ten_kappa - big_d))
        return 0;
    return 2 * unit <= rest && rest <= unsafe - 4 * unit;
}

/* Grisu3 (Loitsch, PLDI 2010): digits of v (> 0, finite) into buf; returns their count
   and *k10 with v = digits * 10^k10, or 0 when it cannot prove the digits are the
   shortest and closest (~0.5% of doubles): the caller then uses the exact algorithm.
   Its answers are exactly Python's repr(float) digits. */
MLL__PRIVATE int mll__grisu3(double v, char *buf, int *k10) {
    static const uint32_t p10[10] = {1u,      10u,      100u,      1000u,      10000u,
                                     100000u, 1000000u, 10000000u, 100000000u, 1000000000u};
    uint64_t bits, frac;
    int bexp, len = 0, kappa, n, i;
    mll__fp w, m_plus, m_minus, c, too_low, too_high;
    uint64_t unit = 1, unsafe, one, mask, fractionals, dist_high_w;
    uint32_t integrals;
    int shift;
    char idig[10];
    memcpy(&bits, &v, 8);
    frac = bits & ((1ULL << 52) - 1);
    bexp = (int)((bits >> 52) & 0x7FF);
    if (bexp) {
        w.f = frac | (1ULL << 52);
        w.e = bexp - 1075;
    } else {
        w.f = frac;
        w.e = -1074;
    }
    m_plus.f = (w.f << 1) + 1;
    m_plus.e = w.e - 1;
    m_plus = mll__fp_normalize(m_plus);
    if (frac == 0 && bexp > 1) { /* lower boundary is closer */
        m_minus.f = (w.f << 2) - 1;
        m_minus.e = w.e - 2;
    } else {
        m_minus.f = (w.f << 1) - 1;
        m_minus.e = w.e - 1;
    }
    m_minus.f <<= (m_minus.e - m_plus.e);
    m_minus.e = m_plus.e;
    w = mll__fp_normalize(w);
    {
        /* cached power c = 10^-k with -60 <= e_c + e_w + 64 <= -32 */
        int f = -60 - m_plus.e - 1;
        int k = (f * 78913) / (1 << 18) + (f > 0);
        int idx = (300 + k + 7) / 8;
        c.f = mll__pow10_cache[idx].f;
        c.e = mll__pow10_cache[idx].e;
        *k10 = -mll__pow10_cache[idx].k;
    }
    w = mll__fp_mul(w, c);
    m_plus = mll__fp_mul(m_plus, c);
    m_minus = mll__fp_mul(m_minus, c);
    /* each product is off by at most one unit: widen to the unsafe interval */
    too_low.f = m_minus.f - unit;
    too_high.f = m_plus.f + unit;
    unsafe = too_high.f - too_low.f;
    shift = -w.e;
    one = 1ULL << shift;
    mask = one - 1;
    integrals = (uint32_t)(too_high.f >> shift);
    fractionals = too_high.f & mask;
    dist_high_w = too_high.f - w.f;
    /* integral digits: all at once, then stop at the first prefix inside the interval */
    n = (int)mll__fmt_u64(integrals, idig); /* all integral digits, two at a time */
    kappa = n;
    for (i = 0; i < n; i++) {
        uint64_t rest;
        buf[len++] = idig[i];
        integrals -= (uint32_t)(idig[i] - '0') * p10[kappa - 1];
        kappa--;
        rest = ((uint64_t)integrals << shift) + fractionals;
        if (rest < unsafe) {
            *k10 += kappa;
            return mll__grisu_weed(buf, len, dist_high_w, unsafe, rest, (uint64_t)p10[kappa] << shift, unit)
                       ? len
                       : 0;
        }
    }
    for (;;) {
        fractionals *= 10;
        unit *= 10;
        unsafe *= 10;
        buf[len++] = (char)('0' + (fractionals >> shift));
        fractionals &= mask;
        kappa--;
        if (fractionals < unsafe) {
            *k10 += kappa;
            return mll__grisu_weed(buf, len, dist_high_w * unit, unsafe, fractionals, one, unit) ? len : 0;
        }
        if (len >= 18) return 0; /* cannot happen; a guard */
    }
}

/* Exact shortest digits (Burger & Dybvig, "Printing Floating-Point Numbers Quickly and
   Accurately", PLDI 1996) with a fixed-size bignum: the shortest digit string that reads
   back as v and, among those, the closest to v (ties to even), which is what Python's
   repr(float) produces. ~30x slower than Grisu3: the fallback for what Grisu3 leaves
   undecided. */
enum { MLL__BIG_LIMBS = 40 }; /* 1280 bits: enough for 2^1077 * 10 and 2^53 * 10^324 */
typedef struct mll__big {
    uint32_t w[MLL__BIG_LIMBS];
    int n; /* limbs in use */
} mll__big;

MLL__PRIVATE void mll__big_set(mll__big *b, uint64_t v) {
    b->n = 0;
    while (v) {
        b->w[b->n++] = (uint32_t)v;
        v >>= 32;
    }
}
MLL__PRIVATE void mll__big_mul_small(mll__big *b, uint32_t m) {
    uint64_t carry = 0;
    int i;
    for (i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + carry;
        b->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry) b->w[b->n++] = (uint32_t)carry;
}
MLL__PRIVATE void mll__big_shl(mll__big *b, int bits) {
    int limbs = bits / 32, sh = bits % 32, i;
    if (b->n == 0) return;
    if (sh) {
        uint32_t carry = 0;
        for (i = 0; i < b->n; i++) {
            uint32_t nw = (b->w[i] << sh) | carry;
            carry = b->w[i] >> (32 - sh);
            b->w[i] = nw;
        }
        if (carry) b->w[b->n++] = carry;
    }
    if (limbs) {
        for (i = b->n - 1; i >= 0; i--) b->w[i + limbs] = b->w[i];
        for (i = 0; i < limbs; i++) b->w[i] = 0;
        b->n += limbs;
    }
}
MLL__PRIVATE void mll__big_mul_pow10(mll__big *b, int k) {
    while (k >= 9) {
        mll__big_mul_small(b, 1000000000u);
        k -= 9;
    }
    while (k-- > 0) mll__big_mul_small(b, 10);
}
MLL__PRIVATE int mll__big_cmp(const mll__big *a, const mll__big *b) {
    int i;
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (i = a->n - 1; i >= 0; i--)
        if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}
MLL__PRIVATE void mll__big_add(mll__big *out, const mll__big *a, const mll__big *b) {
    uint64_t carry = 0;
    int i, n = a->n > b->n ? a->n : b->n;
    for (i = 0; i < n; i++) {
        uint64_t t = carry + (i < a->n ? a->w[i] : 0) + (i < b->n ? b->w[i] : 0);
        out->w[i] = (uint32_t)t;
        carry = t >> 32;
    }
    out->n = n;
    if (carry) out->w[out->n++] = (uint32_t)carry;
}
MLL__PRIVATE void mll__big_sub(mll__big *a, const mll__big *b) { /* a -= b, a >= b */
    int64_t borrow = 0;
    int i;
    for (i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
        borrow = t < 0;
        a->w[i] = (uint32_t)(t + (borrow ? ((int64_t)1 << 32) : 0));
    }
    while (a->n && a->w[a->n - 1] == 0) a->n--;
}
/* r/s as one decimal digit (r < 10 s); leaves the remainder in r. */
MLL__PRIVATE int mll__big_divmod_digit(mll__big *r, const mll__big *s) {
    int d = 0;
    while (mll__big_cmp(r, s) >= 0) {
        mll__big_sub(r, s);
        d++;
    }
    return d;
}

/* Digits of v (> 0, finite) into buf; returns count, *decpt with v = 0.DIGITS * 10^decpt. */
MLL__PRIVATE int mll__shortest_exact(double v, char *buf, int *decpt) {
    uint64_t bits, frac, f;
    int bexp, e, k, len = 0, even, bitlen = 0;
    mll__big r, s, mp, mm, t;
    memcpy(&bits, &v, 8);
    frac = bits & ((1ULL << 52) - 1);
    bexp = (int)((bits >> 52) & 0x7FF);
    f = bexp ? frac | (1ULL << 52) : frac;
    e = bexp ? bexp - 1075 : -1074;
    even = (f & 1) == 0; /* round-half-even: the interval bounds belong to v */
    mll__big_set(&r, f);
    mll__big_set(&s, 1);
    mll__big_set(&mp, 1);
    mll__big_set(&mm, 1);
    if (frac == 0 && bexp > 1) { /* the gap below v is half the gap above */
        mll__big_shl(&r, e >= 0 ? e + 2 : 2);
        mll__big_shl(&s, e >= 0 ? 2 : 2 - e);
        mll__big_shl(&mp, e >= 0 ? e + 1 : 1);
        if (e > 0) mll__big_shl(&mm, e);
    } else {
        mll__big_shl(&r, e >= 0 ? e + 1 : 1);
        mll__big_shl(&s, e >= 0 ? 1 : 1 - e);
        if (e > 0) {
            mll__big_shl(&mp, e);
            mll__big_shl(&mm, e);
        }
    }
    {
        uint64_t t2 = f;
        while (t2) {
            bitlen++;
            t2 >>= 1;
        }
    }
    /* k = ceil(log10 v), estimated from below (never more than one too small) */
    {
        double lg = (double)(e + bitlen - 1) * 0.30102999566398114;
        k = (int)lg;
        if ((double)k < lg) k++;
    }
    if (k >= 0)
        mll__big_mul_pow10(&s, k);
    else {
        mll__big_mul_pow10(&r, -k);
        mll__big_mul_pow10(&mp, -k);
        mll__big_mul_pow10(&mm, -k);
    }
    mll__big_add(&t, &r, &mp);
    if (even ? mll__big_cmp(&t, &s) >= 0 : mll__big_cmp(&t, &s) > 0) {
        mll__big_mul_small(&s, 10);
        k++;
    }
    *decpt = k;
    for (;;) {
        int d, low, high;
        mll__big_mul_small(&r, 10);
        mll__big_mul_small(&mp, 10);
        mll__big_mul_small(&mm, 10);
        d = mll__big_divmod_digit(&r, &s);
        low = even ? mll__big_cmp(&r, &mm) <= 0 : mll__big_cmp(&r, &mm) < 0;
        mll__big_add(&t, &r, &mp);
        high = even ? mll__big_cmp(&t, &s) >= 0 : mll__big_cmp(&t, &s) > 0;
        if (!low && !high) {
            buf[len++] = (char)('0' + d);
            if (len >= 17) return len; /* cannot happen for doubles; a guard */
            continue;
        }
        if (low && high) { /* both neighbours round to v: take the closer, ties to even */
            int c;
            mll__big_add(&t, &r, &r);
            c = mll__big_cmp(&t, &s);
            if (c > 0 || (c == 0 && (d & 1))) d++;
        } else if (high) {
            d++;
        }
        buf[len++] = (char)('0' + d);
        break;
    }
    /* a last digit of 10 carries into the previous ones (not expected; kept exact) */
    while (len > 0 && buf[len - 1] > '9') {
        buf[len - 1] = '0';
        if (len == 1) {
            buf[0] = '1';
            (*decpt)++;
            break;
        }
        buf[len - 2]++;
        len--;
    }
    return len;
}

MLL__PRIVATE size_t mll__fmt_i64(int64_t v, char *buf) {
    if (v < 0) {
        buf[0] = '-';
        return 1 + mll__fmt_u64((uint64_t)0 - (uint64_t)v, buf + 1);
    }
    return mll__fmt_u64((uint64_t)v, buf);
}

/* Python repr(float) layout: fixed notation when -4 < decpt <= 16, else d.ddde+XX.
   The digits are always repr's own (shortest, closest, ties to even): from Grisu3 when it
   can prove them, else from the exact algorithm. exact = 1 skips Grisu3 (for tests). */
MLL__PRIVATE size_t mll__fmt_double_with(double v, char *out, int exact) {
    uint64_t bits;
    char digits[24];
    int len, k, decpt, i;
    size_t n = 0;
    memcpy(&bits, &v, 8);
    if (((bits >> 52) & 0x7FF) == 0x7FF) {
        if (bits & ((1ULL << 52) - 1)) {
            memcpy(out, "nan", 3);
            return 3;
        }
        if (bits >> 63) {
            memcpy(out, "-inf", 4);
            return 4;
        }
        memcpy(out, "inf", 3);
        return 3;
    }
    if (bits >> 63) {
        out[n++] = '-';
        bits &= ~(1ULL << 63);
        memcpy(&v, &bits, 8);
    }
    if (bits == 0) {
        memcpy(out + n, "0.0", 3);
        return n + 3;
    }
    len = exact ? 0 : mll__grisu3(v, digits, &k);
    if (len > 0)
        decpt = len + k; /* v = 0.DIGITS * 10^decpt */
    else
        len = mll__shortest_exact(v, digits, &decpt); /* Grisu3 undecided (~0.5%) */
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out[n++] = '0';
            out[n++] = '.';
            for (i = 0; i < -decpt; i++) out[n++] = '0';
            memcpy(out + n, digits, (size_t)len);
            n += (size_t)len;
        } else if (decpt < len) {
            memcpy(out + n, digits, (size_t)decpt);
            n += (size_t)decpt;
            out[n++] = '.';
            memcpy(out + n, digits + decpt, (size_t)(len - decpt));
            n += (size_t)(len - decpt);
        } else {
            memcpy(out + n, digits, (size_t)len);
            n += (size_t)len;
            for (i = len; i < decpt; i++) out[n++] = '0';
            out[n++] = '.';
            out[n++] = '0';
        }
    } else {
        int ex = decpt - 1;
        out[n++] = digits[0];
        if (len > 1) {
            out[n++] = '.';
            memcpy(out + n, digits + 1, (size_t)(len - 1));
            n += (size_t)(len - 1);
        }
        out[n++] = 'e';
        out[n++] = ex < 0 ? '-' : '+';
        if (ex < 0) ex = -ex;
        if (ex < 10) out[n++] = '0';
        n += mll__fmt_u64((uint64_t)ex, out + n);
    }
    return n;
}

MLL__PRIVATE size_t mll__fmt_double(double v, char *out) { return mll__fmt_double_with(v, out, 0); }

/* ---- printf engine ---------------------------------------------------------
   Locale-proof and exact for every value: the format is walked one conversion at a time.
   Integers, strings, characters and pointers go through libc's snprintf, exact for every
   value. stb_sprintf 1.10 is not: at -O2 it prints INT_MIN as -18446744071562067968 (it
   negates a signed int: undefined behaviour), ignores the h and hh length modifiers and
   prints "%.0d" of 0 as "0"; a 32-bit long does the same on 32-bit targets. Floating point
   goes through stb_sprintf when it is the engine (its '.' never depends on the locale),
   else libc with the locale's decimal point turned back into '.', in that piece only: a
   string argument is never rewritten. "%n" and unknown conversions are refused (-1). */
typedef struct mll__spec {
    char text[64]; /* the conversion rebuilt with '*' resolved, e.g. "%-12.3lld" */
    char len[3];   /* "", "hh", "h", "l", "ll", "j", "z", "t" or "L" */
    char conv;
} mll__spec;

/* Reads a field width or precision: digits, or '*' taken from ap. */
MLL__PRIVATE const char *mll__spec_num(const char *f, int *out, va_list *ap) {
    if (*f == '*') {
        *out = va_arg(*ap, int);
        return f + 1;
    }
    for (*out = 0; *f >= '0' && *f <= '9'; f++)
        if (*out < 100000) *out = *out * 10 + (*f - '0');
    return f;
}

/* Parses the conversion at f (just after '%') into sp. Returns the character after it, or
   NULL for a malformed or refused conversion. */
MLL__PRIVATE const char *mll__spec_parse(const char *f, mll__spec *sp, va_list *ap) {
    char *t = sp->text;
    int width = -1, prec = -1;
    size_t nl = 0;
    *t++ = '%';
    while (*f && strchr("-+ #0", *f) && t - sp->text < 8) *t++ = *f++;
    if (*f == '*' || (*f >= '0' && *f <= '9')) {
        f = mll__spec_num(f, &width, ap);
        if (width < 0) { /* a negative '*' width means the '-' flag */
            *t++ = '-';
            width = width == INT_MIN ? INT_MAX : -width;
        }
    }
    if (*f == '.') f = mll__spec_num(f + 1, &prec, ap); /* a negative '*': as if omitted */
    while (nl < 2 && *f && strchr("hljztL", *f) && (nl == 0 || *f == sp->len[0])) sp->len[nl++] = *f++;
    sp->len[nl] = '\0';
    sp->conv = *f;
    if (!*f || !strchr("diouxXfFeEgGaAcsp", *f)) return NULL;
    if (width >= 0) t += mll__fmt_u64((uint64_t)width, t);
    if (prec >= 0) {
        *t++ = '.';
        t += mll__fmt_u64((uint64_t)prec, t);
    }
    memcpy(t, sp->len, nl);
    t[nl] = sp->conv;
    t[nl + 1] = '\0';
    return f + 1;
}

/* One floating-point conversion into out (snprintf rules); returns its length or -1. */
MLL__PRIVATE int mll__spec_float(char *out, size_t cap, const mll__spec *sp, va_list *ap) {
    char tmp[512];
    int k;
    if (sp->len[0] == 'L') {
        k = snprintf(tmp, sizeof(tmp), sp->text, va_arg(*ap, long double));
    } else {
        double v = va_arg(*ap, double);
#if MLL_USE_STB_SPRINTF
        k = MLL__STBSP_SNPRINTF(tmp, (int)sizeof(tmp), sp->text, v);
#else
        k = snprintf(tmp, sizeof(tmp), sp->text, v);
#endif
    }
    if (k < 0 || (size_t)k >= sizeof(tmp) - 1) return -1; /* > 510 characters: refused */
    if (!MLL_USE_STB_SPRINTF || sp->len[0] == 'L') {
        /* libc wrote the locale's decimal point (possibly multi-byte): make it '.' */
        const char *dp = localeconv()->decimal_point;
        char *hit = dp && dp[0] && strcmp(dp, ".") != 0 ? strstr(tmp, dp) : NULL;
        if (hit) {
            size_t dl = strlen(dp);
            *hit = '.';
            memmove(hit + 1, hit + dl, strlen(hit + dl) + 1);
            k -= (int)(dl - 1);
        }
    }
    if (cap) {
        size_t c = (size_t)k < cap ? (size_t)k : cap - 1;
        memcpy(out, tmp, c);
        out[c] = '\0';
    }
    return k;
}

/* One conversion with its argument into out (snprintf rules); returns its length or -1. */
MLL__PRIVATE int mll__spec_emit(char *out, size_t cap, const mll__spec *sp, va_list *ap) {
    const char *l = sp->len, *fmt = sp->text;
    int sgn = sp->conv == 'd' || sp->conv == 'i';
    switch (sp->conv) {
    case 'c': return l[0] ? -1 : snprintf(out, cap, fmt, va_arg(*ap, int));
    case 's': {
        const char *s = va_arg(*ap, const char *);
        return l[0] ? -1 : snprintf(out, cap, fmt, s ? s : "(null)");
    }
    case 'p': return l[0] ? -1 : snprintf(out, cap, fmt, va_arg(*ap, void *));
    case 'd': case 'i': case 'o': case 'u': case 'x': case 'X':
        if (l[0] == 'l' && l[1] == 'l')
            return sgn ? snprintf(out, cap, fmt, va_arg(*ap, long long))
                       : snprintf(out, cap, fmt, va_arg(*ap, unsigned long long));
        if (l[0] == 'l')
            return sgn ? snprintf(out, cap, fmt, va_arg(*ap, long)) : snprintf(out, cap, fmt, va_arg(*ap, unsigned long));
        if (l[0] == 'j')
            return sgn ? snprintf(out, cap, fmt, va_arg(*ap, intmax_t)) : snprintf(out, cap, fmt, va_arg(*ap, uintmax_t));
        if (l[0] == 'z') return snprintf(out, cap, fmt, va_arg(*ap, size_t));
        if (l[0] == 't') return snprintf(out, cap, fmt, va_arg(*ap, ptrdiff_t));
        if (l[0] == 'L') return -1;
        /* int, or short/char promoted to int: libc converts back for h and hh */
        return sgn ? snprintf(out, cap, fmt, va_arg(*ap, int)) : snprintf(out, cap, fmt, va_arg(*ap, unsigned));
    default: return mll__spec_float(out, cap, sp, ap);
    }
}

MLL__PRIVATE int mll__vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap_in) {
    va_list ap;
    size_t n = 0;
    int bad = 0;
    va_copy(ap, ap_in); /* a local copy: its address is a va_list * on every ABI */
    while (!bad && *fmt) {
        if (*fmt != '%' || fmt[1] == '%') { /* a literal character, or "%%" */
            if (n + 1 < cap) buf[n] = *fmt;
            n++;
            fmt += *fmt == '%' ? 2 : 1;
        } else {
            mll__spec sp;
            int k = -1;
            memset(&sp, 0, sizeof(sp));
            fmt = mll__spec_parse(fmt + 1, &sp, &ap);
            if (fmt) k = mll__spec_emit(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, &sp, &ap);
            if (k < 0) bad = 1;
            else n += (size_t)k;
        }
    }
    va_end(ap);
    if (cap) buf[n < cap ? n : cap - 1] = '\0';
    return bad || n > (size_t)INT_MAX ? -1 : (int)n;
}

MLL__PRIVATE int mll__snprintf(char *buf, size_t cap, const char *fmt, ...) MLL__PRINTF(3, 4);
MLL__PRIVATE int mll__snprintf(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = mll__vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* >>memory ------------------------------------------------------------------ */
typedef struct mll__buf {
    char *data;
    size_t len, cap;
} mll__buf;

MLL__PRIVATE void *mll__default_alloc(size_t size, void *ud) {
    (void)ud;
    return malloc(size);
}
MLL__PRIVATE void mll__default_free(void *p, void *ud) {
    (void)ud;
    free(p);
}

MLL__PRIVATE void *mll__alloc(const mll_allocator *a, size_t size) {
    return size ? a->alloc(size, a->user_data) : NULL;
}
MLL__PRIVATE void mll__free(const mll_allocator *a, void *p) {
    if (p) a->free(p, a->user_data);
}
MLL__PRIVATE char *mll__strndup(const mll_allocator *a, const char *s, size_t n) {
    char *d = (char *)mll__alloc(a, n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}
MLL__PRIVATE char *mll__strdup(const mll_allocator *a, const char *s) {
    return mll__strndup(a, s, strlen(s));
}
/* Grows b to hold at least `need` bytes (no realloc hook: alloc + copy + free). */
MLL__PRIVATE mll_result mll__buf_reserve(const mll_allocator *a, mll__buf *b, size_t need) {
    char *nd;
    size_t nc;
    if (need <= b->cap) return MLL_OK;
    nc = b->cap ? b->cap : 256;
    while (nc < need) nc *= 2;
    nd = (char *)mll__alloc(a, nc);
    if (!nd) return MLL_ERR_NO_MEMORY;
    if (b->len) memcpy(nd, b->data, b->len);
    mll__free(a, b->data);
    b->data = nd;
    b->cap = nc;
    return MLL_OK;
}
MLL__PRIVATE mll_result mll__buf_append(const mll_allocator *a, mll__buf *b, const char *s,
                                        size_t n) {
    mll_result r = mll__buf_reserve(a, b, b->len + n + 1);
    if (r != MLL_OK) return r;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return MLL_OK;
}
MLL__PRIVATE mll_result mll__buf_puts(const mll_allocator *a, mll__buf *b, const char *s) {
    return mll__buf_append(a, b, s, strlen(s));
}
MLL__PRIVATE void mll__buf_free(const mll_allocator *a, mll__buf *b) {
    mll__free(a, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* >>strings ----------------------------------------------------------------- */
/* Decodes one UTF-8 sequence at s (n bytes left). Returns its length, or 0 if invalid
   (overlong, surrogate, > U+10FFFF, truncated). */
MLL__PRIVATE size_t mll__utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    uint32_t c = s[0];
    size_t len, i;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        c &= 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        c &= 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        c &= 0x07;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Number of code points (Python's len()), or (size_t)-1 if s is not valid UTF-8. */
MLL__PRIVATE size_t mll__utf8_chars(const char *s, size_t n) {
    size_t i = 0, chars = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = mll__utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!l) return (size_t)-1;
        i += l;
        chars++;
    }
    return chars;
}

/* one LEB128 varint of mll__word_leb at *i */
MLL__PRIVATE uint32_t mll__leb_next(size_t *i) {
    uint32_t v = 0;
    unsigned shift = 0;
    unsigned char b;
    do {
        b = mll__word_leb[(*i)++];
        v |= (uint32_t)(b & 0x7F) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

/* Python's `re` \w for one code point. Above ASCII a linear walk of the ranges (~1 us at
   worst): a key is checked once, when it is first seen, so a smaller table wins. */
MLL__PRIVATE int mll__is_word_codepoint(uint32_t c) {
    size_t i = 0;
    uint32_t first = 0x80;
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               c == '_';
    while (i < sizeof mll__word_leb) {
        uint32_t last;
        first += mll__leb_next(&i);
        if (c < first) return 0;
        last = first + mll__leb_next(&i);
        if (c <= last) return 1;
        first = last + 1;
    }
    return 0;
}

/* MLflow's key rule (validation.py): ^[/\w.\- :]*$, posixpath.normpath(key) == key, and
   the key is not ".", not starting with ".." or "/"; at most 250 characters. */
MLL__PRIVATE mll_result mll__validate_key(const char *key) {
    size_t n, i = 0, chars = 0, seg_start = 0;
    if (!key) return MLL_ERR_INVALID_ARGUMENT;
    n = strlen(key);
    if (n == 0 || key[0] == '/' || (key[0] == '.' && key[1] == '.') ||
        (key[0] == '.' && key[1] == '\0'))
        return MLL_ERR_INVALID_KEY;
    while (i < n) {
        uint32_t cp;
        size_t l = mll__utf8_decode((const unsigned char *)key + i, n - i, &cp);
        if (!l) return MLL_ERR_INVALID_UTF8;
        if (!(mll__is_word_codepoint(cp) || cp == '/' || cp == '.' || cp == '-' || cp == ' ' ||
              (cp == ':' && !MLL__PLATFORM_WINDOWS))) /* MLflow refuses ':' on Windows too */
            return MLL_ERR_INVALID_KEY;
        if (cp == '/') {
            /* normpath changes "", "." and ".." segments and a trailing "/" */
            size_t sl = i - seg_start;
            if (sl == 0 || (sl == 1 && key[seg_start] == '.') ||
                (sl == 2 && key[seg_start] == '.' && key[seg_start + 1] == '.'))
                return MLL_ERR_INVALID_KEY;
            seg_start = i + 1;
        }
        i += l;
        chars++;
    }
    {
        size_t sl = n - seg_start;
        if (sl == 0 || (sl == 1 && key[seg_start] == '.') ||
            (sl == 2 && key[seg_start] == '.' && key[seg_start + 1] == '.'))
            return MLL_ERR_INVALID_KEY;
    }
    if (chars > MLL__MAX_KEY_CHARS) return MLL_ERR_VALUE_TOO_LONG;
    return MLL_OK;
}

/* A value: valid UTF-8 and at most max_chars code points. */
MLL__PRIVATE mll_result mll__validate_value(const char *v, size_t max_chars) {
    size_t chars;
    if (!v) return MLL_ERR_INVALID_ARGUMENT;
    chars = mll__utf8_chars(v, strlen(v));
    if (chars == (size_t)-1) return MLL_ERR_INVALID_UTF8;
    if (chars > max_chars) return MLL_ERR_VALUE_TOO_LONG;
    return MLL_OK;
}

/* Experiment and run ids: MLflow's ^[a-zA-Z0-9][\w\-]{0,63}$ (runs allow 255). */
MLL__PRIVATE mll_result mll__validate_id(const char *id, size_t max_len) {
    size_t i, n;
    if (!id) return MLL_ERR_INVALID_ARGUMENT;
    n = strlen(id);
    if (n == 0 || n > max_len) return MLL_ERR_INVALID_NAME;
    for (i = 0; i < n; i++) {
        char c = id[i];
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!(alnum || (i > 0 && (c == '_' || c == '-')))) return MLL_ERR_INVALID_NAME;
    }
    return MLL_OK;
}

/* Artifact paths: relative, no "", "." or ".." segments, valid UTF-8. */
MLL__PRIVATE mll_result mll__validate_artifact_path(const char *p) {
    size_t n, i, seg = 0;
    if (!p) return MLL_ERR_INVALID_ARGUMENT;
    n = strlen(p);
    if (n == 0 || p[0] == '/') return MLL_ERR_INVALID_KEY;
    if (mll__utf8_chars(p, n) == (size_t)-1) return MLL_ERR_INVALID_UTF8;
    for (i = 0; i <= n; i++) {
        if (i == n || p[i] == '/') {
            size_t sl = i - seg;
            if (sl == 0 || (sl == 1 && p[seg] == '.') ||
                (sl == 2 && p[seg] == '.' && p[seg + 1] == '.'))
                return MLL_ERR_INVALID_KEY;
            seg = i + 1;
        } else if (p[i] == '\\') {
            return MLL_ERR_INVALID_KEY;
        }
    }
    return MLL_OK;
}

/* Python's str.isspace() characters: MLflow rejects names that strip() to nothing. */
MLL__PRIVATE int mll__is_py_space(uint32_t c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

/* Non-zero if s (valid UTF-8) is empty or only Python whitespace. */
MLL__PRIVATE int mll__blank_name(const char *s) {
    size_t n = strlen(s), i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = mll__utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (!l || !mll__is_py_space(cp)) return 0;
        i += l;
    }
    return 1;
}

MLL__PRIVATE int mll__all_digits(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

MLL__PRIVATE uint64_t mll__fnv1a(const char *s, size_t n) {
    uint64_t h = 0xCBF29CE484222325ULL;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

/* >>paths ------------------------------------------------------------------- */
/* Joins up to three parts with '/' into out (MLL_MAX_PATH). Parts may be NULL. */
MLL__PRIVATE mll_result mll__path(char *out, const char *a, const char *b, const char *c) {
    const char *parts[3];
    size_t n = 0, i;
    parts[0] = a;
    parts[1] = b;
    parts[2] = c;
    out[0] = '\0';
    for (i = 0; i < 3; i++) {
        size_t l;
        if (!parts[i] || !parts[i][0]) continue;
        l = strlen(parts[i]);
        if (n + l + 2 > MLL_MAX_PATH) return MLL_ERR_PATH_TOO_LONG;
        if (n && out[n - 1] != '/') out[n++] = '/';
        memcpy(out + n, parts[i], l);
        n += l;
        out[n] = '\0';
    }
    return MLL_OK;
}

/* Lexically normalises an absolute path: removes ".", "..", "//" and a trailing "/". */
MLL__PRIVATE void mll__normalize_abs(char *p) {
    char *root = p + mll__os_root_len(p); /* Windows: "C:" or "//server/share" stays */
    char *src = root, *dst = root;
    while (*src) {
        while (*src == '/') src++;
        if (!*src) break;
        if (src[0] == '.' && (src[1] == '/' || src[1] == '\0')) {
            src += 1;
            continue;
        }
        if (src[0] == '.' && src[1] == '.' && (src[2] == '/' || src[2] == '\0')) {
            src += 2;
            while (dst > root && *--dst != '/') {
            }
            continue;
        }
        *dst++ = '/';
        while (*src && *src != '/') *dst++ = *src++;
    }
    if (dst == root) *dst++ = '/';
    *dst = '\0';
}

/* file:// URI of an absolute path, percent-encoded like Python's pathlib.as_uri(). */
MLL__PRIVATE mll_result mll__path_to_uri(const char *path, char *out, size_t cap) {
    static const char hex[] = "0123456789ABCDEF";
    size_t n = 0;
    const unsigned char *s = (const unsigned char *)path;
    if (cap < 12) return MLL_ERR_PATH_TOO_LONG;
    memcpy(out, "file://", 7);
    n = 7;
    if (MLL__PLATFORM_WINDOWS && mll__os_root_len(path) == 2) {
        /* as pathlib: C:/a b -> file:///C:/a%20b (the drive kept as written);
           //server/share/x -> file://server/share/x */
        out[n++] = '/';
        out[n++] = path[0];
        out[n++] = ':';
        s += 2;
    } else if (MLL__PLATFORM_WINDOWS && s[0] == '/' && s[1] == '/') {
        n = 5;
    }
    for (; *s; s++) {
        unsigned char c = *s;
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
        if (n + 4 >= cap) return MLL_ERR_PATH_TOO_LONG;
        if (keep) {
            out[n++] = (char)c;
        } else {
            out[n++] = '%';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        }
    }
    out[n] = '\0';
    return MLL_OK;
}

MLL__PRIVATE int mll__hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A file: URI or a plain path -> a path (percent-decoded for URIs). Returns 1 for a local
   path; 0 if uri names no local path (http:, s3:, file://host/, databricks, ...);
   MLL__URI_MALFORMED for "file:" without a path or with an encoded NUL (%00 would cut the
   path short without a word); MLL__URI_TOO_LONG when the path does not fit in cap. */
enum { MLL__URI_MALFORMED = -1, MLL__URI_TOO_LONG = -2 };
MLL__PRIVATE int mll__uri_to_path(const char *uri, char *out, size_t cap) {
    const char *p = uri;
    size_t n = 0;
    if (strncmp(uri, "file:", 5) == 0) {
        p = uri + 5;
        if (strncmp(p, "//", 2) == 0) {
            p += 2;
            if (strncmp(p, "localhost/", 10) == 0) p += 9;
            else if (MLL__PLATFORM_WINDOWS && *p != '/') p -= 2; /* file://server/share: UNC */
            else if (*p != '/') return 0; /* file://host/... is remote */
            if (MLL__PLATFORM_WINDOWS && p[0] == '/' && p[1] && p[2] == ':') p++; /* /C:/x */
        }
        while (*p && n + 1 < cap) {
            int h1, h2;
            if (*p == '%' && (h1 = mll__hexval(p[1])) >= 0 && (h2 = mll__hexval(p[2])) >= 0) {
                if (h1 == 0 && h2 == 0) return MLL__URI_MALFORMED;
                out[n++] = (char)(h1 * 16 + h2);
                p += 3;
            } else {
                out[n++] = *p++;
            }
        }
        out[n] = '\0';
        if (*p) return MLL__URI_TOO_LONG;
        return n > 0 ? 1 : MLL__URI_MALFORMED;
    }
    {
        /* RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), e.g. s3:, gs:;
           2+ characters, so that "C:" style never matters here: not local */
        const char *q = uri;
        if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z')) {
            q++;
            while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
                   *q == '+' || *q == '-' || *q == '.')
                q++;
            if (*q == ':' && q - uri >= 2) return 0;
        }
        if (strcmp(uri, "databricks") == 0) return 0;
    }
    if (!uri[0]) return 0;
    if (strlen(uri) + 1 > cap) return MLL__URI_TOO_LONG;
    strcpy(out, uri);
    return 1;
}

/* >>io: default file-system hooks (POSIX and Win32) --------------------------- */
MLL__PRIVATE mll_result mll__result_from_errno(int e) {
    switch (e) {
    case 0: return MLL_ERR_IO; /* a failure that set no errno is still a failure */
    case EEXIST:
    case ENOTEMPTY: return MLL_ERR_EXISTS;
    case ENOENT: return MLL_ERR_NOT_FOUND;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
    case EFBIG: return MLL_ERR_NO_SPACE;
    case EACCES:
    case EPERM:
    case EROFS: return MLL_ERR_PERMISSION;
    case ENOMEM: return MLL_ERR_NO_MEMORY;
    case ENAMETOOLONG: return MLL_ERR_PATH_TOO_LONG;
    default: return MLL_ERR_IO;
    }
}

#if MLL__PLATFORM_POSIX && !defined(MLL_NO_DEFAULT_FS)
/* 64-bit offsets whatever _FILE_OFFSET_BITS the program uses (see MLL__LFS64). */
#if MLL__LFS64
typedef off64_t mll__off;
typedef struct stat64 mll__statbuf;
typedef struct dirent64 mll__dirent;
#define MLL__STAT stat64
#define MLL__PREAD pread64
#define MLL__FTRUNCATE ftruncate64
#define MLL__READDIR readdir64
#define MLL__OPEN open64
#else
typedef off_t mll__off;
typedef struct stat mll__statbuf;
typedef struct dirent mll__dirent;
#define MLL__STAT stat
#define MLL__PREAD pread
#define MLL__FTRUNCATE ftruncate
#define MLL__READDIR readdir
#define MLL__OPEN open
#endif
MLL__STATIC_ASSERT(file_offsets_are_64_bits, sizeof(mll__off) == 8);

MLL__PRIVATE mll_result mll__posix_mkdir(const char *path, void *ud) {
    (void)ud;
    return mkdir(path, 0777) == 0 ? MLL_OK : mll__result_from_errno(errno);
}
MLL__PRIVATE mll_result mll__posix_open(const char *path, mll_open_mode mode, intptr_t *h,
                                        void *ud) {
    int flags, fd;
    (void)ud;
    switch (mode) {
    case MLL_OPEN_READ: flags = O_RDONLY; break;
    case MLL_OPEN_APPEND: flags = O_WRONLY | O_APPEND | O_CREAT; break;
    case MLL_OPEN_CREATE_EXCL: flags = O_WRONLY | O_CREAT | O_EXCL; break;
    case MLL_OPEN_TRUNCATE: flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    default: return MLL_ERR_INVALID_ARGUMENT;
    }
#ifdef O_CLOEXEC /* POSIX.1-2008; the fd must not leak into programs the user starts */
    flags |= O_CLOEXEC;
#endif
    do {
        fd = MLL__OPEN(path, flags, 0666);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return mll__result_from_errno(errno);
    *h = (intptr_t)fd;
    return MLL_OK;
}
MLL__PRIVATE mll_result mll__posix_read(intptr_t h, uint64_t off, void *buf, size_t n, size_t *got,
                                        void *ud) {
    ssize_t r;
    (void)ud;
    *got = 0;
    if (off > (uint64_t)INT64_MAX) return MLL_ERR_INVALID_ARGUMENT;
    do {
        r = MLL__PREAD((int)h, buf, n, (mll__off)off);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return mll__result_from_errno(errno);
    *got = (size_t)r;
    return MLL_OK;
}
MLL__PRIVATE mll_result mll__posix_write(intptr_t h, const void *buf, size_t n, size_t *written,
                                         void *ud) {
    size_t done = 0;
    (void)ud;
    while (done < n) {
        ssize_t r = write((int)h, (const char *)buf + done, n - done);
        if (r < 0) {
            if (errno == EINTR) continue;
            *written = done;
            return mll__result_from_errno(errno);
        }
        if (r == 0) {
            *written = done;
            errno = ENOSPC;
            return MLL_ERR_NO_SPACE;
        }
        done += (size_t)r;
    }
    *written = done;
    return MLL_OK;
}
MLL__PRIVATE mll_result mll__posix_sync(intptr_t h, void *ud) {
    (void)ud;
    return fsync((int)h) == 0 ? MLL_OK : mll__result_from_errno(errno);
}
MLL__PRIVATE mll_result mll__posix_truncate(intptr_t h, uint64_t size, void *ud) {
    (void)ud;
    if (size > (uint64_t)INT64_MAX) return MLL_ERR_INVALID_ARGUMENT;
    return MLL__FTRUNCATE((int)h, (mll__off)size) == 0 ? MLL_OK : mll__result_from_errno(errno);
}
MLL__PRIVATE mll_result mll__posix_close(intptr_t h, void *ud) {
    (void)ud;
    /* close() errors are reported: on NFS they carry delayed write failures */
    return close((int)h) == 0 ? MLL_OK : mll__result_from_errno(errno);
}
MLL__PRIVATE mll_result mll__posix_rename(const char *from, const char *to, void *ud) {
    (void)ud;
    return rename(from, to) == 0 ? MLL_OK : mll__result_from_errno(errno);
}
MLL__PRIVATE mll_result mll__posix_link(const char *from, const char *to, void *ud) {
    (void)ud;
    return link(from, to) == 0 ? MLL_OK : mll__result_from_errno(errno);
}
MLL__PRIVATE mll_result mll__posix_remove(const char *path, void *ud) {
    (void)ud;
    return remove(path) == 0 ? MLL_OK : mll__result_from_errno(errno);
}
MLL__PRIVATE mll_result mll__posix_stat(const char *path, mll_stat *st, void *ud) {
    mll__statbuf sb;
    (void)ud;
    memset(st, 0, sizeof(*st));
    if (MLL__STAT(path, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return MLL_OK;
        return mll__result_from_errno(errno);
    }
    st->exists = 1;
    st->is_dir = S_ISDIR(sb.st_mode) ? 1 : 0;
    st->size = (uint64_t)sb.st_size;
    return MLL_OK;
}
/* A failing readdir() (EOVERFLOW, EIO) is an error, never the silent end of a listing
   (which made a run that exists "not found"). */
MLL__PRIVATE mll_result mll__posix_list(const char *dir, mll_list_fn fn, void *ctx, void *ud) {
    DIR *d = opendir(dir);
    mll__dirent *e;
    mll_result r = MLL_OK;
    (void)ud;
    if (!d) return mll__result_from_errno(errno);
    for (;;) {
        char full[MLL_MAX_PATH];
        mll__statbuf sb;
        int is_dir;
        errno = 0;
        e = MLL__READDIR(d);
        if (!e) {
            if (errno) r = mll__result_from_errno(errno);
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (mll__path(full, dir, e->d_name, NULL) != MLL_OK) continue;
        is_dir = MLL__STAT(full, &sb) == 0 && S_ISDIR(sb.st_mode);
        if (fn(e->d_name, is_dir, ctx)) break;
    }
    closedir(d);
    return r;
}
#endif /* POSIX default fs */

#if MLL__PLATFORM_WINDOWS && !defined(MLL_NO_DEFAULT_FS)
/* Win32 hooks: UTF-8 paths become UTF-16 at this edge only (mll__win_wide). Files are
   opened with FILE_SHARE_DELETE too, so that a file can be renamed over or removed while
   another process reads it, as on POSIX. A handle opened for appending carries bit 0 set
   (HANDLE values are multiples of 4): its writes go to the end of the file. */
#define MLL__WPATH(name, utf8) \
    wchar_t name[MLL_MAX_PATH + 16]; \
    mll_result name##_r = mll__win_wide((utf8), name, MLL_MAX_PATH + 16); \
    if (name##_r != MLL_OK) return name##_r
#define MLL__WIN_HANDLE(h) ((HANDLE)((h) & ~(intptr_t)1))

MLL__PRIVATE mll_result mll__win_result(DWORD e) {
    switch (e) {
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
    case ERROR_DIR_NOT_EMPTY: errno = EEXIST; return MLL_ERR_EXISTS;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME: errno = ENOENT; return MLL_ERR_NOT_FOUND;
    case ERROR_DISK_FULL:
#ifdef ERROR_DISK_QUOTA_EXCEEDED
    case ERROR_DISK_QUOTA_EXCEEDED:
#endif
    case ERROR_HANDLE_DISK_FULL: errno = ENOSPC; return MLL_ERR_NO_SPACE;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_WRITE_PROTECT: errno = EACCES; return MLL_ERR_PERMISSION;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY: errno = ENOMEM; return MLL_ERR_NO_MEMORY;
    case ERROR_FILENAME_EXCED_RANGE: errno = ENAMETOOLONG; return MLL_ERR_PATH_TOO_LONG;
    default: errno = EIO; return MLL_ERR_IO;
    }
}
MLL__PRIVATE mll_result mll__win_fail(void) { return mll__win_result(GetLastError()); }
MLL__PRIVATE int mll__win_is_dir(const wchar_t *w) {
    DWORD a = GetFileAttributesW(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

MLL__PRIVATE mll_result mll__win_mkdir(const char *path, void *ud) {
    MLL__WPATH(w, path);
    (void)ud;
    if (CreateDirectoryW(w, NULL)) return MLL_OK;
    /* "C:" or a share root answer ACCESS_DENIED rather than ALREADY_EXISTS */
    if (mll__win_is_dir(w)) return errno = EEXIST, MLL_ERR_EXISTS;
    return mll__win_fail();
}
MLL__PRIVATE mll_result mll__win_open(const char *path, mll_open_mode mode, intptr_t *h, void *ud) {
    DWORD access = GENERIC_WRITE, disp;
    HANDLE fh;
    MLL__WPATH(w, path);
    (void)ud;
    switch (mode) {
    case MLL_OPEN_READ: access = GENERIC_READ; disp = OPEN_EXISTING; break;
    case MLL_OPEN_APPEND: disp = OPEN_ALWAYS; break;
    case MLL_OPEN_CREATE_EXCL: disp = CREATE_NEW; break;
    case MLL_OPEN_TRUNCATE: disp = CREATE_ALWAYS; break;
    default: return MLL_ERR_INVALID_ARGUMENT;
    }
    fh = CreateFileW(w, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, disp,
                     FILE_ATTRIBUTE_NORMAL, NULL);
    if (fh == INVALID_HANDLE_VALUE) return mll__win_fail();
    *h = (intptr_t)fh | (mode == MLL_OPEN_APPEND ? 1 : 0);
    return MLL_OK;
}
MLL__PRIVATE mll_result mll__win_read(intptr_t h, uint64_t off, void *buf, size_t n, size_t *got,
                                      void *ud) {
    OVERLAPPED ov;
    DWORD r = 0;
    (void)ud;
    *got = 0;
    memset(&ov, 0, sizeof(ov));
    ov.Offset = (DWORD)off;
    ov.OffsetHigh = (DWORD)(off >> 32);
    if (n > 0x40000000u) n = 0x40000000u; /* a short read is allowed */
    if (!ReadFile(MLL__WIN_HANDLE(h), buf, (DWORD)n, &r, &ov)) {
        if (GetLastError() == ERROR_HANDLE_EOF) return MLL_OK;
        return mll__win_fail();
    }
    *got = r;
    return MLL_OK;
}
/* Appending handles write at offset 0xFFFFFFFF:0xFFFFFFFF, Win32's "end of file" (as
   FILE_APPEND_DATA-only access would, which could not truncate). */
MLL__PRIVATE mll_result mll__win_write(intptr_t h, const void *buf, size_t n, size_t *written,
                                       void *ud) {
    size_t done = 0;
    (void)ud;
    while (done < n) {
        OVERLAPPED ov;
        DWORD w = 0, chunk = n - done > 0x40000000u ? 0x40000000u : (DWORD)(n - done);
        memset(&ov, 0, sizeof(ov));
        if (h & 1) ov.Offset = ov.OffsetHigh = 0xFFFFFFFFu;
        if (!WriteFile(MLL__WIN_HANDLE(h), (const char *)buf + done, chunk, &w, (h & 1) ? &ov : NULL)) {
            *written = done + w;
            return mll__win_fail();
        }
        done += w;
        if (w == 0) break;
    }
    *written = done;
    return done == n ? MLL_OK : (errno = ENOSPC, MLL_ERR_NO_SPACE);
}
MLL__PRIVATE mll_result mll__win_sync(intptr_t h, void *ud) {
    (void)ud;
    return FlushFileBuffers(MLL__WIN_HANDLE(h)) ? MLL_OK : mll__win_fail();
}
MLL__PRIVATE mll_result mll__win_truncate(intptr_t h, uint64_t size, void *ud) {
    LARGE_INTEGER li;
    (void)ud;
    li.QuadPart = (LONGLONG)size;
    if (!SetFilePointerEx(MLL__WIN_HANDLE(h), li, NULL, FILE_BEGIN) || !SetEndOfFile(MLL__WIN_HANDLE(h)))
        return mll__win_fail();
    return MLL_OK;
}
MLL__PRIVATE mll_result mll__win_close(intptr_t h, void *ud) {
    (void)ud;
    return CloseHandle(MLL__WIN_HANDLE(h)) ? MLL_OK : mll__win_fail();
}
/* MoveFileExW(MOVEFILE_REPLACE_EXISTING) is one rename on NTFS: a reader sees the old or
   the new file, never a mix (ReplaceFileW is not: it works in several steps and needs the
   target to exist). A reader that opened the target without FILE_SHARE_DELETE (Python's
   open()) blocks the rename for as long as it holds the file: retried for up to ~1 s. */
MLL__PRIVATE mll_result mll__win_rename(const char *from, const char *to, void *ud) {
    int tries;
    MLL__WPATH(wf, from);
    MLL__WPATH(wt, to);
    (void)ud;
    for (tries = 0; tries < 100; tries++) {
        DWORD e;
        if (MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING)) return MLL_OK;
        e = GetLastError();
        if (mll__win_is_dir(wt)) return errno = EEXIST, MLL_ERR_EXISTS; /* as rename() onto a folder */
        if (e != ERROR_ACCESS_DENIED && e != ERROR_SHARING_VIOLATION) return mll__win_result(e);
        Sleep(10);
    }
    return mll__win_fail();
}
/* A hard link where the file system has them (NTFS); elsewhere (FAT on an SD card) a
   rename that never replaces, which is as atomic a "create if absent" (the caller removes
   the temporary file afterwards and ignores that it is gone). */
MLL__PRIVATE mll_result mll__win_link(const char *from, const char *to, void *ud) {
    DWORD e;
    MLL__WPATH(wf, from);
    MLL__WPATH(wt, to);
    (void)ud;
    if (CreateHardLinkW(wt, wf, NULL)) return MLL_OK;
    e = GetLastError();
    if (e == ERROR_ALREADY_EXISTS || e == ERROR_FILE_EXISTS) return mll__win_result(e);
    if (GetFileAttributesW(wt) != INVALID_FILE_ATTRIBUTES) return errno = EEXIST, MLL_ERR_EXISTS;
    return MoveFileExW(wf, wt, 0) ? MLL_OK : mll__win_fail();
}
MLL__PRIVATE mll_result mll__win_remove(const char *path, void *ud) {
    MLL__WPATH(w, path);
    (void)ud;
    if (mll__win_is_dir(w)) return RemoveDirectoryW(w) ? MLL_OK : mll__win_fail();
    return DeleteFileW(w) ? MLL_OK : mll__win_fail();
}
MLL__PRIVATE mll_result mll__win_stat(const char *path, mll_stat *st, void *ud) {
    WIN32_FILE_ATTRIBUTE_DATA fa;
    DWORD e;
    MLL__WPATH(w, path);
    (void)ud;
    memset(st, 0, sizeof(*st));
    if (!GetFileAttributesExW(w, GetFileExInfoStandard, &fa)) {
        e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == ERROR_INVALID_NAME) return MLL_OK;
        return mll__win_result(e);
    }
    st->exists = 1;
    st->is_dir = (fa.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? 1 : 0;
    st->size = ((uint64_t)fa.nFileSizeHigh << 32) | fa.nFileSizeLow;
    return MLL_OK;
}
MLL__PRIVATE mll_result mll__win_list(const char *dir, mll_list_fn fn, void *ctx, void *ud) {
    char pattern[MLL_MAX_PATH], name[MLL_MAX_PATH];
    WIN32_FIND_DATAW fd;
    HANDLE fh;
    mll_result r = mll__path(pattern, dir, "*", NULL);
    (void)ud;
    if (r != MLL_OK) return r;
    {
        MLL__WPATH(w, pattern);
        fh = FindFirstFileW(w, &fd);
    }
    if (fh == INVALID_HANDLE_VALUE) return mll__win_fail();
    for (;;) {
        const wchar_t *n = fd.cFileName;
        int dot = n[0] == L'.' && (n[1] == 0 || (n[1] == L'.' && n[2] == 0));
        if (!dot && mll__win_utf8(n, name, (int)sizeof(name), 0) &&
            fn(name, (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? 1 : 0, ctx))
            break;
        if (!FindNextFileW(fh, &fd)) {
            if (GetLastError() != ERROR_NO_MORE_FILES) r = mll__win_fail(); /* never a silent end */
            break;
        }
    }
    FindClose(fh);
    return r;
}
#endif /* Windows default fs */

/* Every NULL entry of fs gets the platform's default hook (none with MLL_NO_DEFAULT_FS). */
#if MLL__PLATFORM_POSIX && !defined(MLL_NO_DEFAULT_FS)
#define MLL__IO_DEFAULT(name) mll__posix_##name
#elif MLL__PLATFORM_WINDOWS && !defined(MLL_NO_DEFAULT_FS)
#define MLL__IO_DEFAULT(name) mll__win_##name
#endif
MLL__PRIVATE void mll__io_fill_defaults(mll_fs *fs) {
#ifdef MLL__IO_DEFAULT
    if (!fs->mkdir) fs->mkdir = MLL__IO_DEFAULT(mkdir);
    if (!fs->open) fs->open = MLL__IO_DEFAULT(open);
    if (!fs->read) fs->read = MLL__IO_DEFAULT(read);
    if (!fs->write) fs->write = MLL__IO_DEFAULT(write);
    if (!fs->sync) fs->sync = MLL__IO_DEFAULT(sync);
    if (!fs->truncate) fs->truncate = MLL__IO_DEFAULT(truncate);
    if (!fs->close) fs->close = MLL__IO_DEFAULT(close);
    if (!fs->rename) fs->rename = MLL__IO_DEFAULT(rename);
    if (!fs->link) fs->link = MLL__IO_DEFAULT(link);
    if (!fs->remove) fs->remove = MLL__IO_DEFAULT(remove);
    if (!fs->stat) fs->stat = MLL__IO_DEFAULT(stat);
    if (!fs->list) fs->list = MLL__IO_DEFAULT(list);
#else
    (void)fs;
#endif
}

/* >>store and run state ------------------------------------------------------
   Handles. An mll_store * or mll_run * given to the caller is not an address but an id,
   as sokol_gfx's resource ids are: a cell index, a kind bit and the generation of the
   cell (on 64-bit systems also a tag in the top bits, which no address has). The cells
   live as long as the process and hold the object's mutex, so a call with a
   handle whose object has ended -- by this thread or another, by mll_end_run or by
   mll_close -- finds a newer generation and returns MLL_ERR_RUN_ENDED or
   MLL_ERR_STORE_CLOSED: nothing is ever read from freed memory. The cell tables are the
   only process-wide state; they are set up on first use and never freed. */
#ifndef MLL_MAX_HANDLES
#define MLL_MAX_HANDLES 4096 /* runs open at once in the process */
#endif
#ifndef MLL_MAX_STORES
#define MLL_MAX_STORES 256 /* stores open at once in the process */
#endif
#ifndef MLL_MAX_NAME
#define MLL_MAX_NAME 255 /* longest file or folder name (bytes), NAME_MAX on most file systems */
#endif
MLL__STATIC_ASSERT(max_handles_fits_16_bits, MLL_MAX_HANDLES >= 1 && MLL_MAX_HANDLES <= 65536);
MLL__STATIC_ASSERT(max_stores_fits_16_bits, MLL_MAX_STORES >= 1 && MLL_MAX_STORES <= 65536);

enum { MLL__KIND_STORE = 0, MLL__KIND_RUN = 1 };
enum { MLL__CELL_FREE = 0, MLL__CELL_LIVE = 1 };

typedef struct mll__cell {
    mll__mutex lock; /* the object's own lock: it outlives the object */
    uint32_t gen;    /* bumped when the object ends: older handles no longer match */
    int state;
    void *obj; /* the mll_store or mll_run while LIVE */
} mll__cell;

/* Runs and stores have pools of their own, so that a mutex is always a store's or always
   a run's (locks are taken store first, run second). Free cells are kept in a ring: the
   oldest is reused first, which spreads reuse, and so generations, over all cells. */
typedef struct mll__pool {
    int ready, size, free_first, free_count;
    int *free_ring;
    mll__cell *cell;
} mll__pool;

/* Handle bits: index 0-15, kind 16, generation 17 and up (then, on 64-bit, a tag). */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define MLL__HANDLE_TAG (((uintptr_t)0x6D6Cu) << 48) /* "ml": never a canonical address */
#define MLL__GEN_MASK 0x7FFFFFFFu
#else
#define MLL__HANDLE_TAG ((uintptr_t)0)
#define MLL__GEN_MASK 0x7FFFu /* a stale handle matches again only after 32767 reuses of its cell */
#endif

static mll__mutex mll__pools_lock = MLL__MUTEX_INITIALIZER;
static mll__cell mll__store_cells[MLL_MAX_STORES], mll__run_cells[MLL_MAX_HANDLES];
static int mll__store_ring[MLL_MAX_STORES], mll__run_ring[MLL_MAX_HANDLES];
static mll__pool mll__pools[2] = {{0, MLL_MAX_STORES, 0, 0, mll__store_ring, mll__store_cells},
                                  {0, MLL_MAX_HANDLES, 0, 0, mll__run_ring, mll__run_cells}};

MLL__PRIVATE void *mll__handle_make(size_t index, int kind, uint32_t gen) {
    return (void *)(MLL__HANDLE_TAG | ((uintptr_t)gen << 17) | ((uintptr_t)kind << 16) | (uintptr_t)index);
}

/* The cell a handle names and the generation it was made with; NULL when it cannot be a
   handle of this kind (NULL, another kind, a pointer, an index out of range). */
MLL__PRIVATE mll__cell *mll__cell_of(const void *h, int kind, uint32_t *gen) {
    uintptr_t v = (uintptr_t)h, low = ((uintptr_t)MLL__GEN_MASK << 17) | 0x1FFFFu;
    size_t index = (size_t)(v & 0xFFFFu);
    mll__pool *pool = &mll__pools[kind];
    if (!h || (v & ~low) != MLL__HANDLE_TAG || (int)((v >> 16) & 1u) != kind) return NULL;
    *gen = (uint32_t)((v >> 17) & MLL__GEN_MASK);
    if (*gen == 0 || index >= (size_t)pool->size || !pool->ready) return NULL;
    return &pool->cell[index];
}

/* Locks the cell of a live object and returns the object (its cell in *cell); else NULL
   and *err: MLL_ERR_RUN_ENDED / MLL_ERR_STORE_CLOSED for an older generation (the object
   ended), MLL_ERR_INVALID_ARGUMENT for anything that never was a handle. */
MLL__PRIVATE void *mll__cell_lock(const void *h, int kind, mll__cell **cell, mll_result *err) {
    uint32_t gen = 0;
    mll__cell *c = mll__cell_of(h, kind, &gen);
    *err = MLL_ERR_INVALID_ARGUMENT;
    if (!c) return NULL;
    mll__lock(&c->lock);
    if (c->gen == gen && c->state == MLL__CELL_LIVE) {
        *cell = c;
        return c->obj;
    }
    if (((c->gen - gen) & MLL__GEN_MASK) <= MLL__GEN_MASK / 2)
        *err = kind == MLL__KIND_RUN ? MLL_ERR_RUN_ENDED : MLL_ERR_STORE_CLOSED;
    mll__unlock(&c->lock);
    return NULL;
}

/* Takes a free cell of obj's kind and makes its handle. */
MLL__PRIVATE mll_result mll__cell_alloc(int kind, void *obj, mll__cell **cell, void **handle) {
    mll__pool *pool = &mll__pools[kind];
    size_t i;
    mll__cell *c;
    mll__lock(&mll__pools_lock);
    if (!pool->ready) {
        for (i = 0; i < (size_t)pool->size; i++) {
            mll__mutex_init(&pool->cell[i].lock); /* never destroyed: cells are reused */
            pool->cell[i].gen = 1;
            pool->free_ring[i] = (int)i;
        }
        pool->free_count = pool->size;
        pool->ready = 1;
    }
    if (pool->free_count == 0) {
        mll__unlock(&mll__pools_lock);
        return MLL_ERR_TOO_MANY_HANDLES;
    }
    i = (size_t)pool->free_ring[pool->free_first];
    pool->free_first = (pool->free_first + 1) % pool->size;
    pool->free_count--;
    c = &pool->cell[i];
    mll__lock(&c->lock);
    c->state = MLL__CELL_LIVE;
    c->obj = obj;
    *handle = mll__handle_make(i, kind, c->gen);
    mll__unlock(&c->lock);
    mll__unlock(&mll__pools_lock);
    *cell = c;
    return MLL_OK;
}

/* Ends the object of a cell (its lock held by the caller): every handle to it is stale
   from now on. The caller unlocks the cell, then calls mll__cell_release. */
MLL__PRIVATE void mll__cell_retire(mll__cell *c) {
    c->gen = (c->gen + 1) & MLL__GEN_MASK;
    if (c->gen == 0) c->gen = 1;
    c->state = MLL__CELL_FREE;
    c->obj = NULL;
}

MLL__PRIVATE void mll__cell_release(mll__cell *c, int kind) {
    mll__pool *pool = &mll__pools[kind];
    mll__lock(&mll__pools_lock);
    pool->free_ring[(pool->free_first + pool->free_count) % pool->size] = (int)(c - pool->cell);
    pool->free_count++;
    mll__unlock(&mll__pools_lock);
}

typedef struct mll__metric_slot {
    char *key; /* NULL: empty slot */
    size_t key_len;
    uint64_t hash;
    mll__buf pending; /* whole lines not yet in the file */
    int file_ready;   /* parent folders made and a torn tail repaired, this process */
    mll_result flush_result; /* of the last flush of this key (transient or not, at the end) */
    size_t batch_room;       /* bytes a batch being taken needs in pending (0 between calls) */
    int unsure;              /* close() failed after a write: how much landed is counted ... */
    uint64_t unsure_base;    /* ... from this offset at the next flush */
    int has_last;     /* the previous point of this key, to drop exact repeats */
    int64_t last_ts, last_step;
    uint64_t last_bits;
} mll__metric_slot;

struct mll_store {
    mll_store_desc desc; /* resolved */
    char root[MLL_MAX_PATH];
    char root_uri[MLL_MAX_PATH * 3 + 8];
    mll_store *handle;   /* the id the caller holds (calls made on its behalf use it) */
    mll__cell *cell;
    mll__mutex *lock;    /* = &cell->lock: runs, last_error, busy, closing; taken before a
                            run's lock, never after */
    mll__mutex tmp_lock; /* tmp_counter only (used while a run's lock is held) */
    mll_run *runs;       /* open runs (a run being ended is out of the list meanwhile) */
    mll_error last_error;
    uint64_t tmp_counter;
    int busy;    /* calls inside the store and runs being ended: mll_close waits for 0 */
    int closing; /* mll_close is ending the runs: new store calls get STORE_CLOSED */
#ifndef MLL_NO_THREADS
    mll__thread flusher;
    mll__cond wake; /* the flusher's timer; a broadcast stops it */
    mll__cond idle; /* busy fell to 0 */
    int flusher_started, stopping;
#endif
};

struct mll_run {
    mll_store *store;
    mll_run *next;
    mll__cell *cell;
    mll__mutex *lock; /* = &cell->lock */
    int ending;       /* mll_end_run or mll_close is ending it: another end is refused */
    char run_id[260];
    char experiment_id[72];
    char dir[MLL_MAX_PATH];
    char artifact_dir[MLL_MAX_PATH];
    char *run_name;
    char **old_names; /* names replaced by renames: mll_run_name() stays valid until the end */
    size_t old_name_count, old_name_cap;
    char *artifact_uri;
    char *user_id;
    int64_t start_time;
    int64_t end_time; /* -1: null */
    int status;
    mll__metric_slot *slots;
    mll__metric_slot *last_slot; /* the key of the previous call, checked first */
    mll__buf scratch;            /* a flush's lines laid out for the file (reused) */
    size_t slot_cap, slot_count;
    size_t pending_total;
    uint64_t refused_points; /* log calls answered MLL_ERR_BUFFER_FULL (reported at the end) */
    int64_t last_flush_ms;
    int64_t cached_ts;
    char cached_ts_text[24];
    size_t cached_ts_len;
    int flush_failing; /* flushes fail: logged once per streak, then only recorded */
    int refusing;      /* log calls get MLL_ERR_BUFFER_FULL: logged once per streak */
    mll_error last_error;
    struct mll__sysm *sysm; /* >>sysmetrics: the sampler while system metrics are on */
};

/* >>sysmetrics hooks (defined in that section; each is called from one line elsewhere) */
MLL__PRIVATE int64_t mll__sysmetrics_tick(mll_store *s, int64_t wait_ms);
MLL__PRIVATE void mll__sysmetrics_poll(mll_run *run);
MLL__PRIVATE void mll__sysmetrics_end(mll_run *run);
MLL__PRIVATE void mll__sysmetrics_autostart(mll_run *run, const mll_run_desc *d);

MLL__PRIVATE const mll_allocator *mll__A(const mll_store *s) { return &s->desc.allocator; }

/* A run handle -> its run, locked (mll__unlock(run->lock) when done); NULL and *err else. */
MLL__PRIVATE mll_run *mll__run_lock(const mll_run *h, mll_result *err) {
    mll__cell *c;
    return (mll_run *)mll__cell_lock(h, MLL__KIND_RUN, &c, err);
}

/* A store handle -> its store, counted busy until mll__store_leave (so mll_close waits
   for the call to finish); NULL and *err else (also while mll_close runs). */
MLL__PRIVATE mll_store *mll__store_enter(const mll_store *h, mll_result *err) {
    mll__cell *c;
    mll_store *s = (mll_store *)mll__cell_lock(h, MLL__KIND_STORE, &c, err);
    if (!s) return NULL;
    if (s->closing) {
        *err = MLL_ERR_STORE_CLOSED;
        s = NULL;
    } else {
        s->busy++;
    }
    mll__unlock(&c->lock);
    return s;
}

/* busy-- (store lock held); wakes a waiting mll_close when it reaches 0. */
MLL__PRIVATE void mll__store_unbusy_locked(mll_store *s) {
    if (--s->busy == 0) {
#ifndef MLL_NO_THREADS
        mll__cond_broadcast(&s->idle);
#endif
    }
}

MLL__PRIVATE void mll__store_leave(mll_store *s) {
    mll__lock(s->lock);
    mll__store_unbusy_locked(s);
    mll__unlock(s->lock);
}

/* mll_close: waits (store lock held) until no call is inside the store. */
MLL__PRIVATE void mll__store_wait_idle(mll_store *s) {
#ifndef MLL_NO_THREADS
    while (s->busy) mll__cond_wait(&s->idle, s->lock);
#else
    (void)s;
#endif
}

/* >>errors ------------------------------------------------------------------- */
MLL__PRIVATE void mll__log(const mll_store_desc *d, mll_log_level level, mll_result code,
                           const char *msg, int line) {
    if (d && d->logger.func) d->logger.func(level, code, msg, __FILE__, line, d->logger.user_data);
}

#if !defined(MLL_NO_STDIO)
MLL__PRIVATE void mll__default_logger(mll_log_level level, mll_result code, const char *message,
                                      const char *file, int line, void *ud) {
    static const char *names[] = {"", "error", "warning", "info", "debug"};
    (void)file;
    (void)line;
    (void)ud;
    (void)code;
    if (level >= MLL_LOG_DEBUG) return;
    fprintf(stderr, "mlflow_lite: %s: %s\n", names[level], message);
}
#endif

/* Records an error in *err and reports it to the logger: "<op> '<subject>': <strerror>
   (<errno text>)[; <note>]". The note says what happens next (e.g. points stay buffered).
   Returns code. */
MLL__PRIVATE mll_result mll__fail_note(const mll_store_desc *d, mll_error *err, mll_result code,
                                       int sys_errno, const char *op, const char *subject,
                                       const char *note, int line) {
    char sys[160];
    int repeat;
    if (code == MLL_OK || !err) return code;
    /* the same failure again (a loop repeating one mistake) is recorded, not re-logged */
    repeat = err->code == code && err->operation == op &&
             strncmp(err->subject, subject ? subject : "", sizeof(err->subject) - 1) == 0;
    err->code = code;
    err->sys_errno = sys_errno;
    err->operation = op;
    mll__snprintf(err->subject, sizeof(err->subject), "%s", subject ? subject : "");
    sys[0] = '\0';
    if (sys_errno) mll__snprintf(sys, sizeof(sys), " (%s)", strerror(sys_errno));
    mll__snprintf(err->message, sizeof(err->message), "%s '%s': %s%s%s%s", op, err->subject,
                  mll_strerror(code), sys, note ? "; " : "", note ? note : "");
    if (!repeat) mll__log(d, MLL_LOG_ERROR, code, err->message, line);
    return code;
}
MLL__PRIVATE mll_result mll__fail(const mll_store_desc *d, mll_error *err, mll_result code,
                                  int sys_errno, const char *op, const char *subject, int line) {
    return mll__fail_note(d, err, code, sys_errno, op, subject, NULL, line);
}
/* errno is captured only for I/O failures, where it explains something. */
#define MLL__IOERR(code) \
    (((code) == MLL_ERR_IO || (code) == MLL_ERR_NO_SPACE || (code) == MLL_ERR_PERMISSION || \
      (code) == MLL_ERR_NOT_FOUND || (code) == MLL_ERR_EXISTS) ? errno : 0)
#define MLL__RUN_FAIL(run, code, op, subject) \
    mll__fail(&(run)->store->desc, &(run)->last_error, (code), MLL__IOERR(code), (op), (subject), __LINE__)
#define MLL__STORE_FAIL(store, code, op, subject) \
    mll__fail(&(store)->desc, &(store)->last_error, (code), MLL__IOERR(code), (op), (subject), __LINE__)

/* >>fs helpers (through the hooks) ------------------------------------------ */
#define MLL__FS(s) (&(s)->desc.fs)

MLL__PRIVATE int mll__exists(mll_store *s, const char *path, int *is_dir) {
    mll_stat st;
    if (MLL__FS(s)->stat(path, &st, MLL__FS(s)->user_data) != MLL_OK) return 0;
    if (is_dir) *is_dir = st.is_dir;
    return st.exists;
}

/* mkdir that treats an existing directory as success, and an existing file (or a file
   on the way: ENOTDIR) as MLL_ERR_NOT_A_DIRECTORY rather than "exists". */
MLL__PRIVATE mll_result mll__mkdir(mll_store *s, const char *path) {
    mll_result r = MLL__FS(s)->mkdir(path, MLL__FS(s)->user_data);
    if (r == MLL_ERR_EXISTS) {
        /* what exists decides; a stat that fails is that failure, never "exists" (callers
           read MLL_ERR_EXISTS as "the file I wanted to create is there") */
        mll_stat st;
        mll_result rs = MLL__FS(s)->stat(path, &st, MLL__FS(s)->user_data);
        if (rs != MLL_OK) return rs;
        if (st.exists) return st.is_dir ? MLL_OK : MLL_ERR_NOT_A_DIRECTORY;
        return MLL_ERR_IO; /* gone again: someone removes what we make */
    }
#ifdef ENOTDIR
    if (r == MLL_ERR_IO && errno == ENOTDIR) return MLL_ERR_NOT_A_DIRECTORY;
#endif
    return r;
}

/* Creates the folders of `path` below the existing prefix `base` (never above it). */
MLL__PRIVATE mll_result mll__mkdirs_below(mll_store *s, const char *base, const char *path) {
    char tmp[MLL_MAX_PATH];
    size_t bl = strlen(base), i, n = strlen(path);
    if (n >= MLL_MAX_PATH) return MLL_ERR_PATH_TOO_LONG;
    if (strncmp(path, base, bl) != 0) return MLL_ERR_INVALID_ARGUMENT;
    memcpy(tmp, path, n + 1);
    for (i = bl + 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char saved = tmp[i];
            mll_result r;
            tmp[i] = '\0';
            r = mll__mkdir(s, tmp);
            tmp[i] = saved;
            if (r != MLL_OK) return r;
        }
    }
    return MLL_OK;
}

/* Creates the folders that hold `path` (its parent and up), below the existing `base`. */
MLL__PRIVATE mll_result mll__mkdirs_for(mll_store *s, const char *base, const char *path) {
    char parent[MLL_MAX_PATH];
    size_t n = strlen(path);
    if (n >= MLL_MAX_PATH) return MLL_ERR_PATH_TOO_LONG;
    memcpy(parent, path, n + 1);
    *strrchr(parent, '/') = '\0';
    return mll__mkdirs_below(s, base, parent);
}

typedef struct mll__names {
    mll_store *s;
    mll__buf list; /* 'd' or 'f', then the name and its NUL, per entry */
    mll_result r;
} mll__names;

MLL__PRIVATE int mll__names_cb(const char *name, int is_dir, void *ctx) {
    mll__names *n = (mll__names *)ctx;
    char kind = is_dir ? 'd' : 'f';
    n->r = mll__buf_append(mll__A(n->s), &n->list, &kind, 1);
    if (n->r == MLL_OK) n->r = mll__buf_append(mll__A(n->s), &n->list, name, strlen(name) + 1);
    return n->r != MLL_OK;
}

/* Removes a folder this process just made and everything in it (a run folder whose
   creation failed half way), so that no broken run is left for MLflow to list. */
MLL__PRIVATE mll_result mll__remove_tree(mll_store *s, const char *dir, int depth) {
    mll__names n;
    size_t i = 0;
    mll_result r;
    if (depth > 64) return MLL_ERR_IO;
    memset(&n, 0, sizeof(n));
    n.s = s;
    r = MLL__FS(s)->list(dir, mll__names_cb, &n, MLL__FS(s)->user_data);
    if (r == MLL_OK) r = n.r;
    while (r == MLL_OK && i < n.list.len) { /* listed first, removed after: no removal mid-walk */
        char path[MLL_MAX_PATH];
        const char *name = n.list.data + i + 1;
        r = mll__path(path, dir, name, NULL);
        if (r == MLL_OK)
            r = n.list.data[i] == 'd' ? mll__remove_tree(s, path, depth + 1)
                                      : MLL__FS(s)->remove(path, MLL__FS(s)->user_data);
        i += strlen(name) + 2;
    }
    mll__buf_free(mll__A(s), &n.list);
    return r == MLL_OK ? MLL__FS(s)->remove(dir, MLL__FS(s)->user_data) : r;
}

/* Writes all of data to an open handle. */
MLL__PRIVATE mll_result mll__write_all(mll_store *s, intptr_t h, const char *data, size_t n) {
    size_t done = 0;
    while (done < n) {
        size_t w = 0;
        mll_result r = MLL__FS(s)->write(h, data + done, n - done, &w, MLL__FS(s)->user_data);
        done += w;
        if (r != MLL_OK) return r;
        if (w == 0) return MLL_ERR_NO_SPACE;
    }
    return MLL_OK;
}

/* Reads a whole file (NUL-terminated) into b. */
MLL__PRIVATE mll_result mll__read_file(mll_store *s, const char *path, mll__buf *b) {
    intptr_t h;
    mll_result r = MLL__FS(s)->open(path, MLL_OPEN_READ, &h, MLL__FS(s)->user_data);
    b->len = 0;
    if (r != MLL_OK) return r;
    for (;;) {
        size_t got = 0;
        r = mll__buf_reserve(mll__A(s), b, b->len + 4096 + 1);
        if (r != MLL_OK) break;
        r = MLL__FS(s)->read(h, (uint64_t)b->len, b->data + b->len, 4096, &got, MLL__FS(s)->user_data);
        if (r != MLL_OK || got == 0) break;
        b->len += got;
    }
    MLL__FS(s)->close(h, MLL__FS(s)->user_data);
    if (r == MLL_OK) {
        if (!b->data && mll__buf_reserve(mll__A(s), b, 1) != MLL_OK) return MLL_ERR_NO_MEMORY;
        b->data[b->len] = '\0';
    }
    return r;
}

typedef enum { MLL__REPLACE = 0, MLL__CREATE_ONLY = 1 } mll__write_mode;

/* Opens a new temporary file ".mll-tmp-<pid>-<n>-<random>" in tmp_dir; its path goes to tmp. */
MLL__PRIVATE mll_result mll__tmp_open(mll_store *s, const char *tmp_dir, char *tmp, intptr_t *h) {
    char name[64];
    uint64_t rnd;
    mll_result r;
    mll__os_random(&rnd, sizeof(rnd));
    mll__lock(&s->tmp_lock);
    s->tmp_counter++;
    mll__snprintf(name, sizeof(name), ".mll-tmp-%ld-%llu-%08x", mll__os_pid(),
                  (unsigned long long)s->tmp_counter, (unsigned)(rnd & 0xFFFFFFFFu));
    mll__unlock(&s->tmp_lock);
    r = mll__path(tmp, tmp_dir, name, NULL);
    if (r != MLL_OK) return r;
    return MLL__FS(s)->open(tmp, MLL_OPEN_CREATE_EXCL, h, MLL__FS(s)->user_data);
}

/* Finishes a temporary file: (fsync,) close, then rename() onto target (REPLACE) or link()
   (CREATE_ONLY: MLL_ERR_EXISTS if target exists), so a reader never sees a partial file.
   `r` is the result of writing it; the temporary file is removed on every path. */
MLL__PRIVATE mll_result mll__tmp_commit(mll_store *s, intptr_t h, mll_result r, const char *tmp,
                                        const char *target, mll__write_mode mode) {
    mll_result rc;
    if (r == MLL_OK && s->desc.durability == MLL_DURABILITY_FSYNC)
        r = MLL__FS(s)->sync(h, MLL__FS(s)->user_data);
    rc = MLL__FS(s)->close(h, MLL__FS(s)->user_data);
    if (r == MLL_OK) r = rc;
    if (r == MLL_OK) {
        if (mode == MLL__REPLACE) {
            r = MLL__FS(s)->rename(tmp, target, MLL__FS(s)->user_data);
            if (r == MLL_OK) return MLL_OK;
        } else {
            r = MLL__FS(s)->link(tmp, target, MLL__FS(s)->user_data);
        }
    }
    MLL__FS(s)->remove(tmp, MLL__FS(s)->user_data);
    return r;
}

MLL__PRIVATE mll_result mll__write_atomic(mll_store *s, const char *tmp_dir, const char *target,
                                          const char *data, size_t n, mll__write_mode mode) {
    char tmp[MLL_MAX_PATH];
    intptr_t h;
    mll_result r = mll__tmp_open(s, tmp_dir, tmp, &h);
    if (r != MLL_OK) return r;
    return mll__tmp_commit(s, h, mll__write_all(s, h, data, n), tmp, target, mode);
}

/* >>yaml ------------------------------------------------------------------------
   Writing: every string is a double-quoted scalar, which YAML 1.1 never resolves to
   another type (so "007", "yes", "null" stay strings). Escaped: '"', '\\', C0/C1 controls,
   DEL, U+2028/U+2029 (YAML line breaks), U+FEFF, U+FFFE/U+FFFF (not printable for
   PyYAML). Everything else is written as UTF-8, as PyYAML's allow_unicode does.
   Reading: enough of YAML for MLflow's meta.yaml (top-level "key: scalar" lines, plain,
   single- and double-quoted scalars folded over several lines as PyYAML and libyaml
   write long values). Nested collections are skipped. */
MLL__PRIVATE mll_result mll__yaml_put_str(const mll_allocator *a, mll__buf *b, const char *key,
                                          const char *v) {
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)v;
    size_t n = strlen(v), i = 0;
    mll_result r = mll__buf_puts(a, b, key);
    if (r == MLL_OK) r = mll__buf_append(a, b, ": \"", 3);
    while (r == MLL_OK && i < n) {
        uint32_t cp;
        size_t l = mll__utf8_decode(s + i, n - i, &cp);
        char esc[12];
        if (!l) return MLL_ERR_INVALID_UTF8;
        if (cp == '"' || cp == '\\') {
            esc[0] = '\\';
            esc[1] = (char)cp;
            r = mll__buf_append(a, b, esc, 2);
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[cp >> 4];
            esc[3] = hex[cp & 15];
            r = mll__buf_append(a, b, esc, 4);
        } else if (cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF) {
            esc[0] = '\\';
            esc[1] = 'u';
            esc[2] = hex[(cp >> 12) & 15];
            esc[3] = hex[(cp >> 8) & 15];
            esc[4] = hex[(cp >> 4) & 15];
            esc[5] = hex[cp & 15];
            r = mll__buf_append(a, b, esc, 6);
        } else {
            r = mll__buf_append(a, b, v + i, l);
        }
        i += l;
    }
    if (r == MLL_OK) r = mll__buf_append(a, b, "\"\n", 2);
    return r;
}

MLL__PRIVATE mll_result mll__yaml_put_raw(const mll_allocator *a, mll__buf *b, const char *key,
                                          const char *raw) {
    mll_result r = mll__buf_puts(a, b, key);
    if (r == MLL_OK) r = mll__buf_append(a, b, ": ", 2);
    if (r == MLL_OK) r = mll__buf_puts(a, b, raw);
    if (r == MLL_OK) r = mll__buf_append(a, b, "\n", 1);
    return r;
}

MLL__PRIVATE mll_result mll__yaml_put_int(const mll_allocator *a, mll__buf *b, const char *key,
                                          int64_t v) {
    char num[24];
    num[mll__fmt_i64(v, num)] = '\0';
    return mll__yaml_put_raw(a, b, key, num);
}

MLL__PRIVATE int mll__is_break(char c) { return c == '\n' || c == '\r'; }
MLL__PRIVATE int mll__is_blank(char c) { return c == ' ' || c == '\t'; }

/* At a line break inside a quoted scalar: consumes it, the next line's indentation and
   any empty lines; appends ' ' for a single break or one '\n' per empty line. Trailing
   blanks before the break are dropped from out, as YAML folding requires. */
MLL__PRIVATE const char *mll__yaml_fold(const mll_allocator *a, mll__buf *out, const char *p,
                                        int add_space, mll_result *r) {
    int breaks = 0;
    while (out->len && mll__is_blank(out->data[out->len - 1])) out->data[--out->len] = '\0';
    while (mll__is_break(*p)) {
        if (p[0] == '\r' && p[1] == '\n') p++;
        p++;
        breaks++;
        while (mll__is_blank(*p)) p++;
    }
    if (breaks == 1) {
        if (add_space) *r = mll__buf_append(a, out, " ", 1);
    } else {
        int i;
        for (i = 1; i < breaks && *r == MLL_OK; i++) *r = mll__buf_append(a, out, "\n", 1);
    }
    return p;
}

MLL__PRIVATE mll_result mll__utf8_append(const mll_allocator *a, mll__buf *out, uint32_t cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return mll__buf_append(a, out, u, n);
}

/* Finds top-level `key:` in doc and decodes its scalar into out. Returns MLL_OK (found;
   *is_null set), MLL_ERR_NOT_FOUND, MLL_ERR_CORRUPT, or MLL_ERR_NO_MEMORY. */
MLL__PRIVATE mll_result mll__yaml_get(const mll_allocator *a, const char *doc, const char *key,
                                      mll__buf *out, int *is_null) {
    size_t kl = strlen(key);
    const char *p = doc;
    mll_result r = MLL_OK;
    out->len = 0;
    if (mll__buf_reserve(a, out, 64) != MLL_OK) return MLL_ERR_NO_MEMORY;
    out->data[0] = '\0';
    *is_null = 0;
    while (*p) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':' &&
            (p[kl + 1] == ' ' || mll__is_break(p[kl + 1]) || p[kl + 1] == '\0'))
            break;
        while (*p && !mll__is_break(*p)) p++;
        while (mll__is_break(*p)) p++;
    }
    if (!*p) return MLL_ERR_NOT_FOUND;
    p += kl + 1;
    while (mll__is_blank(*p)) p++;
    if (*p == '\'') {
        p++;
        for (;;) {
            if (*p == '\0') return MLL_ERR_CORRUPT;
            if (*p == '\'') {
                if (p[1] != '\'') break;
                r = mll__buf_append(a, out, "'", 1);
                p += 2;
            } else if (mll__is_break(*p)) {
                p = mll__yaml_fold(a, out, p, 1, &r);
            } else {
                r = mll__buf_append(a, out, p, 1);
                p++;
            }
            if (r != MLL_OK) return r;
        }
        return MLL_OK;
    }
    if (*p == '"') {
        p++;
        for (;;) {
            if (*p == '\0') return MLL_ERR_CORRUPT;
            if (*p == '"') break;
            if (*p == '\\') {
                char c = p[1];
                uint32_t cp = 0;
                int hexlen = 0, i;
                p += 2;
                switch (c) {
                case '0': cp = 0; break;
                case 'a': cp = 7; break;
                case 'b': cp = 8; break;
                case 't':
                case '\t': cp = 9; break;
                case 'n': cp = 10; break;
                case 'v': cp = 11; break;
                case 'f': cp = 12; break;
                case 'r': cp = 13; break;
                case 'e': cp = 27; break;
                case ' ': cp = ' '; break;
                case '"': cp = '"'; break;
                case '/': cp = '/'; break;
                case '\\': cp = '\\'; break;
                case 'N': cp = 0x85; break;
                case '_': cp = 0xA0; break;
                case 'L': cp = 0x2028; break;
                case 'P': cp = 0x2029; break;
                case 'x': hexlen = 2; break;
                case 'u': hexlen = 4; break;
                case 'U': hexlen = 8; break;
                case '\r':
                case '\n': {
                    /* escaped line break: join without a space */
                    int breaks = 0;
                    p--;
                    while (mll__is_break(*p)) {
                        if (p[0] == '\r' && p[1] == '\n') p++;
                        p++;
                        breaks++;
                        while (mll__is_blank(*p)) p++;
                    }
                    for (i = 1; i < breaks && r == MLL_OK; i++) r = mll__buf_append(a, out, "\n", 1);
                    if (r != MLL_OK) return r;
                    continue;
                }
                default: return MLL_ERR_CORRUPT;
                }
                for (i = 0; i < hexlen; i++) {
                    int h = mll__hexval(*p);
                    if (h < 0) return MLL_ERR_CORRUPT;
                    cp = cp * 16 + (uint32_t)h;
                    p++;
                }
                r = mll__utf8_append(a, out, cp);
            } else if (mll__is_break(*p)) {
                p = mll__yaml_fold(a, out, p, 1, &r);
            } else {
                r = mll__buf_append(a, out, p, 1);
                p++;
            }
            if (r != MLL_OK) return r;
        }
        return MLL_OK;
    }
    /* plain scalar, possibly continued on more-indented lines */
    for (;;) {
        const char *start = p, *end;
        while (*p && !mll__is_break(*p)) {
            if (*p == '#' && (p == start || mll__is_blank(p[-1]))) break;
            p++;
        }
        end = p;
        while (end > start && mll__is_blank(end[-1])) end--;
        r = mll__buf_append(a, out, start, (size_t)(end - start));
        if (r != MLL_OK) return r;
        while (*p && !mll__is_break(*p)) p++;
        {
            /* continuation: the next non-empty line is indented; empty lines become '\n' */
            const char *q = p, *line = p;
            int breaks = 0;
            while (mll__is_break(*q)) {
                if (q[0] == '\r' && q[1] == '\n') q++;
                q++;
                breaks++;
                line = q;
                while (mll__is_blank(*q)) q++;
                if (!mll__is_break(*q)) break;
            }
            if (!*q || q == line || *q == '#' || out->len == 0) break;
            if (breaks == 1) {
                r = mll__buf_append(a, out, " ", 1);
            } else {
                int i;
                for (i = 1; i < breaks && r == MLL_OK; i++) r = mll__buf_append(a, out, "\n", 1);
            }
            if (r != MLL_OK) return r;
            p = q;
        }
    }
    if (out->len == 0 || strcmp(out->data, "~") == 0 || strcmp(out->data, "null") == 0 ||
        strcmp(out->data, "Null") == 0 || strcmp(out->data, "NULL") == 0)
        *is_null = 1;
    return MLL_OK;
}

/* Parses a YAML int (as MLflow writes times and status). */
MLL__PRIVATE int mll__parse_i64(const char *s, int64_t *v) {
    int neg = 0;
    uint64_t acc = 0;
    if (*s == '-' || *s == '+') neg = *s++ == '-';
    if (!*s) return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        if (acc > (UINT64_MAX - 9) / 10) return 0;
        acc = acc * 10 + (uint64_t)(*s - '0');
    }
    if (acc > (uint64_t)INT64_MAX) return 0;
    *v = neg ? -(int64_t)acc : (int64_t)acc;
    return 1;
}

/* >>experiments ------------------------------------------------------------------ */
/* Reads an experiment's meta.yaml fields. `dir` is <root>/<id> or <root>/.trash/<id>. */
MLL__PRIVATE mll_result mll__exp_read(mll_store *s, const char *dir, mll__buf *name,
                                      mll__buf *artifact_location) {
    char path[MLL_MAX_PATH];
    mll__buf doc = {NULL, 0, 0};
    int is_null = 0;
    mll_result r = mll__path(path, dir, "meta.yaml", NULL);
    if (r == MLL_OK) r = mll__read_file(s, path, &doc);
    if (r == MLL_OK && name) {
        r = mll__yaml_get(mll__A(s), doc.data, "name", name, &is_null);
        if (r == MLL_OK && is_null) r = MLL_ERR_CORRUPT;
    }
    if (r == MLL_OK && artifact_location) {
        r = mll__yaml_get(mll__A(s), doc.data, "artifact_location", artifact_location, &is_null);
        if (r == MLL_OK && is_null) r = MLL_ERR_CORRUPT;
    }
    mll__buf_free(mll__A(s), &doc);
    return r;
}

typedef struct mll__find_ctx {
    mll_store *s;
    const char *dir; /* the folder being listed */
    const char *name;
    char found[72];
    mll__buf scratch;
} mll__find_ctx;

MLL__PRIVATE int mll__find_exp_cb(const char *entry, int is_dir, void *vctx) {
    mll__find_ctx *c = (mll__find_ctx *)vctx;
    char dir[MLL_MAX_PATH];
    size_t el = strlen(entry);
    /* MLflow's experiments: every folder but .trash-suffixed ones and "models" */
    if (!is_dir || strcmp(entry, "models") == 0 || (el >= 6 && strcmp(entry + el - 6, ".trash") == 0) ||
        el >= sizeof(c->found))
        return 0;
    if (mll__path(dir, c->dir, entry, NULL) != MLL_OK) return 0;
    if (mll__exp_read(c->s, dir, &c->scratch, NULL) != MLL_OK) return 0;
    if (strcmp(c->scratch.data, c->name) == 0) {
        memcpy(c->found, entry, el + 1);
        return 1;
    }
    return 0;
}

/* 18-digit experiment id derived from the name (probe i on collision), so that processes
   creating the same experiment at once pick the same folder. Python MLflow uses 18 random
   digits; ours are indistinguishable in form. */
MLL__PRIVATE void mll__exp_candidate(const char *name, unsigned probe, char *out) {
    uint64_t h = mll__mix64(mll__fnv1a(name, strlen(name)) ^ ((uint64_t)probe * 0x9E3779B97F4A7C15ULL));
    uint64_t id = 100000000000000000ULL + h % 900000000000000000ULL;
    out[mll__fmt_u64(id, out)] = '\0';
}

/* Finds an experiment by name: active -> MLL_OK with id; deleted -> EXPERIMENT_DELETED. */
MLL__PRIVATE mll_result mll__exp_find(mll_store *s, const char *name, char *id_out) {
    mll__find_ctx c;
    char trash[MLL_MAX_PATH], dir[MLL_MAX_PATH];
    mll_result r;
    memset(&c, 0, sizeof(c));
    c.s = s;
    c.name = name;
    /* fast path: the folder our own writers would have used */
    mll__exp_candidate(name, 0, c.found);
    if (mll__path(dir, s->root, c.found, NULL) == MLL_OK &&
        mll__exp_read(s, dir, &c.scratch, NULL) == MLL_OK && strcmp(c.scratch.data, name) == 0) {
        strcpy(id_out, c.found);
        mll__buf_free(mll__A(s), &c.scratch);
        return MLL_OK;
    }
    c.found[0] = '\0';
    c.dir = s->root;
    r = MLL__FS(s)->list(s->root, mll__find_exp_cb, &c, MLL__FS(s)->user_data);
    if (r == MLL_OK && c.found[0]) {
        strcpy(id_out, c.found);
    } else if (r == MLL_OK) {
        r = mll__path(trash, s->root, ".trash", NULL);
        c.dir = trash;
        if (r == MLL_OK) r = MLL__FS(s)->list(trash, mll__find_exp_cb, &c, MLL__FS(s)->user_data);
        if (r == MLL_OK) r = c.found[0] ? MLL_ERR_EXPERIMENT_DELETED : MLL_ERR_NOT_FOUND;
    }
    mll__buf_free(mll__A(s), &c.scratch);
    return r;
}

MLL__PRIVATE mll_result mll__exp_meta(mll_store *s, const char *id, const char *name,
                                      const char *artifact_location, mll__buf *out) {
    const mll_allocator *a = mll__A(s);
    char loc[MLL_MAX_PATH * 3 + 32];
    int64_t now = mll__os_now_ms();
    mll_result r;
    if (artifact_location) {
        mll__snprintf(loc, sizeof(loc), "%s", artifact_location);
    } else {
        mll__snprintf(loc, sizeof(loc), "%s/%s", s->root_uri, id);
    }
    /* keys sorted, as PyYAML's sort_keys=True writes them (MLflow 3.18.0 set) */
    r = mll__yaml_put_str(a, out, "artifact_location", loc);
    if (r == MLL_OK) r = mll__yaml_put_int(a, out, "creation_time", now);
    if (r == MLL_OK) r = mll__yaml_put_raw(a, out, "effective_trace_archival_retention", "null");
    if (r == MLL_OK) r = mll__yaml_put_str(a, out, "experiment_id", id);
    if (r == MLL_OK) r = mll__yaml_put_int(a, out, "last_update_time", now);
    if (r == MLL_OK) r = mll__yaml_put_raw(a, out, "lifecycle_stage", "active");
    if (r == MLL_OK) r = mll__yaml_put_str(a, out, "name", name);
    if (r == MLL_OK) r = mll__yaml_put_raw(a, out, "trace_location", "null");
    if (r == MLL_OK) r = mll__yaml_put_raw(a, out, "workspace", "default");
    return r;
}

/* Builds a folder holding one meta.yaml under "<root>/.mll-stage-*.trash" (a name both of
   MLflow's stores skip) and renames it to target: the target appears complete or not at
   all, and the rename fails with MLL_ERR_EXISTS when someone else got there first. */
MLL__PRIVATE mll_result mll__publish_dir(mll_store *s, const char *target, const mll__buf *meta) {
    char stage[MLL_MAX_PATH], file[MLL_MAX_PATH], sname[64];
    uint64_t rnd;
    intptr_t h;
    mll_result r, rc;
    mll__os_random(&rnd, sizeof(rnd));
    mll__snprintf(sname, sizeof(sname), ".mll-stage-%ld-%016llx.trash", mll__os_pid(), (unsigned long long)rnd);
    r = mll__path(stage, s->root, sname, NULL);
    if (r == MLL_OK) r = mll__path(file, stage, "meta.yaml", NULL);
    if (r == MLL_OK) r = MLL__FS(s)->mkdir(stage, MLL__FS(s)->user_data);
    if (r != MLL_OK) return r;
    r = MLL__FS(s)->open(file, MLL_OPEN_CREATE_EXCL, &h, MLL__FS(s)->user_data);
    if (r == MLL_OK) {
        r = mll__write_all(s, h, meta->data, meta->len);
        if (r == MLL_OK && s->desc.durability == MLL_DURABILITY_FSYNC) r = MLL__FS(s)->sync(h, MLL__FS(s)->user_data);
        rc = MLL__FS(s)->close(h, MLL__FS(s)->user_data);
        if (r == MLL_OK) r = rc;
    }
    if (r == MLL_OK) r = MLL__FS(s)->rename(stage, target, MLL__FS(s)->user_data);
    if (r != MLL_OK) {
        MLL__FS(s)->remove(file, MLL__FS(s)->user_data);
        MLL__FS(s)->remove(stage, MLL__FS(s)->user_data);
    }
    return r;
}

/* Publishes experiment `id` atomically (see mll__publish_dir). */
MLL__PRIVATE mll_result mll__exp_publish(mll_store *s, const char *id, const char *name,
                                         const char *artifact_location) {
    char target[MLL_MAX_PATH];
    mll__buf doc = {NULL, 0, 0};
    mll_result r = mll__path(target, s->root, id, NULL);
    if (r == MLL_OK) r = mll__exp_meta(s, id, name, artifact_location, &doc);
    if (r == MLL_OK) r = mll__publish_dir(s, target, &doc);
    mll__buf_free(mll__A(s), &doc);
    return r;
}

/* Get-or-create by name; safe against other processes doing the same. */
MLL__PRIVATE mll_result mll__exp_get_or_create(mll_store *s, const char *name,
                                               const char *artifact_location, char *id_out) {
    unsigned probe;
    mll__buf other = {NULL, 0, 0};
    mll_result r = mll__exp_find(s, name, id_out);
    if (r != MLL_ERR_NOT_FOUND) return r;
    for (probe = 0; probe < 64; probe++) {
        char dir[MLL_MAX_PATH], tdir[MLL_MAX_PATH];
        int attempt;
        mll__exp_candidate(name, probe, id_out);
        r = mll__path(dir, s->root, id_out, NULL);
        if (r == MLL_OK) r = mll__path(tdir, s->root, ".trash", id_out);
        if (r != MLL_OK) break;
        if (mll__exists(s, tdir, NULL)) continue; /* id held by a deleted experiment */
        for (attempt = 0; attempt < 2; attempt++) {
            if (mll__exists(s, dir, NULL)) {
                /* ours if another process just created it under this name, else a collision */
                r = (mll__exp_read(s, dir, &other, NULL) == MLL_OK && strcmp(other.data, name) == 0)
                        ? MLL_OK
                        : MLL_ERR_EXISTS;
                break;
            }
            r = mll__exp_publish(s, id_out, name, artifact_location);
            if (r != MLL_ERR_EXISTS) break; /* created, or a real error */
        }
        if (r != MLL_ERR_EXISTS) break;
    }
    mll__buf_free(mll__A(s), &other);
    return r == MLL_ERR_EXISTS ? MLL_ERR_IO : r;
}

/* <root>/0 "Default", created if missing (MLflow only creates it with a new root). */
MLL__PRIVATE mll_result mll__ensure_default_experiment(mll_store *s) {
    char dir[MLL_MAX_PATH], meta[MLL_MAX_PATH];
    mll_result r = mll__path(dir, s->root, "0", NULL);
    if (r == MLL_OK) r = mll__path(meta, dir, "meta.yaml", NULL);
    if (r != MLL_OK) return r;
    if (mll__exists(s, meta, NULL)) return MLL_OK;
    if (!mll__exists(s, dir, NULL)) {
        r = mll__exp_publish(s, "0", "Default", NULL);
        return r == MLL_ERR_EXISTS ? MLL_OK : r;
    } else {
        mll__buf doc = {NULL, 0, 0};
        r = mll__exp_meta(s, "0", "Default", NULL, &doc);
        if (r == MLL_OK) r = mll__write_atomic(s, dir, meta, doc.data, doc.len, MLL__CREATE_ONLY);
        mll__buf_free(mll__A(s), &doc);
        return r == MLL_ERR_EXISTS ? MLL_OK : r;
    }
}

/* >>context: user, program, git ---------------------------------------------- */
#if MLL__PLATFORM_POSIX
static mll__mutex mll__pwd_lock = MLL__MUTEX_INITIALIZER; /* getpwuid() returns a static buffer */
#endif
MLL__PRIVATE void mll__default_user(const mll_store *s, char *out, size_t cap) {
    const char *u = NULL;
    if (!s->desc.ignore_env) u = getenv("MLFLOW_TRACKING_USERNAME");
#if MLL__PLATFORM_POSIX
    if (!u || !*u) {
        struct passwd *pw;
        mll__lock(&mll__pwd_lock);
        pw = getpwuid(geteuid());
        if (pw && pw->pw_name && *pw->pw_name) {
            mll__snprintf(out, cap, "%s", pw->pw_name); /* copied before another thread reuses it */
            mll__unlock(&mll__pwd_lock);
            return;
        }
        mll__unlock(&mll__pwd_lock);
    }
#endif
    if (!u || !*u) u = getenv("USER");
    if (!u || !*u) u = getenv("LOGNAME");
    if (!u || !*u) u = getenv("USERNAME"); /* Windows, as Python's getpass.getuser() */
    if (!u || !*u) u = "unknown";
    mll__snprintf(out, cap, "%s", u);
}

MLL__PRIVATE void mll__program_path(char *out, size_t cap) {
    out[0] = '\0';
    if (mll__os_program_path(out, cap)) return;
    mll__snprintf(out, cap, "%s", "<c-program>");
}

/* Reads a small text file into out (first line, trimmed). */
MLL__PRIVATE int mll__read_line(mll_store *s, const char *path, char *out, size_t cap) {
    mll__buf b = {NULL, 0, 0};
    int ok = 0;
    if (mll__read_file(s, path, &b) == MLL_OK && b.len) {
        size_t n = 0;
        while (n < b.len && !mll__is_break(b.data[n])) n++;
        while (n && mll__is_blank(b.data[n - 1])) n--;
        if (n < cap) {
            memcpy(out, b.data, n);
            out[n] = '\0';
            ok = 1;
        }
    }
    mll__buf_free(mll__A(s), &b);
    return ok;
}

MLL__PRIVATE int mll__is_sha(const char *s) {
    size_t i;
    for (i = 0; i < 40; i++)
        if (mll__hexval(s[i]) < 0) return 0;
    return s[40] == '\0' || s[40] == ' ' || mll__is_break(s[40]);
}

/* HEAD commit of the git work tree containing `start` (a directory), by reading .git:
   a .git folder or a "gitdir:" file (worktrees, submodules), a detached or symbolic
   HEAD, loose refs, packed-refs, and a worktree's commondir. Never runs git. */
MLL__PRIVATE int mll__git_commit(mll_store *s, const char *start, char *sha_out) {
    char dir[MLL_MAX_PATH], gitdir[MLL_MAX_PATH], common[MLL_MAX_PATH], line[MLL_MAX_PATH];
    char path[MLL_MAX_PATH];
    mll__snprintf(dir, sizeof(dir), "%s", start);
    for (;;) {
        int is_dir = 0;
        char *slash;
        if (mll__path(gitdir, dir, ".git", NULL) == MLL_OK && mll__exists(s, gitdir, &is_dir)) {
            if (!is_dir) {
                if (!mll__read_line(s, gitdir, line, sizeof(line)) || strncmp(line, "gitdir: ", 8) != 0)
                    return 0;
                if (line[8] == '/')
                    mll__snprintf(gitdir, sizeof(gitdir), "%s", line + 8);
                else if (mll__path(gitdir, dir, line + 8, NULL) != MLL_OK)
                    return 0;
            }
            break;
        }
        slash = strrchr(dir, '/');
        if (!slash || slash == dir) return 0;
        *slash = '\0';
    }
    mll__snprintf(common, sizeof(common), "%s", gitdir);
    if (mll__path(path, gitdir, "commondir", NULL) == MLL_OK && mll__read_line(s, path, line, sizeof(line))) {
        if (line[0] == '/')
            mll__snprintf(common, sizeof(common), "%s", line);
        else
            mll__path(common, gitdir, line, NULL);
    }
    if (mll__path(path, gitdir, "HEAD", NULL) != MLL_OK || !mll__read_line(s, path, line, sizeof(line)))
        return 0;
    if (mll__is_sha(line)) {
        memcpy(sha_out, line, 40);
        sha_out[40] = '\0';
        return 1;
    }
    if (strncmp(line, "ref: ", 5) == 0) {
        char ref[1024], sha[MLL_MAX_PATH];
        mll__buf packed = {NULL, 0, 0};
        int ok = 0;
        mll__snprintf(ref, sizeof(ref), "%s", line + 5);
        if ((mll__path(path, gitdir, ref, NULL) == MLL_OK && mll__read_line(s, path, sha, sizeof(sha)) &&
             mll__is_sha(sha)) ||
            (mll__path(path, common, ref, NULL) == MLL_OK && mll__read_line(s, path, sha, sizeof(sha)) &&
             mll__is_sha(sha))) {
            memcpy(sha_out, sha, 40);
            sha_out[40] = '\0';
            return 1;
        }
        if (mll__path(path, common, "packed-refs", NULL) == MLL_OK && mll__read_file(s, path, &packed) == MLL_OK) {
            const char *p = packed.data;
            size_t rl = strlen(ref);
            while (p && *p) {
                if (mll__is_sha(p) && p[40] == ' ' && strncmp(p + 41, ref, rl) == 0 &&
                    (mll__is_break(p[41 + rl]) || p[41 + rl] == '\0')) {
                    memcpy(sha_out, p, 40);
                    sha_out[40] = '\0';
                    ok = 1;
                    break;
                }
                p = strchr(p, '\n');
                if (p) p++;
            }
        }
        mll__buf_free(mll__A(s), &packed);
        return ok;
    }
    return 0;
}

/* Random run name in MLflow's "adjective-noun-NNN" form (our own word lists). */
MLL__PRIVATE void mll__random_run_name(char *out, size_t cap) {
    static const char *adj[] = {"able",  "bold",  "brave", "bright", "calm",  "clever", "cool",
                                "eager", "fair",  "fast",  "gentle", "glad",  "grand",  "keen",
                                "kind",  "lucid", "merry", "neat",   "noble", "quick",  "quiet",
                                "rare",  "sharp", "shy",   "silent", "sleek", "smart",  "steady",
                                "sunny", "swift", "warm",  "wise"};
    static const char *noun[] = {"ant",  "bat",  "bee",   "bird",  "cat",   "colt", "crab", "deer",
                                 "dove", "duck", "eel",   "elk",   "finch", "fox",  "frog", "goat",
                                 "hare", "hawk", "ibis",  "jay",   "koi",   "lark", "lynx", "mole",
                                 "moth", "newt", "owl",   "panda", "seal",  "swan", "toad", "wolf"};
    uint32_t r;
    mll__os_random(&r, sizeof(r));
    mll__snprintf(out, cap, "%s-%s-%u", adj[r & 31], noun[(r >> 5) & 31], (unsigned)((r >> 10) % 1000));
}

/* >>meta updates ------------------------------------------------------------- */
/* Replaces the top-level entry `key` of a YAML mapping (with its continuation lines) by
   `line` ("key: value\n"), or inserts it in sorted position: the other entries, whoever
   wrote them, are kept byte for byte. */
MLL__PRIVATE mll_result mll__yaml_set_entry(const mll_allocator *a, const char *doc, const char *key,
                                            const char *line, mll__buf *out) {
    const char *p = doc;
    size_t kl = strlen(key);
    int done = 0;
    mll_result r = MLL_OK;
    out->len = 0;
    r = mll__buf_reserve(a, out, strlen(doc) + strlen(line) + 1);
    if (r != MLL_OK) return r;
    out->data[0] = '\0';
    while (*p && r == MLL_OK) {
        const char *start = p, *end = p;
        int is_key = 0, cmp = -1; /* never insert before what is not an entry (found by fuzzing:
                                     indented lines after it would continue the new value) */
        /* one entry: its first line and the indented or empty lines after it */
        while (*end && *end != '\n') end++;
        if (*end) end++;
        while (*end == ' ' || *end == '\t' || *end == '\n') {
            const char *q = end;
            while (*q && *q != '\n') q++;
            if (*q) q++;
            end = q;
        }
        if (*start != ' ' && *start != '#' && *start != '\n') {
            is_key = strncmp(start, key, kl) == 0 && start[kl] == ':';
            if (!is_key) {
                const char *colon = strchr(start, ':');
                size_t n = colon ? (size_t)(colon - start) : 0;
                cmp = strncmp(start, key, n < kl ? n : kl);
                if (cmp == 0) cmp = n < kl ? -1 : 1;
            }
        }
        if (!done && (is_key || cmp > 0)) {
            r = mll__buf_puts(a, out, line);
            done = 1;
        }
        if (!is_key && r == MLL_OK) r = mll__buf_append(a, out, start, (size_t)(end - start));
        p = end;
    }
    if (!done && r == MLL_OK && out->len && out->data[out->len - 1] != '\n')
        r = mll__buf_append(a, out, "\n", 1); /* a last line without its newline */
    if (!done && r == MLL_OK) r = mll__buf_puts(a, out, line);
    return r;
}

/* Rewrites entries of <dir>/meta.yaml (pairs key, yaml line; NULL-terminated) atomically. */
MLL__PRIVATE mll_result mll__meta_update(mll_store *s, const char *dir, const char *const *kv) {
    char meta[MLL_MAX_PATH];
    mll__buf doc = {NULL, 0, 0}, out = {NULL, 0, 0};
    mll_result r = mll__path(meta, dir, "meta.yaml", NULL);
    if (r == MLL_OK) r = mll__read_file(s, meta, &doc);
    for (; r == MLL_OK && kv[0]; kv += 2) {
        r = mll__yaml_set_entry(mll__A(s), doc.data, kv[0], kv[1], &out);
        if (r == MLL_OK) {
            mll__buf t = doc;
            doc = out;
            out = t;
        }
    }
    if (r == MLL_OK) r = mll__write_atomic(s, dir, meta, doc.data, doc.len, MLL__REPLACE);
    mll__buf_free(mll__A(s), &doc);
    mll__buf_free(mll__A(s), &out);
    return r;
}

/* "key: <int>\n" or "key: \"str\"\n" / "key: null\n" into buf. */
MLL__PRIVATE mll_result mll__yaml_line_int(const mll_allocator *a, mll__buf *b, const char *key, int64_t v) {
    b->len = 0;
    return mll__yaml_put_int(a, b, key, v);
}
MLL__PRIVATE mll_result mll__yaml_line_str(const mll_allocator *a, mll__buf *b, const char *key, const char *v) {
    b->len = 0;
    return v ? mll__yaml_put_str(a, b, key, v) : mll__yaml_put_raw(a, b, key, "null");
}

/* >>run ------------------------------------------------------------------------- */
/* Updates entries of an existing run's meta.yaml, keeping the rest as the file has it
   (a rename or a delete made in MLflow's UI meanwhile survives); MLL_ERR_INVALID_STATE,
   and nothing written, when MLflow deleted the run (as its update_run_info refuses). */
MLL__PRIVATE mll_result mll__run_update_meta(mll_run *run, const char *const *kv) {
    mll_store *s = run->store;
    char meta[MLL_MAX_PATH];
    mll__buf doc = {NULL, 0, 0}, v = {NULL, 0, 0};
    int is_null = 0;
    mll_result r = mll__path(meta, run->dir, "meta.yaml", NULL);
    if (r == MLL_OK) r = mll__read_file(s, meta, &doc);
    if (r == MLL_OK && mll__yaml_get(mll__A(s), doc.data, "lifecycle_stage", &v, &is_null) == MLL_OK &&
        !is_null && strcmp(v.data, "deleted") == 0)
        r = MLL_ERR_INVALID_STATE;
    mll__buf_free(mll__A(s), &doc);
    mll__buf_free(mll__A(s), &v);
    if (r == MLL_OK) r = mll__meta_update(s, run->dir, kv);
    return r;
}

/* status and end_time (null while running) into meta.yaml */
MLL__PRIVATE mll_result mll__run_set_status(mll_run *run) {
    mll__buf l1 = {NULL, 0, 0}, l2 = {NULL, 0, 0}, l3 = {NULL, 0, 0};
    const char *kv[7];
    const mll_allocator *a = mll__A(run->store);
    mll_result r = mll__yaml_line_int(a, &l1, "status", run->status);
    if (r == MLL_OK) {
        l2.len = 0;
        r = run->end_time < 0 ? mll__yaml_put_raw(a, &l2, "end_time", "null")
                              : mll__yaml_put_int(a, &l2, "end_time", run->end_time);
    }
    /* 2.x readers need run_uuid, which a run created by MLflow 3 lacks */
    if (r == MLL_OK) r = mll__yaml_line_str(a, &l3, "run_uuid", run->run_id);
    kv[0] = "status";
    kv[1] = l1.data;
    kv[2] = "end_time";
    kv[3] = l2.data;
    kv[4] = "run_uuid";
    kv[5] = l3.data;
    kv[6] = NULL;
    if (r == MLL_OK) r = mll__run_update_meta(run, kv);
    mll__buf_free(a, &l1);
    mll__buf_free(a, &l2);
    mll__buf_free(a, &l3);
    return r;
}

/* Writes a new run's complete meta.yaml. */
MLL__PRIVATE mll_result mll__run_write_meta(mll_run *run) {
    mll_store *s = run->store;
    const mll_allocator *a = mll__A(s);
    mll__buf doc = {NULL, 0, 0};
    char path[MLL_MAX_PATH];
    mll_result r;
    /* keys sorted like PyYAML; run_uuid too, which MLflow 2.x readers require */
    r = mll__yaml_put_str(a, &doc, "artifact_uri", run->artifact_uri);
    if (r == MLL_OK) {
        if (run->end_time < 0)
            r = mll__yaml_put_raw(a, &doc, "end_time", "null");
        else
            r = mll__yaml_put_int(a, &doc, "end_time", run->end_time);
    }
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "entry_point_name", "");
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "experiment_id", run->experiment_id);
    if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "lifecycle_stage", "active");
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "run_id", run->run_id);
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "run_name", run->run_name);
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "run_uuid", run->run_id);
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "source_name", "");
    if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "source_type", "4");
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "source_version", "");
    if (r == MLL_OK) r = mll__yaml_put_int(a, &doc, "start_time", run->start_time);
    if (r == MLL_OK) r = mll__yaml_put_int(a, &doc, "status", run->status);
    if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "tags", "[]");
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "user_id", run->user_id);
    if (r == MLL_OK) r = mll__path(path, run->dir, "meta.yaml", NULL);
    if (r == MLL_OK) r = mll__write_atomic(s, run->dir, path, doc.data, doc.len, MLL__REPLACE);
    mll__buf_free(a, &doc);
    return r;
}

/* Local folder for artifacts: the artifact_uri itself when it is a local path, else the
   run's artifacts/ folder (a staging area that `mlflow-lite sync` uploads from). */
MLL__PRIVATE mll_result mll__run_resolve_artifact_dir(mll_run *run) {
    char p[MLL_MAX_PATH];
    int local = mll__uri_to_path(run->artifact_uri, p, sizeof(p));
    if (local == MLL__URI_MALFORMED) return MLL_ERR_INVALID_URI;
    if (local == MLL__URI_TOO_LONG) return MLL_ERR_PATH_TOO_LONG;
    if (local && p[0] == '/') {
        mll__snprintf(run->artifact_dir, sizeof(run->artifact_dir), "%s", p);
        return MLL_OK;
    }
    return mll__path(run->artifact_dir, run->dir, "artifacts", NULL);
}

/* Writes <run>/<folder>/<key> (params or tags; the caller validated key and value), creating
   the folders of a nested key. */
MLL__PRIVATE mll_result mll__write_kv(mll_run *run, const char *folder, const char *key,
                                      const char *value, mll__write_mode mode) {
    char base[MLL_MAX_PATH], path[MLL_MAX_PATH];
    mll_result r = mll__path(base, run->dir, folder, NULL);
    if (r == MLL_OK) r = mll__path(path, base, key, NULL);
    if (r == MLL_OK && strchr(key, '/')) r = mll__mkdirs_for(run->store, base, path);
    if (r == MLL_OK) r = mll__write_atomic(run->store, run->dir, path, value, strlen(value), mode);
    return r;
}

typedef struct mll__run_find_ctx {
    mll_store *s;
    const char *run_id;
    const char *base;
    char found_dir[MLL_MAX_PATH];
} mll__run_find_ctx;

MLL__PRIVATE int mll__find_run_cb(const char *entry, int is_dir, void *vctx) {
    mll__run_find_ctx *c = (mll__run_find_ctx *)vctx;
    char dir[MLL_MAX_PATH], meta[MLL_MAX_PATH];
    size_t el = strlen(entry);
    if (!is_dir || strcmp(entry, "models") == 0 || (el >= 6 && strcmp(entry + el - 6, ".trash") == 0))
        return 0;
    if (mll__path(dir, c->base, entry, c->run_id) != MLL_OK) return 0;
    if (mll__path(meta, dir, "meta.yaml", NULL) != MLL_OK) return 0;
    if (mll__exists(c->s, meta, NULL)) {
        memcpy(c->found_dir, dir, strlen(dir) + 1);
        return 1;
    }
    return 0;
}

/* Who writes the run now (the process that created or last reopened it), so that
   `mlflow-lite check` can tell a run left RUNNING by a process that is gone. */
MLL__PRIVATE mll_result mll__run_owner_tags(mll_run *run) {
    char host[256], pid[24];
    mll_result r;
    mll__os_hostname(host, sizeof(host));
    mll__snprintf(pid, sizeof(pid), "%ld", mll__os_pid());
    r = mll__write_kv(run, "tags", "mlflow_lite.host", host, MLL__REPLACE);
    return r == MLL_OK ? mll__write_kv(run, "tags", "mlflow_lite.pid", pid, MLL__REPLACE) : r;
}

/* Reopens an existing run (written by us or by Python MLflow) to keep appending. */
MLL__PRIVATE mll_result mll__run_reopen(mll_run *run, const char *run_id) {
    mll_store *s = run->store;
    const mll_allocator *a = mll__A(s);
    mll__run_find_ctx c;
    mll__buf doc = {NULL, 0, 0}, v = {NULL, 0, 0};
    char meta[MLL_MAX_PATH], trash[MLL_MAX_PATH];
    int is_null;
    mll_result r;
    memset(&c, 0, sizeof(c));
    c.s = s;
    c.run_id = run_id;
    c.base = s->root;
    r = MLL__FS(s)->list(s->root, mll__find_run_cb, &c, MLL__FS(s)->user_data);
    if (r == MLL_OK && !c.found_dir[0]) {
        r = mll__path(trash, s->root, ".trash", NULL);
        c.base = trash;
        if (r == MLL_OK) r = MLL__FS(s)->list(trash, mll__find_run_cb, &c, MLL__FS(s)->user_data);
        if (r == MLL_OK && c.found_dir[0]) r = MLL_ERR_INVALID_STATE; /* experiment deleted */
    }
    if (r == MLL_OK && !c.found_dir[0]) r = MLL_ERR_NOT_FOUND;
    if (r != MLL_OK) return r;
    mll__snprintf(run->dir, sizeof(run->dir), "%s", c.found_dir);
    mll__snprintf(run->run_id, sizeof(run->run_id), "%s", run_id);
    r = mll__path(meta, run->dir, "meta.yaml", NULL);
    if (r == MLL_OK) r = mll__read_file(s, meta, &doc);
    if (r != MLL_OK) goto done;
    {
        /* the experiment is the parent folder, as MLflow decides it */
        char *slash = strrchr(run->dir, '/');
        const char *exp;
        *slash = '\0';
        exp = strrchr(run->dir, '/') + 1;
        mll__snprintf(run->experiment_id, sizeof(run->experiment_id), "%s", exp);
        *slash = '/';
    }
    if (mll__yaml_get(a, doc.data, "lifecycle_stage", &v, &is_null) == MLL_OK && !is_null &&
        strcmp(v.data, "active") != 0) {
        r = MLL_ERR_INVALID_STATE;
        goto done;
    }
    r = mll__yaml_get(a, doc.data, "start_time", &v, &is_null);
    if (r != MLL_OK || is_null || !mll__parse_i64(v.data, &run->start_time)) {
        r = MLL_ERR_CORRUPT;
        goto done;
    }
    r = mll__yaml_get(a, doc.data, "user_id", &v, &is_null);
    run->user_id = mll__strdup(a, r == MLL_OK && !is_null ? v.data : "unknown");
    r = mll__yaml_get(a, doc.data, "run_name", &v, &is_null);
    run->run_name = mll__strdup(a, r == MLL_OK && !is_null ? v.data : "");
    r = mll__yaml_get(a, doc.data, "artifact_uri", &v, &is_null);
    if (r != MLL_OK || is_null) {
        r = MLL_ERR_CORRUPT;
        goto done;
    }
    run->artifact_uri = mll__strdup(a, v.data);
    if (!run->user_id || !run->run_name || !run->artifact_uri) {
        r = MLL_ERR_NO_MEMORY;
        goto done;
    }
    run->status = MLL_RUN_RUNNING; /* resumed, as mlflow.start_run(run_id=...) does */
    run->end_time = -1;
    r = mll__run_resolve_artifact_dir(run);
    if (r == MLL_OK) r = mll__run_owner_tags(run);
    if (r == MLL_OK) r = mll__run_set_status(run);
done:
    mll__buf_free(a, &doc);
    mll__buf_free(a, &v);
    return r;
}

/* >>metrics ---------------------------------------------------------------------- */
/* Open-addressing table key -> slot; a key is validated once, when first seen. */
MLL__PRIVATE mll_result mll__slots_grow(mll_run *run) {
    const mll_allocator *a = mll__A(run->store);
    size_t ncap = run->slot_cap ? run->slot_cap * 2 : 16, i;
    mll__metric_slot *ns = (mll__metric_slot *)mll__alloc(a, ncap * sizeof(*ns));
    if (!ns) return MLL_ERR_NO_MEMORY;
    memset(ns, 0, ncap * sizeof(*ns));
    for (i = 0; i < run->slot_cap; i++) {
        mll__metric_slot *o = &run->slots[i];
        size_t j;
        if (!o->key) continue;
        for (j = (size_t)o->hash & (ncap - 1); ns[j].key; j = (j + 1) & (ncap - 1)) {
        }
        ns[j] = *o;
    }
    mll__free(a, run->slots);
    run->slots = ns;
    run->slot_cap = ncap;
    run->last_slot = NULL; /* pointed into the old table */
    return MLL_OK;
}

/* Checked when a metric key is first seen, while the caller can still be told: a key no
   flush could ever write would hold its points until the run ends and then lose them. The
   whole path must fit in MLL_MAX_PATH and each folder or file name in MLL_MAX_NAME bytes,
   and no other metric of the run may be a file where this key needs a folder ("a" and
   "a/b", either way round: MLflow's validation allows both, its file store cannot hold
   both). */
MLL__PRIVATE mll_result mll__metric_key_fits(const mll_run *run, const char *key, size_t n) {
    size_t i, seg = 0;
    if (strlen(run->dir) + sizeof("/metrics/") + n > MLL_MAX_PATH) return MLL_ERR_PATH_TOO_LONG;
    for (i = 0; i <= n; i++) {
        if (i < n && key[i] != '/') continue;
        if (i - seg > MLL_MAX_NAME) return MLL_ERR_PATH_TOO_LONG;
        seg = i + 1;
    }
    for (i = 0; i < run->slot_cap; i++) {
        const mll__metric_slot *o = &run->slots[i];
        if (!o->key) continue;
        if ((o->key_len < n && key[o->key_len] == '/' && memcmp(o->key, key, o->key_len) == 0) ||
            (n < o->key_len && o->key[n] == '/' && memcmp(o->key, key, n) == 0))
            return MLL_ERR_INVALID_KEY; /* one would be a file where the other needs a folder */
    }
    return MLL_OK;
}

MLL__PRIVATE mll_result mll__slot_get(mll_run *run, const char *key, mll__metric_slot **out) {
    size_t n, j;
    uint64_t h;
    mll_result r;
    if (run->last_slot && strcmp(run->last_slot->key, key) == 0) { /* training loops repeat keys */
        *out = run->last_slot;
        return MLL_OK;
    }
    n = strlen(key);
    h = mll__fnv1a(key, n);
    if (run->slot_cap) {
        for (j = (size_t)h & (run->slot_cap - 1); run->slots[j].key; j = (j + 1) & (run->slot_cap - 1)) {
            mll__metric_slot *sl = &run->slots[j];
            if (sl->hash == h && sl->key_len == n && memcmp(sl->key, key, n) == 0) {
                *out = run->last_slot = sl;
                return MLL_OK;
            }
        }
    }
    r = mll__validate_key(key);
    if (r == MLL_OK) r = mll__metric_key_fits(run, key, n);
    if (r != MLL_OK) return r;
    if ((run->slot_count + 1) * 10 > run->slot_cap * 7) {
        r = mll__slots_grow(run);
        if (r != MLL_OK) return r;
    }
    for (j = (size_t)h & (run->slot_cap - 1); run->slots[j].key; j = (j + 1) & (run->slot_cap - 1)) {
    }
    run->slots[j].key = mll__strndup(mll__A(run->store), key, n);
    if (!run->slots[j].key) return MLL_ERR_NO_MEMORY;
    run->slots[j].key_len = n;
    run->slots[j].hash = h;
    run->slot_count++;
    *out = run->last_slot = &run->slots[j];
    return MLL_OK;
}

/* Truncates a torn last line (a crash inside a multi-page write) before appending, so
   that a new line is never glued onto a fragment. */
MLL__PRIVATE mll_result mll__repair_tail(mll_store *s, const char *path) {
    mll_stat st;
    intptr_t h;
    char chunk[512];
    uint64_t end, pos;
    mll_result r = MLL__FS(s)->stat(path, &st, MLL__FS(s)->user_data);
    if (r != MLL_OK || !st.exists || st.size == 0) return r;
    r = MLL__FS(s)->open(path, MLL_OPEN_READ, &h, MLL__FS(s)->user_data);
    if (r != MLL_OK) return r;
    end = st.size;
    pos = end;
    for (;;) {
        size_t want = pos > sizeof(chunk) ? sizeof(chunk) : (size_t)pos, got = 0, i;
        int found = 0;
        if (want == 0) break;
        r = MLL__FS(s)->read(h, pos - want, chunk, want, &got, MLL__FS(s)->user_data);
        if (r != MLL_OK || got != want) break;
        for (i = want; i > 0; i--) {
            if (chunk[i - 1] == '\n') {
                found = 1;
                break;
            }
        }
        if (found) {
            pos = pos - want + i;
            break;
        }
        pos -= want;
    }
    MLL__FS(s)->close(h, MLL__FS(s)->user_data);
    if (r != MLL_OK || pos == end) return r;
    r = MLL__FS(s)->open(path, MLL_OPEN_APPEND, &h, MLL__FS(s)->user_data);
    if (r != MLL_OK) return r;
    r = MLL__FS(s)->truncate(h, pos, MLL__FS(s)->user_data);
    MLL__FS(s)->close(h, MLL__FS(s)->user_data);
    return r;
}

/* Lays the pending lines out for the file, starting at offset `base`, so that no line
   crosses a MLL_PAGE_SIZE boundary: when one would, the line before it gets trailing
   spaces up to the boundary (MLflow, migrate-filestore and mlflow-lite read lines with
   strip()). The flush ends with at least one line's worth of room left in its page, or on
   a boundary, so that the next flush's first line fits too. Returns MLL_OK or NO_MEMORY. */
MLL__PRIVATE mll_result mll__layout_lines(const mll_allocator *a, const mll__buf *pending, uint64_t base,
                                          mll__buf *out) {
    const uint64_t page = MLL_PAGE_SIZE;
    const char *in = pending->data;
    size_t left = pending->len, o = 0;
    /* padding per page is less than one line: reserve for the worst case once */
    mll_result r = mll__buf_reserve(a, out, left + (left / (MLL_PAGE_SIZE / 2) + 3) * MLL__MAX_LINE + 1);
    if (r != MLL_OK) return r;
    /* page by page: copy the whole lines that fit before the next boundary in one go */
    while (left) {
        size_t room = (size_t)(page - (base + o) % page), k;
        if (left <= room) {
            memcpy(out->data + o, in, left);
            o += left;
            break;
        }
        k = room;
        while (k > 0 && in[k - 1] != '\n') k--; /* the last line end before the boundary */
        if (k == 0) {
            /* the first line crosses the boundary and no line of ours precedes it (a file
               another writer left mid-page): it has to cross */
            const char *nl = (const char *)memchr(in, '\n', left);
            k = (size_t)(nl - in) + 1;
            memcpy(out->data + o, in, k);
            o += k;
        } else {
            memcpy(out->data + o, in, k);
            o += k;
            if (k < room) { /* the line before the boundary gets trailing spaces */
                size_t pad = room - k;
                memset(out->data + o - 1, ' ', pad);
                o += pad;
                out->data[o - 1] = '\n';
            }
        }
        in += k;
        left -= k;
    }
    if (o) {
        uint64_t in_page = (base + o) % page;
        if (in_page && page - in_page < MLL__MAX_LINE) { /* room for the next flush's first line */
            size_t pad = (size_t)(page - in_page);
            memset(out->data + o - 1, ' ', pad);
            o += pad;
            out->data[o - 1] = '\n';
        }
    }
    out->len = o;
    return MLL_OK;
}

/* Writes len bytes of metric lines to h (one write() when it can: Linux cuts a write short
   -- fatal signal, full disk -- only between pages, and every page boundary in them is a
   line end). Returns the error that stopped it (MLL_OK: all written); *done gets the bytes
   written, *whole those up to the last line end among them. */
MLL__PRIVATE mll_result mll__write_lines(mll_store *s, intptr_t h, const char *data, size_t len, size_t *done,
                                         size_t *whole) {
    mll_result r = MLL_OK;
    size_t d = 0, k;
    while (d < len) {
        size_t w = 0;
        r = MLL__FS(s)->write(h, data + d, len - d, &w, MLL__FS(s)->user_data);
        d += w;
        if (r == MLL_OK && w == 0) r = MLL_ERR_NO_SPACE;
        if (r != MLL_OK) break;
    }
    for (k = d; k > 0 && data[k - 1] != '\n'; k--) {
    }
    *done = d;
    *whole = k;
    return r;
}

/* A new metric file is born with its first lines (temporary file + link()): an empty
   metric file, left by a kill between open() and write(), breaks MLflow. When the disk
   cannot take all of them, it is born with the whole lines that fit (the temporary file
   cut back to its last line end), so a key makes progress as soon as there is room for
   one line; the rest are appended later. *born gets the bytes of `lines` now in the file.
   Returns MLL_OK when all are, MLL_ERR_EXISTS when someone else created the file first
   (nothing written), else the error that stopped the write. */
MLL__PRIVATE mll_result mll__metric_file_birth(mll_store *s, const char *tmp_dir, const char *path,
                                               const mll__buf *lines, size_t *born) {
    char tmp[MLL_MAX_PATH];
    intptr_t h;
    size_t done = 0, keep;
    mll_result r = mll__tmp_open(s, tmp_dir, tmp, &h), rw, rc;
    *born = 0;
    if (r != MLL_OK) return r;
    rw = mll__write_lines(s, h, lines->data, lines->len, &done, &keep);
    if (keep == 0) r = rw; /* not one whole line: nothing to publish */
    else if (keep < done) r = MLL__FS(s)->truncate(h, keep, MLL__FS(s)->user_data);
    else r = MLL_OK;
    if (r == MLL_OK && s->desc.durability == MLL_DURABILITY_FSYNC) r = MLL__FS(s)->sync(h, MLL__FS(s)->user_data);
    rc = MLL__FS(s)->close(h, MLL__FS(s)->user_data);
    if (r == MLL_OK) r = rc;
    if (r == MLL_OK) r = MLL__FS(s)->link(tmp, path, MLL__FS(s)->user_data);
    MLL__FS(s)->remove(tmp, MLL__FS(s)->user_data);
    if (r != MLL_OK) return r;
    *born = keep;
    return rw;
}

/* Drops the first n bytes of a slot's pending lines (they are in the file). */
MLL__PRIVATE void mll__slot_drop(mll_run *run, mll__metric_slot *sl, size_t n) {
    if (!n) return;
    memmove(sl->pending.data, sl->pending.data + n, sl->pending.len - n);
    sl->pending.len -= n;
    run->pending_total -= n;
}

MLL__PRIVATE void mll__slot_drop_lines(mll_run *run, mll__metric_slot *sl, size_t lines) {
    size_t n = 0;
    for (; lines && n < sl->pending.len; n++)
        if (sl->pending.data[n] == '\n') lines--;
    mll__slot_drop(run, sl, n);
}

/* After a write whose close() failed (unsure) and the torn tail is cut: the whole lines
   from unsure_base to the end of the file are the first pending lines that landed. */
MLL__PRIVATE mll_result mll__slot_settle(mll_run *run, mll__metric_slot *sl, const char *path) {
    mll_store *s = run->store;
    mll_stat st;
    intptr_t h;
    uint64_t off = sl->unsure_base;
    size_t lines = 0;
    char chunk[4096];
    mll_result r = MLL__FS(s)->stat(path, &st, MLL__FS(s)->user_data);
    if (r != MLL_OK) return r;
    if (st.exists && st.size > off) {
        r = MLL__FS(s)->open(path, MLL_OPEN_READ, &h, MLL__FS(s)->user_data);
        if (r != MLL_OK) return r;
        while (r == MLL_OK && off < st.size) {
            size_t got = 0, i;
            r = MLL__FS(s)->read(h, off, chunk, sizeof(chunk), &got, MLL__FS(s)->user_data);
            if (r == MLL_OK && got == 0) r = MLL_ERR_IO; /* shorter than stat said */
            for (i = 0; r == MLL_OK && i < got; i++) lines += chunk[i] == '\n';
            off += got;
        }
        MLL__FS(s)->close(h, MLL__FS(s)->user_data);
        if (r != MLL_OK) return r;
    }
    mll__slot_drop_lines(run, sl, lines);
    sl->unsure = 0;
    return MLL_OK;
}

/* The first flush of a key in this process: its parent folders made, a torn tail (a kill
   mid-write by an earlier process) cut, the lines an unsure close() landed counted. */
MLL__PRIVATE mll_result mll__slot_prepare(mll_run *run, mll__metric_slot *sl, const char *base_dir,
                                          const char *path) {
    mll_result r = MLL_OK;
    if (sl->file_ready) return MLL_OK;
    if (strchr(sl->key, '/')) r = mll__mkdirs_for(run->store, base_dir, path);
    if (r == MLL_OK) r = mll__repair_tail(run->store, path);
    if (r == MLL_OK && sl->unsure) r = mll__slot_settle(run, sl, path);
    if (r == MLL_OK) sl->file_ready = 1;
    return r;
}

/* Appends a slot's pending lines. SIGKILL-safe: Linux may cut a write() short only between
   pages, and no line crosses a page (see mll__layout_lines), so a cut leaves whole lines
   only. A short write (disk full) is truncated back to the last whole line, and what was
   not written stays pending. */
MLL__PRIVATE mll_result mll__slot_flush(mll_run *run, mll__metric_slot *sl) {
    mll_store *s = run->store;
    const mll_allocator *a = mll__A(s);
    char base_dir[MLL_MAX_PATH], path[MLL_MAX_PATH];
    mll_stat st;
    intptr_t h;
    uint64_t base;
    size_t done = 0, keep_out = 0;
    mll_result r = mll__path(base_dir, run->dir, "metrics", NULL), rc;
    if (r == MLL_OK) r = mll__path(path, base_dir, sl->key, NULL);
    if (r == MLL_OK) r = mll__slot_prepare(run, sl, base_dir, path);
    if (r == MLL_OK) r = MLL__FS(s)->stat(path, &st, MLL__FS(s)->user_data);
    if (r != MLL_OK) return r;
    if (st.exists && st.is_dir) return MLL_ERR_EXISTS; /* "a/b" written by another process */
    base = st.exists ? st.size : 0;
    r = mll__layout_lines(a, &sl->pending, base, &run->scratch);
    if (r != MLL_OK) return r;
    if (!st.exists) {
        r = mll__metric_file_birth(s, run->dir, path, &run->scratch, &keep_out);
        if (r == MLL_ERR_EXISTS) { /* another process created it meanwhile: append after it */
            r = MLL__FS(s)->stat(path, &st, MLL__FS(s)->user_data);
            base = st.size;
            if (r == MLL_OK) r = mll__layout_lines(a, &sl->pending, base, &run->scratch);
            if (r != MLL_OK) return r;
        } else {
            done = run->scratch.len; /* born with keep_out bytes, or not at all: no append now */
            goto written;
        }
    }
    r = MLL__FS(s)->open(path, MLL_OPEN_APPEND, &h, MLL__FS(s)->user_data);
#ifdef EISDIR
    if (r == MLL_ERR_IO && errno == EISDIR) r = MLL_ERR_EXISTS; /* a folder holds the name */
#endif
    if (r != MLL_OK) goto written;
    r = mll__write_lines(s, h, run->scratch.data, run->scratch.len, &done, &keep_out);
    if (r != MLL_OK) {
        /* cut the file back to the last whole line written; lines after it stay pending */
        if (MLL__FS(s)->truncate(h, base + keep_out, MLL__FS(s)->user_data) != MLL_OK) sl->file_ready = 0;
    } else if (s->desc.durability == MLL_DURABILITY_FSYNC) {
        r = MLL__FS(s)->sync(h, MLL__FS(s)->user_data);
    }
    rc = MLL__FS(s)->close(h, MLL__FS(s)->user_data);
    if (r == MLL_OK && rc != MLL_OK) {
        /* NFS reports a failed write at close: the points are written if the file grew by
           all of them; else the next flush counts the lines that landed (a blind retry
           would duplicate lines, which migrate-filestore rejects; dropping them would lose
           points) */
        mll_stat after;
        r = rc;
        if (MLL__FS(s)->stat(path, &after, MLL__FS(s)->user_data) != MLL_OK || after.size < base + done) {
            keep_out = 0;
            sl->file_ready = 0;
            sl->unsure = 1;
            sl->unsure_base = base;
        }
    }
written:
    /* map written output bytes back to pending bytes: all of it, or count whole lines */
    if (keep_out == run->scratch.len) {
        mll__slot_drop(run, sl, sl->pending.len);
    } else {
        size_t lines = 0, j;
        for (j = 0; j < keep_out; j++) lines += run->scratch.data[j] == '\n';
        mll__slot_drop_lines(run, sl, lines);
    }
    return r;
}

/* Points (lines) and keys still buffered in a run. */
MLL__PRIVATE uint64_t mll__pending_points(const mll_run *run, size_t *keys) {
    uint64_t points = 0;
    size_t i, j;
    *keys = 0;
    for (i = 0; i < run->slot_cap; i++) {
        const mll__buf *p = &run->slots[i].pending;
        if (!run->slots[i].key || !p->len) continue;
        ++*keys;
        for (j = 0; j < p->len; j++) points += p->data[j] == '\n';
    }
    return points;
}

/* Flushes every key; returns the first error (the other keys are still tried). */
MLL__PRIVATE mll_result mll__run_flush_locked(mll_run *run) {
    mll_result first = MLL_OK;
    const char *bad = "";
    int first_errno = 0;
    size_t i;
    for (i = 0; i < run->slot_cap && run->pending_total; i++) {
        mll__metric_slot *sl = &run->slots[i];
        if (sl->key && sl->pending.len) {
            mll_result r = mll__slot_flush(run, sl);
            sl->flush_result = r;
            if (r != MLL_OK && first == MLL_OK) {
                first = r;
                first_errno = MLL__IOERR(r);
                bad = sl->key;
            }
        }
    }
    run->last_flush_ms = mll__os_now_ms();
    if (first != MLL_OK) {
        char note[128];
        size_t keys;
        uint64_t points = mll__pending_points(run, &keys);
        if (points)
            mll__snprintf(note, sizeof(note), "%llu points of %lu keys stay buffered and are retried",
                          (unsigned long long)points, (unsigned long)keys);
        else /* a delayed write error at close(), after the file grew by all of it */
            mll__snprintf(note, sizeof(note), "the points did reach the file (only closing it failed)");
        /* a streak of failures (a full disk retried every second) is logged once */
        mll__fail_note(run->flush_failing ? NULL : &run->store->desc, &run->last_error, first, first_errno,
                       "append metric", bad, note, __LINE__);
    }
    run->flush_failing = first != MLL_OK;
    return first;
}

/* One point into the run's buffer (run lock held). */
MLL__PRIVATE mll_result mll__metric_append(mll_run *run, const char *key, double value,
                                           int64_t step, int64_t ts) {
    mll_store *s = run->store;
    mll__metric_slot *sl;
    char *line;
    size_t n;
    uint64_t bits;
    mll_result r = mll__slot_get(run, key, &sl);
    if (r != MLL_OK) return r;
    /* an exact repeat (key, timestamp, step, value) carries nothing and makes
       migrate-filestore abort on its primary key: drop it */
    memcpy(&bits, &value, 8);
    if (sl->has_last && sl->last_ts == ts && sl->last_step == step && sl->last_bits == bits) return MLL_OK;
    if (run->pending_total + MLL__MAX_LINE > s->desc.max_pending_bytes) {
        mll__run_flush_locked(run);
        if (run->pending_total + MLL__MAX_LINE > s->desc.max_pending_bytes) {
            run->refused_points++; /* the caller is told now; the count again at the end */
            return MLL_ERR_BUFFER_FULL;
        }
    }
    run->refusing = 0;
    if (sl->pending.len + MLL__MAX_LINE > sl->pending.cap) {
        r = mll__buf_reserve(mll__A(s), &sl->pending, sl->pending.len + MLL__MAX_LINE);
        if (r != MLL_OK) return r;
    }
    if (ts != run->cached_ts) {
        run->cached_ts = ts;
        run->cached_ts_len = mll__fmt_i64(ts, run->cached_ts_text);
    }
    /* the line is formatted in place: no copy, no allocation in steady state */
    line = sl->pending.data + sl->pending.len;
    memcpy(line, run->cached_ts_text, run->cached_ts_len);
    n = run->cached_ts_len;
    line[n++] = ' ';
    n += mll__fmt_double(value, line + n);
    line[n++] = ' ';
    n += mll__fmt_i64(step, line + n);
    line[n++] = '\n';
    sl->pending.len += n;
    run->pending_total += n;
    sl->has_last = 1;
    sl->last_ts = ts;
    sl->last_step = step;
    sl->last_bits = bits;
    return MLL_OK;
}

/* Records a refused point; a streak of MLL_ERR_BUFFER_FULL (a disk full for a long time)
   is logged once, not once per point. */
MLL__PRIVATE void mll__metric_fail(mll_run *run, mll_result r, const char *key) {
    int quiet = r == MLL_ERR_BUFFER_FULL && run->refusing;
    mll__fail(quiet ? NULL : &run->store->desc, &run->last_error, r, MLL__IOERR(r), "log metric", key, __LINE__);
    if (r == MLL_ERR_BUFFER_FULL) run->refusing = 1;
}

/* After appending: flush when the buffer is full, or when the interval passed and no
   flusher thread does it for us. A flush error leaves the points buffered. */
MLL__PRIVATE mll_result mll__maybe_flush(mll_run *run) {
    mll_store *s = run->store;
    mll_result r = MLL_OK;
    if (run->pending_total >= s->desc.buffer_bytes) r = mll__run_flush_locked(run);
#ifndef MLL_NO_THREADS
    else if (!s->desc.no_flush_thread) return MLL_OK;
#endif
    else {
        mll__sysmetrics_poll(run); /* no flusher thread: system metrics are sampled here when due */
        if (mll__os_now_ms() - run->last_flush_ms >= s->desc.flush_interval_ms) r = mll__run_flush_locked(run);
    }
    /* the point is taken: a write error says so (NO_SPACE, IO, ...), but MLL_ERR_NO_MEMORY
       from a log call means "not taken", so a flush out of memory is only recorded */
    return r == MLL_ERR_NO_MEMORY ? MLL_OK : r;
}

/* >>flusher ----------------------------------------------------------------------- */
#ifndef MLL_NO_THREADS
MLL__PRIVATE void *mll__flusher_main(void *arg) {
    mll_store *s = (mll_store *)arg;
    mll__lock(s->lock);
    while (!s->stopping) {
        int64_t now, wait_ms = s->desc.flush_interval_ms;
        int64_t sleep_ms = mll__sysmetrics_tick(s, wait_ms); /* samples due system metrics */
        mll_run *run;
        mll__cond_wait_ms(&s->wake, s->lock, sleep_ms);
        if (s->stopping) break;
        now = mll__os_now_ms();
        for (run = s->runs; run; run = run->next) {
            mll__lock(run->lock);
            /* points are at most one interval late: flush when the last flush is older
               than half of it, since we wake once per interval */
            if (run->pending_total && now - run->last_flush_ms >= wait_ms / 2) mll__run_flush_locked(run);
            mll__unlock(run->lock);
        }
    }
    mll__unlock(s->lock);
    return NULL;
}
#endif

/* >>sysmetrics-os ------------------------------------------------------------------
   What the system reports, read the way psutil 7 and MLflow 3.18's monitors read it:
   Linux /proc, statvfs and getrusage (no library), NVIDIA GPUs through NVML and AMD GPUs
   through ROCm SMI, both loaded with dlopen at run time (no build-time dependency). On
   other platforms, or with MLL_NO_SYSTEM_METRICS, there is no reader at all and
   mll_start_system_metrics returns MLL_ERR_SYSTEM_METRICS_UNSUPPORTED. MLL_NO_DLOPEN
   leaves the GPU readers out. */
#if defined(__linux__) && !defined(MLL_NO_SYSTEM_METRICS)
#define MLL__SM_LINUX 1
#include <sys/statvfs.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#else
#define MLL__SM_LINUX 0
#endif
#if MLL__SM_LINUX && !defined(MLL_NO_DLOPEN)
#define MLL__SM_DLOPEN 1
#include <dlfcn.h>
#if defined(__GNUC__) && defined(__ELF__)
/* glibc before 2.34 keeps dlopen in libdl: weak references let a program that does not
   link -ldl build and run without GPU metrics instead of failing to link */
#pragma weak dlopen
#pragma weak dlsym
#pragma weak dlclose
#define MLL__SM_DL_LINKED() (dlopen && dlsym && dlclose)
#else
#define MLL__SM_DL_LINKED() 1
#endif
#else
#define MLL__SM_DLOPEN 0
#endif

enum { MLL__SM_CPU_FIELDS = 10, MLL__SM_MAX_GPUS = 32, MLL__SM_LINE = 4096 };

/* psutil.cpu_times(): the "cpu" line of /proc/stat in seconds (ticks / CLK_TCK), in its
   order: user nice system idle iowait irq softirq steal guest guest_nice. */
typedef struct mll__sm_cpu {
    double t[MLL__SM_CPU_FIELDS];
    int n;
} mll__sm_cpu;

typedef struct mll__sm_mem { uint64_t total, used; } mll__sm_mem; /* bytes, psutil's used */
typedef struct mll__sm_disk { uint64_t used, free, total_user; } mll__sm_disk;
typedef struct mll__sm_net { uint64_t rx, tx; } mll__sm_net; /* bytes, all interfaces */
typedef struct mll__sm_proc {
    int64_t cpu_us; /* user + system time of this process */
    uint64_t rss;   /* bytes */
    int threads;
} mll__sm_proc;

/* One GPU sample, already in MLflow's units; ok_* say which reads succeeded. */
typedef struct mll__gpu_sample {
    double mem_pct, mem_size, util, power_w, power_pct;
    int ok_mem, ok_util, ok_power;
} mll__gpu_sample;

typedef struct mll__nvml_memory { unsigned long long total, free, used; } mll__nvml_memory;
typedef struct mll__nvml_util { unsigned int gpu, memory; } mll__nvml_util;
enum { MLL__GPU_NONE = 0, MLL__GPU_NVML = 1, MLL__GPU_ROCM = 2 };

/* A loaded GPU library: entry points found by dlsym (NULL when the library lacks one). */
typedef struct mll__gpu {
    void *dl;
    int kind;
    unsigned count;
    void *dev[MLL__SM_MAX_GPUS];      /* NVML device handles */
    unsigned phys[MLL__SM_MAX_GPUS];  /* ROCm: the GPU whose power a virtual GPU reports */
    int (*shutdown)(void);
    int (*nv_memory)(void *dev, mll__nvml_memory *m);
    int (*nv_util)(void *dev, mll__nvml_util *u);
    int (*nv_power)(void *dev, unsigned *milliwatts);
    int (*nv_limit)(void *dev, unsigned *milliwatts);
    int (*nv_name)(void *dev, char *name, unsigned len);
    int (*nv_driver)(char *version, unsigned len);
    int (*rs_mem_used)(uint32_t dev, int type, uint64_t *bytes);
    int (*rs_mem_total)(uint32_t dev, int type, uint64_t *bytes);
    int (*rs_busy)(uint32_t dev, uint32_t *percent);
    int (*rs_power)(uint32_t dev, uint32_t sensor, uint64_t *microwatts);
    int (*rs_name)(uint32_t dev, char *name, size_t len);
    int (*rs_version)(int component, char *version, uint32_t len);
} mll__gpu;

/* Python's round(x, 1), exactly: the decimal with one fraction digit nearest to the exact
   binary value of x (ties to even), returned as the double nearest to that decimal (what
   float(repr) gives). Works on the bits, so no libm and no double rounding. */
MLL__PRIVATE double mll__round1(double x) {
    uint64_t bits, mant, t, q, rem, half;
    int e, sh;
    double r;
    memcpy(&bits, &x, 8);
    e = (int)((bits >> 52) & 0x7FF);
    if (e == 0x7FF || (bits << 1) == 0) return x; /* nan, inf, +-0 */
    mant = (bits & 0xFFFFFFFFFFFFFULL) | (e ? 1ULL << 52 : 0);
    sh = 1075 - (e ? e : 1); /* x = mant / 2^sh */
    if (sh <= 0) return x;  /* an integer already */
    if (sh > 60) {           /* |x| < 2^-7: rounds to a signed zero */
        r = 0.0;
    } else {
        t = mant * 10; /* < 2^57 */
        q = t >> sh;
        rem = t & ((1ULL << sh) - 1);
        half = 1ULL << (sh - 1);
        if (rem > half || (rem == half && (q & 1))) q++;
        if (q < (1ULL << 53)) {
            r = (double)q / 10.0; /* both exact: one correctly rounded division */
        } else {
            /* |x| > 9e14: the tenths are far from a rounding boundary of that magnitude */
            r = (double)(q / 10) + (double)(q % 10) / 10.0;
        }
    }
    return (bits >> 63) ? -r : r;
}

#if MLL__SM_LINUX
/* Calls fn for each line of a /proc file (NUL-terminated, without '\n'); fn returns
   non-zero to stop. Lines longer than the buffer are skipped. */
typedef int (*mll__sm_line_fn)(char *line, void *ctx);
MLL__PRIVATE mll_result mll__sm_each_line(const char *path, mll__sm_line_fn fn, void *ctx) {
    char buf[MLL__SM_LINE];
    size_t have = 0;
    int skipping = 0, stop = 0, fd = open(path, O_RDONLY);
    if (fd < 0) return mll__result_from_errno(errno);
    while (!stop) {
        char *start = buf, *nl;
        ssize_t got = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (have && !skipping) { /* a last line without '\n' */
                buf[have] = '\0';
                fn(buf, ctx);
            }
            break;
        }
        have += (size_t)got;
        while (!stop && (nl = (char *)memchr(start, '\n', have - (size_t)(start - buf))) != NULL) {
            *nl = '\0';
            if (!skipping) stop = fn(start, ctx);
            skipping = 0;
            start = nl + 1;
        }
        have -= (size_t)(start - buf);
        memmove(buf, start, have);
        if (have == sizeof(buf) - 1) { /* one line fills the buffer: drop it */
            have = 0;
            skipping = 1;
        }
    }
    close(fd);
    return MLL_OK;
}

/* Reads an unsigned decimal after optional blanks; *p moves past it. 0 if none. */
MLL__PRIVATE uint64_t mll__sm_u64(const char **p) {
    uint64_t v = 0;
    const char *s = *p;
    while (*s == ' ' || *s == '\t') s++;
    while (*s >= '0' && *s <= '9') {
        uint64_t d = (uint64_t)(*s++ - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *p = s;
    return v;
}

/* "Name:   123 kB" -> 123 (the number after a known prefix), else -1 */
MLL__PRIVATE int mll__sm_field(const char *line, const char *name, uint64_t *out) {
    size_t n = strlen(name);
    if (strncmp(line, name, n) != 0) return 0;
    line += n;
    *out = mll__sm_u64(&line);
    return 1;
}

MLL__PRIVATE int mll__sm_cpu_line(char *line, void *ctx) {
    mll__sm_cpu *c = (mll__sm_cpu *)ctx;
    const char *p = line + 3;
    double tck = (double)sysconf(_SC_CLK_TCK);
    if (strncmp(line, "cpu ", 4) != 0) return 1; /* the first line is the total */
    if (tck <= 0) tck = 100;
    for (c->n = 0; c->n < MLL__SM_CPU_FIELDS; c->n++) {
        while (*p == ' ') p++;
        if (*p < '0' || *p > '9') break;
        c->t[c->n] = (double)mll__sm_u64(&p) / tck;
    }
    return 1;
}

/* The readers take their file (a /proc path) so that tests can hand them a copy. */
MLL__PRIVATE mll_result mll__sm_read_cpu(const char *path, mll__sm_cpu *c) {
    mll_result r;
    c->n = 0;
    r = mll__sm_each_line(path, mll__sm_cpu_line, c);
    return r == MLL_OK && c->n < 4 ? MLL_ERR_CORRUPT : r;
}

/* psutil.cpu_percent() between two readings, before its round(, 1): per-field deltas
   clipped at 0, guest time taken out of the total (it is inside user/nice), idle and
   iowait out of busy; the same float operations in the same order. */
MLL__PRIVATE double mll__sm_cpu_percent(const mll__sm_cpu *a, const mll__sm_cpu *b) {
    double d[MLL__SM_CPU_FIELDS], tot = 0, busy;
    int i, n = a->n < b->n ? a->n : b->n;
    for (i = 0; i < n; i++) {
        d[i] = b->t[i] - a->t[i];
        if (d[i] < 0) d[i] = 0;
        tot += d[i];
    }
    if (n > 8) tot -= d[8];
    if (n > 9) tot -= d[9];
    busy = tot - d[3];
    if (n > 4) busy -= d[4];
    if (tot == 0) return 0.0;
    return busy / tot * 100;
}

typedef struct mll__sm_meminfo {
    uint64_t total, free, buffers, cached, sreclaimable, avail;
    int has_avail;
} mll__sm_meminfo;

MLL__PRIVATE int mll__sm_mem_line(char *line, void *ctx) {
    mll__sm_meminfo *m = (mll__sm_meminfo *)ctx;
    uint64_t v;
    if (mll__sm_field(line, "MemTotal:", &v)) m->total = v * 1024;
    else if (mll__sm_field(line, "MemFree:", &v)) m->free = v * 1024;
    else if (mll__sm_field(line, "MemAvailable:", &v)) m->avail = v * 1024, m->has_avail = 1;
    else if (mll__sm_field(line, "Buffers:", &v)) m->buffers = v * 1024;
    else if (mll__sm_field(line, "Cached:", &v)) m->cached = v * 1024;
    else if (mll__sm_field(line, "SReclaimable:", &v)) m->sreclaimable = v * 1024;
    return 0;
}

/* psutil.virtual_memory(): used = total - available (MemAvailable; on kernels before 3.14,
   or when it reads 0, free + cached, psutil's own fallback). */
MLL__PRIVATE mll_result mll__sm_read_mem(const char *path, mll__sm_mem *out) {
    mll__sm_meminfo m;
    uint64_t avail;
    mll_result r;
    memset(&m, 0, sizeof(m));
    r = mll__sm_each_line(path, mll__sm_mem_line, &m);
    if (r != MLL_OK) return r;
    if (!m.total) return MLL_ERR_CORRUPT;
    avail = m.has_avail && m.avail ? m.avail : m.free + m.cached;
    if (avail > m.total) avail = m.free;
    out->total = m.total;
    out->used = m.total - avail;
    return MLL_OK;
}

/* psutil.disk_usage(path): used counts the root-reserved blocks as free to nobody, and
   the percentage is of what a user can fill (used + available to users). */
MLL__PRIVATE void mll__sm_disk_from(const struct statvfs *st, mll__sm_disk *out) {
    uint64_t total = (uint64_t)st->f_blocks * (uint64_t)st->f_frsize;
    uint64_t avail_root = (uint64_t)st->f_bfree * (uint64_t)st->f_frsize;
    out->free = (uint64_t)st->f_bavail * (uint64_t)st->f_frsize;
    out->used = total - avail_root;
    out->total_user = out->used + out->free;
}

MLL__PRIVATE mll_result mll__sm_read_disk(const char *path, mll__sm_disk *out) {
    struct statvfs st;
    if (statvfs(path, &st) != 0) return mll__result_from_errno(errno);
    mll__sm_disk_from(&st, out);
    return MLL_OK;
}

typedef struct mll__sm_netctx {
    mll__sm_net *n;
    int line, ok;
} mll__sm_netctx;

MLL__PRIVATE int mll__sm_net_line(char *line, void *ctx) {
    mll__sm_netctx *c = (mll__sm_netctx *)ctx;
    const char *p = strrchr(line, ':');
    int i;
    if (++c->line <= 2 || !p) return 0; /* two header lines */
    p++;
    c->n->rx += mll__sm_u64(&p); /* received: bytes packets errs drop fifo frame compressed multicast */
    for (i = 0; i < 7; i++) mll__sm_u64(&p);
    c->n->tx += mll__sm_u64(&p); /* then transmitted bytes */
    c->ok = 1;
    return 0;
}

/* psutil.net_io_counters(): bytes summed over every interface, loopback included. */
MLL__PRIVATE mll_result mll__sm_read_net(const char *path, mll__sm_net *out) {
    mll__sm_netctx c;
    mll_result r;
    out->rx = out->tx = 0;
    c.n = out;
    c.line = c.ok = 0;
    r = mll__sm_each_line(path, mll__sm_net_line, &c);
    return r == MLL_OK && !c.ok ? MLL_ERR_CORRUPT : r;
}

MLL__PRIVATE int mll__sm_status_line(char *line, void *ctx) {
    mll__sm_proc *p = (mll__sm_proc *)ctx;
    uint64_t v;
    if (mll__sm_field(line, "VmRSS:", &v)) p->rss = v * 1024;
    else if (mll__sm_field(line, "Threads:", &v)) p->threads = (int)v;
    return 0;
}

MLL__PRIVATE mll_result mll__sm_read_proc(const char *status_path, mll__sm_proc *out) {
    struct rusage ru;
    memset(out, 0, sizeof(*out));
    if (getrusage(RUSAGE_SELF, &ru) != 0) return mll__result_from_errno(errno);
    out->cpu_us = ((int64_t)ru.ru_utime.tv_sec + (int64_t)ru.ru_stime.tv_sec) * 1000000 +
                  (int64_t)ru.ru_utime.tv_usec + (int64_t)ru.ru_stime.tv_usec;
    mll__sm_each_line(status_path, mll__sm_status_line, out);
    return out->threads > 0 ? MLL_OK : MLL_ERR_CORRUPT;
}

typedef struct mll__sm_cpuinfo {
    char model[256];
    int ids[64], nids, cores;
} mll__sm_cpuinfo;

MLL__PRIVATE int mll__sm_cpuinfo_line(char *line, void *ctx) {
    static const char *const model_keys[] = {"model name", "Processor", "cpu model", "cpu"};
    mll__sm_cpuinfo *c = (mll__sm_cpuinfo *)ctx;
    char *colon = strchr(line, ':');
    size_t i, klen;
    const char *v;
    if (!colon) return 0;
    for (klen = (size_t)(colon - line); klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t');) klen--;
    v = colon + 1;
    while (*v == ' ') v++;
    for (i = 0; !c->model[0] && i < 4; i++)
        if (strlen(model_keys[i]) == klen && strncmp(line, model_keys[i], klen) == 0 && *v)
            mll__snprintf(c->model, sizeof(c->model), "%s", v);
    if (klen == 11 && strncmp(line, "physical id", 11) == 0) {
        int id = (int)mll__sm_u64(&v), k;
        for (k = 0; k < c->nids && c->ids[k] != id; k++) {
        }
        if (k == c->nids && c->nids < 64) c->ids[c->nids++] = id;
    } else if (klen == 9 && strncmp(line, "cpu cores", 9) == 0 && !c->cores) {
        c->cores = (int)mll__sm_u64(&v);
    }
    return 0;
}
#endif /* MLL__SM_LINUX */

#if MLL__SM_DLOPEN
MLL__STATIC_ASSERT(function_pointer_is_pointer_sized, sizeof(int (*)(void)) == sizeof(void *));

/* dlsym into a function pointer (ISO C cannot convert void * to one; memcpy can). */
MLL__PRIVATE int mll__gpu_sym(void *dl, const char *name, const char *alt, void *fn_out) {
    void *p = dlsym(dl, name);
    if (!p && alt) p = dlsym(dl, alt);
    memcpy(fn_out, &p, sizeof(p));
    return p != NULL;
}

/* The entry points a metric needs; one the library lacks stays NULL (that metric is left out). */
typedef struct mll__gpu_entry {
    const char *name;
    size_t offset; /* of the function pointer in mll__gpu */
} mll__gpu_entry;
static const mll__gpu_entry mll__nvml_optional[] = {
    {"nvmlDeviceGetMemoryInfo", offsetof(mll__gpu, nv_memory)},
    {"nvmlDeviceGetUtilizationRates", offsetof(mll__gpu, nv_util)},
    {"nvmlDeviceGetPowerUsage", offsetof(mll__gpu, nv_power)},
    {"nvmlDeviceGetEnforcedPowerLimit", offsetof(mll__gpu, nv_limit)},
    {"nvmlDeviceGetName", offsetof(mll__gpu, nv_name)},
    {"nvmlSystemGetDriverVersion", offsetof(mll__gpu, nv_driver)}};
static const mll__gpu_entry mll__rocm_optional[] = {
    {"rsmi_dev_memory_usage_get", offsetof(mll__gpu, rs_mem_used)},
    {"rsmi_dev_memory_total_get", offsetof(mll__gpu, rs_mem_total)},
    {"rsmi_dev_busy_percent_get", offsetof(mll__gpu, rs_busy)},
    {"rsmi_dev_power_ave_get", offsetof(mll__gpu, rs_power)},
    {"rsmi_dev_name_get", offsetof(mll__gpu, rs_name)},
    {"rsmi_version_str_get", offsetof(mll__gpu, rs_version)}};

MLL__PRIVATE void mll__gpu_optional(mll__gpu *g, const mll__gpu_entry *e, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) mll__gpu_sym(g->dl, e[i].name, NULL, (char *)g + e[i].offset);
}

/* After a GPU library's entry points, init and device count: 1 when there is a GPU to read;
   else the library is shut down and closed, and *why says what failed. */
MLL__PRIVATE int mll__gpu_started(mll__gpu *g, const char *lib, int found, int init_rc, int count_rc, unsigned n,
                                  char *why, size_t cap) {
    if (found && init_rc == 0 && count_rc == 0 && n > 0) return 1;
    if (!found) mll__snprintf(why, cap, "%s lacks the functions needed", lib);
    else if (init_rc) mll__snprintf(why, cap, "%s failed to initialise (error %d)", lib, init_rc);
    else mll__snprintf(why, cap, "%s finds no GPU (error %d)", lib, count_rc);
    if (found && init_rc == 0) g->shutdown();
    dlclose(g->dl);
    return 0;
}

/* NVML as pynvml drives it for MLflow's GPUMonitor. Returns 0 with *why set when there is
   no library, no entry point, no driver or no GPU. */
MLL__PRIVATE int mll__gpu_open_nvml(mll__gpu *g, char *why, size_t cap) {
    int (*init)(void) = NULL;
    int (*count)(unsigned *) = NULL;
    int (*handle)(unsigned, void **) = NULL;
    unsigned n = 0, i;
    int found, rc = 0, crc = 0;
    g->dl = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!g->dl) {
        mll__snprintf(why, cap, "libnvidia-ml.so.1 not found");
        return 0;
    }
    found = mll__gpu_sym(g->dl, "nvmlInit_v2", "nvmlInit", &init) &&
            mll__gpu_sym(g->dl, "nvmlShutdown", NULL, &g->shutdown) &&
            mll__gpu_sym(g->dl, "nvmlDeviceGetCount_v2", "nvmlDeviceGetCount", &count) &&
            mll__gpu_sym(g->dl, "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex", &handle);
    if (found && (rc = init()) == 0) crc = count(&n);
    if (!mll__gpu_started(g, "NVML (libnvidia-ml.so.1)", found, rc, crc, n, why, cap)) return 0;
    mll__gpu_optional(g, mll__nvml_optional, sizeof(mll__nvml_optional) / sizeof(mll__nvml_optional[0]));
    for (i = 0; i < n && g->count < MLL__SM_MAX_GPUS; i++)
        if (handle(i, &g->dev[g->count]) == 0) g->count++;
    g->kind = MLL__GPU_NVML;
    return 1;
}

/* ROCm SMI as pyrsmi drives it for MLflow's ROCMMonitor, including its rule that a GPU
   whose power cannot be read is virtual and reports the power of the GPU before it. */
MLL__PRIVATE int mll__gpu_open_rocm(mll__gpu *g, char *why, size_t cap) {
    static const char *const names[] = {"librocm_smi64.so", "librocm_smi64.so.7", "librocm_smi64.so.6",
                                        "librocm_smi64.so.5", "/opt/rocm/lib/librocm_smi64.so"};
    int (*init)(uint64_t) = NULL;
    int (*count)(uint32_t *) = NULL;
    uint32_t n = 0, i;
    int found, rc = 0, crc = 0;
    for (i = 0; i < 5 && !g->dl; i++) g->dl = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!g->dl) {
        mll__snprintf(why, cap, "librocm_smi64.so not found");
        return 0;
    }
    found = mll__gpu_sym(g->dl, "rsmi_init", NULL, &init) && mll__gpu_sym(g->dl, "rsmi_shut_down", NULL, &g->shutdown) &&
            mll__gpu_sym(g->dl, "rsmi_num_monitor_devices", NULL, &count);
    if (found && (rc = init(0)) == 0) crc = count(&n);
    if (!mll__gpu_started(g, "ROCm SMI (librocm_smi64.so)", found, rc, crc, n, why, cap)) return 0;
    mll__gpu_optional(g, mll__rocm_optional, sizeof(mll__rocm_optional) / sizeof(mll__rocm_optional[0]));
    g->count = n < (uint32_t)MLL__SM_MAX_GPUS ? n : (uint32_t)MLL__SM_MAX_GPUS;
    for (i = 0; i < g->count; i++) {
        uint64_t uw = 0;
        int physical = g->rs_power && g->rs_power(i, 0, &uw) == 0;
        g->phys[i] = physical || i == 0 ? i : g->phys[i - 1];
    }
    g->kind = MLL__GPU_ROCM;
    return 1;
}
#endif /* MLL__SM_DLOPEN */

/* NVIDIA first, then AMD, as MLflow. Returns 0 and the reason when there is neither. */
MLL__PRIVATE int mll__gpu_open(mll__gpu *g, char *why, size_t cap) {
    memset(g, 0, sizeof(*g));
#if MLL__SM_DLOPEN
    {
        char nv[400];
        if (!MLL__SM_DL_LINKED()) {
            mll__snprintf(why, cap, "dlopen is not linked in (glibc < 2.34: link with -ldl)");
            return 0;
        }
        if (mll__gpu_open_nvml(g, nv, sizeof(nv))) return 1;
        memset(g, 0, sizeof(*g));
        if (mll__gpu_open_rocm(g, why, cap)) return 1;
        memset(g, 0, sizeof(*g));
        mll__snprintf(nv + strlen(nv), sizeof(nv) - strlen(nv), "; %s", why);
        mll__snprintf(why, cap, "%s", nv);
    }
#else
    mll__snprintf(why, cap, "this build has no GPU readers (MLL_NO_DLOPEN or not Linux)");
#endif
    return 0;
}

MLL__PRIVATE void mll__gpu_close(mll__gpu *g) {
#if MLL__SM_DLOPEN
    if (g->kind != MLL__GPU_NONE) {
        g->shutdown();
        dlclose(g->dl);
    }
#endif
    memset(g, 0, sizeof(*g));
}

/* One sample of GPU i in MLflow's units and rounding (GPUMonitor / ROCMMonitor). */
MLL__PRIVATE void mll__gpu_read(const mll__gpu *g, unsigned i, mll__gpu_sample *o) {
    memset(o, 0, sizeof(*o));
#if MLL__SM_DLOPEN
    if (g->kind == MLL__GPU_NVML) {
        mll__nvml_memory m;
        mll__nvml_util u;
        unsigned mw = 0, limit = 0;
        if (g->nv_memory && g->nv_memory(g->dev[i], &m) == 0 && m.total) {
            o->mem_pct = mll__round1((double)m.used / (double)m.total * 100);
            o->mem_size = (double)m.used / 1e6; /* megabytes */
            o->ok_mem = 1;
        }
        if (g->nv_util && g->nv_util(g->dev[i], &u) == 0) o->util = (double)u.gpu, o->ok_util = 1;
        if (g->nv_power && g->nv_limit && g->nv_power(g->dev[i], &mw) == 0 &&
            g->nv_limit(g->dev[i], &limit) == 0 && limit) {
            o->power_w = (double)mw / 1000;
            o->power_pct = (double)mw / (double)limit * 100;
            o->ok_power = 1;
        }
    } else if (g->kind == MLL__GPU_ROCM) {
        uint64_t used = 0, total = 0, uw = 0;
        uint32_t busy = 0;
        if (g->rs_mem_used && g->rs_mem_total && g->rs_mem_used(i, 0, &used) == 0 &&
            g->rs_mem_total(i, 0, &total) == 0 && total) {
            o->mem_pct = mll__round1((double)used / (double)total * 100);
            o->mem_size = (double)used / 1e9; /* gigabytes, as MLflow's ROCm monitor */
            o->ok_mem = 1;
        }
        if (g->rs_busy && g->rs_busy(i, &busy) == 0) o->util = (double)busy, o->ok_util = 1;
        if (g->rs_power && g->rs_power(g->phys[i], 0, &uw) == 0) {
            o->power_w = (double)(uint32_t)uw * 1e-6; /* pyrsmi reads a c_uint32, times 1e-6 */
            o->power_pct = o->power_w / 500 * 100;    /* MLflow's hard-coded 500 W capacity */
            o->ok_power = 1;
        }
    }
#else
    (void)g;
    (void)i;
#endif
}

/* Name and total memory (bytes) of GPU i, and the driver version, for the hardware tags. */
MLL__PRIVATE void mll__gpu_identity(const mll__gpu *g, unsigned i, char *name, size_t cap, uint64_t *mem_total) {
    name[0] = '\0';
    *mem_total = 0;
#if MLL__SM_DLOPEN
    if (g->kind == MLL__GPU_NVML) {
        mll__nvml_memory m;
        if (g->nv_name && g->nv_name(g->dev[i], name, (unsigned)cap) != 0) name[0] = '\0';
        if (g->nv_memory && g->nv_memory(g->dev[i], &m) == 0) *mem_total = m.total;
    } else if (g->kind == MLL__GPU_ROCM) {
        if (g->rs_name && g->rs_name(i, name, cap) != 0) name[0] = '\0';
        if (g->rs_mem_total && g->rs_mem_total(i, 0, mem_total) != 0) *mem_total = 0;
    }
    name[cap - 1] = '\0';
#else
    (void)g;
    (void)i;
    (void)cap;
#endif
}

MLL__PRIVATE void mll__gpu_driver(const mll__gpu *g, char *out, size_t cap) {
    out[0] = '\0';
#if MLL__SM_DLOPEN
    if (g->kind == MLL__GPU_NVML && g->nv_driver && g->nv_driver(out, (unsigned)cap) != 0) out[0] = '\0';
    if (g->kind == MLL__GPU_ROCM && g->rs_version && g->rs_version(0, out, (uint32_t)cap) != 0) out[0] = '\0';
    out[cap - 1] = '\0';
#else
    (void)g;
    (void)cap;
#endif
}

/* Monotonic time in microseconds (the sampling schedule and process CPU %), the wall clock
   where no monotonic clock is visible. */
MLL__PRIVATE int64_t mll__sm_mono_us(void) {
#if MLL__PLATFORM_POSIX && defined(CLOCK_MONOTONIC)
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
#endif
    return mll__os_now_ms() * 1000;
}

/* >>sysmetrics -----------------------------------------------------------------------
   MLflow 3.18's SystemMetricsMonitor, on the store's flusher thread (no thread per run).
   MLflow takes samples every interval and, after samples_before_logging of them, logs
   each metric's mean rounded with round(, 1) -- except the network, which is the last
   value in megabytes received/sent since monitoring began, unrounded -- at one timestamp
   under "system/[<node_id>/]<name>", step 0, 1, 2... (after the run's largest system/
   step when a run is resumed). Samples not yet logged when the run ends are dropped.
   One difference, on purpose: MLflow takes its first sample the instant it starts, so
   the CPU use of step 0 covers no time at all (psutil then answers 0.0) and the network
   ~0; here a baseline is read at the start and each sample is taken at the end of its
   interval. Steps, counts and the moments of logging are MLflow's. */
enum {
    MLL__SM_CPU_PCT, MLL__SM_MEM_MB, MLL__SM_MEM_PCT, /* MLflow's CPUMonitor */
    MLL__SM_DISK_PCT, MLL__SM_DISK_MB, MLL__SM_DISK_FREE_MB, /* DiskMonitor */
    MLL__SM_PROC_CPU_PCT, MLL__SM_PROC_RSS_MB, MLL__SM_PROC_THREADS, /* ours: this process */
    MLL__SM_FIXED
};
static const char *const mll__sm_names[MLL__SM_FIXED] = {
    "cpu_utilization_percentage", "system_memory_usage_megabytes", "system_memory_usage_percentage",
    "disk_usage_percentage", "disk_usage_megabytes", "disk_available_megabytes",
    "process_cpu_utilization_percentage", "process_memory_rss_megabytes", "process_threads"};
enum { MLL__SM_GPU_MEM_PCT, MLL__SM_GPU_MEM_SIZE, MLL__SM_GPU_UTIL, MLL__SM_GPU_POWER_W, MLL__SM_GPU_POWER_PCT, MLL__SM_GPU_VALUES };
static const char *const mll__sm_gpu_names[2][MLL__SM_GPU_VALUES] = {
    {"memory_usage_percentage", "memory_usage_megabytes", "utilization_percentage", "power_usage_watts", "power_usage_percentage"},
    {"memory_usage_percentage", "memory_usage_gigabytes", "utilization_percentage", "power_usage_watts", "power_usage_percentage"}};
/* readers whose failure has been reported (once per run) */
enum { MLL__SM_WARN_CPU = 1, MLL__SM_WARN_MEM = 2, MLL__SM_WARN_DISK = 4, MLL__SM_WARN_NET = 8, MLL__SM_WARN_PROC = 16 };

typedef struct mll__sm_acc {
    double sum; /* summed in sample order, as Python's sum() */
    int n;
} mll__sm_acc;

struct mll__sysm {
    mll_system_metrics_desc desc; /* resolved; node_id and disk_path point below */
    char node_id[256];
    char disk_path[MLL_MAX_PATH];
    char prefix[272]; /* "system/" or "system/<node_id>/" */
    int64_t interval_us, next_due_us, step;
    int samples;
    mll__sm_acc acc[MLL__SM_FIXED];
    mll__sm_acc gpu_acc[MLL__SM_MAX_GPUS][MLL__SM_GPU_VALUES];
    mll__gpu gpu;
    mll__sm_cpu cpu_prev;
    mll__sm_net net_start;
    double net_rx_mb, net_tx_mb;
    int cpu_ok, net_ok, have_net, proc_ok;
    int64_t proc_cpu_prev, proc_mono_prev;
    unsigned warned;
};
typedef struct mll__sysm mll__sysm;

/* The run's lock (the one place that knows how a run is locked). */
#define MLL__SM_RUN_LOCK(run) ((run)->lock)

/* Wakes the flusher so that it plans around a run that just started sampling. */
MLL__PRIVATE void mll__sm_wake(mll_store *s) {
#ifndef MLL_NO_THREADS
    mll__lock(s->lock);
    mll__cond_broadcast(&s->wake);
    mll__unlock(s->lock);
#else
    (void)s;
#endif
}

/* ---- environment variables, read as MLflow's client reads them ---- */
MLL__PRIVATE void mll__sm_env_warn(const mll_store *s, const char *name, const char *value, const char *want,
                                   const char *used) {
    char shown[72], msg[400];
    size_t i;
    for (i = 0; value[i] && i < 64; i++) shown[i] = value[i] >= 0x20 && value[i] < 0x7F ? value[i] : '?';
    mll__snprintf(shown + i, sizeof(shown) - i, "%s", value[i] ? "..." : "");
    mll__snprintf(msg, sizeof(msg), "%s='%s' is not %s; using %s", name, shown, want, used);
    mll__log(&s->desc, MLL_LOG_WARN, MLL_ERR_SYSTEM_METRICS_ENV, msg, __LINE__);
}

MLL__PRIVATE const char *mll__sm_getenv(const mll_store *s, const char *name) {
    const char *v = s->desc.ignore_env ? NULL : getenv(name);
    return v && *v ? v : NULL; /* an empty variable counts as unset */
}

/* Seconds as Python's float() spells them (blanks, '+', digits, '.', exponent; never the
   locale's decimal comma), to whole milliseconds in 1 .. INT_MAX. 0 when it is not. */
MLL__PRIVATE int mll__sm_parse_seconds(const char *s, int *ms) {
    double v = 0, scale = 0.1;
    int digits = 0, e = 0, eneg = 0;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    if (*s == '+') s++;
    for (; *s >= '0' && *s <= '9'; s++, digits++) v = v * 10 + (*s - '0');
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++, digits++, scale /= 10) v += (*s - '0') * scale;
    if (!digits) return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+') eneg = *s++ == '-';
        if (*s < '0' || *s > '9') return 0;
        for (; *s >= '0' && *s <= '9'; s++) e = e < 400 ? e * 10 + (*s - '0') : e;
    }
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    if (*s) return 0;
    for (; e > 0 && v < 1e10; e--) v = eneg ? v / 10 : v * 10;
    v = v * 1000 + 0.5;
    if (!(v >= 1 && v < 2147483647.0)) return 0;
    *ms = (int)v;
    return 1;
}

/* A count as Python's int() spells it, 1 .. 1000000. */
MLL__PRIVATE int mll__sm_parse_count(const char *s, int *out) {
    long v = 0;
    int digits = 0;
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    if (*s == '+') s++;
    for (; *s >= '0' && *s <= '9' && v <= 1000000; s++, digits++) v = v * 10 + (*s - '0');
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    if (!digits || *s || v < 1 || v > 1000000) return 0;
    *out = (int)v;
    return 1;
}

/* MLflow's boolean variables: true/false/1/0, any case, nothing else. -1 when invalid. */
MLL__PRIVATE int mll__sm_parse_bool(const char *s) {
    static const char *const words[] = {"false", "true", "0", "1"};
    int i;
    for (i = 0; i < 4; i++) {
        const char *a = s, *b = words[i];
        while (*a && *b && (*a == *b || *a + ('a' - 'A') == *b)) a++, b++;
        if (!*a && !*b) return i & 1;
    }
    return -1;
}

/* A node id is good when every name it prefixes is a valid MLflow key. */
MLL__PRIVATE int mll__sm_node_ok(const char *node) {
    char k[640];
    if (strlen(node) > 200) return 0;
    mll__snprintf(k, sizeof(k), "system/%s/process_cpu_utilization_percentage", node);
    if (mll__validate_key(k) != MLL_OK) return 0;
    mll__snprintf(k, sizeof(k), "mlflow_lite.system.%s.gpu_31_memory_total_megabytes", node);
    return mll__validate_key(k) == MLL_OK;
}

/* desc fields, else the environment, else MLflow's defaults (10 s, 1 sample, no node). */
MLL__PRIVATE mll_result mll__sm_resolve(const mll_store *s, const mll_system_metrics_desc *in, mll__sysm *sm) {
    mll_system_metrics_desc d;
    const char *env;
    if (in) d = *in;
    else memset(&d, 0, sizeof(d));
    if (d.interval_ms < 0 || d.samples_before_logging < 0) return MLL_ERR_INVALID_ARGUMENT;
    if (!d.interval_ms) {
        d.interval_ms = 10000;
        env = mll__sm_getenv(s, "MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL");
        if (env && !mll__sm_parse_seconds(env, &d.interval_ms))
            mll__sm_env_warn(s, "MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", env, "a number of seconds >= 0.001", "10");
    }
    if (!d.samples_before_logging) {
        d.samples_before_logging = 1;
        env = mll__sm_getenv(s, "MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING");
        if (env && !mll__sm_parse_count(env, &d.samples_before_logging))
            mll__sm_env_warn(s, "MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", env, "a whole number 1..1000000", "1");
    }
    if (d.node_id && *d.node_id && !mll__sm_node_ok(d.node_id)) return MLL_ERR_INVALID_KEY;
    if (!d.node_id) {
        env = mll__sm_getenv(s, "MLFLOW_SYSTEM_METRICS_NODE_ID");
        if (env && !mll__sm_node_ok(env))
            mll__sm_env_warn(s, "MLFLOW_SYSTEM_METRICS_NODE_ID", env, "usable in a metric name (word characters, '.', '-', ' ', ':', '/'; <= 200)", "no node id");
        else d.node_id = env;
    }
    if (!d.disk_path) d.disk_path = "/";
    if (strlen(d.disk_path) >= sizeof(sm->disk_path)) return MLL_ERR_PATH_TOO_LONG;
    mll__snprintf(sm->node_id, sizeof(sm->node_id), "%s", d.node_id ? d.node_id : "");
    mll__snprintf(sm->disk_path, sizeof(sm->disk_path), "%s", d.disk_path);
    mll__snprintf(sm->prefix, sizeof(sm->prefix), "system/%s%s", sm->node_id, sm->node_id[0] ? "/" : "");
    d.enabled = MLL_SYSTEM_METRICS_ON;
    d.node_id = sm->node_id[0] ? sm->node_id : NULL;
    d.disk_path = sm->disk_path;
    sm->desc = d;
    sm->interval_us = (int64_t)d.interval_ms * 1000;
    return MLL_OK;
}

#if MLL__SM_LINUX
/* ---- hardware identity: tags mlflow_lite.system.[<node_id>.]<name>, once per start ---- */
MLL__PRIVATE void mll__sm_tag(mll_run *run, const mll__sysm *sm, const char *name, const char *value) {
    char key[400];
    mll_result r;
    if (!value[0]) return;
    mll__snprintf(key, sizeof(key), "mlflow_lite.system.%s%s%s", sm->node_id, sm->node_id[0] ? "." : "", name);
    r = mll__validate_key(key);
    if (r == MLL_OK) r = mll__validate_value(value, MLL__MAX_TAG_VALUE_CHARS);
    if (r == MLL_OK) r = mll__write_kv(run, "tags", key, value, MLL__REPLACE);
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "set hardware tag", key);
}

MLL__PRIVATE void mll__sm_tag_mb(mll_run *run, const mll__sysm *sm, const char *name, uint64_t bytes) {
    char v[40];
    v[mll__fmt_double(mll__round1((double)bytes / 1e6), v)] = '\0';
    if (bytes) mll__sm_tag(run, sm, name, v);
}

MLL__PRIVATE void mll__sm_hardware_tags(mll_run *run, const mll__sysm *sm) {
    struct utsname u;
    mll__sm_cpuinfo ci;
    mll__sm_mem mem;
    char v[400], name[300];
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned i;
    if (uname(&u) == 0) {
        mll__sm_tag(run, sm, "hostname", u.nodename);
        mll__snprintf(v, sizeof(v), "%s %s %s", u.sysname, u.release, u.machine);
        mll__sm_tag(run, sm, "os", v);
    }
    memset(&ci, 0, sizeof(ci));
    mll__sm_each_line("/proc/cpuinfo", mll__sm_cpuinfo_line, &ci);
    mll__sm_tag(run, sm, "cpu_model", ci.model);
    if (n > 0) {
        mll__snprintf(v, sizeof(v), "%ld", n);
        mll__sm_tag(run, sm, "cpu_count", v);
    }
    if (ci.nids && ci.cores) { /* physical cores: sockets x cores per socket */
        mll__snprintf(v, sizeof(v), "%d", ci.nids * ci.cores);
        mll__sm_tag(run, sm, "cpu_cores", v);
    }
    if (mll__sm_read_mem("/proc/meminfo", &mem) == MLL_OK) mll__sm_tag_mb(run, sm, "memory_total_megabytes", mem.total);
    if (sm->gpu.kind == MLL__GPU_NONE) return;
    mll__snprintf(v, sizeof(v), "%u", sm->gpu.count);
    mll__sm_tag(run, sm, "gpu_count", v);
    mll__gpu_driver(&sm->gpu, v, 96);
    mll__sm_tag(run, sm, "gpu_driver_version", v);
    for (i = 0; i < sm->gpu.count; i++) {
        uint64_t total;
        mll__gpu_identity(&sm->gpu, i, v, 256, &total);
        mll__snprintf(name, sizeof(name), "gpu_%u_name", i);
        mll__sm_tag(run, sm, name, v);
        mll__snprintf(name, sizeof(name), "gpu_%u_memory_total_megabytes", i);
        mll__sm_tag_mb(run, sm, name, total);
    }
}

/* ---- the first step: after the largest step of the run's system/ metrics (MLflow's
   resume_logging), found at the end of each file (steps only grow there) ---- */
typedef struct mll__sm_scan {
    mll_store *s;
    char dir[MLL_MAX_PATH];
    int depth;
    int64_t next;
} mll__sm_scan;

MLL__PRIVATE void mll__sm_scan_file(mll__sm_scan *c, const char *path) {
    char buf[4097], *line, *end;
    mll_stat st;
    intptr_t h;
    size_t got = 0;
    uint64_t off;
    mll_fs *fs = MLL__FS(c->s);
    if (fs->stat(path, &st, fs->user_data) != MLL_OK || !st.exists || st.size == 0) return;
    if (fs->open(path, MLL_OPEN_READ, &h, fs->user_data) != MLL_OK) return;
    off = st.size > 4096 ? st.size - 4096 : 0;
    if (fs->read(h, off, buf, (size_t)(st.size - off), &got, fs->user_data) != MLL_OK) got = 0;
    fs->close(h, fs->user_data);
    buf[got] = '\0';
    line = buf;
    if (off) line = strchr(buf, '\n') ? strchr(buf, '\n') + 1 : buf + got; /* a cut first line */
    for (; *line; line = end) {
        char *f1, *f2;
        int64_t step;
        end = strchr(line, '\n');
        end = end ? end + 1 : line + strlen(line);
        if (end[-1] == '\n') end[-1] = '\0';
        f1 = strchr(line, ' ');
        f2 = f1 ? strchr(f1 + 1, ' ') : NULL;
        if (!f2) continue;
        while (*f2 == ' ') f2++;
        { /* "ts value step" with padding spaces after the step */
            char *sp = strchr(f2, ' ');
            if (sp) *sp = '\0';
        }
        if (mll__parse_i64(f2, &step) && step >= c->next) c->next = step + 1;
    }
}

MLL__PRIVATE int mll__sm_scan_cb(const char *name, int is_dir, void *vctx) {
    mll__sm_scan *c = (mll__sm_scan *)vctx;
    char path[MLL_MAX_PATH], saved[MLL_MAX_PATH];
    if (name[0] == '.' || mll__path(path, c->dir, name, NULL) != MLL_OK) return 0; /* .mll-tmp-* too */
    if (!is_dir) {
        mll__sm_scan_file(c, path);
    } else if (c->depth < 8) {
        memcpy(saved, c->dir, sizeof(saved));
        memcpy(c->dir, path, sizeof(path));
        c->depth++;
        MLL__FS(c->s)->list(c->dir, mll__sm_scan_cb, c, MLL__FS(c->s)->user_data);
        c->depth--;
        memcpy(c->dir, saved, sizeof(saved));
    }
    return 0;
}

MLL__PRIVATE int64_t mll__sm_first_step(mll_run *run) {
    mll__sm_scan *c = (mll__sm_scan *)mll__alloc(mll__A(run->store), sizeof(mll__sm_scan));
    int64_t next = 0;
    if (!c) return 0;
    memset(c, 0, sizeof(*c));
    c->s = run->store;
    if (run->pending_total) mll__run_flush_locked(run); /* points of an earlier start, if any */
    if (mll__path(c->dir, run->dir, "metrics", "system") == MLL_OK && mll__exists(c->s, c->dir, NULL))
        MLL__FS(c->s)->list(c->dir, mll__sm_scan_cb, c, MLL__FS(c->s)->user_data);
    next = c->next;
    mll__free(mll__A(run->store), c);
    return next;
}

/* ---- sampling and logging ---- */
MLL__PRIVATE void mll__sm_add(mll__sm_acc *a, double v) {
    a->sum += v;
    a->n++;
}

/* A reader failed: the metric is left out of this sample; the first time, say why. */
MLL__PRIVATE void mll__sm_read_failed(mll_run *run, mll__sysm *sm, unsigned bit, const char *what, mll_result r) {
    char msg[300];
    if (sm->warned & bit) return;
    sm->warned |= bit;
    mll__snprintf(msg, sizeof(msg), "run %s: system metrics: cannot read %s (%s); left out", run->run_id, what,
                  mll_strerror(r));
    mll__log(&run->store->desc, MLL_LOG_WARN, MLL_ERR_SYSTEM_METRICS_READ, msg, __LINE__);
}

/* The readings every sample starts from (CPU times, network counters, process CPU). */
MLL__PRIVATE void mll__sm_baseline(mll__sysm *sm) {
    mll__sm_proc p;
    sm->cpu_ok = mll__sm_read_cpu("/proc/stat", &sm->cpu_prev) == MLL_OK;
    sm->net_ok = mll__sm_read_net("/proc/net/dev", &sm->net_start) == MLL_OK;
    sm->proc_ok = mll__sm_read_proc("/proc/self/status", &p) == MLL_OK;
    sm->proc_cpu_prev = p.cpu_us;
    sm->proc_mono_prev = mll__sm_mono_us();
}

MLL__PRIVATE void mll__sm_sample_host(mll_run *run, mll__sysm *sm) {
    mll__sm_cpu cpu;
    mll__sm_mem mem = {0, 0};
    mll__sm_disk disk = {0, 0, 0};
    mll__sm_net net = {0, 0};
    mll_result r = mll__sm_read_cpu("/proc/stat", &cpu);
    if (r == MLL_OK) {
        if (sm->cpu_ok) mll__sm_add(&sm->acc[MLL__SM_CPU_PCT], mll__round1(mll__sm_cpu_percent(&sm->cpu_prev, &cpu)));
        sm->cpu_prev = cpu;
        sm->cpu_ok = 1;
    } else mll__sm_read_failed(run, sm, MLL__SM_WARN_CPU, "/proc/stat", r);
    if ((r = mll__sm_read_mem("/proc/meminfo", &mem)) == MLL_OK) {
        mll__sm_add(&sm->acc[MLL__SM_MEM_MB], (double)mem.used / 1e6);
        mll__sm_add(&sm->acc[MLL__SM_MEM_PCT], (double)mem.used / (double)mem.total * 100);
    } else mll__sm_read_failed(run, sm, MLL__SM_WARN_MEM, "/proc/meminfo", r);
    if ((r = mll__sm_read_disk(sm->disk_path, &disk)) == MLL_OK) {
        mll__sm_add(&sm->acc[MLL__SM_DISK_PCT],
                    disk.total_user ? mll__round1((double)disk.used / (double)disk.total_user * 100) : 0.0);
        mll__sm_add(&sm->acc[MLL__SM_DISK_MB], (double)disk.used / 1e6);
        mll__sm_add(&sm->acc[MLL__SM_DISK_FREE_MB], (double)disk.free / 1e6);
    } else mll__sm_read_failed(run, sm, MLL__SM_WARN_DISK, sm->disk_path, r);
    if ((r = mll__sm_read_net("/proc/net/dev", &net)) == MLL_OK && sm->net_ok) {
        sm->net_rx_mb = (double)net.rx / 1e6 - (double)sm->net_start.rx / 1e6;
        sm->net_tx_mb = (double)net.tx / 1e6 - (double)sm->net_start.tx / 1e6;
        sm->have_net = 1;
    } else if (r == MLL_OK) {
        sm->net_start = net; /* the counters could not be read at the start: count from here */
        sm->net_ok = 1;
    } else mll__sm_read_failed(run, sm, MLL__SM_WARN_NET, "/proc/net/dev", r);
}

MLL__PRIVATE void mll__sm_sample_process(mll_run *run, mll__sysm *sm) {
    mll__sm_proc p;
    int64_t mono = mll__sm_mono_us();
    mll_result r = mll__sm_read_proc("/proc/self/status", &p);
    if (r != MLL_OK) {
        mll__sm_read_failed(run, sm, MLL__SM_WARN_PROC, "/proc/self/status", r);
        return;
    }
    if (sm->proc_ok && mono > sm->proc_mono_prev) /* percent of one core, as psutil's Process */
        mll__sm_add(&sm->acc[MLL__SM_PROC_CPU_PCT],
                    (double)(p.cpu_us - sm->proc_cpu_prev) / (double)(mono - sm->proc_mono_prev) * 100);
    mll__sm_add(&sm->acc[MLL__SM_PROC_RSS_MB], (double)p.rss / 1e6);
    mll__sm_add(&sm->acc[MLL__SM_PROC_THREADS], (double)p.threads);
    sm->proc_cpu_prev = p.cpu_us;
    sm->proc_mono_prev = mono;
    sm->proc_ok = 1;
}

MLL__PRIVATE void mll__sm_put(mll_run *run, const mll__sysm *sm, const char *name, double v, int64_t ts) {
    char key[320];
    mll_result r;
    mll__snprintf(key, sizeof(key), "%s%s", sm->prefix, name);
    r = mll__metric_append(run, key, v, sm->step, ts);
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "log system metric", key);
}

/* Logs the window's means (the network's last value) at one timestamp and step. */
MLL__PRIVATE void mll__sm_publish(mll_run *run, mll__sysm *sm) {
    int64_t ts = mll__os_now_ms();
    unsigned i, v;
    for (i = 0; i < MLL__SM_FIXED; i++)
        if (sm->acc[i].n) mll__sm_put(run, sm, mll__sm_names[i], mll__round1(sm->acc[i].sum / sm->acc[i].n), ts);
    if (sm->have_net) {
        mll__sm_put(run, sm, "network_receive_megabytes", sm->net_rx_mb, ts);
        mll__sm_put(run, sm, "network_transmit_megabytes", sm->net_tx_mb, ts);
    }
    for (i = 0; i < sm->gpu.count; i++) {
        for (v = 0; v < MLL__SM_GPU_VALUES; v++) {
            const mll__sm_acc *a = &sm->gpu_acc[i][v];
            char name[64];
            if (!a->n) continue;
            mll__snprintf(name, sizeof(name), "gpu_%u_%s", i, mll__sm_gpu_names[sm->gpu.kind == MLL__GPU_ROCM][v]);
            mll__sm_put(run, sm, name, mll__round1(a->sum / a->n), ts);
        }
    }
    sm->step++;
    sm->samples = 0;
    sm->have_net = 0;
    memset(sm->acc, 0, sizeof(sm->acc));
    memset(sm->gpu_acc, 0, sizeof(sm->gpu_acc));
}

/* One sample of everything (run lock held); logs when the window is full. */
MLL__PRIVATE void mll__sm_sample(mll_run *run, mll__sysm *sm) {
    unsigned i;
    mll__sm_sample_host(run, sm);
    if (!sm->desc.no_process_metrics) mll__sm_sample_process(run, sm);
    for (i = 0; i < sm->gpu.count; i++) {
        mll__gpu_sample g;
        mll__gpu_read(&sm->gpu, i, &g);
        if (g.ok_mem) {
            mll__sm_add(&sm->gpu_acc[i][MLL__SM_GPU_MEM_PCT], g.mem_pct);
            mll__sm_add(&sm->gpu_acc[i][MLL__SM_GPU_MEM_SIZE], g.mem_size);
        }
        if (g.ok_util) mll__sm_add(&sm->gpu_acc[i][MLL__SM_GPU_UTIL], g.util);
        if (g.ok_power) {
            mll__sm_add(&sm->gpu_acc[i][MLL__SM_GPU_POWER_W], g.power_w);
            mll__sm_add(&sm->gpu_acc[i][MLL__SM_GPU_POWER_PCT], g.power_pct);
        }
    }
    if (++sm->samples >= sm->desc.samples_before_logging) mll__sm_publish(run, sm);
}
#endif /* MLL__SM_LINUX */

/* Samples a run whose time has come; plans the next sample (a late one is not caught up). */
MLL__PRIVATE void mll__sm_due(mll_run *run, mll__sysm *sm, int64_t now_us) {
    if (now_us < sm->next_due_us) return;
#if MLL__SM_LINUX
    mll__sm_sample(run, sm);
#else
    (void)run;
#endif
    sm->next_due_us += sm->interval_us;
    if (sm->next_due_us <= now_us) sm->next_due_us = now_us + sm->interval_us;
}

/* Starts sampling (run lock held). */
MLL__PRIVATE mll_result mll__sm_start_locked(mll_run *run, const mll_system_metrics_desc *desc) {
#if MLL__SM_LINUX
    mll_store *s = run->store;
    mll__sysm *sm;
    mll_result r;
    if (run->sysm) return MLL_ERR_SYSTEM_METRICS_ACTIVE;
    sm = (mll__sysm *)mll__alloc(mll__A(s), sizeof(*sm));
    if (!sm) return MLL_ERR_NO_MEMORY;
    memset(sm, 0, sizeof(*sm));
    r = mll__sm_resolve(s, desc, sm);
    if (r != MLL_OK) {
        mll__free(mll__A(s), sm);
        return r;
    }
    if (!sm->desc.no_gpu) {
        char why[400], msg[520];
        if (!mll__gpu_open(&sm->gpu, why, sizeof(why))) {
            mll__snprintf(msg, sizeof(msg), "run %s: no GPU metrics: %s", run->run_id, why);
            mll__log(&s->desc, MLL_LOG_INFO, MLL_ERR_GPU_UNAVAILABLE, msg, __LINE__);
        }
    }
    if (!sm->desc.no_hardware_tags) mll__sm_hardware_tags(run, sm);
    sm->step = mll__sm_first_step(run);
    mll__sm_baseline(sm);
    sm->next_due_us = mll__sm_mono_us() + sm->interval_us;
    run->sysm = sm;
    return MLL_OK;
#else
    (void)run;
    (void)desc;
    return MLL_ERR_SYSTEM_METRICS_UNSUPPORTED;
#endif
}

/* ---- the hooks ---- */
/* Flusher thread, store lock held: samples the runs that are due; returns how long the
   flusher may sleep (at most wait_ms) before the next sample is due. */
MLL__PRIVATE int64_t mll__sysmetrics_tick(mll_store *s, int64_t wait_ms) {
    int64_t now = mll__sm_mono_us(), wait_us = wait_ms * 1000;
    mll_run *run;
    for (run = s->runs; run; run = run->next) {
        mll__lock(MLL__SM_RUN_LOCK(run));
        if (run->sysm) {
            mll__sm_due(run, run->sysm, now);
            if (run->sysm->next_due_us - now < wait_us) wait_us = run->sysm->next_due_us - now;
        }
        mll__unlock(MLL__SM_RUN_LOCK(run));
    }
    return wait_us > 0 ? (wait_us + 999) / 1000 : 1;
}

/* No flusher thread (MLL_NO_THREADS, no_flush_thread): inside a log call, run lock held. */
MLL__PRIVATE void mll__sysmetrics_poll(mll_run *run) {
    if (run->sysm) mll__sm_due(run, run->sysm, mll__sm_mono_us());
}

/* mll_end_run / mll_stop_system_metrics, run lock held: samples not logged are dropped. */
MLL__PRIVATE void mll__sysmetrics_end(mll_run *run) {
    if (!run->sysm) return;
    mll__gpu_close(&run->sysm->gpu);
    mll__free(mll__A(run->store), run->sysm);
    run->sysm = NULL;
}

/* mll_start_run: the desc, else $MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING, says whether to
   sample. A failure to start is a warning: the run itself is fine. */
MLL__PRIVATE void mll__sysmetrics_autostart(mll_run *run, const mll_run_desc *d) {
    mll_store *s = run->store;
    int mode = (int)d->system_metrics.enabled;
    mll_result r;
    if (mode == MLL_SYSTEM_METRICS_DEFAULT) {
        const char *env = mll__sm_getenv(s, "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING");
        int on = env ? mll__sm_parse_bool(env) : 0;
        if (on < 0) mll__sm_env_warn(s, "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", env, "true, false, 1 or 0", "false");
        mode = on > 0 ? MLL_SYSTEM_METRICS_ON : MLL_SYSTEM_METRICS_OFF;
    }
    if (mode == MLL_SYSTEM_METRICS_OFF) return;
    mll__lock(MLL__SM_RUN_LOCK(run));
    r = mode == MLL_SYSTEM_METRICS_ON ? mll__sm_start_locked(run, &d->system_metrics) : MLL_ERR_INVALID_ARGUMENT;
    mll__unlock(MLL__SM_RUN_LOCK(run));
    if (r == MLL_OK) {
        mll__sm_wake(s);
    } else {
        char msg[400];
        mll__snprintf(msg, sizeof(msg), "run %s: system metrics not started: %s", run->run_id, mll_strerror(r));
        mll__log(&s->desc, MLL_LOG_WARN, r, msg, __LINE__);
    }
}
#undef MLL__SM_RUN_LOCK
#undef MLL__SM_DL_LINKED
#undef MLL__SM_DLOPEN
#undef MLL__SM_LINUX

/* >>public ------------------------------------------------------------------------ */
MLL__PUBLIC const char *mll_version(void) { return MLL_VERSION_STRING; }

MLL__PUBLIC const char *mll_strerror(mll_result result) {
#define MLL__RESULT_TEXT(name, num, text) \
    case name: return text;
    switch (result) {
        MLL__RESULTS(MLL__RESULT_TEXT)
    default: break;
    }
#undef MLL__RESULT_TEXT
    return "unknown mlflow_lite result";
}

MLL__PUBLIC size_t mll_format_double(double v, char *buf, size_t cap) {
    size_t n;
    if (!buf || cap < 32) return 0;
    n = mll__fmt_double(v, buf);
    buf[n] = '\0';
    return n;
}

/* Fills NULL fs entries with the platform's defaults (>>io). */
MLL__PRIVATE mll_result mll__fs_defaults(mll_fs *fs) {
    mll__io_fill_defaults(fs);
    if (!fs->mkdir || !fs->open || !fs->read || !fs->write || !fs->sync || !fs->truncate ||
        !fs->close || !fs->rename || !fs->link || !fs->remove || !fs->stat || !fs->list)
        return MLL_ERR_INVALID_ARGUMENT;
    return MLL_OK;
}

/* Root from desc, $MLFLOW_TRACKING_URI or ./mlruns, made absolute. */
MLL__PRIVATE mll_result mll__resolve_root(mll_store *s, const char *root) {
    char path[MLL_MAX_PATH];
    const char *src = root;
    if (!src && !s->desc.ignore_env) {
        const char *env = getenv("MLFLOW_TRACKING_URI");
        if (env && *env) {
            if (mll__uri_to_path(env, path, sizeof(path)) != 0) {
                src = env; /* a local path, or a malformed one: refused below, not replaced */
            } else {
                char msg[600];
                mll__snprintf(msg, sizeof(msg),
                              "MLFLOW_TRACKING_URI=%.400s is not a local folder; logging to ./mlruns "
                              "instead (run `mlflow-lite sync ./mlruns %.60s` to upload)",
                              env, strncmp(env, "http", 4) == 0 || strncmp(env, "databricks", 10) == 0 ? env : "<server>");
                mll__log(&s->desc, MLL_LOG_WARN, MLL_ERR_UNSUPPORTED, msg, __LINE__);
            }
        }
    }
    if (!src) src = "./mlruns";
    mll__snprintf(s->root, sizeof(s->root), "%s", src); /* what a failure message names */
    switch (mll__uri_to_path(src, path, sizeof(path))) {
    case 1: break;
    case MLL__URI_MALFORMED: return MLL_ERR_INVALID_URI;
    case MLL__URI_TOO_LONG: return MLL_ERR_PATH_TOO_LONG;
    default: return MLL_ERR_UNSUPPORTED;
    }
    {
        char abs[MLL_MAX_PATH];
        mll_result r = mll__os_abspath(path, abs, sizeof(abs));
        if (r != MLL_OK) return r;
        memcpy(s->root, abs, strlen(abs) + 1);
    }
    mll__normalize_abs(s->root);
    return mll__path_to_uri(s->root, s->root_uri, sizeof(s->root_uri));
}

/* Resolves the root, creates it, .trash and the Default experiment. */
MLL__PRIVATE mll_result mll__open_root(mll_store *s, const char *root) {
    char trash[MLL_MAX_PATH];
    int is_dir = 0;
    mll_result r = mll__resolve_root(s, root);
    if (r == MLL_OK) r = mll__mkdirs_below(s, "", s->root);
    if (r == MLL_OK && !(mll__exists(s, s->root, &is_dir) && is_dir)) r = MLL_ERR_NOT_A_DIRECTORY;
    if (r == MLL_OK) r = mll__path(trash, s->root, ".trash", NULL);
    if (r == MLL_OK) r = mll__mkdir(s, trash);
    if (r == MLL_OK) r = mll__ensure_default_experiment(s);
    return r;
}

MLL__PRIVATE void mll__store_free(mll_store *s) {
    mll_allocator a = s->desc.allocator;
    mll__mutex_destroy(&s->tmp_lock);
#ifndef MLL_NO_THREADS
    mll__cond_destroy(&s->wake);
    mll__cond_destroy(&s->idle);
#endif
    mll__free(&a, s);
}

/* The desc with every 0 resolved to its default; MLL_ERR_INVALID_ARGUMENT for a bad one. */
MLL__PRIVATE mll_result mll__store_desc_defaults(const mll_store_desc *desc, mll_store_desc *d) {
    if (desc) {
        MLL_ASSERT(desc->_start_canary == 0 && desc->_end_canary == 0);
        *d = *desc;
    } else {
        memset(d, 0, sizeof(*d));
    }
    if (!d->allocator.alloc != !d->allocator.free) return MLL_ERR_INVALID_ARGUMENT; /* both or neither */
    if (!d->allocator.alloc) {
        d->allocator.alloc = mll__default_alloc;
        d->allocator.free = mll__default_free;
    }
#if !defined(MLL_NO_STDIO)
    if (!d->logger.func) d->logger.func = mll__default_logger;
#endif
    if (d->flush_interval_ms <= 0) d->flush_interval_ms = MLL__DEFAULT_FLUSH_INTERVAL_MS;
    if (!d->buffer_bytes) d->buffer_bytes = MLL__DEFAULT_BUFFER_BYTES;
    if (!d->max_pending_bytes) d->max_pending_bytes = MLL__DEFAULT_MAX_PENDING_BYTES;
    if (d->max_pending_bytes < d->buffer_bytes) d->max_pending_bytes = d->buffer_bytes;
    if (d->durability == MLL_DURABILITY_DEFAULT) d->durability = MLL_DURABILITY_WRITE;
    if (d->durability != MLL_DURABILITY_WRITE && d->durability != MLL_DURABILITY_FSYNC)
        return MLL_ERR_INVALID_ARGUMENT;
    return mll__fs_defaults(&d->fs);
}

MLL__PUBLIC mll_result mll_open(mll_store **out, const mll_store_desc *desc) {
    mll_store_desc d;
    mll_store *s;
    void *handle = NULL;
    mll_result r;
    if (!out) return MLL_ERR_INVALID_ARGUMENT;
    *out = NULL;
    r = mll__store_desc_defaults(desc, &d);
    if (r != MLL_OK) return r;
    s = (mll_store *)mll__alloc(&d.allocator, sizeof(*s));
    if (!s) return MLL_ERR_NO_MEMORY;
    memset(s, 0, sizeof(*s));
    s->desc = d;
    mll__mutex_init(&s->tmp_lock);
#ifndef MLL_NO_THREADS
    mll__cond_init(&s->wake);
    mll__cond_init(&s->idle);
#endif
    r = mll__open_root(s, d.root);
    s->desc.root = s->root;
    if (r == MLL_OK) r = mll__cell_alloc(MLL__KIND_STORE, s, &s->cell, &handle);
    if (r != MLL_OK) {
        char msg[MLL_MAX_PATH + 160];
        mll__snprintf(msg, sizeof(msg), "cannot open MLflow root '%s': %s", s->root, mll_strerror(r));
        mll__log(&s->desc, MLL_LOG_ERROR, r, msg, __LINE__);
        mll__store_free(s);
        return r;
    }
    s->lock = &s->cell->lock;
    s->handle = (mll_store *)handle;
    *out = s->handle;
    return MLL_OK;
}

MLL__PUBLIC mll_result mll_query_store_desc(const mll_store *store, mll_store_desc *out) {
    mll__cell *c;
    mll_result r;
    mll_store *s;
    if (!out) return MLL_ERR_INVALID_ARGUMENT;
    s = (mll_store *)mll__cell_lock(store, MLL__KIND_STORE, &c, &r);
    if (!s) return r;
    *out = s->desc;
    mll__unlock(&c->lock);
    return MLL_OK;
}

MLL__PUBLIC const char *mll_store_root(const mll_store *store) {
    mll__cell *c;
    mll_result r;
    mll_store *s = (mll_store *)mll__cell_lock(store, MLL__KIND_STORE, &c, &r);
    const char *root = s ? s->root : "";
    if (s) mll__unlock(&c->lock);
    return root;
}

/* Copies an error record under the lock that guards it; returns its code. */
MLL__PRIVATE mll_result mll__read_error(mll__mutex *lock, const mll_error *err, mll_error *out) {
    mll_result r;
    mll__lock(lock);
    r = err->code;
    if (out) *out = *err;
    mll__unlock(lock);
    return r;
}

MLL__PUBLIC mll_result mll_store_last_error(mll_store *store, mll_error *out) {
    mll__cell *c;
    mll_result r;
    mll_store *s = (mll_store *)mll__cell_lock(store, MLL__KIND_STORE, &c, &r);
    if (!s) return r;
    r = s->last_error.code;
    if (out) *out = s->last_error;
    mll__unlock(&c->lock);
    return r;
}

MLL__PRIVATE mll_result mll__store_fail_note(mll_store *s, mll_result r, const char *op, const char *subject,
                                             const char *note) {
    int e = MLL__IOERR(r);
    mll__lock(s->lock);
    mll__fail_note(&s->desc, &s->last_error, r, e, op, subject, note, __LINE__);
    mll__unlock(s->lock);
    return r;
}
MLL__PRIVATE mll_result mll__store_fail(mll_store *s, mll_result r, const char *op, const char *subject) {
    return mll__store_fail_note(s, r, op, subject, NULL);
}

/* A store call: enters the store behind handle h (NULL handle, closed store: returns the
   error), runs `call` with the store as `s`, leaves. */
#define MLL__STORE_CALL(h, call)                        \
    do {                                                \
        mll_result call_r_;                             \
        mll_store *s = mll__store_enter((h), &call_r_); \
        if (!s) return call_r_;                         \
        call_r_ = (call);                               \
        mll__store_leave(s);                            \
        return call_r_;                                 \
    } while (0)

MLL__PRIVATE mll_result mll__get_experiment_id(mll_store *store, const char *name, char *id_out, size_t id_cap) {
    char id[72];
    mll_result r;
    if (!name || !id_out || id_cap == 0) return MLL_ERR_INVALID_ARGUMENT;
    r = mll__exp_find(store, name, id);
    if (r != MLL_OK) return r;
    if (strlen(id) + 1 > id_cap) return MLL_ERR_INVALID_ARGUMENT;
    strcpy(id_out, id);
    return MLL_OK;
}

MLL__PUBLIC mll_result mll_get_experiment_id(mll_store *store, const char *name, char *id_out,
                                             size_t id_cap) {
    MLL__STORE_CALL(store, mll__get_experiment_id(s, name, id_out, id_cap));
}

MLL__PRIVATE mll_result mll__set_experiment_tag(mll_store *store, const char *experiment_id,
                                                const char *key, const char *value) {
    char dir[MLL_MAX_PATH], base[MLL_MAX_PATH], meta[MLL_MAX_PATH], path[MLL_MAX_PATH];
    mll_result r;
    if (!experiment_id || !key || !value) return MLL_ERR_INVALID_ARGUMENT;
    r = mll__validate_id(experiment_id, 64);
    if (r == MLL_OK) r = mll__validate_key(key);
    if (r == MLL_OK) r = mll__validate_value(value, MLL__MAX_EXPERIMENT_TAG_VALUE_CHARS);
    if (r != MLL_OK) return mll__store_fail(store, r, "set experiment tag", key);
    r = mll__path(dir, store->root, experiment_id, NULL);
    if (r == MLL_OK) r = mll__path(meta, dir, "meta.yaml", NULL);
    if (r == MLL_OK && !mll__exists(store, meta, NULL)) r = MLL_ERR_NOT_FOUND;
    if (r == MLL_OK) r = mll__path(base, dir, "tags", NULL);
    if (r == MLL_OK) r = mll__path(path, base, key, NULL);
    if (r == MLL_OK) {
        r = mll__mkdirs_for(store, dir, path);
    }
    if (r == MLL_OK) r = mll__write_atomic(store, dir, path, value, strlen(value), MLL__REPLACE);
    if (r != MLL_OK) return mll__store_fail(store, r, "set experiment tag", key);
    return MLL_OK;
}

MLL__PUBLIC mll_result mll_set_experiment_tag(mll_store *store, const char *experiment_id,
                                              const char *key, const char *value) {
    MLL__STORE_CALL(store, mll__set_experiment_tag(s, experiment_id, key, value));
}

MLL__PRIVATE void mll__run_free(mll_run *run) {
    const mll_allocator *a = mll__A(run->store);
    size_t i;
    for (i = 0; i < run->slot_cap; i++) {
        mll__free(a, run->slots[i].key);
        mll__buf_free(a, &run->slots[i].pending);
    }
    mll__free(a, run->slots);
    mll__buf_free(a, &run->scratch);
    mll__free(a, run->run_name);
    for (i = 0; i < run->old_name_count; i++) mll__free(a, run->old_names[i]);
    mll__free(a, run->old_names);
    mll__free(a, run->artifact_uri);
    mll__free(a, run->user_id);
    mll__free(a, run);
}

/* MLflow keeps an empty run name as "no name" (its file store then disagrees with the
   tag) and a blank one as is; neither names anything, so both are refused. */
MLL__PRIVATE mll_result mll__validate_run_name(const char *name) {
    mll_result r = mll__validate_value(name, MLL__MAX_TAG_VALUE_CHARS);
    if (r == MLL_OK && mll__blank_name(name)) r = MLL_ERR_INVALID_NAME;
    return r;
}

/* Validates everything a run desc would write, before anything is created. */
MLL__PRIVATE mll_result mll__run_desc_check(const mll_run_desc *d, const char **bad) {
    size_t i;
    mll_result r = MLL_OK;
    if (d->experiment_name) {
        size_t c = mll__utf8_chars(d->experiment_name, strlen(d->experiment_name));
        *bad = d->experiment_name;
        if (c == (size_t)-1) return MLL_ERR_INVALID_UTF8;
        if (c == 0 || mll__blank_name(d->experiment_name)) return MLL_ERR_INVALID_NAME;
        if (c > MLL__MAX_EXPERIMENT_NAME_CHARS) return MLL_ERR_VALUE_TOO_LONG;
    }
    if (d->experiment_id && (*bad = d->experiment_id, r = mll__validate_id(d->experiment_id, 64)) != MLL_OK) return r;
    if (d->run_id && (*bad = d->run_id, r = mll__validate_id(d->run_id, 256)) != MLL_OK) return r;
    if (d->parent_run_id && (*bad = d->parent_run_id, r = mll__validate_id(d->parent_run_id, 256)) != MLL_OK) return r;
    if (d->run_name && (*bad = d->run_name, r = mll__validate_run_name(d->run_name)) != MLL_OK) return r;
    if (d->description && (*bad = "mlflow.note.content", r = mll__validate_value(d->description, MLL__MAX_TAG_VALUE_CHARS)) != MLL_OK) return r;
    if (d->user && (*bad = d->user, r = mll__validate_value(d->user, MLL__MAX_TAG_VALUE_CHARS)) != MLL_OK) return r;
    if (d->source_name && (*bad = d->source_name, r = mll__validate_value(d->source_name, MLL__MAX_TAG_VALUE_CHARS)) != MLL_OK) return r;
    if (d->artifact_location) {
        *bad = d->artifact_location;
        r = mll__validate_value(d->artifact_location, MLL__MAX_ARTIFACT_LOCATION_CHARS);
        if (r != MLL_OK) return r;
        if (strncmp(d->artifact_location, "runs:", 5) == 0 || !d->artifact_location[0]) return MLL_ERR_INVALID_VALUE;
    }
    if (d->num_tags && !d->tags) return MLL_ERR_INVALID_ARGUMENT;
    for (i = 0; i < d->num_tags; i++) {
        *bad = d->tags[i].key ? d->tags[i].key : "(null)";
        if (!d->tags[i].key || !d->tags[i].value) return MLL_ERR_INVALID_ARGUMENT;
        if ((r = mll__validate_key(d->tags[i].key)) != MLL_OK) return r;
        if ((r = mll__validate_value(d->tags[i].value, MLL__MAX_TAG_VALUE_CHARS)) != MLL_OK) return r;
        if (strcmp(d->tags[i].key, "mlflow.runName") == 0) {
            if ((r = mll__validate_run_name(d->tags[i].value)) != MLL_OK) return r;
            if (d->run_name && strcmp(d->run_name, d->tags[i].value) != 0)
                return MLL_ERR_INVALID_NAME; /* MLflow: run_name and the tag must agree */
        }
    }
    return MLL_OK;
}

/* Picks a run id (uuid4().hex, fresh on the unlikely clash) and makes the run folder with
   its sub-folders. On failure nothing of it is left. */
MLL__PRIVATE mll_result mll__run_make_folder(mll_run *run, const char *exp_dir) {
    static const char *const subdirs[] = {"metrics", "params", "artifacts", "tags"};
    static const char hex[] = "0123456789abcdef";
    mll_store *s = run->store;
    char sub[MLL_MAX_PATH];
    size_t i;
    int attempt;
    mll_result r = MLL_OK;
    for (attempt = 0; attempt < 8; attempt++) {
        unsigned char rb[16];
        mll__os_random(rb, sizeof(rb));
        rb[6] = (unsigned char)((rb[6] & 0x0F) | 0x40);
        rb[8] = (unsigned char)((rb[8] & 0x3F) | 0x80);
        for (i = 0; i < 16; i++) {
            run->run_id[2 * i] = hex[rb[i] >> 4];
            run->run_id[2 * i + 1] = hex[rb[i] & 15];
        }
        run->run_id[32] = '\0';
        r = mll__path(run->dir, exp_dir, run->run_id, NULL);
        if (r == MLL_OK) r = MLL__FS(s)->mkdir(run->dir, MLL__FS(s)->user_data);
        if (r != MLL_ERR_EXISTS) break;
    }
    if (r != MLL_OK) return r;
    for (i = 0; i < 4 && r == MLL_OK; i++) {
        r = mll__path(sub, run->dir, subdirs[i], NULL);
        if (r == MLL_OK) r = mll__mkdir(s, sub);
    }
    if (r != MLL_OK) mll__remove_tree(s, run->dir, 0);
    return r;
}

/* The tags of a new run: the system tags Python's default run context writes, then the
   desc's. */
MLL__PRIVATE mll_result mll__run_write_tags(mll_run *run, const mll_run_desc *d, const char *user,
                                            const char *prog) {
    char sha[48];
    size_t i;
    mll_result r = mll__write_kv(run, "tags", "mlflow.user", user, MLL__REPLACE);
    if (r == MLL_OK) r = mll__write_kv(run, "tags", "mlflow.source.name", prog, MLL__REPLACE);
    if (r == MLL_OK) r = mll__write_kv(run, "tags", "mlflow.source.type", "LOCAL", MLL__REPLACE);
    if (r == MLL_OK) r = mll__write_kv(run, "tags", "mlflow.runName", run->run_name, MLL__REPLACE);
    if (r == MLL_OK) r = mll__run_owner_tags(run);
    if (r == MLL_OK) {
        char start[MLL_MAX_PATH], *slash;
        mll__snprintf(start, sizeof(start), "%s", prog);
        slash = strrchr(start, '/');
        if (slash && slash != start) *slash = '\0';
        if ((slash && mll__git_commit(run->store, start, sha)) ||
            (mll__os_getcwd(start, sizeof(start)) == MLL_OK && start[0] && mll__git_commit(run->store, start, sha)))
            r = mll__write_kv(run, "tags", "mlflow.source.git.commit", sha, MLL__REPLACE);
    }
    if (r == MLL_OK && d->parent_run_id)
        r = mll__write_kv(run, "tags", "mlflow.parentRunId", d->parent_run_id, MLL__REPLACE);
    if (r == MLL_OK && d->description)
        r = mll__write_kv(run, "tags", "mlflow.note.content", d->description, MLL__REPLACE);
    for (i = 0; r == MLL_OK && i < d->num_tags; i++)
        r = mll__write_kv(run, "tags", d->tags[i].key, d->tags[i].value, MLL__REPLACE);
    return r;
}

/* Creates a new run folder: dirs first, then tags, then meta.yaml (atomically), so a
   reader never sees a half-built run; a failure removes the half-built folder. *op says
   what failed. */
MLL__PRIVATE mll_result mll__run_create(mll_run *run, const char *exp_id, const mll_run_desc *d,
                                        const char **op) {
    mll_store *s = run->store;
    const mll_allocator *a = mll__A(s);
    char exp_dir[MLL_MAX_PATH], prog[MLL_MAX_PATH], user[512], name[64];
    mll__buf loc = {NULL, 0, 0};
    const char *run_name = d->run_name;
    size_t i;
    mll_result r = mll__path(exp_dir, s->root, exp_id, NULL);
    *op = "read experiment meta.yaml";
    if (r == MLL_OK) r = mll__exp_read(s, exp_dir, NULL, &loc);
    if (r != MLL_OK) {
        mll__buf_free(a, &loc);
        return r;
    }
    for (i = 0; !run_name && i < d->num_tags; i++)
        if (strcmp(d->tags[i].key, "mlflow.runName") == 0) run_name = d->tags[i].value;
    if (!run_name) {
        mll__random_run_name(name, sizeof(name));
        run_name = name;
    }
    if (d->user) mll__snprintf(user, sizeof(user), "%s", d->user);
    else mll__default_user(s, user, sizeof(user));
    if (d->source_name) mll__snprintf(prog, sizeof(prog), "%s", d->source_name);
    else mll__program_path(prog, sizeof(prog));
    mll__snprintf(run->experiment_id, sizeof(run->experiment_id), "%s", exp_id);
    *op = "create run folder";
    r = mll__run_make_folder(run, exp_dir);
    if (r != MLL_OK) {
        mll__buf_free(a, &loc);
        return r;
    }
    run->run_name = mll__strdup(a, run_name);
    run->user_id = mll__strdup(a, user);
    run->artifact_uri = (char *)mll__alloc(a, loc.len + strlen(run->run_id) + 16);
    if (!run->run_name || !run->user_id || !run->artifact_uri) r = MLL_ERR_NO_MEMORY;
    if (r == MLL_OK) {
        mll__snprintf(run->artifact_uri, loc.len + strlen(run->run_id) + 16, "%s/%s/artifacts", loc.data, run->run_id);
        run->start_time = d->start_time_ms > 0 ? d->start_time_ms : mll__os_now_ms();
        run->end_time = -1;
        run->status = MLL_RUN_RUNNING;
        *op = "resolve artifact_uri";
        r = mll__run_resolve_artifact_dir(run);
    }
    if (r == MLL_OK) *op = "write run tags";
    if (r == MLL_OK) r = mll__run_write_tags(run, d, user, prog);
    if (r == MLL_OK) *op = "write run meta.yaml";
    if (r == MLL_OK) r = mll__run_write_meta(run);
    if (r != MLL_OK) mll__remove_tree(s, run->dir, 0); /* MLflow would list a broken run */
    mll__buf_free(a, &loc);
    return r;
}

/* Creates (or reopens) the run of desc d in store s; *op and *bad say what failed. */
MLL__PRIVATE mll_result mll__run_open(mll_run *run, const mll_run_desc *d, const char **op, const char **bad) {
    mll_store *s = run->store;
    char exp_id[72];
    size_t i;
    mll_result r = MLL_OK;
    if (d->run_id) {
        *op = "reopen run";
        *bad = d->run_id;
        r = mll__run_reopen(run, d->run_id);
        for (i = 0; r == MLL_OK && i < d->num_tags; i++)
            r = mll__write_kv(run, "tags", d->tags[i].key, d->tags[i].value, MLL__REPLACE);
        return r;
    }
    *op = "find experiment";
    if (d->experiment_id) {
        *bad = d->experiment_id;
        mll__snprintf(exp_id, sizeof(exp_id), "%s", d->experiment_id);
    } else if (d->experiment_name) {
        *bad = d->experiment_name;
        r = mll__exp_get_or_create(s, d->experiment_name, d->artifact_location, exp_id);
    } else {
        strcpy(exp_id, "0");
    }
    if (r == MLL_OK) {
        r = mll__run_create(run, exp_id, d, op);
        if (r != MLL_OK && run->dir[0]) *bad = run->dir;
    }
    return r;
}

/* Adds a run to its store (store lock held) and starts the flusher with the first one. */
MLL__PRIVATE void mll__store_add_run(mll_store *s, mll_run *run) {
    run->next = s->runs;
    s->runs = run;
#ifndef MLL_NO_THREADS
    if (!s->flusher_started && !s->desc.no_flush_thread) {
        if (mll__thread_start(&s->flusher, mll__flusher_main, s))
            s->flusher_started = 1;
        else
            s->desc.no_flush_thread = 1; /* fall back to flushing inside log calls */
    }
#endif
}

MLL__PRIVATE mll_result mll__start_run(mll_run **out, mll_store *store, const mll_run_desc *desc) {
    mll_run_desc d;
    mll_run *run;
    const char *bad = "", *op = "start run";
    void *handle = NULL;
    mll_result r;
    if (desc) {
        MLL_ASSERT(desc->_start_canary == 0 && desc->_end_canary == 0);
        d = *desc;
    } else {
        memset(&d, 0, sizeof(d));
    }
    if (!d.run_id && !store->desc.ignore_env) {
        d.run_id = getenv("MLFLOW_RUN_ID");
        if (d.run_id && !*d.run_id) d.run_id = NULL;
    }
    if (!d.run_id && !d.experiment_name && !d.experiment_id && !store->desc.ignore_env) {
        const char *env = getenv("MLFLOW_EXPERIMENT_NAME");
        if (env && *env) d.experiment_name = env;
        env = getenv("MLFLOW_EXPERIMENT_ID");
        if (!d.experiment_name && env && *env) d.experiment_id = env;
    }
    r = mll__run_desc_check(&d, &bad);
    if (r != MLL_OK) return mll__store_fail(store, r, "start run", bad);
    run = (mll_run *)mll__alloc(mll__A(store), sizeof(*run));
    if (!run) return mll__store_fail(store, MLL_ERR_NO_MEMORY, "start run", "");
    memset(run, 0, sizeof(*run));
    run->store = store;
    run->cached_ts = -1;
    r = mll__run_open(run, &d, &op, &bad);
    if (r == MLL_OK) {
        op = "start run";
        r = mll__cell_alloc(MLL__KIND_RUN, run, &run->cell, &handle);
    }
    if (r != MLL_OK) {
        mll__store_fail(store, r, op, bad);
        mll__run_free(run);
        return r;
    }
    run->lock = &run->cell->lock;
    run->last_flush_ms = mll__os_now_ms();
    mll__lock(store->lock);
    mll__store_add_run(store, run);
    mll__unlock(store->lock);
    mll__sysmetrics_autostart(run, &d); /* desc or $MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING */
    *out = (mll_run *)handle;
    return MLL_OK;
}

MLL__PUBLIC mll_result mll_start_run(mll_run **out, mll_store *store, const mll_run_desc *desc) {
    if (!out) return MLL_ERR_INVALID_ARGUMENT;
    *out = NULL;
    MLL__STORE_CALL(store, mll__start_run(out, s, desc));
}

/* First half of ending a run: checks the handle and the status, then takes the run out of
   its store's list and marks it ending (another end is refused), keeping the store busy
   so that it outlives the ending. Locks: store, then run, as everywhere. */
MLL__PRIVATE mll_result mll__run_begin_end(mll_run *h, mll_run_status status, mll_run **out) {
    mll_result r;
    mll__cell *sc;
    mll_store *s, *sh;
    mll_run **pp, *run = mll__run_lock(h, &r);
    if (!run) return r;
    if (status != MLL_RUN_STATUS_DEFAULT && status != MLL_RUN_FINISHED && status != MLL_RUN_FAILED &&
        status != MLL_RUN_KILLED) {
        char num[24];
        num[mll__fmt_i64((int64_t)status, num)] = '\0';
        r = mll__fail_note(&run->store->desc, &run->last_error, MLL_ERR_INVALID_VALUE, 0, "end run: status", num,
                           "use MLL_RUN_FINISHED, MLL_RUN_FAILED or MLL_RUN_KILLED; the run stays open", __LINE__);
        mll__unlock(run->lock);
        return r;
    }
    sh = run->store->handle; /* immutable, read while the run (so its store) is alive */
    mll__unlock(run->lock);
    s = (mll_store *)mll__cell_lock(sh, MLL__KIND_STORE, &sc, &r);
    if (!s) return MLL_ERR_RUN_ENDED; /* its store was closed meanwhile, which ended it */
    run = mll__run_lock(h, &r);
    if (run && run->ending) {
        mll__unlock(run->lock);
        run = NULL;
        r = MLL_ERR_RUN_ENDED;
    }
    if (run) {
        run->ending = 1;
        for (pp = &s->runs; *pp; pp = &(*pp)->next) {
            if (*pp == run) {
                *pp = run->next;
                break;
            }
        }
        s->busy++;
        mll__unlock(run->lock);
        *out = run;
    }
    mll__unlock(s->lock);
    return run ? MLL_OK : r;
}

/* Failures a retry can mend: a full disk, memory, I/O (NFS), permissions an admin may
   fix. The others (a deleted run, a folder where a file goes) stay what they are. */
MLL__PRIVATE int mll__is_transient(mll_result r) {
    return r == MLL_ERR_NO_SPACE || r == MLL_ERR_NO_MEMORY || r == MLL_ERR_IO || r == MLL_ERR_PERMISSION;
}

/* Whether ending a run that failed with r (the flush's result, or the status write's
   when flushed) is worth retrying: not when its folder is gone (its experiment was deleted
   and moved to .trash, or it was purged) or MLflow deleted it, nor when every key still
   holding points fails for a reason no retry can mend. */
MLL__PRIVATE int mll__run_can_retry(mll_run *run, mll_result r, int flushed) {
    char meta[MLL_MAX_PATH];
    mll_stat st;
    size_t i;
    if (r == MLL_ERR_INVALID_STATE) return 0;
    if (mll__path(meta, run->dir, "meta.yaml", NULL) == MLL_OK &&
        MLL__FS(run->store)->stat(meta, &st, MLL__FS(run->store)->user_data) == MLL_OK && !st.exists)
        return 0;
    if (flushed) return mll__is_transient(r);
    for (i = 0; i < run->slot_cap; i++)
        if (run->slots[i].key && run->slots[i].pending.len && mll__is_transient(run->slots[i].flush_result))
            return 1;
    return 0;
}

/* The run could not be ended but can be retried: it goes back into its store, open. */
MLL__PRIVATE mll_result mll__run_reopen_after_failed_end(mll_run *run, mll_result r) {
    mll_store *s = run->store;
    char note[200];
    size_t keys;
    uint64_t points = mll__pending_points(run, &keys);
    mll__snprintf(note, sizeof(note),
                  "%llu points of %lu keys stay buffered and the run stays open: call mll_end_run, "
                  "mll_flush or mll_close again", (unsigned long long)points, (unsigned long)keys);
    mll__fail_note(&s->desc, &run->last_error, r, MLL__IOERR(r), "end run", run->run_id, note, __LINE__);
    mll__unlock(run->lock);
    mll__lock(s->lock);
    mll__lock(run->lock);
    run->ending = 0;
    mll__store_add_run(s, run);
    mll__unlock(run->lock);
    mll__store_unbusy_locked(s);
    mll__unlock(s->lock);
    return r;
}

/* Second half of ending a run (marked ending, out of its store's list, store busy):
   flushes and writes status and end time. On success, or when the run can never be
   written again (what is given up is counted and reported), the handle becomes stale and
   the run is freed; on a failure that a retry can mend (full disk, I/O) it stays open and
   keeps its points. */
MLL__PRIVATE mll_result mll__run_finish(mll_run *run, mll_run_status status) {
    mll_store *s = run->store;
    mll__cell *cell = run->cell;
    char id[sizeof(run->run_id)], note[320];
    size_t keys = 0;
    uint64_t dropped = 0, refused;
    mll_result r;
    int flushed;
    mll__lock(run->lock);
    mll__sysmetrics_end(run); /* stops system metrics (unlogged samples dropped, as MLflow) */
    r = mll__run_flush_locked(run);
    flushed = r == MLL_OK || run->pending_total == 0; /* written, if only close() complained */
    if (flushed) {
        run->status = (int)(status == MLL_RUN_STATUS_DEFAULT ? MLL_RUN_FINISHED : status);
        run->end_time = mll__os_now_ms();
        r = mll__run_set_status(run);
        if (r != MLL_OK) {
            MLL__RUN_FAIL(run, r, "write run meta.yaml", run->dir);
            run->status = MLL_RUN_RUNNING;
            run->end_time = -1;
        }
    }
    if (r != MLL_OK && mll__run_can_retry(run, r, flushed)) return mll__run_reopen_after_failed_end(run, r);
    if (r != MLL_OK) dropped = mll__pending_points(run, &keys);
    refused = run->refused_points;
    memcpy(id, run->run_id, sizeof(id));
    mll__cell_retire(cell);
    mll__unlock(&cell->lock);
    mll__cell_release(cell, MLL__KIND_RUN);
    mll__run_free(run);
    mll__lock(s->lock);
    if (dropped) {
        mll__snprintf(note, sizeof(note), "%llu points of %lu keys could not be written and were given up (%s)",
                      (unsigned long long)dropped, (unsigned long)keys, mll_strerror(r));
        r = mll__fail_note(&s->desc, &s->last_error, MLL_ERR_POINTS_DROPPED, 0, "end run", id, note, __LINE__);
    } else if (r != MLL_OK) {
        mll__fail(&s->desc, &s->last_error, r, 0, "end run", id, __LINE__);
    }
    if (refused) {
        mll__snprintf(note, sizeof(note), "run %s: %llu points were refused (MLL_ERR_BUFFER_FULL) while its "
                      "points could not be written", id, (unsigned long long)refused);
        mll__log(&s->desc, MLL_LOG_WARN, MLL_ERR_BUFFER_FULL, note, __LINE__);
    }
    mll__store_unbusy_locked(s);
    mll__unlock(s->lock);
    return r;
}

MLL__PUBLIC mll_result mll_end_run(mll_run *run, mll_run_status status) {
    mll_run *body = NULL;
    mll_result r = mll__run_begin_end(run, status, &body);
    return r == MLL_OK ? mll__run_finish(body, status) : r;
}

/* Ends every run of a store being closed (store lock held, released meanwhile); returns
   the first error. Runs that could not be ended are back in the store's list. */
MLL__PRIVATE mll_result mll__close_runs(mll_store *s) {
    mll_result first = MLL_OK;
    mll_run *todo = s->runs, *run;
    s->runs = NULL;
    for (run = todo; run; run = run->next) {
        mll__lock(run->lock);
        run->ending = 1;
        mll__unlock(run->lock);
        s->busy++;
    }
    mll__unlock(s->lock);
    while (todo) {
        mll_result r;
        run = todo;
        todo = run->next;
        r = mll__run_finish(run, MLL_RUN_FINISHED);
        if (first == MLL_OK) first = r;
    }
    mll__lock(s->lock);
    return first;
}

MLL__PUBLIC mll_result mll_close(mll_store *store) {
    mll__cell *cell;
    mll_result r, first;
    mll_store *s;
    if (!store) return MLL_OK;
    s = (mll_store *)mll__cell_lock(store, MLL__KIND_STORE, &cell, &r);
    if (!s) return r;
    if (s->closing) { /* another thread is closing it */
        mll__unlock(s->lock);
        return MLL_ERR_STORE_CLOSED;
    }
    s->closing = 1;
    mll__store_wait_idle(s); /* store calls in flight finish; new ones are refused */
    first = MLL_OK;
    do { /* again if a run another thread was ending came back (its end failed) */
        r = mll__close_runs(s);
        if (first == MLL_OK) first = r;
        mll__store_wait_idle(s);
    } while (s->runs && r == MLL_OK);
    if (s->runs) { /* some runs keep points that could not be written: retriable */
        s->closing = 0;
        mll__unlock(s->lock);
        mll__log(&s->desc, MLL_LOG_ERROR, first,
                 "mll_close: runs whose points could not be written stay open, and so does the store: "
                 "call mll_close again once the disk has room", __LINE__);
        return first;
    }
#ifndef MLL_NO_THREADS
    s->stopping = 1;
    mll__cond_broadcast(&s->wake);
#endif
    mll__cell_retire(cell);
    mll__unlock(&cell->lock);
#ifndef MLL_NO_THREADS
    if (s->flusher_started) mll__thread_join(&s->flusher);
#endif
    mll__cell_release(cell, MLL__KIND_STORE);
    mll__store_free(s);
    return first;
}

MLL__PUBLIC mll_result mll_flush(mll_run *handle) {
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    r = mll__run_flush_locked(run);
    mll__unlock(run->lock);
    return r;
}

/* An accessor's string: valid until the run ends; "" for a handle that is not a live run. */
typedef enum { MLL__RUN_ID, MLL__RUN_EXPERIMENT_ID, MLL__RUN_NAME, MLL__RUN_ARTIFACT_URI, MLL__RUN_DIR } mll__run_field;
MLL__PRIVATE const char *mll__run_string(const mll_run *handle, mll__run_field f) {
    mll_result r;
    const char *v = NULL;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return "";
    switch (f) {
    case MLL__RUN_ID: v = run->run_id; break;
    case MLL__RUN_EXPERIMENT_ID: v = run->experiment_id; break;
    case MLL__RUN_NAME: v = run->run_name; break;
    case MLL__RUN_ARTIFACT_URI: v = run->artifact_uri; break;
    case MLL__RUN_DIR: v = run->dir; break;
    }
    mll__unlock(run->lock);
    return v ? v : "";
}

MLL__PUBLIC const char *mll_run_id(const mll_run *run) { return mll__run_string(run, MLL__RUN_ID); }
MLL__PUBLIC const char *mll_run_experiment_id(const mll_run *run) {
    return mll__run_string(run, MLL__RUN_EXPERIMENT_ID);
}
MLL__PUBLIC const char *mll_run_name(const mll_run *run) { return mll__run_string(run, MLL__RUN_NAME); }
MLL__PUBLIC const char *mll_run_artifact_uri(const mll_run *run) {
    return mll__run_string(run, MLL__RUN_ARTIFACT_URI);
}
MLL__PUBLIC const char *mll_run_dir(const mll_run *run) { return mll__run_string(run, MLL__RUN_DIR); }

MLL__PUBLIC mll_result mll_run_last_error(mll_run *handle, mll_error *out) {
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    r = run->last_error.code;
    if (out) *out = run->last_error;
    mll__unlock(run->lock);
    return r;
}

/* ---- metrics ---- */
MLL__PRIVATE mll_result mll__log_metric_locked(mll_run *run, const char *key, double value, int64_t step,
                                               int64_t timestamp_ms) {
    mll_result r;
    if (!key) r = MLL_ERR_INVALID_ARGUMENT;
    else if (timestamp_ms < 0) r = MLL_ERR_INVALID_VALUE;
    else r = mll__metric_append(run, key, value, step, timestamp_ms);
    if (r == MLL_OK) r = mll__maybe_flush(run);
    else mll__metric_fail(run, r, key ? key : "(null)");
    mll__unlock(run->lock);
    return r;
}

MLL__PUBLIC mll_result mll_log_metric_at(mll_run *handle, const char *key, double value,
                                         int64_t step, int64_t timestamp_ms) {
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    return mll__log_metric_locked(run, key, value, step, timestamp_ms);
}

MLL__PUBLIC mll_result mll_log_metric(mll_run *handle, const char *key, double value, int64_t step) {
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    return mll__log_metric_locked(run, key, value, step,
                                  run->store->desc.precise_timestamps ? mll__os_now_ms() : mll__os_now_ms_coarse());
}

/* Validates metric points without logging them. */
MLL__PRIVATE mll_result mll__metrics_check(mll_run *run, const mll_metric *m, size_t n, const char **bad) {
    size_t i;
    if (n && !m) return MLL_ERR_INVALID_ARGUMENT;
    for (i = 0; i < n; i++) {
        mll__metric_slot *sl;
        mll_result r;
        *bad = m[i].key ? m[i].key : "(null)";
        if (!m[i].key) return MLL_ERR_INVALID_ARGUMENT;
        if (m[i].timestamp_ms < 0) return MLL_ERR_INVALID_VALUE;
        r = mll__slot_get(run, m[i].key, &sl); /* validates (and registers) the key */
        if (r != MLL_OK) return r;
    }
    return MLL_OK;
}

/* Room for a whole batch of checked points (their keys known), so that all of it is taken
   or none: the run's budget (after a flush if needed) and each key's buffer. */
MLL__PRIVATE mll_result mll__metrics_reserve(mll_run *run, const mll_metric *m, size_t n) {
    const mll_store_desc *d = &run->store->desc;
    mll_result r = MLL_OK;
    size_t i;
    if (run->pending_total + n * MLL__MAX_LINE > d->max_pending_bytes) {
        mll__run_flush_locked(run);
        if (run->pending_total + n * MLL__MAX_LINE > d->max_pending_bytes) {
            run->refused_points += n;
            return MLL_ERR_BUFFER_FULL;
        }
    }
    for (i = 0; i < n && r == MLL_OK; i++) {
        mll__metric_slot *sl;
        r = mll__slot_get(run, m[i].key, &sl);
        if (r == MLL_OK) {
            sl->batch_room += MLL__MAX_LINE;
            r = mll__buf_reserve(mll__A(run->store), &sl->pending, sl->pending.len + sl->batch_room);
        }
    }
    for (i = 0; i < n; i++) {
        mll__metric_slot *sl;
        if (mll__slot_get(run, m[i].key, &sl) == MLL_OK) sl->batch_room = 0;
    }
    return r;
}

MLL__PRIVATE mll_result mll__metrics_append(mll_run *run, const mll_metric *m, size_t n) {
    int64_t now = !n ? 0 : run->store->desc.precise_timestamps ? mll__os_now_ms() : mll__os_now_ms_coarse();
    size_t i;
    mll_result r = mll__metrics_reserve(run, m, n);
    if (r != MLL_OK) {
        mll__metric_fail(run, r, n ? m[0].key : "");
        return r;
    }
    for (i = 0; i < n; i++) {
        mll_result r = mll__metric_append(run, m[i].key, m[i].value, m[i].step,
                                          m[i].timestamp_ms ? m[i].timestamp_ms : now);
        if (r != MLL_OK) {
            mll__metric_fail(run, r, m[i].key);
            return r;
        }
    }
    return mll__maybe_flush(run);
}

MLL__PUBLIC mll_result mll_log_metrics(mll_run *handle, const mll_metric *metrics, size_t n) {
    const char *bad = "";
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    r = mll__metrics_check(run, metrics, n, &bad);
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "log metrics", bad);
    else r = mll__metrics_append(run, metrics, n);
    mll__unlock(run->lock);
    return r;
}

/* ---- params and tags ---- */
/* Validates a param and compares it with an already logged value: *exists_same = 1 when
   the same value is already there (nothing to write). */
MLL__PRIVATE mll_result mll__param_check(mll_run *run, const char *key, const char *value,
                                         int *exists_same) {
    char base[MLL_MAX_PATH], path[MLL_MAX_PATH];
    mll__buf old = {NULL, 0, 0};
    mll_result r;
    *exists_same = 0;
    if (!key || !value) return MLL_ERR_INVALID_ARGUMENT;
    r = mll__validate_key(key);
    if (r == MLL_OK) r = mll__validate_value(value, MLL__MAX_PARAM_VALUE_CHARS);
    if (r == MLL_OK) r = mll__path(base, run->dir, "params", NULL);
    if (r == MLL_OK) r = mll__path(path, base, key, NULL);
    if (r != MLL_OK) return r;
    if (mll__exists(run->store, path, NULL)) {
        r = mll__read_file(run->store, path, &old);
        if (r == MLL_OK) {
            if (old.len == strlen(value) && memcmp(old.data, value, old.len) == 0) *exists_same = 1;
            else r = MLL_ERR_PARAM_CHANGED;
        }
        mll__buf_free(mll__A(run->store), &old);
    }
    return r;
}

/* Writes a checked param; link() makes creation exclusive, so of two racing writers
   with different values exactly one wins and the other gets PARAM_CHANGED. */
MLL__PRIVATE mll_result mll__param_write(mll_run *run, const char *key, const char *value) {
    int same;
    mll_result r = mll__write_kv(run, "params", key, value, MLL__CREATE_ONLY);
    if (r == MLL_ERR_EXISTS) {
        r = mll__param_check(run, key, value, &same);
        if (r == MLL_OK && !same) r = MLL_ERR_IO; /* not there after all: not written */
    }
    return r;
}

MLL__PUBLIC mll_result mll_log_param(mll_run *handle, const char *key, const char *value) {
    int same;
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    r = mll__param_check(run, key, value, &same);
    if (r == MLL_OK && !same) r = mll__param_write(run, key, value);
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "log param", key);
    mll__unlock(run->lock);
    return r;
}

MLL__PUBLIC mll_result mll_log_param_int(mll_run *run, const char *key, long long value) {
    char buf[24];
    buf[mll__fmt_i64((int64_t)value, buf)] = '\0';
    return mll_log_param(run, key, buf);
}

MLL__PUBLIC mll_result mll_log_param_double(mll_run *run, const char *key, double value) {
    char buf[32];
    mll_format_double(value, buf, sizeof(buf));
    return mll_log_param(run, key, buf);
}

MLL__PUBLIC mll_result mll_log_param_bool(mll_run *run, const char *key, int value) {
    return mll_log_param(run, key, value ? "True" : "False");
}

/* Formats into a heap buffer (values may be up to 8000 characters). */
MLL__PRIVATE char *mll__vformat(const mll_allocator *a, const char *fmt, va_list ap) {
    va_list ap2;
    char small[256], *out;
    int n;
    va_copy(ap2, ap);
    n = mll__vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0) return NULL;
    out = (char *)mll__alloc(a, (size_t)n + 1);
    if (!out) return NULL;
    if ((size_t)n < sizeof(small)) memcpy(out, small, (size_t)n + 1);
    else mll__vsnprintf(out, (size_t)n + 1, fmt, ap);
    return out;
}

/* printf-style value, then setter(handle, key, value): shared by mll_log_paramf/mll_set_tagf. */
MLL__PRIVATE mll_result mll__set_formatted(mll_run *handle, const char *key,
                                           mll_result (*setter)(mll_run *, const char *, const char *),
                                           const char *fmt, va_list ap) {
    mll_allocator a;
    char *v;
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    a = run->store->desc.allocator; /* a copy: the run may end while we format */
    mll__unlock(run->lock);
    if (!fmt) return MLL_ERR_INVALID_ARGUMENT;
    v = mll__vformat(&a, fmt, ap);
    if (!v) return MLL_ERR_NO_MEMORY;
    r = setter(handle, key, v);
    mll__free(&a, v);
    return r;
}

MLL__PUBLIC mll_result mll_log_paramf(mll_run *run, const char *key, const char *fmt, ...) {
    va_list ap;
    mll_result r;
    va_start(ap, fmt);
    r = mll__set_formatted(run, key, mll_log_param, fmt, ap);
    va_end(ap);
    return r;
}

MLL__PRIVATE mll_result mll__tag_check(const char *key, const char *value) {
    mll_result r;
    if (!key || !value) return MLL_ERR_INVALID_ARGUMENT;
    r = mll__validate_key(key);
    if (r == MLL_OK) r = mll__validate_value(value, MLL__MAX_TAG_VALUE_CHARS);
    if (r == MLL_OK && strcmp(key, "mlflow.runName") == 0) r = mll__validate_run_name(value);
    return r;
}

/* Renames the run in memory; the old name is kept until the run ends, since a string
   mll_run_name() returned must stay valid that long. */
MLL__PRIVATE mll_result mll__run_rename(mll_run *run, const char *value) {
    const mll_allocator *a = mll__A(run->store);
    char *name;
    if (run->old_name_count == run->old_name_cap) {
        size_t cap = run->old_name_cap ? run->old_name_cap * 2 : 4;
        char **grown = (char **)mll__alloc(a, cap * sizeof(*grown));
        if (!grown) return MLL_ERR_NO_MEMORY;
        if (run->old_name_count) memcpy(grown, run->old_names, run->old_name_count * sizeof(*grown));
        mll__free(a, run->old_names);
        run->old_names = grown;
        run->old_name_cap = cap;
    }
    name = mll__strdup(a, value);
    if (!name) return MLL_ERR_NO_MEMORY;
    run->old_names[run->old_name_count++] = run->run_name;
    run->run_name = name;
    return MLL_OK;
}

/* Writes a checked tag; mlflow.runName also renames the run in meta.yaml, as MLflow does. */
MLL__PRIVATE mll_result mll__tag_write(mll_run *run, const char *key, const char *value) {
    mll_result r = mll__write_kv(run, "tags", key, value, MLL__REPLACE);
    if (r == MLL_OK && strcmp(key, "mlflow.runName") == 0 && strcmp(value, run->run_name) != 0) {
        mll__buf line = {NULL, 0, 0};
        const char *kv[3];
        r = mll__run_rename(run, value);
        if (r == MLL_OK) r = mll__yaml_line_str(mll__A(run->store), &line, "run_name", value);
        kv[0] = "run_name";
        kv[1] = line.data;
        kv[2] = NULL;
        if (r == MLL_OK) r = mll__run_update_meta(run, kv);
        mll__buf_free(mll__A(run->store), &line);
    }
    return r;
}

MLL__PUBLIC mll_result mll_set_tag(mll_run *handle, const char *key, const char *value) {
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    r = mll__tag_check(key, value);
    if (r == MLL_OK) r = mll__tag_write(run, key, value);
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "set tag", key);
    mll__unlock(run->lock);
    return r;
}

MLL__PUBLIC mll_result mll_set_tagf(mll_run *run, const char *key, const char *fmt, ...) {
    va_list ap;
    mll_result r;
    va_start(ap, fmt);
    r = mll__set_formatted(run, key, mll_set_tag, fmt, ap);
    va_end(ap);
    return r;
}

MLL__PUBLIC mll_result mll_set_run_name(mll_run *run, const char *name) {
    return mll_set_tag(run, "mlflow.runName", name);
}

MLL__PUBLIC mll_result mll_delete_tag(mll_run *handle, const char *key) {
    char base[MLL_MAX_PATH], path[MLL_MAX_PATH];
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    r = key ? mll__validate_key(key) : MLL_ERR_INVALID_ARGUMENT;
    if (r == MLL_OK) r = mll__path(base, run->dir, "tags", NULL);
    if (r == MLL_OK) r = mll__path(path, base, key, NULL);
    if (r == MLL_OK) r = MLL__FS(run->store)->remove(path, MLL__FS(run->store)->user_data);
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "delete tag", key);
    mll__unlock(run->lock);
    return r;
}

MLL__PUBLIC mll_result mll_log_batch(mll_run *handle, const mll_metric *metrics, size_t num_metrics,
                                     const mll_param *params, size_t num_params, const mll_tag *tags,
                                     size_t num_tags) {
    const char *bad = "";
    size_t i, j;
    mll_result r = MLL_OK;
    mll_run *run;
    if ((num_params && !params) || (num_tags && !tags)) return MLL_ERR_INVALID_ARGUMENT;
    run = mll__run_lock(handle, &r);
    if (!run) return r;
    /* validate everything first: all or nothing */
    r = mll__metrics_check(run, metrics, num_metrics, &bad);
    for (i = 0; r == MLL_OK && i < num_params; i++) {
        int same;
        bad = params[i].key ? params[i].key : "(null)";
        r = mll__param_check(run, params[i].key, params[i].value, &same);
        for (j = 0; r == MLL_OK && j < i; j++)
            if (strcmp(params[j].key, params[i].key) == 0 && strcmp(params[j].value, params[i].value) != 0)
                r = MLL_ERR_PARAM_CHANGED;
    }
    for (i = 0; r == MLL_OK && i < num_tags; i++) {
        bad = tags[i].key ? tags[i].key : "(null)";
        r = mll__tag_check(tags[i].key, tags[i].value);
    }
    if (r != MLL_OK) {
        MLL__RUN_FAIL(run, r, "log batch", bad);
        mll__unlock(run->lock);
        return r;
    }
    for (i = 0; r == MLL_OK && i < num_params; i++) {
        int same;
        r = mll__param_check(run, params[i].key, params[i].value, &same);
        if (r == MLL_OK && !same) r = mll__param_write(run, params[i].key, params[i].value);
        if (r != MLL_OK) MLL__RUN_FAIL(run, r, "log param", params[i].key);
    }
    for (i = 0; r == MLL_OK && i < num_tags; i++) {
        r = mll__tag_write(run, tags[i].key, tags[i].value);
        if (r != MLL_OK) MLL__RUN_FAIL(run, r, "set tag", tags[i].key);
    }
    if (r == MLL_OK) r = mll__metrics_append(run, metrics, num_metrics);
    mll__unlock(run->lock);
    return r;
}

/* ---- artifacts ---- */
/* Resolves artifacts/<rel> and creates its folders; tmp_dir gets a folder on the same
   file system where MLflow does not look for artifacts. */
MLL__PRIVATE mll_result mll__artifact_target(mll_run *run, const char *rel, char *target, char *tmp_dir) {
    char parent[MLL_MAX_PATH];
    size_t dl = strlen(run->dir);
    mll_result r = mll__validate_artifact_path(rel);
    if (r == MLL_OK) r = mll__path(target, run->artifact_dir, rel, NULL);
    if (r != MLL_OK) return r;
    memcpy(parent, target, strlen(target) + 1);
    *strrchr(parent, '/') = '\0';
    r = mll__mkdir(run->store, run->artifact_dir);
    if (r == MLL_OK) r = mll__mkdirs_below(run->store, run->artifact_dir, parent);
    /* inside the run folder: keep temporaries in the run folder; elsewhere beside the file */
    if (strncmp(run->artifact_dir, run->dir, dl) == 0 && run->artifact_dir[dl] == '/')
        memcpy(tmp_dir, run->dir, dl + 1);
    else
        memcpy(tmp_dir, parent, strlen(parent) + 1);
    return r;
}

MLL__PUBLIC mll_result mll_log_bytes(mll_run *handle, const void *data, size_t size,
                                     const char *artifact_file) {
    char target[MLL_MAX_PATH], tmp_dir[MLL_MAX_PATH];
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    if ((!data && size) || !artifact_file) {
        mll__unlock(run->lock);
        return MLL_ERR_INVALID_ARGUMENT;
    }
    r = mll__artifact_target(run, artifact_file, target, tmp_dir);
    if (r == MLL_OK) r = mll__write_atomic(run->store, tmp_dir, target, (const char *)data, size, MLL__REPLACE);
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "log artifact", artifact_file);
    mll__unlock(run->lock);
    return r;
}

MLL__PUBLIC mll_result mll_log_text(mll_run *run, const char *text, const char *artifact_file) {
    if (!text) return MLL_ERR_INVALID_ARGUMENT;
    return mll_log_bytes(run, text, strlen(text), artifact_file);
}

MLL__PUBLIC mll_result mll_log_artifact(mll_run *handle, const char *local_path, const char *artifact_dir) {
    char rel[MLL_MAX_PATH], target[MLL_MAX_PATH], tmp_dir[MLL_MAX_PATH], tmp[MLL_MAX_PATH];
    const char *base;
    mll_store *s;
    intptr_t in, out;
    char *chunk;
    uint64_t off = 0;
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    if (!local_path) {
        mll__unlock(run->lock);
        return MLL_ERR_INVALID_ARGUMENT;
    }
    s = run->store;
    base = mll__os_basename(local_path);
    r = *base ? mll__path(rel, artifact_dir, base, NULL) : MLL_ERR_INVALID_ARGUMENT;
    if (r == MLL_OK) r = mll__artifact_target(run, rel, target, tmp_dir);
    if (r != MLL_OK) goto fail;
    r = MLL__FS(s)->open(local_path, MLL_OPEN_READ, &in, MLL__FS(s)->user_data);
    if (r != MLL_OK) goto fail;
    chunk = (char *)mll__alloc(mll__A(s), 1 << 16);
    r = chunk ? mll__tmp_open(s, tmp_dir, tmp, &out) : MLL_ERR_NO_MEMORY;
    if (r == MLL_OK) {
        for (;;) {
            size_t got = 0;
            r = MLL__FS(s)->read(in, off, chunk, 1 << 16, &got, MLL__FS(s)->user_data);
            if (r != MLL_OK || got == 0) break;
            r = mll__write_all(s, out, chunk, got);
            if (r != MLL_OK) break;
            off += got;
        }
        r = mll__tmp_commit(s, out, r, tmp, target, MLL__REPLACE);
    }
    mll__free(mll__A(s), chunk);
    MLL__FS(s)->close(in, MLL__FS(s)->user_data);
fail:
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "log artifact", local_path);
    mll__unlock(run->lock);
    return r;
}

/* ---- system metrics (>>sysmetrics) ---- */
MLL__PUBLIC mll_result mll_start_system_metrics(mll_run *handle, const mll_system_metrics_desc *desc) {
    mll_store *sh, *s;
    mll_result r, er;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    sh = run->store->handle; /* the store may close once the run is unlocked: woken through its handle */
    r = mll__sm_start_locked(run, desc);
    if (r != MLL_OK) MLL__RUN_FAIL(run, r, "start system metrics", desc && desc->node_id ? desc->node_id : "");
    mll__unlock(run->lock);
    if (r == MLL_OK && (s = mll__store_enter(sh, &er)) != NULL) { /* a closing store's flusher needs no wake */
        mll__sm_wake(s);
        mll__store_leave(s);
    }
    return r;
}

MLL__PUBLIC mll_result mll_stop_system_metrics(mll_run *handle) {
    mll_result r;
    mll_run *run = mll__run_lock(handle, &r);
    if (!run) return r;
    mll__sysmetrics_end(run);
    mll__unlock(run->lock);
    return MLL_OK;
}

MLL__PUBLIC mll_result mll_query_system_metrics(mll_run *handle, mll_system_metrics_desc *out) {
    mll_result r;
    mll_run *run;
    if (!out) return MLL_ERR_INVALID_ARGUMENT;
    run = mll__run_lock(handle, &r);
    if (!run) return r;
    if (run->sysm) {
        *out = run->sysm->desc;
    } else {
        memset(out, 0, sizeof(*out));
        out->enabled = MLL_SYSTEM_METRICS_OFF;
    }
    mll__unlock(run->lock);
    return MLL_OK;
}

/* >>registry ------------------------------------------------------------------- */
#ifndef MLL_NO_REGISTRY /* bare metal: the model registry compiled out (see CONFIGURATION MACROS) */
MLL__PRIVATE mll_result mll__validate_model_name(const char *name) {
    size_t n, chars;
    if (!name) return MLL_ERR_INVALID_ARGUMENT;
    n = strlen(name);
    chars = mll__utf8_chars(name, n);
    if (chars == (size_t)-1) return MLL_ERR_INVALID_UTF8;
    if (chars == 0 || mll__blank_name(name) || strchr(name, '/') || strchr(name, ':') ||
        strchr(name, '%') || strchr(name, '\\') || strcmp(name, ".") == 0 || strncmp(name, "..", 2) == 0)
        return MLL_ERR_INVALID_NAME;
    return MLL_OK;
}

/* Aliases: ^[\w\-]+$, <= 255 characters, not "latest" (any case) nor v<digits>. */
MLL__PRIVATE mll_result mll__validate_alias(const char *alias) {
    size_t n, i = 0, chars = 0;
    if (!alias) return MLL_ERR_INVALID_ARGUMENT;
    n = strlen(alias);
    if (n == 0) return MLL_ERR_INVALID_NAME;
    while (i < n) {
        uint32_t cp;
        size_t l = mll__utf8_decode((const unsigned char *)alias + i, n - i, &cp);
        if (!l) return MLL_ERR_INVALID_UTF8;
        if (!mll__is_word_codepoint(cp) && cp != '-') return MLL_ERR_INVALID_NAME;
        i += l;
        chars++;
    }
    if (chars > 255) return MLL_ERR_VALUE_TOO_LONG;
    if (n == 6 && (alias[0] | 32) == 'l' && (alias[1] | 32) == 'a' && (alias[2] | 32) == 't' &&
        (alias[3] | 32) == 'e' && (alias[4] | 32) == 's' && (alias[5] | 32) == 't')
        return MLL_ERR_INVALID_NAME;
    if ((alias[0] == 'v' || alias[0] == 'V') && n > 1 && mll__all_digits(alias + 1)) return MLL_ERR_INVALID_NAME;
    return MLL_OK;
}

MLL__PRIVATE mll_result mll__model_dir(mll_store *s, const char *name, char *dir) {
    char models[MLL_MAX_PATH];
    mll_result r = mll__validate_model_name(name);
    if (r == MLL_OK) r = mll__path(models, s->root, "models", NULL);
    if (r == MLL_OK) r = mll__path(dir, models, name, NULL);
    return r;
}

MLL__PRIVATE mll_result mll__version_dir(mll_store *s, const char *name, int version, char *dir) {
    char model[MLL_MAX_PATH], vname[32];
    mll_result r = mll__model_dir(s, name, model);
    if (r != MLL_OK) return r;
    if (version < 1) return MLL_ERR_INVALID_VALUE;
    mll__snprintf(vname, sizeof(vname), "version-%d", version);
    r = mll__path(dir, model, vname, "meta.yaml");
    if (r == MLL_OK && !mll__exists(s, dir, NULL)) r = MLL_ERR_NOT_FOUND;
    if (r == MLL_OK) *strrchr(dir, '/') = '\0';
    return r;
}

MLL__PRIVATE mll_result mll__model_get_or_create(mll_store *s, const char *name, char *dir) {
    char models[MLL_MAX_PATH], meta[MLL_MAX_PATH];
    mll__buf doc = {NULL, 0, 0};
    const mll_allocator *a = mll__A(s);
    int64_t now = mll__os_now_ms();
    mll_result r = mll__model_dir(s, name, dir);
    if (r == MLL_OK) r = mll__path(meta, dir, "meta.yaml", NULL);
    if (r != MLL_OK) return r;
    if (mll__exists(s, meta, NULL)) return MLL_OK;
    r = mll__path(models, s->root, "models", NULL);
    if (r == MLL_OK) r = mll__mkdir(s, models);
    if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "aliases", "{}");
    if (r == MLL_OK) r = mll__yaml_put_int(a, &doc, "creation_timestamp", now);
    if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "deployment_job_id", "null");
    if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "deployment_job_state", "null");
    if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "description", "null");
    if (r == MLL_OK) r = mll__yaml_put_int(a, &doc, "last_updated_timestamp", now);
    if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "name", name);
    if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "workspace", "default");
    if (r == MLL_OK) {
        r = mll__publish_dir(s, dir, &doc);
        if (r == MLL_ERR_EXISTS && mll__exists(s, meta, NULL)) r = MLL_OK; /* created meanwhile */
    }
    mll__buf_free(a, &doc);
    return r;
}

MLL__PRIVATE mll_result mll__model_touch(mll_store *s, const char *model_dir, int64_t now) {
    mll__buf line = {NULL, 0, 0};
    const char *kv[3];
    mll_result r = mll__yaml_line_int(mll__A(s), &line, "last_updated_timestamp", now);
    kv[0] = "last_updated_timestamp";
    kv[1] = line.data;
    kv[2] = NULL;
    if (r == MLL_OK) r = mll__meta_update(s, model_dir, kv);
    mll__buf_free(mll__A(s), &line);
    return r;
}

typedef struct mll__max_version_ctx {
    int max;
} mll__max_version_ctx;
MLL__PRIVATE int mll__max_version_cb(const char *entry, int is_dir, void *vctx) {
    mll__max_version_ctx *c = (mll__max_version_ctx *)vctx;
    if (is_dir && strncmp(entry, "version-", 8) == 0 && mll__all_digits(entry + 8) && strlen(entry + 8) < 9) {
        int v = atoi(entry + 8);
        if (v > c->max) c->max = v;
    }
    return 0;
}

MLL__PRIVATE mll_result mll__create_registered_model(mll_store *store, const char *model_name) {
    char dir[MLL_MAX_PATH];
    mll_result r;
    if (!store || !model_name) return MLL_ERR_INVALID_ARGUMENT;
    r = mll__model_get_or_create(store, model_name, dir);
    return r == MLL_OK ? r : mll__store_fail(store, r, "create registered model", model_name);
}

MLL__PRIVATE mll_result mll__create_model_version(mll_store *store, const char *model_name,
                                                const mll_model_version_desc *desc, int *version_out) {
    const mll_allocator *a;
    char dir[MLL_MAX_PATH], target[MLL_MAX_PATH];
    mll__max_version_ctx mx;
    mll__buf doc = {NULL, 0, 0};
    int64_t now;
    int version, attempt;
    size_t i;
    mll_result r;
    if (version_out) *version_out = 0;
    if (!store || !model_name || !desc || !desc->source) return MLL_ERR_INVALID_ARGUMENT;
    a = mll__A(store);
    r = mll__validate_model_name(model_name);
    if (r == MLL_OK) r = mll__validate_value(desc->source, 65535);
    if (r == MLL_OK && desc->run_id) r = mll__validate_id(desc->run_id, 256);
    if (r == MLL_OK && desc->run_link) r = mll__validate_value(desc->run_link, 65535);
    if (r == MLL_OK && desc->description) r = mll__validate_value(desc->description, 65535);
    if (r == MLL_OK && desc->num_tags && !desc->tags) r = MLL_ERR_INVALID_ARGUMENT;
    for (i = 0; r == MLL_OK && i < desc->num_tags; i++) {
        r = desc->tags[i].key && desc->tags[i].value ? mll__validate_key(desc->tags[i].key) : MLL_ERR_INVALID_ARGUMENT;
        if (r == MLL_OK) r = mll__validate_value(desc->tags[i].value, (size_t)-2);
    }
    if (r == MLL_OK) r = mll__model_get_or_create(store, model_name, dir);
    if (r != MLL_OK) return mll__store_fail(store, r, "create model version", model_name);
    mx.max = 0;
    r = MLL__FS(store)->list(dir, mll__max_version_cb, &mx, MLL__FS(store)->user_data);
    version = mx.max + 1;
    for (attempt = 0; r == MLL_OK && attempt < 10000; attempt++, version++, r = MLL_OK) {
        char vname[32];
        now = mll__os_now_ms();
        doc.len = 0;
        r = mll__yaml_put_int(a, &doc, "creation_timestamp", now);
        if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "current_stage", "None");
        if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "deployment_job_state", "null");
        if (r == MLL_OK) r = desc->description ? mll__yaml_put_str(a, &doc, "description", desc->description)
                                             : mll__yaml_put_raw(a, &doc, "description", "null");
        if (r == MLL_OK) r = mll__yaml_put_int(a, &doc, "last_updated_timestamp", now);
        if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "model_id", "null");
        if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "name", model_name);
        if (r == MLL_OK) r = desc->run_id ? mll__yaml_put_str(a, &doc, "run_id", desc->run_id)
                                        : mll__yaml_put_raw(a, &doc, "run_id", "null");
        if (r == MLL_OK) r = desc->run_link ? mll__yaml_put_str(a, &doc, "run_link", desc->run_link)
                                          : mll__yaml_put_raw(a, &doc, "run_link", "null");
        if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "source", desc->source);
        if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "status", "READY");
        if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "status_message", "null");
        if (r == MLL_OK) r = mll__yaml_put_str(a, &doc, "storage_location", desc->source);
        if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "user_id", "null");
        if (r == MLL_OK) r = mll__yaml_put_int(a, &doc, "version", version);
        if (r == MLL_OK) r = mll__yaml_put_raw(a, &doc, "workspace", "default");
        mll__snprintf(vname, sizeof(vname), "version-%d", version);
        if (r == MLL_OK) r = mll__path(target, dir, vname, NULL);
        if (r == MLL_OK) r = mll__publish_dir(store, target, &doc);
        if (r != MLL_ERR_EXISTS) break; /* claimed (or a real error); else try the next number */
    }
    if (r == MLL_ERR_EXISTS) r = MLL_ERR_IO; /* 10000 numbers taken under our feet */
    mll__buf_free(a, &doc);
    for (i = 0; r == MLL_OK && i < desc->num_tags; i++) {
        char base[MLL_MAX_PATH], path[MLL_MAX_PATH];
        r = mll__path(base, target, "tags", NULL);
        if (r == MLL_OK) r = mll__path(path, base, desc->tags[i].key, NULL);
        if (r == MLL_OK) {
            r = mll__mkdirs_for(store, target, path);
        }
        if (r == MLL_OK) r = mll__write_atomic(store, target, path, desc->tags[i].value, strlen(desc->tags[i].value), MLL__REPLACE);
    }
    if (r == MLL_OK) r = mll__model_touch(store, dir, mll__os_now_ms());
    if (r != MLL_OK) return mll__store_fail(store, r, "create model version", model_name);
    if (version_out) *version_out = version;
    return MLL_OK;
}

MLL__PUBLIC mll_result mll_register_model(mll_run *run, const char *artifact_path, const char *model_name,
                                          int *version_out) {
    mll_model_version_desc d;
    mll_allocator a;
    mll_store *store;
    char *source = NULL, run_id[sizeof(run->run_id)];
    size_t n;
    mll_result r;
    mll_run *body;
    if (version_out) *version_out = 0;
    body = mll__run_lock(run, &r);
    if (!body) return r;
    /* copied under the run's lock: the run may end once it is released */
    a = body->store->desc.allocator;
    store = body->store->handle;
    memcpy(run_id, body->run_id, sizeof(run_id));
    if (!artifact_path || !model_name) {
        r = MLL_ERR_INVALID_ARGUMENT;
    } else if ((r = mll__validate_artifact_path(artifact_path)) != MLL_OK) {
        MLL__RUN_FAIL(body, r, "register model", artifact_path);
    } else {
        n = strlen(body->artifact_uri) + strlen(artifact_path) + 2;
        source = (char *)mll__alloc(&a, n);
        if (source) mll__snprintf(source, n, "%s/%s", body->artifact_uri, artifact_path);
        else r = MLL_ERR_NO_MEMORY;
    }
    mll__unlock(body->lock);
    if (r != MLL_OK) return r;
    memset(&d, 0, sizeof(d));
    d.source = source;
    d.run_id = run_id;
    r = mll_create_model_version(store, model_name, &d, version_out);
    mll__free(&a, source);
    return r;
}

/* Sets (value != NULL) or deletes a file under <dir>/<folder>/<key>, then bumps the model's
   last_updated_timestamp as MLflow does. */
MLL__PRIVATE mll_result mll__registry_file(mll_store *s, const char *model_dir, const char *dir,
                                           const char *folder, const char *key, const char *value) {
    char base[MLL_MAX_PATH], path[MLL_MAX_PATH];
    mll_result r = mll__path(base, dir, folder, NULL);
    if (r == MLL_OK) r = mll__path(path, base, key, NULL);
    if (r != MLL_OK) return r;
    if (value) {
        r = mll__mkdirs_for(s, dir, path);
        if (r == MLL_OK) r = mll__write_atomic(s, dir, path, value, strlen(value), MLL__REPLACE);
    } else {
        r = MLL__FS(s)->remove(path, MLL__FS(s)->user_data);
    }
    if (r == MLL_OK) r = mll__model_touch(s, model_dir, mll__os_now_ms());
    return r;
}

MLL__PRIVATE mll_result mll__model_existing(mll_store *s, const char *name, char *dir) {
    char meta[MLL_MAX_PATH];
    mll_result r = mll__model_dir(s, name, dir);
    if (r == MLL_OK) r = mll__path(meta, dir, "meta.yaml", NULL);
    if (r == MLL_OK && !mll__exists(s, meta, NULL)) r = MLL_ERR_NOT_FOUND;
    return r;
}

MLL__PRIVATE mll_result mll__model_tag(mll_store *store, const char *name, int version, const char *key,
                                       const char *value, const char *op) {
    char mdir[MLL_MAX_PATH], vdir[MLL_MAX_PATH];
    mll_result r;
    if (!store || !name || !key) return MLL_ERR_INVALID_ARGUMENT;
    r = mll__validate_key(key);
    if (r == MLL_OK && value) r = mll__validate_value(value, version ? (size_t)-2 : 100000);
    if (r == MLL_OK) r = mll__model_existing(store, name, mdir);
    if (r == MLL_OK && version) r = mll__version_dir(store, name, version, vdir);
    if (r == MLL_OK) r = mll__registry_file(store, mdir, version ? vdir : mdir, "tags", key, value);
    return r == MLL_OK ? r : mll__store_fail(store, r, op, key);
}

MLL__PRIVATE mll_result mll__set_registered_model_tag(mll_store *store, const char *model_name, const char *key,
                                                    const char *value) {
    if (!value) return MLL_ERR_INVALID_ARGUMENT;
    return mll__model_tag(store, model_name, 0, key, value, "set registered model tag");
}
MLL__PRIVATE mll_result mll__delete_registered_model_tag(mll_store *store, const char *model_name, const char *key) {
    return mll__model_tag(store, model_name, 0, key, NULL, "delete registered model tag");
}
MLL__PRIVATE mll_result mll__set_model_version_tag(mll_store *store, const char *model_name, int version,
                                                 const char *key, const char *value) {
    if (!value || version < 1) return MLL_ERR_INVALID_ARGUMENT;
    return mll__model_tag(store, model_name, version, key, value, "set model version tag");
}
MLL__PRIVATE mll_result mll__delete_model_version_tag(mll_store *store, const char *model_name, int version,
                                                    const char *key) {
    if (version < 1) return MLL_ERR_INVALID_ARGUMENT;
    return mll__model_tag(store, model_name, version, key, NULL, "delete model version tag");
}

MLL__PRIVATE mll_result mll__set_model_alias(mll_store *store, const char *model_name, const char *alias,
                                           int version) {
    char mdir[MLL_MAX_PATH], vdir[MLL_MAX_PATH], num[16];
    mll_result r;
    if (!store || !model_name || !alias) return MLL_ERR_INVALID_ARGUMENT;
    r = mll__validate_alias(alias);
    if (r == MLL_OK) r = mll__model_existing(store, model_name, mdir);
    if (r == MLL_OK) r = mll__version_dir(store, model_name, version, vdir);
    num[mll__fmt_i64(version, num)] = '\0';
    if (r == MLL_OK) r = mll__registry_file(store, mdir, mdir, "aliases", alias, num);
    return r == MLL_OK ? r : mll__store_fail(store, r, "set model alias", alias);
}

MLL__PRIVATE mll_result mll__delete_model_alias(mll_store *store, const char *model_name, const char *alias) {
    char mdir[MLL_MAX_PATH];
    mll_result r;
    if (!store || !model_name || !alias) return MLL_ERR_INVALID_ARGUMENT;
    r = mll__validate_alias(alias);
    if (r == MLL_OK) r = mll__model_existing(store, model_name, mdir);
    if (r == MLL_OK) r = mll__registry_file(store, mdir, mdir, "aliases", alias, NULL);
    return r == MLL_OK ? r : mll__store_fail(store, r, "delete model alias", alias);
}

MLL__PRIVATE mll_result mll__set_description(mll_store *s, const char *name, int version, const char *description) {
    char mdir[MLL_MAX_PATH], vdir[MLL_MAX_PATH];
    mll__buf l1 = {NULL, 0, 0}, l2 = {NULL, 0, 0};
    const char *kv[5];
    int64_t now = mll__os_now_ms();
    mll_result r = description ? mll__validate_value(description, 65535) : MLL_OK;
    if (r == MLL_OK) r = mll__model_existing(s, name, mdir);
    if (r == MLL_OK && version) r = mll__version_dir(s, name, version, vdir);
    if (r == MLL_OK) r = mll__yaml_line_str(mll__A(s), &l1, "description", description);
    if (r == MLL_OK) r = mll__yaml_line_int(mll__A(s), &l2, "last_updated_timestamp", now);
    kv[0] = "description";
    kv[1] = l1.data;
    kv[2] = "last_updated_timestamp";
    kv[3] = l2.data;
    kv[4] = NULL;
    if (r == MLL_OK) r = mll__meta_update(s, version ? vdir : mdir, kv);
    if (r == MLL_OK && version) r = mll__model_touch(s, mdir, now);
    mll__buf_free(mll__A(s), &l1);
    mll__buf_free(mll__A(s), &l2);
    return r == MLL_OK ? r : mll__store_fail(s, r, "set description", name);
}

MLL__PRIVATE mll_result mll__set_registered_model_description(mll_store *store, const char *model_name,
                                                            const char *description) {
    if (!store || !model_name) return MLL_ERR_INVALID_ARGUMENT;
    return mll__set_description(store, model_name, 0, description);
}
MLL__PRIVATE mll_result mll__set_model_version_description(mll_store *store, const char *model_name, int version,
                                                         const char *description) {
    if (!store || !model_name || version < 1) return MLL_ERR_INVALID_ARGUMENT;
    return mll__set_description(store, model_name, version, description);
}

typedef struct mll__archive_ctx {
    mll_store *s;
    const char *model_dir;
    const char *stage_line; /* the stage to archive */
    int keep_version;
    const char *kv[5];
    mll_result r;
} mll__archive_ctx;

MLL__PRIVATE int mll__archive_cb(const char *entry, int is_dir, void *vctx) {
    mll__archive_ctx *c = (mll__archive_ctx *)vctx;
    char vdir[MLL_MAX_PATH], meta[MLL_MAX_PATH];
    mll__buf doc = {NULL, 0, 0}, v = {NULL, 0, 0};
    int is_null = 0;
    if (!is_dir || strncmp(entry, "version-", 8) != 0 || !mll__all_digits(entry + 8) || atoi(entry + 8) == c->keep_version)
        return 0;
    if (mll__path(vdir, c->model_dir, entry, NULL) != MLL_OK || mll__path(meta, vdir, "meta.yaml", NULL) != MLL_OK)
        return 0;
    if (mll__read_file(c->s, meta, &doc) == MLL_OK &&
        mll__yaml_get(mll__A(c->s), doc.data, "current_stage", &v, &is_null) == MLL_OK && !is_null &&
        strcmp(v.data, c->stage_line) == 0) {
        mll_result r = mll__meta_update(c->s, vdir, c->kv);
        if (r != MLL_OK) c->r = r;
    }
    mll__buf_free(mll__A(c->s), &doc);
    mll__buf_free(mll__A(c->s), &v);
    return 0;
}

MLL__PRIVATE mll_result mll__transition_model_version_stage(mll_store *store, const char *model_name, int version,
                                                          mll_model_stage stage, int archive_existing) {
    static const char *const names[] = {"None", "Staging", "Production", "Archived"};
    char mdir[MLL_MAX_PATH], vdir[MLL_MAX_PATH];
    mll__buf l1 = {NULL, 0, 0}, l2 = {NULL, 0, 0}, l3 = {NULL, 0, 0};
    const char *kv[5];
    int64_t now = mll__os_now_ms();
    mll_result r;
    if (!store || !model_name) return MLL_ERR_INVALID_ARGUMENT;
    if ((unsigned)stage > 3u) return mll__store_fail(store, MLL_ERR_INVALID_VALUE, "transition stage", model_name);
    if (archive_existing && stage != MLL_STAGE_STAGING && stage != MLL_STAGE_PRODUCTION)
        return mll__store_fail(store, MLL_ERR_INVALID_VALUE, "transition stage", model_name);
    r = mll__model_existing(store, model_name, mdir);
    if (r == MLL_OK) r = mll__version_dir(store, model_name, version, vdir);
    if (r == MLL_OK) {
        l1.len = 0;
        r = mll__yaml_put_raw(mll__A(store), &l1, "current_stage", names[stage]);
    }
    if (r == MLL_OK) r = mll__yaml_line_int(mll__A(store), &l2, "last_updated_timestamp", now);
    kv[0] = "current_stage";
    kv[1] = l1.data;
    kv[2] = "last_updated_timestamp";
    kv[3] = l2.data;
    kv[4] = NULL;
    if (r == MLL_OK && archive_existing) {
        mll__archive_ctx c;
        memset(&c, 0, sizeof(c));
        c.s = store;
        c.model_dir = mdir;
        c.stage_line = names[stage];
        c.keep_version = version;
        r = mll__yaml_put_raw(mll__A(store), &l3, "current_stage", "Archived");
        c.kv[0] = "current_stage";
        c.kv[1] = l3.data;
        c.kv[2] = "last_updated_timestamp";
        c.kv[3] = l2.data;
        c.kv[4] = NULL;
        if (r == MLL_OK) r = MLL__FS(store)->list(mdir, mll__archive_cb, &c, MLL__FS(store)->user_data);
        if (r == MLL_OK) r = c.r;
    }
    if (r == MLL_OK) r = mll__meta_update(store, vdir, kv);
    if (r == MLL_OK) r = mll__model_touch(store, mdir, now);
    mll__buf_free(mll__A(store), &l1);
    mll__buf_free(mll__A(store), &l2);
    mll__buf_free(mll__A(store), &l3);
    return r == MLL_OK ? r : mll__store_fail(store, r, "transition stage", model_name);
}

/* The public registry calls: each enters the store behind its handle (MLL_ERR_STORE_CLOSED
   once it is closed, MLL_ERR_INVALID_ARGUMENT for NULL) and runs the call above. */
MLL__PUBLIC mll_result mll_create_registered_model(mll_store *store, const char *model_name) {
    MLL__STORE_CALL(store, mll__create_registered_model(s, model_name));
}
MLL__PUBLIC mll_result mll_create_model_version(mll_store *store, const char *model_name,
                                                const mll_model_version_desc *desc, int *version_out) {
    if (version_out) *version_out = 0;
    MLL__STORE_CALL(store, mll__create_model_version(s, model_name, desc, version_out));
}
MLL__PUBLIC mll_result mll_set_registered_model_tag(mll_store *store, const char *model_name, const char *key,
                                                    const char *value) {
    MLL__STORE_CALL(store, mll__set_registered_model_tag(s, model_name, key, value));
}
MLL__PUBLIC mll_result mll_delete_registered_model_tag(mll_store *store, const char *model_name, const char *key) {
    MLL__STORE_CALL(store, mll__delete_registered_model_tag(s, model_name, key));
}
MLL__PUBLIC mll_result mll_set_model_version_tag(mll_store *store, const char *model_name, int version,
                                                 const char *key, const char *value) {
    MLL__STORE_CALL(store, mll__set_model_version_tag(s, model_name, version, key, value));
}
MLL__PUBLIC mll_result mll_delete_model_version_tag(mll_store *store, const char *model_name, int version,
                                                    const char *key) {
    MLL__STORE_CALL(store, mll__delete_model_version_tag(s, model_name, version, key));
}
MLL__PUBLIC mll_result mll_set_model_alias(mll_store *store, const char *model_name, const char *alias,
                                           int version) {
    MLL__STORE_CALL(store, mll__set_model_alias(s, model_name, alias, version));
}
MLL__PUBLIC mll_result mll_delete_model_alias(mll_store *store, const char *model_name, const char *alias) {
    MLL__STORE_CALL(store, mll__delete_model_alias(s, model_name, alias));
}
MLL__PUBLIC mll_result mll_set_registered_model_description(mll_store *store, const char *model_name,
                                                            const char *description) {
    MLL__STORE_CALL(store, mll__set_registered_model_description(s, model_name, description));
}
MLL__PUBLIC mll_result mll_set_model_version_description(mll_store *store, const char *model_name, int version,
                                                         const char *description) {
    MLL__STORE_CALL(store, mll__set_model_version_description(s, model_name, version, description));
}
MLL__PUBLIC mll_result mll_transition_model_version_stage(mll_store *store, const char *model_name, int version,
                                                          mll_model_stage stage, int archive_existing) {
    MLL__STORE_CALL(store, mll__transition_model_version_stage(s, model_name, version, stage, archive_existing));
}

#endif /* MLL_NO_REGISTRY */

/* clean up */
#undef MLL__STORE_CALL
#undef MLL__HANDLE_TAG
#undef MLL__GEN_MASK
#undef MLL__FS
#undef MLL__RUN_FAIL
#undef MLL__STORE_FAIL
#undef MLL__IOERR

#endif /* MLFLOW_LITE_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
This software is available under 2 licenses -- choose whichever you prefer.
------------------------------------------------------------------------------
ALTERNATIVE A - MIT License
Copyright (c) 2026 the mlflow-lite authors
Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:
The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
ALTERNATIVE B - Public Domain (www.unlicense.org)
This is free and unencumbered software released into the public domain.
Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.
------------------------------------------------------------------------------
*/
