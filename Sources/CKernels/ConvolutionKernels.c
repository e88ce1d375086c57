// Indirect-GEMM convolution over NHWC tensors.
//
// Output pixel rows form the M dimension, output channels of a group the N dimension,
// and (tap, input channel) pairs the K dimension. Each A row segment for one tap is a
// contiguous run of input channels, so the micro-kernel reads A through a table of
// pointers (one per output pixel and tap; padding points at a zero row) instead of an
// im2col copy. Inputs with few channels per group (the 7x7 stem on RGB) are first
// gathered into contiguous rows so the inner loop stays long.

#include "CKernels.h"
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define MM_X86 1
#endif

enum { ISA_GENERIC = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };
#ifndef MM_K_BLOCK
#define MM_K_BLOCK 256
#endif
#ifndef MM_M_BLOCK_PANELS
#define MM_M_BLOCK_PANELS 24
#endif
enum { K_BLOCK = MM_K_BLOCK, M_BLOCK_PANELS = MM_M_BLOCK_PANELS, IM2COL_CHANNELS = 32 };

// ---------------------------------------------------------------------------------
// ISA detection

static int detectedISA = -1;

static int detectISA(void) {
#if MM_X86
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return ISA_GENERIC;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx) return ISA_GENERIC;
    unsigned xcrLow, xcrHigh;
    __asm__ volatile("xgetbv" : "=a"(xcrLow), "=d"(xcrHigh) : "c"(0));
    if ((xcrLow & 6) != 6) return ISA_GENERIC;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return ISA_GENERIC;
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (avx512f && fma && (xcrLow & 0xE6) == 0xE6) return ISA_AVX512;
    if (avx2 && fma) return ISA_AVX2;
#endif
    return ISA_GENERIC;
}

static int machineISA(void) {
    if (detectedISA < 0) detectedISA = detectISA();
    return detectedISA;
}

static int currentISA(const MMConvGeometry *g) {
    int best = machineISA();
    return (g->instructionSet >= 0 && g->instructionSet < best) ? g->instructionSet : best;
}

int mm_conv_isa(void) { return machineISA(); }

typedef void (*MicroKernel)(const float *const *a, int taps, long aOffset, int channels,
                            const float *b, long bTapStride, float *c, long ldc,
                            int rows, int cols, const float *bias, int accumulate);

// ---------------------------------------------------------------------------------
// Portable micro-kernel: 4 x 16 tile.

enum { GENERIC_MR = 4, GENERIC_NR = 16 };

static void kernelGeneric(const float *const *a, int taps, long aOffset, int channels,
                          const float *b, long bTapStride, float *c, long ldc,
                          int rows, int cols, const float *bias, int accumulate) {
    float acc[GENERIC_MR][GENERIC_NR];
    for (int i = 0; i < GENERIC_MR; i++)
        for (int j = 0; j < GENERIC_NR; j++) acc[i][j] = 0;
    for (int t = 0; t < taps; t++) {
        const float *bp = b + t * bTapStride;
        const float *ap[GENERIC_MR];
        for (int i = 0; i < GENERIC_MR; i++) ap[i] = a[t * GENERIC_MR + i] + aOffset;
        for (int k = 0; k < channels; k++) {
            for (int i = 0; i < GENERIC_MR; i++) {
                float av = ap[i][k];
                for (int j = 0; j < GENERIC_NR; j++) acc[i][j] += av * bp[j];
            }
            bp += GENERIC_NR;
        }
    }
    for (int i = 0; i < rows; i++) {
        float *cr = c + i * ldc;
        for (int j = 0; j < cols; j++) {
            float base = accumulate ? cr[j] : (bias ? bias[j] : 0.0f);
            cr[j] = base + acc[i][j];
        }
    }
}

#if MM_X86
// ---------------------------------------------------------------------------------
// AVX2 + FMA micro-kernel: 6 x 16 tile (12 accumulators).

enum { AVX2_MR = 6, AVX2_NR = 16 };

