// Batched matrix transpose for NCHW <-> NHWC layout changes, in 8x8 register blocks.

#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <cpuid.h>
#define MM_TRANSPOSE_X86 1
#endif

static void transposeTileScalar(const float *src, float *dst, long rows, long columns,
                                long r0, long r1, long c0, long c1) {
    for (long c = c0; c < c1; c++)
        for (long r = r0; r < r1; r++) dst[c * rows + r] = src[r * columns + c];
}

#if MM_TRANSPOSE_X86
static int transposeHasAVX = -1;

static int detectAVX(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!((c >> 27) & 1) || !((c >> 28) & 1)) return 0;
    unsigned xcrLow, xcrHigh;
    __asm__ volatile("xgetbv" : "=a"(xcrLow), "=d"(xcrHigh) : "c"(0));
    return (xcrLow & 6) == 6;
}

__attribute__((target("avx")))
static void transposeRowsAVX(const float *src, float *dst, long rows, long columns, long r0, long r1) {
    const long fullColumns = columns / 8 * 8;
    long r = r0;
    for (; r + 8 <= r1; r += 8) {
        const float *block = src + r * columns;
        for (long c = 0; c < fullColumns; c += 8) {
            __m256 x0 = _mm256_loadu_ps(block + 0 * columns + c), x1 = _mm256_loadu_ps(block + 1 * columns + c);
            __m256 x2 = _mm256_loadu_ps(block + 2 * columns + c), x3 = _mm256_loadu_ps(block + 3 * columns + c);
            __m256 x4 = _mm256_loadu_ps(block + 4 * columns + c), x5 = _mm256_loadu_ps(block + 5 * columns + c);
            __m256 x6 = _mm256_loadu_ps(block + 6 * columns + c), x7 = _mm256_loadu_ps(block + 7 * columns + c);
            __m256 t0 = _mm256_unpacklo_ps(x0, x1), t1 = _mm256_unpackhi_ps(x0, x1);
            __m256 t2 = _mm256_unpacklo_ps(x2, x3), t3 = _mm256_unpackhi_ps(x2, x3);
            __m256 t4 = _mm256_unpacklo_ps(x4, x5), t5 = _mm256_unpackhi_ps(x4, x5);
            __m256 t6 = _mm256_unpacklo_ps(x6, x7), t7 = _mm256_unpackhi_ps(x6, x7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
            float *out = dst + c * rows + r;
            _mm256_storeu_ps(out + 0 * rows, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(out + 1 * rows, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(out + 2 * rows, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(out + 3 * rows, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(out + 4 * rows, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(out + 5 * rows, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(out + 6 * rows, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(out + 7 * rows, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
        transposeTileScalar(src, dst, rows, columns, r, r + 8, fullColumns, columns);
    }
    transposeTileScalar(src, dst, rows, columns, r, r1, 0, columns);
}
#endif

void mm_transpose_rows(const float *src, float *dst, long rows, long columns, long rowStart, long rowEnd) {
#if MM_TRANSPOSE_X86
    if (transposeHasAVX < 0) transposeHasAVX = detectAVX();
    if (transposeHasAVX) { transposeRowsAVX(src, dst, rows, columns, rowStart, rowEnd); return; }
#endif
    // Portable: tiles of 16 columns keep the destination lines in cache.
    for (long c0 = 0; c0 < columns; c0 += 16) {
        long c1 = c0 + 16 < columns ? c0 + 16 : columns;
        transposeTileScalar(src, dst, rows, columns, rowStart, rowEnd, c0, c1);
    }
}

void mm_clamp(const float *source, float *destination, size_t count, float lower, float upper) {
    for (size_t i = 0; i < count; i++) {
        float value = source[i];
        value = value < lower ? lower : value;
        destination[i] = value > upper ? upper : value;
    }
}
