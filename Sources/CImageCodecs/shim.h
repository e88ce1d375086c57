#ifndef MMFUSION_CIMAGECODECS_SHIM_H
#define MMFUSION_CIMAGECODECS_SHIM_H
// Image codecs from Debian: libjpeg-turbo, libpng, libwebp, giflib.
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
#include <png.h>
#include <webp/decode.h>
#include <gif_lib.h>
#endif
