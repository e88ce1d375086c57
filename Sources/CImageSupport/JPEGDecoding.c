// JPEG decoding through libjpeg-turbo with an error manager that longjmps back
// here, so corrupt or truncated data yields a status instead of exit().
#include "ImageSupport.h"
#include "Common.h"
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

/// More scans than any real progressive JPEG has; bounds the work a crafted file can cause.
#define MMF_JPEG_MAXIMUM_SCANS 1000

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    int premature_end;
    int corrupt_data;
    char message[JMSG_LENGTH_MAX];
} mmf_jpeg_errors;

typedef struct {
    struct jpeg_progress_mgr manager;
    j_decompress_ptr decompressor;
} mmf_jpeg_progress;

static void mmf_jpeg_error_exit(j_common_ptr info) {
    mmf_jpeg_errors *errors = (mmf_jpeg_errors *)info->err;
    (*info->err->format_message)(info, errors->message);
    longjmp(errors->jump, 1);
}

static void mmf_jpeg_emit_message(j_common_ptr info, int level) {
    mmf_jpeg_errors *errors = (mmf_jpeg_errors *)info->err;
    if (level < 0) {
        if (info->err->msg_code == JWRN_JPEG_EOF) {
            errors->premature_end = 1;
        } else {
            errors->corrupt_data = 1;
        }
        info->err->num_warnings++;
    }
}

static void mmf_jpeg_output_message(j_common_ptr info) { (void)info; }

static void mmf_jpeg_progress_monitor(j_common_ptr info) {
    mmf_jpeg_progress *progress = (mmf_jpeg_progress *)info->progress;
    if (progress->decompressor->input_scan_number > MMF_JPEG_MAXIMUM_SCANS) {
        mmf_jpeg_errors *errors = (mmf_jpeg_errors *)info->err;
        snprintf(errors->message, sizeof errors->message,
                 "more than %d progressive scans", MMF_JPEG_MAXIMUM_SCANS);
        longjmp(errors->jump, 1);
    }
}

mmf_image_status mmf_decode_jpeg(const uint8_t *data, size_t size, uint64_t max_pixels, mmf_decoded_image *image) {
    struct jpeg_decompress_struct info;
    mmf_jpeg_errors errors;
    mmf_jpeg_progress progress;
    mmf_image_reset(image);
    memset(&errors, 0, sizeof errors);

    info.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = mmf_jpeg_error_exit;
    errors.manager.emit_message = mmf_jpeg_emit_message;
    errors.manager.output_message = mmf_jpeg_output_message;
    if (setjmp(errors.jump)) {
        // Data that ran out without first looking damaged is a cut-short file.
        int truncated = errors.premature_end && !errors.corrupt_data;
        jpeg_destroy_decompress(&info);
        mmf_image_release(image);
        mmf_set_message(image, "%s", errors.message);
        return truncated ? MMF_IMAGE_TRUNCATED : MMF_IMAGE_CORRUPT;
    }
    jpeg_create_decompress(&info);
    progress.manager.progress_monitor = mmf_jpeg_progress_monitor;
    progress.decompressor = &info;
    info.progress = &progress.manager;
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    if (errors.premature_end) {
        jpeg_destroy_decompress(&info);
        mmf_set_message(image, "the data ends inside the header");
        return MMF_IMAGE_TRUNCATED;
    }

    mmf_image_status status = mmf_check_dimensions(image, info.image_width, info.image_height, max_pixels);
    if (status != MMF_IMAGE_OK) {
        jpeg_destroy_decompress(&info);
        return status;
    }
    size_t channels;
    switch (info.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        info.out_color_space = JCS_RGB;
        image->layout = MMF_LAYOUT_RGB;
        channels = 3;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        info.out_color_space = JCS_CMYK;
        image->layout = MMF_LAYOUT_CMYK;
        image->adobe_inverted = info.saw_Adobe_marker ? 1 : 0;
        channels = 4;
        break;
    default:
        jpeg_destroy_decompress(&info);
        mmf_set_message(image, "colour space %d with %d components", (int)info.jpeg_color_space, info.num_components);
        return MMF_IMAGE_UNSUPPORTED;
    }

    jpeg_start_decompress(&info);
    if (info.output_components != (int)channels) {
        jpeg_destroy_decompress(&info);
        mmf_set_message(image, "the decoder produced %d components", info.output_components);
        return MMF_IMAGE_UNSUPPORTED;
    }
    image->width = info.output_width;
    image->height = info.output_height;
    if (!mmf_allocate_pixels(image, channels)) {
        jpeg_destroy_decompress(&info);
        return MMF_IMAGE_OUT_OF_MEMORY;
    }
    size_t stride = (size_t)image->width * channels;
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = image->pixels + (size_t)info.output_scanline * stride;
        jpeg_read_scanlines(&info, &row, 1);
        if (errors.premature_end) break;
    }
    if (errors.premature_end) {
        jpeg_destroy_decompress(&info);
        mmf_image_release(image);
        mmf_set_message(image, "the data ends before the last scan line");
        return MMF_IMAGE_TRUNCATED;
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    if (errors.premature_end) {
        mmf_image_release(image);
        mmf_set_message(image, "the data ends before the end-of-image marker");
        return MMF_IMAGE_TRUNCATED;
    }
    return MMF_IMAGE_OK;
}

mmf_image_status mmf_probe_jpeg(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, int *decodes_to_rgb) {
    struct jpeg_decompress_struct info;
    mmf_jpeg_errors errors;
    memset(&errors, 0, sizeof errors);
    *width = 0;
    *height = 0;
    *decodes_to_rgb = 0;
    info.err = jpeg_std_error(&errors.manager);
    errors.manager.error_exit = mmf_jpeg_error_exit;
    errors.manager.emit_message = mmf_jpeg_emit_message;
    errors.manager.output_message = mmf_jpeg_output_message;
    if (setjmp(errors.jump)) {
        int truncated = errors.premature_end && !errors.corrupt_data;
        jpeg_destroy_decompress(&info);
        return truncated ? MMF_IMAGE_TRUNCATED : MMF_IMAGE_CORRUPT;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);
    mmf_image_status status = errors.premature_end ? MMF_IMAGE_TRUNCATED : MMF_IMAGE_OK;
    *width = info.image_width;
    *height = info.image_height;
    *decodes_to_rgb = info.jpeg_color_space == JCS_GRAYSCALE || info.jpeg_color_space == JCS_YCbCr ||
                      info.jpeg_color_space == JCS_RGB;
    jpeg_destroy_decompress(&info);
    return status;
}
