#include "CKernels.h"

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#endif

void ck_configure_allocator(void) {
#if defined(__linux__) && defined(__GLIBC__)
    /* Serve buffers up to 512 MiB from the heap and keep up to 1 GiB of freed memory,
       so a tensor op's output reuses warm pages instead of a fresh mapping. */
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}
