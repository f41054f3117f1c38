/*
 * lib/crc32.h - CRC-32 (IEEE 802.3), the one zlib's crc32() computes.
 *
 * Reflected polynomial 0xEDB88320, initial value and final xor 0xFFFFFFFF;
 * crc32("123456789") is 0xCBF43926. bench/FORMAT.md uses it to check each
 * line of the benchmark dump.
 *
 * Portable C with no kernel dependencies and no state outside the call:
 * safe on any CPU, in any context. Builds hosted too.
 */
#ifndef LIB_CRC32_H
#define LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the CRC of the bytes already covered by crc followed by the len
 * bytes at buf, like zlib's crc32(crc, buf, len): crc32_update(0, buf, len)
 * is the CRC of buf, and crc32_update(crc32_update(0, a, n), b, m) is the
 * CRC of a followed by b. len 0 returns crc (buf may then be NULL).
 */
uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
