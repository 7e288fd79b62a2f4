! mlflow_lite.f90 - v0.2.0 (TBD) - log MLflow runs into mlruns/ from Fortran, no server, no Python.
! Public domain / MIT dual license, like mlflow_lite.h (see the end of that file).
!
! Fortran 2008 + ISO_C_BINDING (gfortran >= 10). The C half is mlflow_lite_fortran.c, which
! carries the implementation of mlflow_lite.h; compile both (CMake: link the target
! mlflow_lite::fortran, which does it for you):
!
!     cc -c mlflow_lite_fortran.c            # mlflow_lite.h on the include path
!     gfortran -c mlflow_lite.f90
!     gfortran train.f90 mlflow_lite.o mlflow_lite_fortran.o -lpthread
!
! QUICK START
!     use mlflow_lite
!     type(mll_store) :: store
!     type(mll_run)   :: run
!     rc = mll_open(store)                        ! ./mlruns or $MLFLOW_TRACKING_URI
!     rc = mll_start_run(run, store, experiment_name="climate", run_name="fortran")
!     rc = mll_log_param(run, "dt", 0.5d0)        ! real(4/8), integer(4/8), logical, character
!     rc = mll_log_metric(run, "loss", loss, step) ! real(4/8); step integer(4/8), optional
!     rc = mll_end_run(run, MLL_RUN_FINISHED)
!     rc = mll_close(store)
!
! CONVENTIONS (as netCDF-Fortran)
! - Every call is an integer function returning MLL_OK (0) or an MLL_ERR_* code (the
!   numbers of mlflow_lite.h); mll_strerror(rc) says what it means and
!   mll_last_error(run or store) gives the full message of the last failure.
! - Character arguments are taken up to their last non-blank character and before any
!   NUL, so blank-padded variables and "name"//c_null_char both work. An absent optional
!   argument, like a blank one, means "the default".
! - mll_start_run's optional arguments are the desc fields a Fortran code needs:
!   experiment_name or experiment_id, run_name, run_id (reopen that run after a job
!   restart and keep appending), parent_run_id (a nested run), description,
!   artifact_location. mll_log_metric takes an optional step (integer(4) or (8), default 0)
!   and, after it, an optional timestamp (integer(8), ms since the epoch; default now).
! - Params: real(8) as Python's str(float) ("0.01"), real(4) as the shortest decimal that
!   reads back as the same real(4) ("0.01", what Python writes for numpy.float32),
!   integers in decimal, logical as "True"/"False", character as given.
! - type(mll_store) and type(mll_run) hold a C pointer: a copy of one is the same handle.
!   Once mll_end_run / mll_close returned, every copy is stale: do not use them again.
! - Thread-safe like the C library: one run may be logged to from several OpenMP threads.
module mlflow_lite
  use, intrinsic :: iso_c_binding, only: c_ptr, c_null_ptr, c_char, c_int, c_size_t, &
                                         c_double, c_int64_t, c_associated, c_f_pointer, c_null_char
  implicit none
  private

  type, public :: mll_store
    private
    type(c_ptr) :: ptr = c_null_ptr
  end type mll_store

  type, public :: mll_run
    private
    type(c_ptr) :: ptr = c_null_ptr
  end type mll_run

  ! >>results: the numbers of mlflow_lite.h's MLL__RESULTS (tests/fortran/check_codes.py
  ! compares them; `check_codes.py --write` rewrites this block)
  integer, parameter, public :: MLL_OK = 0
  integer, parameter, public :: MLL_ERR_INVALID_ARGUMENT = 1
  integer, parameter, public :: MLL_ERR_INVALID_KEY = 2
  integer, parameter, public :: MLL_ERR_VALUE_TOO_LONG = 3
  integer, parameter, public :: MLL_ERR_INVALID_NAME = 4
  integer, parameter, public :: MLL_ERR_INVALID_UTF8 = 5
  integer, parameter, public :: MLL_ERR_PARAM_CHANGED = 6
  integer, parameter, public :: MLL_ERR_NOT_FOUND = 7
  integer, parameter, public :: MLL_ERR_EXPERIMENT_DELETED = 8
  integer, parameter, public :: MLL_ERR_NO_MEMORY = 9
  integer, parameter, public :: MLL_ERR_IO = 10
  integer, parameter, public :: MLL_ERR_NO_SPACE = 11
  integer, parameter, public :: MLL_ERR_PERMISSION = 12
  integer, parameter, public :: MLL_ERR_BUFFER_FULL = 13
  integer, parameter, public :: MLL_ERR_CORRUPT = 14
  integer, parameter, public :: MLL_ERR_INVALID_VALUE = 15
  integer, parameter, public :: MLL_ERR_INVALID_STATE = 16
  integer, parameter, public :: MLL_ERR_EXISTS = 17
  integer, parameter, public :: MLL_ERR_PATH_TOO_LONG = 18
  integer, parameter, public :: MLL_ERR_UNSUPPORTED = 19
  integer, parameter, public :: MLL_ERR_RUN_ENDED = 20
  integer, parameter, public :: MLL_ERR_STORE_CLOSED = 21
  integer, parameter, public :: MLL_ERR_TOO_MANY_HANDLES = 22
  integer, parameter, public :: MLL_ERR_POINTS_DROPPED = 23
  integer, parameter, public :: MLL_ERR_INVALID_URI = 24
  integer, parameter, public :: MLL_ERR_NOT_A_DIRECTORY = 25
  integer, parameter, public :: MLL_ERR_SYSTEM_METRICS_UNSUPPORTED = 35
  integer, parameter, public :: MLL_ERR_SYSTEM_METRICS_ACTIVE = 36
  integer, parameter, public :: MLL_ERR_SYSTEM_METRICS_ENV = 37
  integer, parameter, public :: MLL_ERR_GPU_UNAVAILABLE = 38
  integer, parameter, public :: MLL_ERR_SYSTEM_METRICS_READ = 39
  ! <<results

  ! run status for mll_end_run (MLflow's RunStatus numbers)
  integer, parameter, public :: MLL_RUN_FINISHED = 3
  integer, parameter, public :: MLL_RUN_FAILED = 4
  integer, parameter, public :: MLL_RUN_KILLED = 5

  public :: mll_open, mll_close, mll_set_experiment_tag
  public :: mll_start_run, mll_end_run, mll_flush
  public :: mll_run_id, mll_run_experiment_id, mll_run_name, mll_run_artifact_uri, mll_run_dir
  public :: mll_log_metric, mll_log_metrics, mll_log_param, mll_set_tag, mll_delete_tag
  public :: mll_set_run_name, mll_log_artifact, mll_log_text
  public :: mll_strerror, mll_last_error, mll_version

  interface mll_log_metric
    module procedure log_metric_r8, log_metric_r4, log_metric_r8_i4, log_metric_r8_i8, &
                     log_metric_r4_i4, log_metric_r4_i8
  end interface mll_log_metric

  interface mll_log_metrics
    module procedure log_metrics_r8, log_metrics_r4, log_metrics_r8_i4, log_metrics_r8_i8, &
                     log_metrics_r4_i4, log_metrics_r4_i8
  end interface mll_log_metrics

  interface mll_log_param
    module procedure log_param_r8, log_param_r4, log_param_i4, log_param_i8, log_param_l, &
                     log_param_c
  end interface mll_log_param

  interface mll_last_error
    module procedure last_error_run, last_error_store
  end interface mll_last_error

  ! the C half (mlflow_lite_fortran.c); strings go as (characters, length)
  interface
    integer(c_int) function c_open(store, root, root_n, flush_ms, ignore_env) bind(C, name="mll__f_open")
      import :: c_ptr, c_char, c_size_t, c_int
      type(c_ptr), intent(out) :: store
      character(kind=c_char), intent(in) :: root(*)
      integer(c_size_t), value :: root_n
      integer(c_int), value :: flush_ms, ignore_env
    end function c_open
    integer(c_int) function c_close(store) bind(C, name="mll__f_close")
      import :: c_ptr, c_int
      type(c_ptr), value :: store
    end function c_close
    integer(c_int) function c_set_experiment_tag(store, id, id_n, key, key_n, val, val_n) &
        bind(C, name="mll__f_set_experiment_tag")
      import :: c_ptr, c_char, c_size_t, c_int
      type(c_ptr), value :: store
      character(kind=c_char), intent(in) :: id(*), key(*), val(*)
      integer(c_size_t), value :: id_n, key_n, val_n
    end function c_set_experiment_tag
    integer(c_int) function c_start_run(run, store, fields, lengths) bind(C, name="mll__f_start_run")
      import :: c_ptr, c_char, c_size_t, c_int
      type(c_ptr), intent(out) :: run
      type(c_ptr), value :: store
      character(kind=c_char), intent(in) :: fields(*)
      integer(c_size_t), intent(in) :: lengths(7)
    end function c_start_run
    integer(c_int) function c_end_run(run, status) bind(C, name="mll__f_end_run")
      import :: c_ptr, c_int
      type(c_ptr), value :: run
      integer(c_int), value :: status
    end function c_end_run
    integer(c_int) function c_flush(run) bind(C, name="mll__f_flush")
      import :: c_ptr, c_int
      type(c_ptr), value :: run
    end function c_flush
    type(c_ptr) function c_run_string(run, which) bind(C, name="mll__f_run_string")
      import :: c_ptr, c_int
      type(c_ptr), value :: run
      integer(c_int), value :: which
    end function c_run_string
    integer(c_int) function c_log_metric(run, key, key_n, val, step, timestamp) &
        bind(C, name="mll__f_log_metric")
      import :: c_ptr, c_char, c_size_t, c_int, c_double, c_int64_t
      type(c_ptr), value :: run
      character(kind=c_char), intent(in) :: key(*)
      integer(c_size_t), value :: key_n
      real(c_double), value :: val
      integer(c_int64_t), value :: step
      integer(c_int64_t), intent(in), optional :: timestamp
    end function c_log_metric
    integer(c_int) function c_log_metrics(run, keys, key_len, vals, n, step, timestamp) &
        bind(C, name="mll__f_log_metrics")
      import :: c_ptr, c_char, c_size_t, c_int, c_double, c_int64_t
      type(c_ptr), value :: run
      character(kind=c_char), intent(in) :: keys(*)
      integer(c_size_t), value :: key_len, n
      real(c_double), intent(in) :: vals(*)
      integer(c_int64_t), value :: step
      integer(c_int64_t), intent(in), optional :: timestamp
    end function c_log_metrics
    integer(c_int) function c_log_param_number(run, key, key_n, kind, val, ival) &
        bind(C, name="mll__f_log_param_number")
      import :: c_ptr, c_char, c_size_t, c_int, c_double, c_int64_t
      type(c_ptr), value :: run
      character(kind=c_char), intent(in) :: key(*)
      integer(c_size_t), value :: key_n
      integer(c_int), value :: kind
      real(c_double), value :: val
      integer(c_int64_t), value :: ival
    end function c_log_param_number
    integer(c_int) function c_run_strings(run, what, a, a_n, b, b_n) bind(C, name="mll__f_run_strings")
      import :: c_ptr, c_char, c_size_t, c_int
      type(c_ptr), value :: run
      integer(c_int), value :: what
      character(kind=c_char), intent(in) :: a(*), b(*)
      integer(c_size_t), value :: a_n, b_n
    end function c_run_strings
    type(c_ptr) function c_strerror(code) bind(C, name="mll__f_strerror")
      import :: c_ptr, c_int
      integer(c_int), value :: code
    end function c_strerror
    type(c_ptr) function c_version() bind(C, name="mll__f_version")
      import :: c_ptr
    end function c_version
    integer(c_int) function c_last_error(handle, is_run, buf, cap, sys_errno) bind(C, name="mll__f_last_error")
      import :: c_ptr, c_char, c_size_t, c_int
      type(c_ptr), value :: handle
      integer(c_int), value :: is_run
      character(kind=c_char), intent(out) :: buf(*)
      integer(c_size_t), value :: cap
      integer(c_int), intent(out) :: sys_errno
    end function c_last_error
    integer(c_size_t) function c_strlen(s) bind(C, name="strlen")
      import :: c_ptr, c_size_t
      type(c_ptr), value :: s
    end function c_strlen
  end interface

  integer(c_int), parameter :: KIND_R8 = 0, KIND_R4 = 1, KIND_INT = 2, KIND_LOGICAL = 3
  ! what c_run_strings does (mll__f_run_strings)
  integer(c_int), parameter :: DO_PARAM = 0, DO_TAG = 1, DO_DELETE_TAG = 2, DO_RENAME = 3, &
                               DO_ARTIFACT = 4, DO_TEXT = 5

contains

  ! ---- helpers ----

  ! the length of a character argument, for the C half (which trims it)
  pure integer(c_size_t) function clen(s)
    character(len=*), intent(in) :: s
    clen = int(len(s), c_size_t)
  end function clen

  ! an optional character argument, "" when absent
  pure function opt(s) result(r)
    character(len=*), intent(in), optional :: s
    character(len=:), allocatable :: r
    if (present(s)) then
      r = s
    else
      r = ""
    end if
  end function opt

  ! a NUL-terminated C string as a Fortran string ("" for NULL)
  function from_c(p) result(s)
    type(c_ptr), intent(in) :: p
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer :: i, length
    if (.not. c_associated(p)) then
      s = ""
      return
    end if
    length = int(c_strlen(p))
    call c_f_pointer(p, chars, [length])
    allocate(character(len=length) :: s)
    do i = 1, length
      s(i:i) = chars(i)
    end do
  end function from_c

  ! ---- store ----

  ! Opens (creating if needed) an MLflow root: root, else $MLFLOW_TRACKING_URI, else ./mlruns.
  ! flush_interval_ms (default 1000): points reach the files at most this late.
  ! ignore_env: .true. to read no MLFLOW_* environment variable.
  integer function mll_open(store, root, flush_interval_ms, ignore_env) result(rc)
    type(mll_store), intent(out) :: store
    character(len=*), intent(in), optional :: root
    integer, intent(in), optional :: flush_interval_ms
    logical, intent(in), optional :: ignore_env
    integer(c_int) :: ms, ign
    character(len=:), allocatable :: r
    ms = 0
    ign = 0
    if (present(flush_interval_ms)) ms = int(flush_interval_ms, c_int)
    if (present(ignore_env)) then
      if (ignore_env) ign = 1
    end if
    r = opt(root)
    rc = int(c_open(store%ptr, r, clen(r), ms, ign))
  end function mll_open

  ! Ends runs still open (FINISHED), flushes and frees the store.
  integer function mll_close(store) result(rc)
    type(mll_store), intent(inout) :: store
    rc = int(c_close(store%ptr))
    store%ptr = c_null_ptr
  end function mll_close

  integer function mll_set_experiment_tag(store, experiment_id, key, value) result(rc)
    type(mll_store), intent(in) :: store
    character(len=*), intent(in) :: experiment_id, key, value
    rc = int(c_set_experiment_tag(store%ptr, experiment_id, clen(experiment_id), key, clen(key), value, clen(value)))
  end function mll_set_experiment_tag

  ! ---- runs ----

  ! Starts a run (or reopens run_id). Every argument after store is optional.
  integer function mll_start_run(run, store, experiment_name, experiment_id, run_name, run_id, &
                                 parent_run_id, description, artifact_location) result(rc)
    type(mll_run), intent(out) :: run
    type(mll_store), intent(in) :: store
    character(len=*), intent(in), optional :: experiment_name, experiment_id, run_name, run_id
    character(len=*), intent(in), optional :: parent_run_id, description, artifact_location
    character(len=:), allocatable :: fields
    integer(c_size_t) :: lengths(7)
    lengths = [clen(opt(experiment_name)), clen(opt(experiment_id)), clen(opt(run_name)), clen(opt(run_id)), &
               clen(opt(parent_run_id)), clen(opt(description)), clen(opt(artifact_location))]
    fields = opt(experiment_name) // opt(experiment_id) // opt(run_name) // opt(run_id) // &
             opt(parent_run_id) // opt(description) // opt(artifact_location) // c_null_char
    rc = int(c_start_run(run%ptr, store%ptr, fields, lengths))
  end function mll_start_run

  ! Flushes, records the status (default MLL_RUN_FINISHED) and end time, frees the run.
  integer function mll_end_run(run, status) result(rc)
    type(mll_run), intent(inout) :: run
    integer, intent(in), optional :: status
    integer(c_int) :: s
    s = MLL_RUN_FINISHED
    if (present(status)) s = int(status, c_int)
    rc = int(c_end_run(run%ptr, s))
    run%ptr = c_null_ptr
  end function mll_end_run

  ! Writes buffered points now.
  integer function mll_flush(run) result(rc)
    type(mll_run), intent(in) :: run
    rc = int(c_flush(run%ptr))
  end function mll_flush

  function mll_run_id(run) result(s)
    type(mll_run), intent(in) :: run
    character(len=:), allocatable :: s
    s = from_c(c_run_string(run%ptr, 0_c_int))
  end function mll_run_id

  function mll_run_experiment_id(run) result(s)
    type(mll_run), intent(in) :: run
    character(len=:), allocatable :: s
    s = from_c(c_run_string(run%ptr, 1_c_int))
  end function mll_run_experiment_id

  function mll_run_name(run) result(s)
    type(mll_run), intent(in) :: run
    character(len=:), allocatable :: s
    s = from_c(c_run_string(run%ptr, 2_c_int))
  end function mll_run_name

  function mll_run_artifact_uri(run) result(s)
    type(mll_run), intent(in) :: run
    character(len=:), allocatable :: s
    s = from_c(c_run_string(run%ptr, 3_c_int))
  end function mll_run_artifact_uri

  ! the run's folder (<root>/<experiment id>/<run id>)
  function mll_run_dir(run) result(s)
    type(mll_run), intent(in) :: run
    character(len=:), allocatable :: s
    s = from_c(c_run_string(run%ptr, 4_c_int))
  end function mll_run_dir

  ! ---- metrics: mll_log_metric(run, key, value [, step [, timestamp]]) ----

  integer function log_metric_r8(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    real(8), intent(in) :: value
    rc = int(c_log_metric(run%ptr, key, clen(key), real(value, c_double), 0_c_int64_t))
  end function log_metric_r8

  integer function log_metric_r4(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    real(4), intent(in) :: value
    rc = int(c_log_metric(run%ptr, key, clen(key), real(value, c_double), 0_c_int64_t))
  end function log_metric_r4

  integer function log_metric_r8_i4(run, key, value, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    real(8), intent(in) :: value
    integer(4), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    rc = int(c_log_metric(run%ptr, key, clen(key), real(value, c_double), int(step, c_int64_t), timestamp))
  end function log_metric_r8_i4

  integer function log_metric_r8_i8(run, key, value, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    real(8), intent(in) :: value
    integer(8), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    rc = int(c_log_metric(run%ptr, key, clen(key), real(value, c_double), int(step, c_int64_t), timestamp))
  end function log_metric_r8_i8

  integer function log_metric_r4_i4(run, key, value, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    real(4), intent(in) :: value
    integer(4), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    rc = int(c_log_metric(run%ptr, key, clen(key), real(value, c_double), int(step, c_int64_t), timestamp))
  end function log_metric_r4_i4

  integer function log_metric_r4_i8(run, key, value, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    real(4), intent(in) :: value
    integer(8), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    rc = int(c_log_metric(run%ptr, key, clen(key), real(value, c_double), int(step, c_int64_t), timestamp))
  end function log_metric_r4_i8

  ! ---- many keys at one step: mll_log_metrics(run, keys(:), values(:) [, step [, timestamp]]) ----
  ! keys and values must be the same size; on an invalid key nothing is logged.

  integer function log_metrics_c(run, keys, values, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: keys(:)
    real(c_double), intent(in) :: values(:)
    integer(c_int64_t), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    if (size(keys) /= size(values)) then
      rc = MLL_ERR_INVALID_ARGUMENT
      return
    end if
    rc = int(c_log_metrics(run%ptr, flat(keys), int(len(keys), c_size_t), values, &
                           int(size(keys), c_size_t), step, timestamp))
  end function log_metrics_c

  ! a character array as one contiguous string, element after element
  pure function flat(keys) result(s)
    character(len=*), intent(in) :: keys(:)
    character(len=len(keys) * size(keys) + 1) :: s
    integer :: i
    s = ""
    do i = 1, size(keys)
      s((i - 1) * len(keys) + 1:i * len(keys)) = keys(i)
    end do
  end function flat

  integer function log_metrics_r8(run, keys, values) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: keys(:)
    real(8), intent(in) :: values(:)
    rc = log_metrics_c(run, keys, real(values, c_double), 0_c_int64_t)
  end function log_metrics_r8

  integer function log_metrics_r4(run, keys, values) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: keys(:)
    real(4), intent(in) :: values(:)
    rc = log_metrics_c(run, keys, real(values, c_double), 0_c_int64_t)
  end function log_metrics_r4

  integer function log_metrics_r8_i4(run, keys, values, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: keys(:)
    real(8), intent(in) :: values(:)
    integer(4), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    rc = log_metrics_c(run, keys, real(values, c_double), int(step, c_int64_t), timestamp)
  end function log_metrics_r8_i4

  integer function log_metrics_r8_i8(run, keys, values, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: keys(:)
    real(8), intent(in) :: values(:)
    integer(8), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    rc = log_metrics_c(run, keys, real(values, c_double), int(step, c_int64_t), timestamp)
  end function log_metrics_r8_i8

  integer function log_metrics_r4_i4(run, keys, values, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: keys(:)
    real(4), intent(in) :: values(:)
    integer(4), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    rc = log_metrics_c(run, keys, real(values, c_double), int(step, c_int64_t), timestamp)
  end function log_metrics_r4_i4

  integer function log_metrics_r4_i8(run, keys, values, step, timestamp) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: keys(:)
    real(4), intent(in) :: values(:)
    integer(8), intent(in) :: step
    integer(8), intent(in), optional :: timestamp
    rc = log_metrics_c(run, keys, real(values, c_double), int(step, c_int64_t), timestamp)
  end function log_metrics_r4_i8

  ! ---- params: mll_log_param(run, key, value) ----

  integer function log_param_r8(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    real(8), intent(in) :: value
    rc = int(c_log_param_number(run%ptr, key, clen(key), KIND_R8, real(value, c_double), 0_c_int64_t))
  end function log_param_r8

  integer function log_param_r4(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    real(4), intent(in) :: value
    rc = int(c_log_param_number(run%ptr, key, clen(key), KIND_R4, real(value, c_double), 0_c_int64_t))
  end function log_param_r4

  integer function log_param_i4(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    integer(4), intent(in) :: value
    rc = int(c_log_param_number(run%ptr, key, clen(key), KIND_INT, 0.0_c_double, int(value, c_int64_t)))
  end function log_param_i4

  integer function log_param_i8(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    integer(8), intent(in) :: value
    rc = int(c_log_param_number(run%ptr, key, clen(key), KIND_INT, 0.0_c_double, int(value, c_int64_t)))
  end function log_param_i8

  integer function log_param_l(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    logical, intent(in) :: value
    integer(c_int64_t) :: v
    v = 0
    if (value) v = 1
    rc = int(c_log_param_number(run%ptr, key, clen(key), KIND_LOGICAL, 0.0_c_double, v))
  end function log_param_l

  integer function log_param_c(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key, value
    rc = int(c_run_strings(run%ptr, DO_PARAM, key, clen(key), value, clen(value)))
  end function log_param_c

  ! ---- tags and names ----

  integer function mll_set_tag(run, key, value) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key, value
    rc = int(c_run_strings(run%ptr, DO_TAG, key, clen(key), value, clen(value)))
  end function mll_set_tag

  integer function mll_delete_tag(run, key) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: key
    rc = int(c_run_strings(run%ptr, DO_DELETE_TAG, key, clen(key), "", 0_c_size_t))
  end function mll_delete_tag

  integer function mll_set_run_name(run, name) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: name
    rc = int(c_run_strings(run%ptr, DO_RENAME, name, clen(name), "", 0_c_size_t))
  end function mll_set_run_name

  ! ---- artifacts ----

  ! Copies a local file to artifacts/<artifact_dir>/<its name> (artifact_dir optional).
  integer function mll_log_artifact(run, local_path, artifact_dir) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: local_path
    character(len=*), intent(in), optional :: artifact_dir
    character(len=:), allocatable :: d
    d = opt(artifact_dir)
    rc = int(c_run_strings(run%ptr, DO_ARTIFACT, local_path, clen(local_path), d, clen(d)))
  end function mll_log_artifact

  ! Writes text (up to its last non-blank character) to artifacts/<artifact_file>.
  integer function mll_log_text(run, text, artifact_file) result(rc)
    type(mll_run), intent(in) :: run
    character(len=*), intent(in) :: text, artifact_file
    rc = int(c_run_strings(run%ptr, DO_TEXT, text, clen(text), artifact_file, clen(artifact_file)))
  end function mll_log_text

  ! ---- errors and version ----

  ! What a result code means (never empty).
  function mll_strerror(rc) result(s)
    integer, intent(in) :: rc
    character(len=:), allocatable :: s
    s = from_c(c_strerror(int(rc, c_int)))
  end function mll_strerror

  ! The mlflow_lite version of the C half, e.g. "0.2.0".
  function mll_version() result(s)
    character(len=:), allocatable :: s
    s = from_c(c_version())
  end function mll_version

  ! mll_last_error(run or store [, code] [, sys_errno]): the message of the last failure
  ! ("" if none), its code and errno.
  function last_error_run(run, code, sys_errno) result(message)
    type(mll_run), intent(in) :: run
    integer, intent(out), optional :: code, sys_errno
    character(len=:), allocatable :: message
    message = last_error_c(run%ptr, 1_c_int, code, sys_errno)
  end function last_error_run

  function last_error_store(store, code, sys_errno) result(message)
    type(mll_store), intent(in) :: store
    integer, intent(out), optional :: code, sys_errno
    character(len=:), allocatable :: message
    message = last_error_c(store%ptr, 0_c_int, code, sys_errno)
  end function last_error_store

  function last_error_c(handle, is_run, code, sys_errno) result(message)
    type(c_ptr), intent(in) :: handle
    integer(c_int), intent(in) :: is_run
    integer, intent(out), optional :: code, sys_errno
    character(len=:), allocatable :: message
    character(kind=c_char) :: buf(1024)
    integer(c_int) :: c, e
    integer :: i, length
    c = c_last_error(handle, is_run, buf, int(size(buf), c_size_t), e)
    if (present(code)) code = int(c)
    if (present(sys_errno)) sys_errno = int(e)
    length = 0
    do while (length < size(buf))
      if (buf(length + 1) == c_null_char) exit
      length = length + 1
    end do
    allocate(character(len=length) :: message)
    do i = 1, length
      message(i:i) = buf(i)
    end do
  end function last_error_c

end module mlflow_lite
