// WebP decoding through libwebp (still images) and libwebpdemux (the first frame of
// an animation, composed on its canvas as WebPAnimDecoder does).
#include "ImageSupport.h"
#include "Common.h"
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

static mmf_image_status mmf_webp_status(VP8StatusCode code) {
    switch (code) {
    case VP8_STATUS_OK: return MMF_IMAGE_OK;
    case VP8_STATUS_NOT_ENOUGH_DATA: return MMF_IMAGE_TRUNCATED;
    case VP8_STATUS_UNSUPPORTED_FEATURE: return MMF_IMAGE_UNSUPPORTED;
    case VP8_STATUS_OUT_OF_MEMORY: return MMF_IMAGE_OUT_OF_MEMORY;
    default: return MMF_IMAGE_CORRUPT;
    }
}

static const char *mmf_webp_message(VP8StatusCode code) {
    switch (code) {
    case VP8_STATUS_NOT_ENOUGH_DATA: return "the data ends early";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error";
    default: return "decoding failed";
    }
}

static mmf_image_status mmf_decode_webp_animation(const uint8_t *data, size_t size, mmf_decoded_image *image) {
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) {
        mmf_set_message(image, "libwebpdemux version mismatch");
        return MMF_IMAGE_UNSUPPORTED;
    }
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPData input = {data, size};
    WebPAnimDecoder *decoder = WebPAnimDecoderNew(&input, &options);
    if (!decoder) {
        mmf_set_message(image, "the animation's container is invalid");
        return MMF_IMAGE_CORRUPT;
    }
    WebPAnimInfo info;
    uint8_t *frame = NULL;
    int timestamp = 0;
    if (!WebPAnimDecoderGetInfo(decoder, &info) || info.canvas_width != image->width ||
        info.canvas_height != image->height || !WebPAnimDecoderGetNext(decoder, &frame, &timestamp) || !frame) {
        WebPAnimDecoderDelete(decoder);
        mmf_set_message(image, "cannot decode the first frame of the animation");
        return MMF_IMAGE_CORRUPT;
    }
    image->layout = MMF_LAYOUT_RGBA;
    if (!mmf_allocate_pixels(image, 4)) {
        WebPAnimDecoderDelete(decoder);
        return MMF_IMAGE_OUT_OF_MEMORY;
    }
    memcpy(image->pixels, frame, (size_t)image->width * image->height * 4);
    WebPAnimDecoderDelete(decoder);
    return MMF_IMAGE_OK;
}

mmf_image_status mmf_decode_webp(const uint8_t *data, size_t size, uint64_t max_pixels, mmf_decoded_image *image) {
    WebPBitstreamFeatures features;
    mmf_image_reset(image);
    VP8StatusCode code = WebPGetFeatures(data, size, &features);
    if (code != VP8_STATUS_OK) {
        mmf_set_message(image, "%s", mmf_webp_message(code));
        return mmf_webp_status(code);
    }
    mmf_image_status status = mmf_check_dimensions(image, (uint64_t)(features.width > 0 ? features.width : 0),
                                                   (uint64_t)(features.height > 0 ? features.height : 0), max_pixels);
    if (status != MMF_IMAGE_OK) return status;
    if (features.has_animation) return mmf_decode_webp_animation(data, size, image);

    size_t channels = features.has_alpha ? 4 : 3;
    image->layout = features.has_alpha ? MMF_LAYOUT_RGBA : MMF_LAYOUT_RGB;
    if (!mmf_allocate_pixels(image, channels)) return MMF_IMAGE_OUT_OF_MEMORY;
    size_t stride = (size_t)image->width * channels;
    size_t total = stride * image->height;
    uint8_t *result = features.has_alpha
        ? WebPDecodeRGBAInto(data, size, image->pixels, total, (int)stride)
        : WebPDecodeRGBInto(data, size, image->pixels, total, (int)stride);
    if (!result) {
        mmf_image_release(image);
        // Decode again incrementally to learn why: a short file reports NOT_ENOUGH_DATA.
        WebPDecoderConfig config;
        if (WebPInitDecoderConfig(&config)) {
            config.output.colorspace = MODE_RGBA;
            VP8StatusCode reason = WebPDecode(data, size, &config);
            WebPFreeDecBuffer(&config.output);
            if (reason != VP8_STATUS_OK) {
                mmf_set_message(image, "%s", mmf_webp_message(reason));
                return mmf_webp_status(reason);
            }
        }
        mmf_set_message(image, "the image data does not decode");
        return MMF_IMAGE_CORRUPT;
    }
    return MMF_IMAGE_OK;
}
