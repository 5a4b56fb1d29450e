/* Fuzz targets follow libFuzzer's interface.  Built with
 * --enable-fuzzing (clang, -fsanitize=fuzzer) they fuzz; otherwise
 * tests/fuzz/driver.c runs each target over its seed corpus as a TAP test,
 * so every seed stays a regression test under the sanitizers and
 * valgrind. */
#ifndef HEARTH_FUZZ_H
#define HEARTH_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
