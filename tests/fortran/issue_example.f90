program train
  use mlflow_lite
  implicit none
  type(mll_store) :: store
  type(mll_run)   :: run
  integer :: step, rc
  real(8) :: loss

  rc = mll_open(store)                                  ! ./mlruns or $MLFLOW_TRACKING_URI
  if (rc /= MLL_OK) error stop "cannot open the store"
  rc = mll_start_run(run, store, experiment_name="climate", run_name="fortran")
  if (rc /= MLL_OK) error stop trim(mll_strerror(rc))
  rc = mll_log_param(run, "dt", 0.5d0)                  ! real(4/8), integer(4/8), logical, character
  rc = mll_log_param(run, "nx", 128)
  rc = mll_log_param(run, "scheme", "upwind")
  do step = 0, 99
     loss = 1.0d0 / (step + 1)
     rc = mll_log_metric(run, "loss", loss, step)       ! real(4) or real(8); step integer(4/8)
  end do
  rc = mll_set_tag(run, "model", "unet")
  rc = mll_log_artifact(run, "namelist.nml", "config")
  print '(a)', mll_run_id(run)
  rc = mll_end_run(run, MLL_RUN_FINISHED)
  rc = mll_close(store)
end program train
