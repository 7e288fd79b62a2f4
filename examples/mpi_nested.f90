! mpi_nested.f90 - one MLflow parent run per MPI job, one nested child run per rank (Fortran).
!
! Shows: rank 0 starts the parent run and broadcasts its id (32 characters); every rank
! (rank 0 too) starts a child run with parent_run_id=, tagged with its rank, logs its
! own loss curve and ends it; after a barrier rank 0 ends the parent. The same program
! as examples/mpi_nested.c, with the mlflow_lite module and MPI's mpi_f08 module.
!
! Build and run (CMake: link mlflow_lite::fortran and MPI::MPI_Fortran):
!     mpif90 -std=f2018 mpi_nested.f90 mlflow_lite.o mlflow_lite_fortran.o -o mpi_nested_f
!     mpirun -np 4 ./mpi_nested_f [root [steps]]
! (root: default ./mlruns or $MLFLOW_TRACKING_URI; steps: default 1000)
program mpi_nested
  use mpi_f08
  use mlflow_lite
  implicit none
  type(mll_store) :: store
  type(mll_run) :: parent, child
  character(len=32) :: parent_id
  character(len=16) :: rank_text, size_text
  character(len=4096) :: root
  integer :: rank, size, steps, step, rc

  call MPI_Init()
  call MPI_Comm_rank(MPI_COMM_WORLD, rank)
  call MPI_Comm_size(MPI_COMM_WORLD, size)
  call arguments(root, steps)
  call check(mll_open(store, root=root), "open the MLflow root")

  if (rank == 0) then
    call check(mll_start_run(parent, store, experiment_name="mpi-nested-fortran", run_name="job"), &
               "start the parent run")
    call check(mll_log_param(parent, "ranks", size), "log a param")
    parent_id = mll_run_id(parent)
  end if
  call MPI_Bcast(parent_id, len(parent_id), MPI_CHARACTER, 0, MPI_COMM_WORLD)

  write (rank_text, '(i0)') rank
  write (size_text, '(i0)') size
  call check(mll_start_run(child, store, experiment_name="mpi-nested-fortran", &
                           run_name="rank-" // trim(rank_text), parent_run_id=parent_id), &
             "start the child run")
  call check(mll_set_tag(child, "mpi.rank", rank_text), "tag the rank")
  call check(mll_set_tag(child, "mpi.size", size_text), "tag the size")
  call check(mll_log_param(child, "rank", rank), "log a param")
  do step = 0, steps - 1
    call check(mll_log_metric(child, "loss", (rank + 1.0d0) / (step + 1.0d0), step), "log a metric")
  end do
  call check(mll_end_run(child, MLL_RUN_FINISHED), "end the child run")

  call MPI_Barrier(MPI_COMM_WORLD)   ! every child has ended: the job is done
  if (rank == 0) then
    call check(mll_end_run(parent, MLL_RUN_FINISHED), "end the parent run")
    print '(a)', parent_id
  end if
  rc = mll_close(store)
  call MPI_Finalize()

contains

  ! An error stops every rank: the run folder stays readable, the run shows as RUNNING.
  subroutine check(rc, what)
    integer, intent(in) :: rc
    character(len=*), intent(in) :: what
    if (rc /= MLL_OK) then
      write (*, '(a,i0,a,a,a,a)') "mpi_nested: rank ", rank, ": ", what, ": ", mll_strerror(rc)
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

end program mpi_nested
