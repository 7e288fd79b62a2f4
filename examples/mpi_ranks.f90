! mpi_ranks.f90 - MLflow runs from an MPI job, in its two usual shapes (Fortran).
!
! The same program as examples/mpi_ranks.c, with the mlflow_lite module and MPI's mpi_f08
! module. After rank 0 starts a run and broadcasts its id (32 characters):
! - nested: every rank (rank 0 too) starts a child run with parent_run_id=, tagged with
!   its rank, logs its own loss curve and ends it; after a barrier rank 0 ends the parent;
! - shared: the other ranks reopen rank 0's run with run_id= and log keys that carry
!   their rank ("rank3/loss"); each rank ends its handle, rank 0 last after a barrier.
!
! Build and run (CMake: link mlflow_lite::fortran and MPI::MPI_Fortran):
!     mpif90 -std=f2018 mpi_ranks.f90 mlflow_lite.o mlflow_lite_fortran.o -o mpi_ranks_f
!     mpirun -np 4 ./mpi_ranks_f nested|shared [root [steps]]
! (root: default ./mlruns or $MLFLOW_TRACKING_URI; steps: default 1000)
program mpi_ranks
  use mpi_f08
  use mlflow_lite
  implicit none
  type(mll_store) :: store
  character(len=16) :: mode
  character(len=4096) :: root
  integer :: rank, size, steps, rc

  call MPI_Init()
  call MPI_Comm_rank(MPI_COMM_WORLD, rank)
  call MPI_Comm_size(MPI_COMM_WORLD, size)
  call arguments(mode, root, steps)
  if (mode /= "nested" .and. mode /= "shared") then
    if (rank == 0) print '(a)', "usage: mpirun -np N mpi_ranks_f nested|shared [root [steps]]"
    call MPI_Finalize()
    error stop 2
  end if
  call check(mll_open(store, root=root), "open the MLflow root")
  if (mode == "nested") then
    call nested()
  else
    call shared()
  end if
  rc = mll_close(store)
  call MPI_Finalize()

contains

  ! nested: a child run per rank under the job's parent run.
  subroutine nested()
    type(mll_run) :: parent, child
    character(len=32) :: parent_id
    integer :: step
    call start_on_rank0("mpi-nested-fortran", "job", parent, parent_id)
    call check(mll_start_run(child, store, experiment_name="mpi-nested-fortran", &
                             run_name="rank-" // itoa(rank), parent_run_id=parent_id), "start the child run")
    call check(mll_set_tag(child, "mpi.rank", itoa(rank)), "tag the rank")
    call check(mll_set_tag(child, "mpi.size", itoa(size)), "tag the size")
    call check(mll_log_param(child, "rank", rank), "log a param")
    do step = 0, steps - 1
      call check(mll_log_metric(child, "loss", (rank + 1.0d0) / (step + 1.0d0), step), "log a metric")
    end do
    call check(mll_end_run(child, MLL_RUN_FINISHED), "end the child run")
    call end_on_rank0(parent, parent_id)
  end subroutine nested

  ! shared: one run, each rank under keys of its own.
  subroutine shared()
    type(mll_run) :: run
    character(len=32) :: run_id
    character(len=:), allocatable :: prefix
    integer :: step
    call start_on_rank0("mpi-shared-fortran", "one-run-all-ranks", run, run_id)
    if (rank /= 0) call check(mll_start_run(run, store, run_id=run_id), "reopen the shared run")
    call MPI_Barrier(MPI_COMM_WORLD)   ! all ranks have it open before anyone ends it
    prefix = "rank" // itoa(rank) // "/"
    call check(mll_log_param(run, prefix // "host", rank), "log a param")
    call check(mll_set_tag(run, prefix // "steps", itoa(steps)), "set a tag")
    do step = 0, steps - 1
      call check(mll_log_metric(run, prefix // "loss", (rank + 1.0d0) / (step + 1.0d0), step), "log a metric")
    end do
    if (rank /= 0) call check(mll_end_run(run, MLL_RUN_FINISHED), "end the run")
    call end_on_rank0(run, run_id)
  end subroutine shared

  ! Rank 0 starts the run and every rank gets its id.
  subroutine start_on_rank0(experiment, name, run, id)
    character(len=*), intent(in) :: experiment, name
    type(mll_run), intent(out) :: run
    character(len=32), intent(out) :: id
    id = ""
    if (rank == 0) then
      call check(mll_start_run(run, store, experiment_name=experiment, run_name=name), "start the run")
      call check(mll_log_param(run, "ranks", size), "log a param")
      id = mll_run_id(run)
    end if
    call MPI_Bcast(id, len(id), MPI_CHARACTER, 0, MPI_COMM_WORLD)
  end subroutine start_on_rank0

  ! Rank 0 ends the run once every rank is done with it.
  subroutine end_on_rank0(run, id)
    type(mll_run), intent(inout) :: run
    character(len=*), intent(in) :: id
    call MPI_Barrier(MPI_COMM_WORLD)
    if (rank == 0) then
      call check(mll_end_run(run, MLL_RUN_FINISHED), "end the run")
      print '(a)', id
    end if
  end subroutine end_on_rank0

  ! An error stops every rank: the run folder stays readable, the run shows as RUNNING.
  subroutine check(rc, what)
    integer, intent(in) :: rc
    character(len=*), intent(in) :: what
    if (rc /= MLL_OK) then
      write (*, '(a,i0,a,a,a,a)') "mpi_ranks: rank ", rank, ": ", what, ": ", mll_strerror(rc)
      call MPI_Abort(MPI_COMM_WORLD, 1)
    end if
  end subroutine check

  function itoa(i) result(s)
    integer, intent(in) :: i
    character(len=:), allocatable :: s
    character(len=16) :: buf
    write (buf, '(i0)') i
    s = trim(buf)
  end function itoa

  subroutine arguments(mode, root, steps)
    character(len=*), intent(out) :: mode, root
    integer, intent(out) :: steps
    character(len=32) :: text
    mode = ""
    root = ""                          ! blank: ./mlruns or $MLFLOW_TRACKING_URI
    steps = 1000
    if (command_argument_count() >= 1) call get_command_argument(1, mode)
    if (command_argument_count() >= 2) call get_command_argument(2, root)
    if (command_argument_count() >= 3) then
      call get_command_argument(3, text)
      read (text, *) steps
    end if
  end subroutine arguments

end program mpi_ranks
