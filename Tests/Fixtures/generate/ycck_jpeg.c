/* Writes an Adobe YCCK JPEG (Pillow cannot): reads width, height and inverted CMYK
   bytes (Adobe convention) from a raw file, writes the JPEG. Built and run by images.py. */
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: ycck_jpeg WIDTH HEIGHT IN.cmyk OUT.jpg\n"); return 2; }
    int width = atoi(argv[1]), height = atoi(argv[2]);
    size_t size = (size_t)width * height * 4;
    unsigned char *pixels = malloc(size);
    FILE *input = fopen(argv[3], "rb");
    if (!pixels || !input || fread(pixels, 1, size, input) != size) { fprintf(stderr, "cannot read %s\n", argv[3]); return 1; }
    fclose(input);
    FILE *output = fopen(argv[4], "wb");
    if (!output) return 1;
    struct jpeg_compress_struct info;
    struct jpeg_error_mgr errors;
    info.err = jpeg_std_error(&errors);
    jpeg_create_compress(&info);
    jpeg_stdio_dest(&info, output);
    info.image_width = width;
    info.image_height = height;
    info.input_components = 4;
    info.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&info);
    jpeg_set_colorspace(&info, JCS_YCCK); /* also writes the Adobe marker, transform 2 */
    jpeg_set_quality(&info, 95, TRUE);
    jpeg_start_compress(&info, TRUE);
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = pixels + (size_t)info.next_scanline * width * 4;
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    fclose(output);
    free(pixels);
    return 0;
}
