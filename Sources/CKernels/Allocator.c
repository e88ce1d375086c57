#include "CKernels.h"

#if defined(__linux__) && defined(__GLIBC__)
#include <malloc.h>
#endif

void ck_configure_allocator(void) {
#if defined(__linux__) && defined(__GLIBC__)
    /* Serve buffers up to 32 MiB (glibc's largest allowed threshold on 64-bit) from the
       heap and keep up to 1 GiB of freed memory,
       so a tensor op's output reuses warm pages instead of a fresh mapping. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}
