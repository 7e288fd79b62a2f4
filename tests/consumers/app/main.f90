! The Fortran program the Fortran consumer project builds: the same run as main.c,
! through the mlflow_lite module. Prints the run id. Root: ./mlruns or $MLFLOW_TRACKING_URI.
program consumer
  use mlflow_lite
  implicit none
  type(mll_store) :: store
  type(mll_run) :: run
  character(len=64) :: name
  integer :: step

  name = "fortran"
  if (command_argument_count() >= 1) call get_command_argument(1, name)
  if (mll_open(store) /= MLL_OK) error stop 1
  if (mll_start_run(run, store, experiment_name="consumers", run_name=name) /= MLL_OK) error stop 2
  if (mll_log_param(run, "language", "fortran") /= MLL_OK) error stop 3
  if (mll_set_tag(run, "mlflow_lite.version", mll_version()) /= MLL_OK) error stop 4
  do step = 0, 9
    if (mll_log_metric(run, "loss", 1.0d0 / (step + 1), step) /= MLL_OK) error stop 5
  end do
  print '(a)', mll_run_id(run)
  if (mll_end_run(run) /= MLL_OK) error stop 6
  if (mll_close(store) /= MLL_OK) error stop 7
end program consumer
