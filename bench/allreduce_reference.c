/* The C reference for `mmfusion bench allreduce`: the same messages, the same timing
 * (barrier, then one MPI_Allreduce, median over repetitions, slowest rank's median).
 *   mpicc -O2 bench/allreduce_reference.c -o /tmp/allreduce_reference
 *   mpirun -np 2 /tmp/allreduce_reference */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (long bytes = 4 << 10; bytes <= 64 << 20; bytes *= 4) {
        long count = bytes / 4;
        float *buffer = malloc(bytes);
        long repetitions = (256L << 20) / bytes;
        if (repetitions > 100) repetitions = 100;
        if (repetitions < 3) repetitions = 3;
        double *times = malloc(sizeof(double) * repetitions);
        for (long r = 0; r <= repetitions; r++) {
            for (long i = 0; i < count; i++) buffer[i] = (float)(rank + 1 + i % 7);
            MPI_Barrier(MPI_COMM_WORLD);
            double start = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            if (r > 0) times[r - 1] = MPI_Wtime() - start;
        }
        qsort(times, repetitions, sizeof(double), compare);
        double median = times[repetitions / 2], slowest;
        MPI_Allreduce(&median, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (rank == 0) {
            char label[32];
            if (bytes >= 1 << 20) snprintf(label, sizeof label, "%ld MiB", bytes >> 20);
            else snprintf(label, sizeof label, "%ld KiB", bytes >> 10);
            printf("C MPI_Allreduce %-10s %10.2f GB/s   %d ranks, median of %ld, %.1f µs\n", label,
                   bytes / slowest / 1e9, size, repetitions, slowest * 1e6);
        }
        free(buffer);
        free(times);
    }
    MPI_Finalize();
    return 0;
}
