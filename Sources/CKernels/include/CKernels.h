#ifndef MMFUSION_CKERNELS_H
#define MMFUSION_CKERNELS_H
// SIMD kernels for channels-last (NHWC) convolution: an indirect GEMM whose A rows are
// read through pointers into the input (so 1x1 and strided convolutions need no im2col
// copy), with AVX-512, AVX2+FMA and portable micro-kernels chosen at run time.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Geometry of one grouped 2-D convolution over an NHWC input.
typedef struct {
    int batch, inputHeight, inputWidth, inputChannels;
    int outputHeight, outputWidth, outputChannels;
    int kernelHeight, kernelWidth;
    int strideHeight, strideWidth;
    int paddingHeight, paddingWidth;
    int dilationHeight, dilationWidth;
    int groups;
    /// Highest instruction set the kernels may use: -1 the machine's best, 0 portable C,
    /// 1 AVX2+FMA, 2 AVX-512 (tests pin each path this way).
    int instructionSet;
} MMConvGeometry;

/// Best instruction set of this machine: 0 portable C, 1 AVX2+FMA, 2 AVX-512.
int mm_conv_isa(void);

/// Scalars needed by `mm_conv_pack_weights` for one group's packed weights.
size_t mm_conv_packed_weight_count(const MMConvGeometry *geometry);

/// Number of column panels (tile-wide slices of one group's output channels).
long mm_conv_weight_panel_count(const MMConvGeometry *geometry);

/// Packs panels [panelStart, panelEnd) of group `group`'s weights from PyTorch's
/// [Cout, Cin/groups, kh, kw] layout into column panels ordered (tap, channel), the last
/// one zero-padded. Panels are independent, so callers may split them over threads.
void mm_conv_pack_weights(const MMConvGeometry *geometry, const float *weight, int group, float *packed,
                          long panelStart, long panelEnd);

/// Scalars of scratch memory one call of `mm_conv_run_rows` needs.
size_t mm_conv_scratch_count(const MMConvGeometry *geometry);

/// Computes output rows [rowStart, rowEnd) (a row is one output pixel n*OH*OW + oh*OW + ow)
/// and weight panels [panelStart, panelEnd) (see `mm_conv_weight_panel_count`) of group
/// `group`: output[row, group columns] = bias + sum over taps and channels, then, when
/// given, + residual[row, same columns] and max(·, 0) (`relu` nonzero), applied to each
/// block of rows while it is in cache. `output` and `residual` are NHWC [N*OH*OW, Cout];
/// `bias` and `residual` may be NULL. Single-threaded; callers split rows or panels over
/// threads.
void mm_conv_run_rows(const MMConvGeometry *geometry, const float *input, const float *packedWeights,
                      const float *bias, const float *residual, int relu, float *output, int group,
                      long rowStart, long rowEnd, long panelStart, long panelEnd, float *scratch);

/// Output rows per block of `mm_conv_run_rows` (its unit of weight reuse).
long mm_conv_block_rows(const MMConvGeometry *geometry);

/// Whether `mm_conv_run_rows` reads a zero-padded copy of the input (thin inputs such as
/// RGB under a 7x7 kernel: each kernel row is then one contiguous run of kw*C scalars).
int mm_conv_uses_padded_input(const MMConvGeometry *geometry);
/// Scalars of that padded copy: N * (H + 2ph) * (W + 2pw) * C.
size_t mm_conv_padded_input_count(const MMConvGeometry *geometry);
/// Writes images [imageStart, imageEnd) of the padded copy.
void mm_conv_pad_input(const MMConvGeometry *geometry, const float *input, float *padded, long imageStart, long imageEnd);

/// Depthwise convolution (groups == Cin == Cout) over NHWC rows [rowStart, rowEnd) of the
/// output, with weights repacked as [kh*kw][C] (`tapWeights`). `bias` may be NULL.
void mm_depthwise_run_rows(const MMConvGeometry *geometry, const float *input, const float *tapWeights,
                           const float *bias, float *output, long rowStart, long rowEnd);

/// Transposes rows [rowStart, rowEnd) of the row-major [rows, columns] matrix `src` into
/// the row-major [columns, rows] matrix `dst` (dst[c][r] = src[r][c]).
void mm_transpose_rows(const float *src, float *dst, long rows, long columns, long rowStart, long rowEnd);

/// destination[i] = min(max(source[i], lower), upper) (vectorised by the compiler).
void mm_clamp(const float *source, float *destination, size_t count, float lower, float upper);

/// 1 when the processor has the x86 SHA extensions (and SSSE3/SSE4.1), else 0.
int mm_sha256_isa(void);

/// Runs SHA-256's compression function over `blocks` whole 64-byte blocks at `data`,
/// updating `state` (eight words, FIPS 180-4 order). `instructionSet`: -1 the machine's
/// best, 0 portable C, 1 the SHA extensions (tests pin each path this way).
void mm_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks, int instructionSet);

#ifdef __cplusplus
}
#endif
/// Tunes glibc's allocator for large, short-lived tensor buffers (no-op elsewhere).
void ck_configure_allocator(void);

#endif
