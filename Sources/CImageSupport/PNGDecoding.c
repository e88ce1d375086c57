// PNG decoding through libpng with its errors caught by setjmp. Every variant is
// expanded to 8-bit RGB or RGBA: palettes and low bit depths expand, tRNS becomes an
// alpha channel, 16-bit samples keep their high byte (as Pillow reads them), gray
// is replicated into R, G and B. Gamma and colour-profile chunks are not applied.
#include "ImageSupport.h"
#include "Common.h"
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    int ran_out;
    char message[160];
} mmf_png_state;

static void mmf_png_read(png_structp png, png_bytep destination, size_t length) {
    mmf_png_state *state = (mmf_png_state *)png_get_io_ptr(png);
    if (state->size - state->offset < length) {
        state->ran_out = 1;
        png_error(png, "the data ends early");
    }
    memcpy(destination, state->data + state->offset, length);
    state->offset += length;
}

static void mmf_png_error(png_structp png, png_const_charp message) {
    mmf_png_state *state = (mmf_png_state *)png_get_error_ptr(png);
    strncpy(state->message, message ? message : "unknown error", sizeof state->message - 1);
    state->message[sizeof state->message - 1] = 0;
    png_longjmp(png, 1);
}

static void mmf_png_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

mmf_image_status mmf_decode_png(const uint8_t *data, size_t size, uint64_t max_pixels, mmf_decoded_image *image) {
    mmf_png_state state;
    png_structp png;
    png_infop info = NULL;
    png_bytep *volatile rows = NULL;
    mmf_image_reset(image);
    memset(&state, 0, sizeof state);
    state.data = data;
    state.size = size;

    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, mmf_png_error, mmf_png_warning);
    if (!png) {
        mmf_set_message(image, "cannot create the PNG reader");
        return MMF_IMAGE_OUT_OF_MEMORY;
    }
    info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        mmf_set_message(image, "cannot create the PNG reader");
        return MMF_IMAGE_OUT_OF_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        mmf_image_release(image);
        mmf_set_message(image, "%s", state.message);
        return state.ran_out ? MMF_IMAGE_TRUNCATED : MMF_IMAGE_CORRUPT;
    }
    png_set_read_fn(png, &state, mmf_png_read);
    // Header-declared sizes are checked against max_pixels below; lift libpng's own
    // 1,000,000-per-side cap so that check, not libpng's, reports large images.
    png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    mmf_image_status status = mmf_check_dimensions(image, width, height, max_pixels);
    if (status != MMF_IMAGE_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }

    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bit_depth == 16) png_set_strip_16(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t channels = png_get_channels(png, info);
    if (png_get_bit_depth(png, info) != 8 || (channels != 3 && channels != 4)) {
        png_destroy_read_struct(&png, &info, NULL);
        mmf_set_message(image, "colour type %d at %d bits did not expand to 8-bit RGB(A)", color_type, bit_depth);
        return MMF_IMAGE_UNSUPPORTED;
    }
    image->layout = channels == 4 ? MMF_LAYOUT_RGBA : MMF_LAYOUT_RGB;
    if (!mmf_allocate_pixels(image, channels)) {
        png_destroy_read_struct(&png, &info, NULL);
        return MMF_IMAGE_OUT_OF_MEMORY;
    }
    rows = malloc(sizeof(png_bytep) * height);
    if (!rows) {
        png_destroy_read_struct(&png, &info, NULL);
        mmf_image_release(image);
        mmf_set_message(image, "cannot allocate the row table");
        return MMF_IMAGE_OUT_OF_MEMORY;
    }
    size_t stride = (size_t)width * channels;
    for (png_uint_32 y = 0; y < height; y++) rows[y] = image->pixels + (size_t)y * stride;
    // Chunks after the image data (text, time, IEND) are not read: a file cut short
    // after its last IDAT still holds every pixel.
    png_read_image(png, rows);
    free(rows);
    rows = NULL;
    png_destroy_read_struct(&png, &info, NULL);
    return MMF_IMAGE_OK;
}
