// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros over the
// addresses of global objects, which Swift cannot import; these inline wrappers give
// Swift plain functions for the few calls mmfusion makes.
#include <mpi.h>

/// Initialises MPI once (thread level FUNNELED: only the main thread calls MPI).
static inline int mm_mpi_initialize(void) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) return MPI_SUCCESS;
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

static inline int mm_mpi_finalize(void) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return MPI_SUCCESS;
    return MPI_Finalize();
}

static inline int mm_mpi_rank(void) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

static inline int mm_mpi_size(void) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

static inline int mm_mpi_allreduce_sum_float(float *buffer, long count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

static inline int mm_mpi_allreduce_sum_double(double *buffer, long count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static inline int mm_mpi_broadcast_bytes(void *buffer, long count, int root) {
    return MPI_Bcast(buffer, (int)count, MPI_BYTE, root, MPI_COMM_WORLD);
}

static inline int mm_mpi_gather_long(long value, long *values, int root) {
    return MPI_Gather(&value, 1, MPI_LONG, values, 1, MPI_LONG, root, MPI_COMM_WORLD);
}

static inline int mm_mpi_gatherv_bytes(const void *send, int count, void *receive, const int *counts,
                                       const int *displacements, int root) {
    return MPI_Gatherv(send, count, MPI_BYTE, receive, counts, displacements, MPI_BYTE, root, MPI_COMM_WORLD);
}

static inline int mm_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

static inline double mm_mpi_wtime(void) { return MPI_Wtime(); }

static inline int mm_mpi_abort(int code) { return MPI_Abort(MPI_COMM_WORLD, code); }
