// GIF decoding through giflib, first frame only, read from memory. The frame is
// drawn on a transparent canvas of the logical screen size; the GIF's transparent
// colour index (from the frame's graphic control extension) becomes alpha 0.
#include "ImageSupport.h"
#include "Common.h"
#include <stdlib.h>
#include <string.h>
#include <gif_lib.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    int ran_out;
} mmf_gif_reader;

static int mmf_gif_read(GifFileType *gif, GifByteType *destination, int length) {
    mmf_gif_reader *reader = (mmf_gif_reader *)gif->UserData;
    if (length <= 0) return 0;
    size_t available = reader->size - reader->offset;
    size_t count = (size_t)length < available ? (size_t)length : available;
    if (count < (size_t)length) reader->ran_out = 1;
    memcpy(destination, reader->data + reader->offset, count);
    reader->offset += count;
    return (int)count;
}

static mmf_image_status mmf_gif_failure(GifFileType *gif, mmf_gif_reader *reader, mmf_decoded_image *image, const char *doing) {
    int code = gif ? gif->Error : 0;
    const char *text = GifErrorString(code);
    mmf_set_message(image, "%s: %s", doing, text ? text : "unknown error");
    int ignored;
    if (gif) DGifCloseFile(gif, &ignored);
    mmf_image_release(image);
    return reader->ran_out ? MMF_IMAGE_TRUNCATED : MMF_IMAGE_CORRUPT;
}

mmf_image_status mmf_decode_gif(const uint8_t *data, size_t size, uint64_t max_pixels, mmf_decoded_image *image) {
    mmf_gif_reader reader = {data, size, 0, 0};
    int error = 0;
    mmf_image_reset(image);
    GifFileType *gif = DGifOpen(&reader, mmf_gif_read, &error);
    if (!gif) {
        const char *text = GifErrorString(error);
        mmf_set_message(image, "reading the header: %s", text ? text : "unknown error");
        return reader.ran_out ? MMF_IMAGE_TRUNCATED : MMF_IMAGE_CORRUPT;
    }
    mmf_image_status status = mmf_check_dimensions(image, (uint64_t)(gif->SWidth > 0 ? gif->SWidth : 0),
                                                   (uint64_t)(gif->SHeight > 0 ? gif->SHeight : 0), max_pixels);
    if (status != MMF_IMAGE_OK) {
        DGifCloseFile(gif, &error);
        return status;
    }
    image->layout = MMF_LAYOUT_RGBA;
    if (!mmf_allocate_pixels(image, 4)) {
        DGifCloseFile(gif, &error);
        return MMF_IMAGE_OUT_OF_MEMORY;
    }
    size_t canvas_width = image->width, canvas_height = image->height;
    memset(image->pixels, 0, canvas_width * canvas_height * 4);

    int transparent_index = -1;
    for (;;) {
        GifRecordType record;
        if (DGifGetRecordType(gif, &record) != GIF_OK) return mmf_gif_failure(gif, &reader, image, "reading a record");
        if (record == TERMINATE_RECORD_TYPE) {
            int ignored;
            DGifCloseFile(gif, &ignored);
            mmf_image_release(image);
            mmf_set_message(image, "the file holds no image frame");
            return MMF_IMAGE_CORRUPT;
        }
        if (record == EXTENSION_RECORD_TYPE) {
            int code;
            GifByteType *block;
            if (DGifGetExtension(gif, &code, &block) != GIF_OK) return mmf_gif_failure(gif, &reader, image, "reading an extension");
            if (code == GRAPHICS_EXT_FUNC_CODE && block && block[0] >= 4) {
                transparent_index = (block[1] & 0x01) ? block[4] : -1;
            }
            while (block) {
                if (DGifGetExtensionNext(gif, &block) != GIF_OK) return mmf_gif_failure(gif, &reader, image, "reading an extension");
            }
            continue;
        }
        if (record != IMAGE_DESC_RECORD_TYPE) continue;

        if (DGifGetImageDesc(gif) != GIF_OK) return mmf_gif_failure(gif, &reader, image, "reading the frame header");
        GifImageDesc *frame = &gif->Image;
        ColorMapObject *palette = frame->ColorMap ? frame->ColorMap : gif->SColorMap;
        if (!palette || frame->Width <= 0 || frame->Height <= 0) {
            int ignored;
            DGifCloseFile(gif, &ignored);
            mmf_image_release(image);
            mmf_set_message(image, palette ? "the first frame is empty" : "the first frame has no colour table");
            return MMF_IMAGE_CORRUPT;
        }
        if ((uint64_t)frame->Width * (uint64_t)frame->Height > max_pixels) {
            // A frame far larger than its canvas would still cost its full decoding time.
            int ignored;
            DGifCloseFile(gif, &ignored);
            mmf_image_release(image);
            image->width = (uint32_t)frame->Width;
            image->height = (uint32_t)frame->Height;
            return MMF_IMAGE_TOO_MANY_PIXELS;
        }
        size_t frame_width = (size_t)frame->Width;
        GifPixelType *line = malloc(frame_width);
        if (!line) {
            int ignored;
            DGifCloseFile(gif, &ignored);
            mmf_image_release(image);
            mmf_set_message(image, "cannot allocate a line of %zu pixels", frame_width);
            return MMF_IMAGE_OUT_OF_MEMORY;
        }
        static const int interlace_start[4] = {0, 4, 2, 1};
        static const int interlace_step[4] = {8, 8, 4, 2};
        int passes = frame->Interlace ? 4 : 1;
        for (int pass = 0; pass < passes; pass++) {
            int start = frame->Interlace ? interlace_start[pass] : 0;
            int step = frame->Interlace ? interlace_step[pass] : 1;
            for (int row = start; row < frame->Height; row += step) {
                if (DGifGetLine(gif, line, frame->Width) != GIF_OK) {
                    free(line);
                    return mmf_gif_failure(gif, &reader, image, "reading the pixels");
                }
                long y = (long)frame->Top + row;
                if (y < 0 || (size_t)y >= canvas_height) continue;
                uint8_t *out = image->pixels + (size_t)y * canvas_width * 4;
                for (size_t column = 0; column < frame_width; column++) {
                    long x = (long)frame->Left + (long)column;
                    if (x < 0 || (size_t)x >= canvas_width) continue;
                    int index = line[column];
                    uint8_t *pixel = out + (size_t)x * 4;
                    if (index == transparent_index) {
                        pixel[0] = pixel[1] = pixel[2] = pixel[3] = 0;
                    } else if (index < palette->ColorCount) {
                        pixel[0] = palette->Colors[index].Red;
                        pixel[1] = palette->Colors[index].Green;
                        pixel[2] = palette->Colors[index].Blue;
                        pixel[3] = 255;
                    } else {
                        pixel[0] = pixel[1] = pixel[2] = 0;
                        pixel[3] = 255;
                    }
                }
            }
        }
        free(line);
        int ignored;
        DGifCloseFile(gif, &ignored);
        return MMF_IMAGE_OK;
    }
}
