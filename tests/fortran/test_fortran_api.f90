! Every call of the Fortran module, with the values tests/fortran/fortran_check.py expects
! MLflow 3.18.0 to read back. The result codes are checked here: an unexpected one stops
! the program with a non-zero exit status and the call that failed.
!   usage: test_fortran_api <root>      prints "<run id> <child run id>"
program test_fortran_api
  use, intrinsic :: iso_c_binding, only: c_null_char
  use mlflow_lite
  implicit none
  type(mll_store) :: store, broken
  type(mll_run) :: run, child, closed
  character(len=512) :: root
  character(len=32) :: padded_key, padded_value
  character(len=:), allocatable :: id, child_id, msg
  character(len=8) :: keys(3)
  integer :: step, code, errno_at
  integer(8) :: big_step

  call get_command_argument(1, root)
  call expect(mll_open(store, root=trim(root), ignore_env=.true.), MLL_OK, "open")
  call expect(mll_start_run(run, store, experiment_name="fortran-api", run_name="all-calls", &
                            description="every call once"), MLL_OK, "start")
  id = mll_run_id(run)
  if (len(id) /= 32) error stop "run id is not 32 characters"
  if (mll_run_name(run) /= "all-calls") error stop "mll_run_name"
  if (len(mll_run_experiment_id(run)) == 0) error stop "mll_run_experiment_id"
  if (index(mll_run_artifact_uri(run), id) == 0) error stop "mll_run_artifact_uri"
  if (index(mll_run_dir(run), id) == 0) error stop "mll_run_dir"
  if (mll_version() /= "0.2.0") error stop "mll_version"

  ! params of every kind
  call expect(mll_log_param(run, "r8", 0.01d0), MLL_OK, "param r8")
  call expect(mll_log_param(run, "r4", 0.01), MLL_OK, "param r4")
  call expect(mll_log_param(run, "r4_tenth", 0.1), MLL_OK, "param r4 0.1")
  call expect(mll_log_param(run, "r4_whole", 5.0), MLL_OK, "param r4 5.0")
  call expect(mll_log_param(run, "i4", -128), MLL_OK, "param i4")
  call expect(mll_log_param(run, "i8", huge(1_8)), MLL_OK, "param i8")
  call expect(mll_log_param(run, "yes", .true.), MLL_OK, "param logical true")
  call expect(mll_log_param(run, "no", .false.), MLL_OK, "param logical false")
  padded_key = "padded"
  padded_value = "blank padded value"
  call expect(mll_log_param(run, padded_key, padded_value), MLL_OK, "param padded")
  call expect(mll_log_param(run, "c_string" // c_null_char // "ignored", "nul" // c_null_char), &
              MLL_OK, "param NUL-terminated")
  call expect(mll_log_param(run, "r8", 0.02d0), MLL_ERR_PARAM_CHANGED, "param changed")
  msg = mll_last_error(run, code=code, sys_errno=errno_at)
  if (code /= MLL_ERR_PARAM_CHANGED .or. index(msg, "r8") == 0) error stop "mll_last_error(run)"

  ! metrics: every value kind with and without steps
  do step = 0, 9
    call expect(mll_log_metric(run, "loss", 1.0d0 / (step + 1), step), MLL_OK, "metric r8 i4")
    call expect(mll_log_metric(run, "acc32", real(step, 4) / 8.0, step), MLL_OK, "metric r4 i4")
  end do
  big_step = 3000000000_8
  call expect(mll_log_metric(run, "big", 2.5d0, big_step), MLL_OK, "metric r8 i8")
  call expect(mll_log_metric(run, "big", 0.1, big_step + 1), MLL_OK, "metric r4 i8")
  call expect(mll_log_metric(run, "nostep", 7.0d0), MLL_OK, "metric r8 no step")
  call expect(mll_log_metric(run, "nostep32", 0.1), MLL_OK, "metric r4 no step")
  call expect(mll_log_metric(run, "at", 1.5d0, 4, timestamp=1700000000123_8), MLL_OK, "metric at")
  call expect(mll_log_metric(run, "at", 2.5d0, 5_8, 1700000000456_8), MLL_OK, "metric at i8")
  keys = [character(len=8) :: "val/a", "val/b", "val/c"]
  call expect(mll_log_metrics(run, keys, [0.25d0, 0.5d0, 0.75d0], 99), MLL_OK, "metrics r8")
  call expect(mll_log_metrics(run, keys(1:2), [1.0, 2.0]), MLL_OK, "metrics r4 no step")
  call expect(mll_log_metrics(run, keys, [1.0d0, 2.0d0], 100), MLL_ERR_INVALID_ARGUMENT, "metrics sizes")
  call expect(mll_log_metric(run, "../up", 1.0d0, 0), MLL_ERR_INVALID_KEY, "metric bad key")
  msg = mll_last_error(run, code=code)
  if (code /= MLL_ERR_INVALID_KEY .or. index(msg, "../up") == 0) error stop "last error of a bad key"
  if (len(mll_strerror(MLL_ERR_INVALID_KEY)) == 0) error stop "mll_strerror"

  ! tags, name, artifacts
  call expect(mll_set_tag(run, "team", "climate"), MLL_OK, "tag")
  call expect(mll_set_tag(run, "gone", "soon"), MLL_OK, "tag to delete")
  call expect(mll_delete_tag(run, "gone"), MLL_OK, "delete tag")
  call expect(mll_set_run_name(run, "renamed"), MLL_OK, "rename")
  call expect(mll_log_text(run, "line 1" // new_line("a") // "line 2" // new_line("a"), "notes/log.txt"), &
              MLL_OK, "log text")
  call expect(mll_set_experiment_tag(store, mll_run_experiment_id(run), "owner", "fortran"), MLL_OK, &
              "experiment tag")
  call expect(mll_log_artifact(run, "/nonexistent/file.nml"), MLL_ERR_NOT_FOUND, "missing artifact")
  call expect(mll_flush(run), MLL_OK, "flush")

  ! a nested run, then the "job restart": end, reopen by id, keep appending
  call expect(mll_start_run(child, store, experiment_id=mll_run_experiment_id(run), run_name="child", &
                            parent_run_id=id), MLL_OK, "start child")
  child_id = mll_run_id(child)
  call expect(mll_log_metric(child, "inner", 3.0d0, 1), MLL_OK, "child metric")
  call expect(mll_end_run(child, MLL_RUN_KILLED), MLL_OK, "end child")
  call expect(mll_end_run(run, MLL_RUN_FAILED), MLL_OK, "end (as if the job died)")
  call expect(mll_start_run(run, store, run_id=id), MLL_OK, "reopen by run_id")
  if (mll_run_id(run) /= id) error stop "reopened run has another id"
  call expect(mll_log_metric(run, "loss", 0.05d0, 10), MLL_OK, "metric after restart")
  call expect(mll_end_run(run), MLL_OK, "end reopened run (default FINISHED)")

  ! handles that are not open fail cleanly
  call expect(mll_log_metric(closed, "x", 1.0d0, 0), MLL_ERR_INVALID_ARGUMENT, "metric on no run")
  call expect(mll_end_run(closed), MLL_ERR_INVALID_ARGUMENT, "end no run")
  msg = mll_last_error(closed, code=code)
  if (code /= MLL_ERR_INVALID_ARGUMENT .or. len(msg) == 0) error stop "last error of no run"
  if (mll_open(broken, root="/proc/mlflow-lite-cannot-create-this") == MLL_OK) &
    error stop "open where nothing can be created"
  call expect(mll_close(broken), MLL_OK, "close a store that never opened")

  print '(a,1x,a)', id, child_id
  call expect(mll_close(store), MLL_OK, "close")
  deallocate (id, child_id, msg)   ! a main program's variables are never freed (LeakSanitizer)

contains

  subroutine expect(rc, want, what)
    integer, intent(in) :: rc, want
    character(len=*), intent(in) :: what
    if (rc /= want) then
      write (*, '(a,a,a,i0,a,i0,a,a)') "FAIL ", what, ": rc ", rc, " (want ", want, ") ", mll_strerror(rc)
      error stop 1
    end if
  end subroutine expect

end program test_fortran_api
