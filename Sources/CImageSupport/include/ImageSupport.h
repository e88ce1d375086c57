#ifndef MMFUSION_IMAGE_SUPPORT_H
#define MMFUSION_IMAGE_SUPPORT_H
// Safe wrappers around libjpeg-turbo, libpng, giflib and libwebp: each decodes a
// whole image held in memory, turns every codec error into a status code (libjpeg's
// and libpng's errors longjmp back here instead of calling exit()), and checks the
// pixel count from the header before allocating the pixels.
#include <stddef.h>
#include <stdint.h>

typedef enum {
    MMF_IMAGE_OK = 0,
    MMF_IMAGE_TOO_MANY_PIXELS = 1,
    MMF_IMAGE_TRUNCATED = 2,
    MMF_IMAGE_CORRUPT = 3,
    MMF_IMAGE_UNSUPPORTED = 4,
    MMF_IMAGE_OUT_OF_MEMORY = 5,
} mmf_image_status;

typedef enum {
    /// 3 bytes per pixel, R G B.
    MMF_LAYOUT_RGB = 0,
    /// 4 bytes per pixel, R G B A (straight alpha).
    MMF_LAYOUT_RGBA = 1,
    /// 4 bytes per pixel, C M Y K as stored in the JPEG (see `adobe_inverted`).
    MMF_LAYOUT_CMYK = 2,
} mmf_pixel_layout;

typedef struct {
    /// Width and height from the header; set also when the status is TOO_MANY_PIXELS.
    uint32_t width;
    uint32_t height;
    mmf_pixel_layout layout;
    /// JPEG CMYK/YCCK only: 1 when an Adobe APP14 marker is present, whose convention
    /// stores inverted ink values (0 = full ink).
    int adobe_inverted;
    /// Row-major pixels, `width * height * (3 or 4)` bytes; release with `mmf_image_release`.
    uint8_t *pixels;
    /// Optional caller-owned buffer set before decoding: when the pixels fit in
    /// `destination_capacity` bytes they are written there (`pixels == destination`)
    /// instead of into a new allocation. Decoders keep these two fields.
    uint8_t *destination;
    size_t destination_capacity;
    /// 1 when `pixels` was allocated by the decoder (and is freed by `mmf_image_release`).
    int owns_pixels;
    /// The codec's own words for a failure, NUL-terminated.
    char message[200];
} mmf_decoded_image;

mmf_image_status mmf_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, mmf_decoded_image *image);
mmf_image_status mmf_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels, mmf_decoded_image *image);
mmf_image_status mmf_decode_gif(const uint8_t *data, size_t size, uint64_t max_pixels, mmf_decoded_image *image);
mmf_image_status mmf_decode_webp(const uint8_t *data, size_t size, uint64_t max_pixels, mmf_decoded_image *image);

/// Reads a JPEG's header only: its size, and whether it decodes to RGB directly (not
/// CMYK/YCCK). Answers OK, TRUNCATED, CORRUPT or UNSUPPORTED like `mmf_decode_jpeg`.
mmf_image_status mmf_probe_jpeg(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, int *decodes_to_rgb);

/// Frees `image->pixels` if the decoder allocated them (safe to call twice).
void mmf_image_release(mmf_decoded_image *image);

#endif