__attribute__((target("avx2,fma")))
static void kernelAVX2(const float *const *a, int taps, long aOffset, int channels,
                       const float *b, long bTapStride, float *c, long ldc,
                       int rows, int cols, const float *bias, int accumulate) {
    __m256 acc0[AVX2_MR], acc1[AVX2_MR];
#pragma clang loop unroll(full)
    for (int i = 0; i < AVX2_MR; i++) { acc0[i] = _mm256_setzero_ps(); acc1[i] = _mm256_setzero_ps(); }
    for (int t = 0; t < taps; t++) {
        const float *bp = b + t * bTapStride;
        const float *a0 = a[t * AVX2_MR + 0] + aOffset, *a1 = a[t * AVX2_MR + 1] + aOffset;
        const float *a2 = a[t * AVX2_MR + 2] + aOffset, *a3 = a[t * AVX2_MR + 3] + aOffset;
        const float *a4 = a[t * AVX2_MR + 4] + aOffset, *a5 = a[t * AVX2_MR + 5] + aOffset;
        for (int k = 0; k < channels; k++) {
            __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
            bp += AVX2_NR;
            __m256 v;
            v = _mm256_broadcast_ss(a0 + k); acc0[0] = _mm256_fmadd_ps(v, b0, acc0[0]); acc1[0] = _mm256_fmadd_ps(v, b1, acc1[0]);
            v = _mm256_broadcast_ss(a1 + k); acc0[1] = _mm256_fmadd_ps(v, b0, acc0[1]); acc1[1] = _mm256_fmadd_ps(v, b1, acc1[1]);
            v = _mm256_broadcast_ss(a2 + k); acc0[2] = _mm256_fmadd_ps(v, b0, acc0[2]); acc1[2] = _mm256_fmadd_ps(v, b1, acc1[2]);
            v = _mm256_broadcast_ss(a3 + k); acc0[3] = _mm256_fmadd_ps(v, b0, acc0[3]); acc1[3] = _mm256_fmadd_ps(v, b1, acc1[3]);
            v = _mm256_broadcast_ss(a4 + k); acc0[4] = _mm256_fmadd_ps(v, b0, acc0[4]); acc1[4] = _mm256_fmadd_ps(v, b1, acc1[4]);
            v = _mm256_broadcast_ss(a5 + k); acc0[5] = _mm256_fmadd_ps(v, b0, acc0[5]); acc1[5] = _mm256_fmadd_ps(v, b1, acc1[5]);
        }
    }
    if (cols == AVX2_NR) {
        __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
        if (!accumulate && bias) { bias0 = _mm256_loadu_ps(bias); bias1 = _mm256_loadu_ps(bias + 8); }
        for (int i = 0; i < rows; i++) {
            float *cr = c + i * ldc;
            __m256 base0 = accumulate ? _mm256_loadu_ps(cr) : bias0;
            __m256 base1 = accumulate ? _mm256_loadu_ps(cr + 8) : bias1;
            _mm256_storeu_ps(cr, _mm256_add_ps(base0, acc0[i]));
            _mm256_storeu_ps(cr + 8, _mm256_add_ps(base1, acc1[i]));
        }
    } else {
        float tile[AVX2_NR];
        for (int i = 0; i < rows; i++) {
            float *cr = c + i * ldc;
            _mm256_storeu_ps(tile, acc0[i]);
            _mm256_storeu_ps(tile + 8, acc1[i]);
            for (int j = 0; j < cols; j++) {
                float base = accumulate ? cr[j] : (bias ? bias[j] : 0.0f);
                cr[j] = base + tile[j];
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// AVX-512 micro-kernel: 6 x 64 tile (24 accumulators, four vector loads of B and six
// broadcasts of A per step).

enum { AVX512_MR = 6, AVX512_NR = 64 };

#define MM_ROW512(i, ai)                                                   \
    do {                                                                   \
        __m512 v = _mm512_set1_ps((ai)[k]);                                \
        acc0[i] = _mm512_fmadd_ps(v, b0, acc0[i]);                         \
        acc1[i] = _mm512_fmadd_ps(v, b1, acc1[i]);                         \
        acc2[i] = _mm512_fmadd_ps(v, b2, acc2[i]);                         \
        acc3[i] = _mm512_fmadd_ps(v, b3, acc3[i]);                         \
    } while (0)

__attribute__((target("avx512f,fma")))
static void kernelAVX512(const float *const *a, int taps, long aOffset, int channels,
                         const float *b, long bTapStride, float *c, long ldc,
                         int rows, int cols, const float *bias, int accumulate) {
    __m512 acc0[AVX512_MR], acc1[AVX512_MR], acc2[AVX512_MR], acc3[AVX512_MR];
#pragma clang loop unroll(full)
    for (int i = 0; i < AVX512_MR; i++) {
        acc0[i] = _mm512_setzero_ps(); acc1[i] = _mm512_setzero_ps();
        acc2[i] = _mm512_setzero_ps(); acc3[i] = _mm512_setzero_ps();
    }
    for (int t = 0; t < taps; t++) {
        const float *bp = b + t * bTapStride;
        const float *a0 = a[t * AVX512_MR + 0] + aOffset, *a1 = a[t * AVX512_MR + 1] + aOffset;
        const float *a2 = a[t * AVX512_MR + 2] + aOffset, *a3 = a[t * AVX512_MR + 3] + aOffset;
        const float *a4 = a[t * AVX512_MR + 4] + aOffset, *a5 = a[t * AVX512_MR + 5] + aOffset;
        for (int k = 0; k < channels; k++) {
            __m512 b0 = _mm512_loadu_ps(bp), b1 = _mm512_loadu_ps(bp + 16);
            __m512 b2 = _mm512_loadu_ps(bp + 32), b3 = _mm512_loadu_ps(bp + 48);
            bp += AVX512_NR;
            MM_ROW512(0, a0); MM_ROW512(1, a1); MM_ROW512(2, a2);
            MM_ROW512(3, a3); MM_ROW512(4, a4); MM_ROW512(5, a5);
        }
    }
    __mmask16 masks[4];
    for (int q = 0; q < 4; q++) {
        int left = cols - 16 * q;
        masks[q] = left >= 16 ? (__mmask16)0xFFFF : (left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1));
    }
    __m512 base[4];
    for (int q = 0; q < 4; q++)
        base[q] = (!accumulate && bias) ? _mm512_maskz_loadu_ps(masks[q], bias + 16 * q) : _mm512_setzero_ps();
    for (int i = 0; i < rows; i++) {
        float *cr = c + i * ldc;
        __m512 r[4] = { acc0[i], acc1[i], acc2[i], acc3[i] };
        if (cols == AVX512_NR) {
            for (int q = 0; q < 4; q++) {
                __m512 start = accumulate ? _mm512_loadu_ps(cr + 16 * q) : base[q];
                _mm512_storeu_ps(cr + 16 * q, _mm512_add_ps(start, r[q]));
            }
        } else {
            for (int q = 0; q < 4; q++) {
                if (!masks[q]) continue;
                __m512 start = accumulate ? _mm512_maskz_loadu_ps(masks[q], cr + 16 * q) : base[q];
                _mm512_mask_storeu_ps(cr + 16 * q, masks[q], _mm512_add_ps(start, r[q]));
            }
        }
    }
}
#endif

// ---------------------------------------------------------------------------------
// Driver

typedef struct { MicroKernel kernel; int rows, columns; } KernelChoice;

static KernelChoice chooseKernel(const MMConvGeometry *g) {
    KernelChoice choice = { kernelGeneric, GENERIC_MR, GENERIC_NR };
#if MM_X86
    switch (currentISA(g)) {
    case ISA_AVX512: choice.kernel = kernelAVX512; choice.rows = AVX512_MR; choice.columns = AVX512_NR; break;
    case ISA_AVX2: choice.kernel = kernelAVX2; choice.rows = AVX2_MR; choice.columns = AVX2_NR; break;
    default: break;
    }
#endif
    return choice;
}


static long groupInputChannels(const MMConvGeometry *g) { return g->inputChannels / g->groups; }
static long groupOutputChannels(const MMConvGeometry *g) { return g->outputChannels / g->groups; }
static long tapCount(const MMConvGeometry *g) { return (long)g->kernelHeight * g->kernelWidth; }
static int usesRowMerge(const MMConvGeometry *g) {
    return tapCount(g) > 1 && groupInputChannels(g) < IM2COL_CHANNELS && g->groups == 1 && g->dilationWidth == 1;
}
static int usesIm2col(const MMConvGeometry *g) {
    return tapCount(g) > 1 && groupInputChannels(g) < IM2COL_CHANNELS && !usesRowMerge(g);
}

int mm_conv_uses_padded_input(const MMConvGeometry *g) { return usesRowMerge(g); }

static long paddedHeight(const MMConvGeometry *g) { return g->inputHeight + 2L * g->paddingHeight; }
static long paddedWidth(const MMConvGeometry *g) { return g->inputWidth + 2L * g->paddingWidth; }

size_t mm_conv_padded_input_count(const MMConvGeometry *g) {
    return (size_t)((long)g->batch * paddedHeight(g) * paddedWidth(g) * g->inputChannels);
}

void mm_conv_pad_input(const MMConvGeometry *g, const float *input, float *padded, long imageStart, long imageEnd) {
    const long c = g->inputChannels, hp = paddedHeight(g), wp = paddedWidth(g);
    const long rowScalars = wp * c, inputRowScalars = (long)g->inputWidth * c;
    for (long n = imageStart; n < imageEnd; n++) {
        for (long y = 0; y < hp; y++) {
            float *dst = padded + (n * hp + y) * rowScalars;
            long ih = y - g->paddingHeight;
            if (ih < 0 || ih >= g->inputHeight) {
                memset(dst, 0, sizeof(float) * (size_t)rowScalars);
                continue;
            }
            memset(dst, 0, sizeof(float) * (size_t)(g->paddingWidth * c));
            memcpy(dst + g->paddingWidth * c, input + (n * g->inputHeight + ih) * inputRowScalars,
                   sizeof(float) * (size_t)inputRowScalars);
            memset(dst + g->paddingWidth * c + inputRowScalars, 0, sizeof(float) * (size_t)(g->paddingWidth * c));
        }
    }
}

size_t mm_conv_packed_weight_count(const MMConvGeometry *g) {
    long nr = chooseKernel(g).columns;
    long panels = (groupOutputChannels(g) + nr - 1) / nr;
    return (size_t)(panels * nr * tapCount(g) * groupInputChannels(g));
}

long mm_conv_weight_panel_count(const MMConvGeometry *g) {
    long nr = chooseKernel(g).columns;
    return (groupOutputChannels(g) + nr - 1) / nr;
}

// Packing writes panel[(t·cin + ci)·nr + j] = w[j][ci][t] for the panel's rows j: a
// transpose of the panel's [nr, cin·taps] weight rows whose source column l = ci·taps + t
// lands on destination row t·cin + ci.

static void packPanelScalar(const float *source, long rows, long cin, long taps, long nr, float *panel,
                            long lStart, long jStart) {
    const long length = cin * taps;
    for (long l = lStart; l < length; l++) {
        float *dst = panel + ((l % taps) * cin + l / taps) * nr;
        for (long j = jStart; j < nr; j++) dst[j] = j < rows ? source[j * length + l] : 0.0f;
    }
}

#if MM_X86
__attribute__((target("avx2,fma")))
static void packPanelAVX2(const float *source, long rows, long cin, long taps, long nr, float *panel) {
    const long length = cin * taps;
    const long fullRows = rows / 8 * 8, fullColumns = length / 8 * 8;
    for (long j0 = 0; j0 < fullRows; j0 += 8) {
        const float *block = source + j0 * length;
        for (long l0 = 0; l0 < fullColumns; l0 += 8) {
            __m256 r0 = _mm256_loadu_ps(block + 0 * length + l0), r1 = _mm256_loadu_ps(block + 1 * length + l0);
            __m256 r2 = _mm256_loadu_ps(block + 2 * length + l0), r3 = _mm256_loadu_ps(block + 3 * length + l0);
            __m256 r4 = _mm256_loadu_ps(block + 4 * length + l0), r5 = _mm256_loadu_ps(block + 5 * length + l0);
            __m256 r6 = _mm256_loadu_ps(block + 6 * length + l0), r7 = _mm256_loadu_ps(block + 7 * length + l0);
            __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
            __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
            __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
            __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
            __m256 columns[8] = {
                _mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
                _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
                _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
                _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31),
            };
            for (long c = 0; c < 8; c++) {
                long l = l0 + c;
                _mm256_storeu_ps(panel + ((l % taps) * cin + l / taps) * nr + j0, columns[c]);
            }
        }
        // Remaining source columns of these eight rows.
        for (long l = fullColumns; l < length; l++) {
            float *dst = panel + ((l % taps) * cin + l / taps) * nr;
            for (long j = j0; j < j0 + 8; j++) dst[j] = source[j * length + l];
        }
    }
    // Remaining rows (and the zero padding of a partial panel).
    packPanelScalar(source, rows, cin, taps, nr, panel, 0, fullRows);
}
#endif

void mm_conv_pack_weights(const MMConvGeometry *g, const float *weight, int group, float *packed,
                          long panelStart, long panelEnd) {
    long nr = chooseKernel(g).columns;
    long cin = groupInputChannels(g), cout = groupOutputChannels(g), taps = tapCount(g);
    long depth = taps * cin;
    const float *w = weight + (long)group * cout * cin * taps;
    for (long p = panelStart; p < panelEnd; p++) {
        float *panel = packed + p * depth * nr;
        long rows = cout - p * nr < nr ? cout - p * nr : nr;
        const float *source = w + p * nr * depth;
#if MM_X86
        if (currentISA(g) >= ISA_AVX2) { packPanelAVX2(source, rows, cin, taps, nr, panel); continue; }
#endif
        packPanelScalar(source, rows, cin, taps, nr, panel, 0, 0);
    }
}

long mm_conv_block_rows(const MMConvGeometry *g) { return (long)M_BLOCK_PANELS * chooseKernel(g).rows; }

size_t mm_conv_scratch_count(const MMConvGeometry *g) {
    long mr = chooseKernel(g).rows;
    long rows = (long)M_BLOCK_PANELS * mr;
    long taps = tapCount(g), cin = groupInputChannels(g);
    long zeros = (cin + 15) / 16 * 16;
    long pointerFloats = rows * taps * (long)(sizeof(float *) / sizeof(float)) + 16;
    long columns = usesIm2col(g) ? rows * taps * cin + 16 : 0;
    return (size_t)(zeros + pointerFloats + columns);
}

// One im2col row (output pixel n, oh, ow): kernel rows of kw·cin scalars, contiguous in
// NHWC when the dilation is 1 and there is one group, zeros in the padding.
static inline __attribute__((always_inline))
void gatherRowBody(const MMConvGeometry *g, const float *input, int group, long n, long oh, long ow, float *row) {
    const long cin = groupInputChannels(g);
    const long runLength = g->kernelWidth * cin;
    const int contiguousRun = g->dilationWidth == 1 && g->groups == 1;
    for (long kh = 0; kh < g->kernelHeight; kh++) {
        long ih = oh * g->strideHeight - g->paddingHeight + kh * g->dilationHeight;
        float *segment = row + kh * runLength;
        if (ih < 0 || ih >= g->inputHeight) {
            for (long c = 0; c < runLength; c++) segment[c] = 0.0f;
            continue;
        }
        long iwStart = ow * g->strideWidth - g->paddingWidth;
        const float *pixelRow = input + (n * g->inputHeight + ih) * g->inputWidth * (long)g->inputChannels;
        if (contiguousRun && iwStart >= 0 && iwStart + g->kernelWidth <= g->inputWidth) {
            const float *src = pixelRow + iwStart * cin;
            for (long c = 0; c < runLength; c++) segment[c] = src[c];
            continue;
        }
        for (long kw = 0; kw < g->kernelWidth; kw++) {
            long iw = iwStart + kw * g->dilationWidth;
            float *dst = segment + kw * cin;
            if (iw >= 0 && iw < g->inputWidth) {
                const float *src = pixelRow + iw * (long)g->inputChannels + group * cin;
                for (long c = 0; c < cin; c++) dst[c] = src[c];
            } else {
                for (long c = 0; c < cin; c++) dst[c] = 0.0f;
            }
        }
    }
}

#if MM_X86
__attribute__((target("avx512f,fma")))
static void gatherRowAVX512(const MMConvGeometry *g, const float *input, int group, long n, long oh, long ow, float *row) {
    gatherRowBody(g, input, group, n, oh, ow, row);
}
#endif

static void gatherRowPortable(const MMConvGeometry *g, const float *input, int group, long n, long oh, long ow, float *row) {
    gatherRowBody(g, input, group, n, oh, ow, row);
}

static void gatherRow(const MMConvGeometry *g, const float *input, int group, long n, long oh, long ow, float *row) {
#if MM_X86
    if (currentISA(g) >= ISA_AVX512) { gatherRowAVX512(g, input, group, n, oh, ow, row); return; }
#endif
    gatherRowPortable(g, input, group, n, oh, ow, row);
}

void mm_conv_run_rows(const MMConvGeometry *g, const float *input, const float *packedWeights,
                      const float *bias, const float *residual, int relu, float *output, int group,
                      long rowStart, long rowEnd, long panelStart, long panelEnd, float *scratch) {
    KernelChoice choice = chooseKernel(g);
    const long mr = choice.rows, nr = choice.columns;
    const long cin = groupInputChannels(g), cout = groupOutputChannels(g), taps = tapCount(g);
    const long depth = taps * cin;
    const long nPanels = (cout + nr - 1) / nr;
    const long ldc = g->outputChannels;
    const long pixelsPerImage = (long)g->outputHeight * g->outputWidth;
    const int im2col = usesIm2col(g);
    const long blockRows = (long)M_BLOCK_PANELS * mr;

    float *zeros = scratch;
    long zeroCount = (cin + 15) / 16 * 16;
    memset(zeros, 0, sizeof(float) * (size_t)zeroCount);
    uintptr_t pointerAddress = ((uintptr_t)(scratch + zeroCount) + 63) & ~(uintptr_t)63;
    const float **pointers = (const float **)pointerAddress;
    float *columns = (float *)(pointers + blockRows * taps);
    columns = (float *)(((uintptr_t)columns + 63) & ~(uintptr_t)63);

    // Effective A geometry: per-tap channel runs, or one contiguous gathered row.
    const int rowMerge = usesRowMerge(g);
    const long effectiveTaps = im2col ? 1 : (rowMerge ? g->kernelHeight : taps);
    const long effectiveChannels = im2col ? depth : (rowMerge ? g->kernelWidth * cin : cin);
    const long bTapStride = effectiveChannels * nr;

    for (long m0 = rowStart; m0 < rowEnd; m0 += blockRows) {
        long m1 = m0 + blockRows < rowEnd ? m0 + blockRows : rowEnd;
        long mPanels = (m1 - m0 + mr - 1) / mr;
        // Output coordinates advance incrementally (no divisions per row); rows past the
        // block's end repeat its last row (computed, never stored).
        long n = m0 / pixelsPerImage, oh = (m0 % pixelsPerImage) / g->outputWidth, ow = m0 % g->outputWidth;
        for (long q = 0; q < mPanels; q++) {
            for (long i = 0; i < mr; i++) {
                long m = m0 + q * mr + i;
                if (m >= m1) {
                    long previous = q * mr + i - 1;
                    for (long t = 0; t < effectiveTaps; t++)
                        pointers[(q * effectiveTaps + t) * mr + i] =
                            pointers[(previous / mr * effectiveTaps + t) * mr + previous % mr];
                    continue;
                }
                if (im2col) {
                    float *row = columns + (q * mr + i) * depth;
                    gatherRow(g, input, group, n, oh, ow, row);
                    pointers[q * mr + i] = row;
                } else if (rowMerge) {
                    // `input` is the zero-padded copy: each kernel row is kw·cin contiguous scalars.
                    const long wp = paddedWidth(g), hp = paddedHeight(g);
                    for (long kh = 0; kh < g->kernelHeight; kh++) {
                        long y = oh * g->strideHeight + kh * g->dilationHeight;
                        pointers[(q * effectiveTaps + kh) * mr + i] =
                            input + ((n * hp + y) * wp + ow * g->strideWidth) * (long)g->inputChannels;
                    }
                } else {
                    const float **rowPointers = pointers + q * effectiveTaps * mr + i;
                    const long iw0 = ow * g->strideWidth - g->paddingWidth;
                    for (long kh = 0; kh < g->kernelHeight; kh++) {
                        long ih = oh * g->strideHeight - g->paddingHeight + kh * g->dilationHeight;
                        int rowInside = ih >= 0 && ih < g->inputHeight;
                        const float *pixelRow = input + ((n * g->inputHeight + ih) * g->inputWidth) * (long)g->inputChannels + group * cin;
                        for (long kw = 0; kw < g->kernelWidth; kw++) {
                            long iw = iw0 + kw * g->dilationWidth;
                            long t = kh * g->kernelWidth + kw;
                            rowPointers[t * mr] = (rowInside && iw >= 0 && iw < g->inputWidth)
                                ? pixelRow + iw * (long)g->inputChannels : zeros;
                        }
                    }
                }
                if (++ow == g->outputWidth) {
                    ow = 0;
                    if (++oh == g->outputHeight) { oh = 0; n++; }
                }
            }
        }
        // K blocks: whole taps when channels are few, else channel slices of one tap.
        long tapsPerBlock, channelBlock;
        if (effectiveChannels >= K_BLOCK) {
            tapsPerBlock = 1;
            long pieces = (effectiveChannels + K_BLOCK - 1) / K_BLOCK;
            channelBlock = (effectiveChannels + pieces - 1) / pieces;
        } else {
            tapsPerBlock = K_BLOCK / effectiveChannels;
            if (tapsPerBlock < 1) tapsPerBlock = 1;
            channelBlock = effectiveChannels;
        }
        for (long t0 = 0; t0 < effectiveTaps; t0 += tapsPerBlock) {
            long t1 = t0 + tapsPerBlock < effectiveTaps ? t0 + tapsPerBlock : effectiveTaps;
            for (long c0 = 0; c0 < effectiveChannels; c0 += channelBlock) {
                long c1 = c0 + channelBlock < effectiveChannels ? c0 + channelBlock : effectiveChannels;
                int accumulate = !(t0 == 0 && c0 == 0);
                for (long p = panelStart; p < panelEnd && p < nPanels; p++) {
                    const float *bPanel = packedWeights + p * depth * nr + (t0 * effectiveChannels + c0) * nr;
                    long cols = cout - p * nr < nr ? cout - p * nr : nr;
                    const float *panelBias = bias ? bias + group * cout + p * nr : 0;
                    for (long q = 0; q < mPanels; q++) {
                        long rowBase = m0 + q * mr;
                        long rows = m1 - rowBase < mr ? m1 - rowBase : mr;
                        choice.kernel(pointers + (q * effectiveTaps + t0) * mr, (int)(t1 - t0), c0, (int)(c1 - c0),
                                      bPanel, bTapStride, output + rowBase * ldc + group * cout + p * nr, ldc,
                                      (int)rows, (int)cols, panelBias, accumulate);
                    }
                }
            }
        }
        if (residual || relu) {
            // Epilogue on the block just written, while it is still in cache.
            long columnStart = panelStart * nr;
            long columnEnd = (panelEnd < nPanels ? panelEnd : nPanels) * nr;
            if (columnEnd > cout) columnEnd = cout;
            for (long m = m0; m < m1; m++) {
                float *row = output + m * ldc + group * cout;
                const float *shortcut = residual ? residual + m * ldc + group * cout : 0;
                if (shortcut && relu) {
                    for (long j = columnStart; j < columnEnd; j++) {
                        float value = row[j] + shortcut[j];
                        row[j] = value > 0.0f ? value : 0.0f;
                    }
                } else if (shortcut) {
                    for (long j = columnStart; j < columnEnd; j++) row[j] += shortcut[j];
                } else {
                    for (long j = columnStart; j < columnEnd; j++) row[j] = row[j] > 0.0f ? row[j] : 0.0f;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Depthwise convolution: one multiply-add per tap and channel, vectorised over channels.

static inline __attribute__((always_inline))
void depthwiseRows(const MMConvGeometry *g, const float *input, const float *tapWeights,
                   const float *bias, float *output, long rowStart, long rowEnd) {
    const long channels = g->inputChannels;
    const long pixelsPerImage = (long)g->outputHeight * g->outputWidth;
    for (long m = rowStart; m < rowEnd; m++) {
        long n = m / pixelsPerImage, rem = m % pixelsPerImage;
        long oh = rem / g->outputWidth, ow = rem % g->outputWidth;
        float *out = output + m * channels;
        for (long c = 0; c < channels; c++) out[c] = bias ? bias[c] : 0.0f;
        for (long kh = 0; kh < g->kernelHeight; kh++) {
            long ih = oh * g->strideHeight - g->paddingHeight + kh * g->dilationHeight;
            if (ih < 0 || ih >= g->inputHeight) continue;
            for (long kw = 0; kw < g->kernelWidth; kw++) {
                long iw = ow * g->strideWidth - g->paddingWidth + kw * g->dilationWidth;
                if (iw < 0 || iw >= g->inputWidth) continue;
                const float *x = input + ((n * g->inputHeight + ih) * g->inputWidth + iw) * channels;
                const float *w = tapWeights + (kh * g->kernelWidth + kw) * channels;
                for (long c = 0; c < channels; c++) out[c] += x[c] * w[c];
            }
        }
    }
}

#if MM_X86
__attribute__((target("avx512f,fma")))
static void depthwiseAVX512(const MMConvGeometry *g, const float *input, const float *tapWeights,
                            const float *bias, float *output, long rowStart, long rowEnd) {
    depthwiseRows(g, input, tapWeights, bias, output, rowStart, rowEnd);
}

__attribute__((target("avx2,fma")))
static void depthwiseAVX2(const MMConvGeometry *g, const float *input, const float *tapWeights,
                          const float *bias, float *output, long rowStart, long rowEnd) {
    depthwiseRows(g, input, tapWeights, bias, output, rowStart, rowEnd);
}
#endif

void mm_depthwise_run_rows(const MMConvGeometry *g, const float *input, const float *tapWeights,
                           const float *bias, float *output, long rowStart, long rowEnd) {
#if MM_X86
    switch (currentISA(g)) {
    case ISA_AVX512: depthwiseAVX512(g, input, tapWeights, bias, output, rowStart, rowEnd); return;
    case ISA_AVX2: depthwiseAVX2(g, input, tapWeights, bias, output, rowStart, rowEnd); return;
    default: break;
    }
#endif
    depthwiseRows(g, input, tapWeights, bias, output, rowStart, rowEnd);
}
