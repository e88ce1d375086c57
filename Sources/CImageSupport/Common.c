#include "ImageSupport.h"
#include "Common.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mmf_image_release(mmf_decoded_image *image) {
    if (!image) return;
    if (image->pixels && image->owns_pixels) free(image->pixels);
    image->pixels = NULL;
    image->owns_pixels = 0;
}

void mmf_image_reset(mmf_decoded_image *image) {
    uint8_t *destination = image->destination;
    size_t capacity = image->destination_capacity;
    memset(image, 0, sizeof *image);
    image->destination = destination;
    image->destination_capacity = capacity;
}

void mmf_set_message(mmf_decoded_image *image, const char *format, ...) {
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(image->message, sizeof image->message, format, arguments);
    va_end(arguments);
}

mmf_image_status mmf_check_dimensions(mmf_decoded_image *image, uint64_t width, uint64_t height, uint64_t max_pixels) {
    image->width = (uint32_t)width;
    image->height = (uint32_t)height;
    if (width == 0 || height == 0) {
        mmf_set_message(image, "the header gives a size of %llux%llu", (unsigned long long)width, (unsigned long long)height);
        return MMF_IMAGE_CORRUPT;
    }
    if (width * height > max_pixels) return MMF_IMAGE_TOO_MANY_PIXELS;
    return MMF_IMAGE_OK;
}

uint8_t *mmf_allocate_pixels(mmf_decoded_image *image, size_t channels) {
    size_t count = (size_t)image->width * (size_t)image->height * channels;
    if (image->destination && image->destination_capacity >= count) {
        image->pixels = image->destination;
        image->owns_pixels = 0;
        return image->pixels;
    }
    image->pixels = malloc(count > 0 ? count : 1);
    image->owns_pixels = image->pixels != NULL;
    if (!image->pixels) mmf_set_message(image, "cannot allocate %zu bytes for the pixels", count);
    return image->pixels;
}
