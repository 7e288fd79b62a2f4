! mpi_shared.f90 - every MPI rank logs into one shared MLflow run, under its own keys (Fortran).
!
! Shows: rank 0 starts the run and broadcasts its id; the other ranks reopen it with
! run_id= and log keys that carry their rank ("rank3/loss"), so no two processes write
! the same file. Each rank ends its handle; after a barrier rank 0 ends it last. The same
! program as examples/mpi_shared.c, with the mlflow_lite module and MPI's mpi_f08 module.
!
! Build and run (CMake: link mlflow_lite::fortran and MPI::MPI_Fortran):
!     mpif90 -std=f2018 mpi_shared.f90 mlflow_lite.o mlflow_lite_fortran.o -o mpi_shared_f
!     mpirun -np 4 ./mpi_shared_f [root [steps]]
! (root: default ./mlruns or $MLFLOW_TRACKING_URI; steps: default 1000)
program mpi_shared
  use mpi_f08
  use mlflow_lite
  implicit none
  type(mll_store) :: store
  type(mll_run) :: run
  character(len=32) :: run_id
  character(len=16) :: prefix
  character(len=4096) :: root
  integer :: rank, size, steps, step, rc

  call MPI_Init()
  call MPI_Comm_rank(MPI_COMM_WORLD, rank)
  call MPI_Comm_size(MPI_COMM_WORLD, size)
  call arguments(root, steps)
  call check(mll_open(store, root=root), "open the MLflow root")

  if (rank == 0) then
    call check(mll_start_run(run, store, experiment_name="mpi-shared-fortran", run_name="one-run-all-ranks"), &
               "start the run")
    call check(mll_log_param(run, "ranks", size), "log a param")
    run_id = mll_run_id(run)
  end if
  call MPI_Bcast(run_id, len(run_id), MPI_CHARACTER, 0, MPI_COMM_WORLD)
  if (rank /= 0) call check(mll_start_run(run, store, run_id=run_id), "reopen the shared run")
  call MPI_Barrier(MPI_COMM_WORLD)   ! all ranks have it open before anyone ends it

  write (prefix, '(a,i0,a)') "rank", rank, "/"
  call check(mll_log_param(run, trim(prefix) // "host", rank), "log a param")
  call check(mll_set_tag(run, trim(prefix) // "steps", itoa(steps)), "set a tag")
  do step = 0, steps - 1
    call check(mll_log_metric(run, trim(prefix) // "loss", (rank + 1.0d0) / (step + 1.0d0), step), &
               "log a metric")
  end do
  if (rank /= 0) call check(mll_end_run(run, MLL_RUN_FINISHED), "end the run")
  call MPI_Barrier(MPI_COMM_WORLD)
  if (rank == 0) then
    call check(mll_end_run(run, MLL_RUN_FINISHED), "end the run")
    print '(a)', run_id
  end if
  rc = mll_close(store)
  call MPI_Finalize()

contains

  function itoa(i) result(s)
    integer, intent(in) :: i
    character(len=:), allocatable :: s
    character(len=16) :: buf
    write (buf, '(i0)') i
    s = trim(buf)
  end function itoa

  subroutine check(rc, what)
    integer, intent(in) :: rc
    character(len=*), intent(in) :: what
    if (rc /= MLL_OK) then
      write (*, '(a,i0,a,a,a,a)') "mpi_shared: rank ", rank, ": ", what, ": ", mll_strerror(rc)
      call MPI_Abort(MPI_COMM_WORLD, 1)
    end if
  end subroutine check

  subroutine arguments(root, steps)
    character(len=*), intent(out) :: root
    integer, intent(out) :: steps
    character(len=32) :: text
    root = ""                          ! blank: ./mlruns or $MLFLOW_TRACKING_URI
    steps = 1000
    if (command_argument_count() >= 1) call get_command_argument(1, root)
    if (command_argument_count() >= 2) then
      call get_command_argument(2, text)
      read (text, *) steps
    end if
  end subroutine arguments

end program mpi_shared
