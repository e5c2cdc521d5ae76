/* Not a TAP test: fatal.t runs it. Rank 1 (or the only rank) fails while the
 * others wait in a collective that would never complete; the whole job must
 * die with one "[rank] time file:func():line" message, and a registered
 * temporary file must be gone. The failure is an internal error
 * (SAMARL_FATAL), or with the argument "mpi" an MPI call that fails (a
 * broadcast from a root that does not exist), which must be reported in
 * MPI's own words instead of hanging. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "samarl/comm.h"
#include "samarl/error.h"

int main(int argc, char **argv)
{
    comm_init(&argc, &argv);
    const int culprit = comm_size() > 1 ? 1 : 0;
    const int mpi = argc > 2 && strcmp(argv[2], "mpi") == 0;
    if (argc > 1) {
        FILE *f = fopen(argv[1], "w");
        if (f) fclose(f);
        comm_cleanup_add(argv[1]);
    }
    comm_barrier();
    if (comm_rank() == culprit) {
        if (mpi) {
            int32_t v = 42;
            comm_bcast_int32(&v, 1, comm_size() + 3);
        }
        SAMARL_FATAL("deliberate failure for the test (%d)", 42);
    }
    comm_barrier(); /* the other ranks block here until the job is killed */
    printf("unreachable: rank %d passed the barrier\n", comm_rank());
    comm_finalize();
    return 0;
}
