/*
 * test_crc32.c - crc32_update against known vectors and a bitwise CRC.
 *
 * The vectors were computed with Python's zlib.crc32, the CRC the host side
 * of the benchmark dump checks with (bench/FORMAT.md). The bitwise reference
 * is the textbook definition, one bit at a time; a single byte b run through
 * crc32_update reads table entry 0xff ^ b, so all 256 bytes cover the whole
 * table.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/crc32.h"
#include "test.h"

static uint32_t crc32_bitwise(uint32_t crc, const unsigned char *p, size_t len)
{
	uint32_t c = ~crc;

	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
	}
	return ~c;
}

static uint32_t crc_str(const char *s)
{
	return crc32_update(0, s, strlen(s));
}

TEST(crc32_known_vectors)
{
	unsigned char bytes[256], zeros[32], ones[32];

	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)i;
	memset(zeros, 0, sizeof(zeros));
	memset(ones, 0xff, sizeof(ones));

	CHECK_EQ_U64(crc_str("123456789"), 0xcbf43926);
	CHECK_EQ_U64(crc_str(""), 0);
	CHECK_EQ_U64(crc32_update(0, NULL, 0), 0);
	CHECK_EQ_U64(crc_str("a"), 0xe8b7be43);
	CHECK_EQ_U64(crc_str("abc"), 0x352441c2);
	CHECK_EQ_U64(crc_str("The quick brown fox jumps over the lazy dog"), 0x414fa339);
	CHECK_EQ_U64(crc_str("BENCH end status=ok records=3"), 0xfe64efcb);
	CHECK_EQ_U64(crc32_update(0, bytes, sizeof(bytes)), 0x29058c73);
	CHECK_EQ_U64(crc32_update(0, zeros, sizeof(zeros)), 0x190a55ad);
	CHECK_EQ_U64(crc32_update(0, ones, sizeof(ones)), 0xff6cab0b);
}

/* Every table entry, through single bytes, and a longer buffer. */
TEST(crc32_matches_bitwise_definition)
{
	unsigned char buf[1000];
	uint32_t x = 12345;

	for (unsigned b = 0; b < 256; b++) {
		unsigned char byte = (unsigned char)b;

		CHECK_EQ_U64(crc32_update(0, &byte, 1), crc32_bitwise(0, &byte, 1));
		CHECK_EQ_U64(crc32_update(0xdeadbeef, &byte, 1), crc32_bitwise(0xdeadbeef, &byte, 1));
	}
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (size_t len = 0; len <= sizeof(buf); len += 37)
		CHECK_EQ_U64(crc32_update(0, buf, len), crc32_bitwise(0, buf, len));
}

/* Chaining over any split equals one call over the whole, as with zlib. */
TEST(crc32_incremental_equals_one_shot)
{
	static const char line[] =
		"BENCH hist suite=frame.bulk op=alloc cpus=2 order=0 samples=1000 "
		"min=80 max=9000 sum=123456 wall=98765 nbk=37";
	size_t len = sizeof(line) - 1;
	uint32_t whole = crc32_update(0, line, len);

	for (size_t split = 0; split <= len; split++) {
		uint32_t c = crc32_update(0, line, split);

		CHECK_EQ_U64(crc32_update(c, line + split, len - split), whole);
	}
	/* Byte at a time, and an empty update in the middle changes nothing. */
	uint32_t c = 0;

	for (size_t i = 0; i < len; i++) {
		c = crc32_update(c, line + i, 1);
		c = crc32_update(c, line + i, 0);
	}
	CHECK_EQ_U64(c, whole);
	/* Three pieces of the check string. */
	c = crc32_update(0, "123", 3);
	c = crc32_update(c, "456", 3);
	c = crc32_update(c, "789", 3);
	CHECK_EQ_U64(c, 0xcbf43926);
}
