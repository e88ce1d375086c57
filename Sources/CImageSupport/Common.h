#ifndef MMFUSION_IMAGE_SUPPORT_COMMON_H
#define MMFUSION_IMAGE_SUPPORT_COMMON_H
#include "ImageSupport.h"

/// Clears every field except the caller's `destination` and `destination_capacity`.
void mmf_image_reset(mmf_decoded_image *image);
void mmf_set_message(mmf_decoded_image *image, const char *format, ...);
/// Stores the size and answers OK, CORRUPT (a zero extent) or TOO_MANY_PIXELS.
mmf_image_status mmf_check_dimensions(mmf_decoded_image *image, uint64_t width, uint64_t height, uint64_t max_pixels);
/// Allocates `width * height * channels` bytes into `image->pixels`; NULL on failure.
uint8_t *mmf_allocate_pixels(mmf_decoded_image *image, size_t channels);

#endif
