/*
 * test_acpi.c - the ACPI table parser (kernel/acpi.c) on synthetic tables.
 *
 * Tables are built with correct checksums in a 2 MiB buffer that stands for
 * physical memory from address 0. The map callback hands the parser a fresh
 * heap copy of exactly the bytes it asked for, so AddressSanitizer reports
 * any read past a mapping: that is how "never reads past what was mapped"
 * is tested, not just "returns an error".
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/acpi.h"
#include "test.h"

#define PHYS_SIZE   0x200000
#define TABLES_BASE 0x100000	/* tables are placed upwards from here */
#define RSDP_ADDR   0xf0010

/* Fake physical memory, and what a parse of it produced. */
struct machine {
	uint8_t bytes[PHYS_SIZE];
	uint64_t next_free;
	void **maps;		/* copies handed out, freed by machine_free */
	size_t nmaps, cap;
	struct acpi_ops ops;
	struct acpi_info info;
	char err[160];
};

static const void *fake_map(uint64_t phys, size_t len, void *ctx)
{
	struct machine *m = ctx;
	void *copy;

	if (phys > PHYS_SIZE || len > PHYS_SIZE - phys)
		return NULL;
	if (m->nmaps == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->maps = realloc(m->maps, m->cap * sizeof(*m->maps));
		if (m->maps == NULL)
			abort();
	}
	copy = malloc(len > 0 ? len : 1);
	if (copy == NULL)
		abort();
	memcpy(copy, m->bytes + phys, len);
	m->maps[m->nmaps++] = copy;
	return copy;
}

static struct machine *machine_new(void)
{
	struct machine *m = calloc(1, sizeof(*m));

	if (m == NULL)
		abort();
	m->next_free = TABLES_BASE;
	m->ops = (struct acpi_ops){ fake_map, m };
	return m;
}

static void machine_free(struct machine *m)
{
	for (size_t i = 0; i < m->nmaps; i++)
		free(m->maps[i]);
	free(m->maps);
	free(m);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Sets the byte at p[at] so that p[0..len) sums to zero. */
static void fix_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;

	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

/* Copies a table body into fake memory with an SDT header; returns its address. */
static uint64_t place_table(struct machine *m, const char *sig, const uint8_t *body, size_t blen)
{
	uint64_t phys = m->next_free;
	uint8_t *t = m->bytes + phys;
	size_t len = 36 + blen;

	if (phys + len > PHYS_SIZE)
		abort();
	memcpy(t, sig, 4);
	put32(t + 4, (uint32_t)len);
	t[8] = 1;			/* revision */
	memcpy(t + 10, "TESTOE", 6);
	memcpy(t + 16, "TESTTABL", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "TEST", 4);
	put32(t + 32, 1);
	if (blen > 0)
		memcpy(t + 36, body, blen);
	fix_checksum(t, len, 9);
	m->next_free = (phys + len + 15) & ~(uint64_t)15;
	return phys;
}

static uint64_t place_root(struct machine *m, bool xsdt, const uint64_t *tables, size_t n)
{
	uint8_t body[64 * 8];
	size_t esize = xsdt ? 8 : 4;

	for (size_t i = 0; i < n; i++) {
		if (xsdt)
			put64(body + i * esize, tables[i]);
		else
			put32(body + i * esize, (uint32_t)tables[i]);
	}
	return place_table(m, xsdt ? "XSDT" : "RSDT", body, n * esize);
}

static void place_rsdp(struct machine *m, uint64_t at, uint8_t rev, uint64_t rsdt, uint64_t xsdt)
{
	uint8_t *r = m->bytes + at;

	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "TESTOE", 6);
	r[15] = rev;
	put32(r + 16, (uint32_t)rsdt);
	fix_checksum(r, 20, 8);
	if (rev >= 2) {
		put32(r + 20, 36);
		put64(r + 24, xsdt);
		fix_checksum(r, 36, 32);
	}
}

/* A MADT body under construction: entries follow the 8 fixed bytes. */
struct madt {
	uint8_t body[8192];
	size_t len;
};

static void madt_init(struct madt *md, uint32_t lapic, uint32_t flags)
{
	put32(md->body, lapic);
	put32(md->body + 4, flags);
	md->len = 8;
}

static uint8_t *madt_entry(struct madt *md, uint8_t type, uint8_t len)
{
	uint8_t *e = md->body + md->len;

	if (md->len + len > sizeof(md->body))
		abort();
	memset(e, 0, len);
	e[0] = type;
	e[1] = len;
	md->len += len;
	return e;
}

static void madt_lapic(struct madt *md, uint8_t uid, uint8_t apic_id, uint32_t flags)
{
	uint8_t *e = madt_entry(md, 0, 8);

	e[2] = uid;
	e[3] = apic_id;
	put32(e + 4, flags);
}

static void madt_ioapic(struct madt *md, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	uint8_t *e = madt_entry(md, 1, 12);

	e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, gsi_base);
}

static void madt_iso(struct madt *md, uint8_t source, uint32_t gsi, uint16_t flags)
{
	uint8_t *e = madt_entry(md, 2, 10);

	e[3] = source;
	put32(e + 4, gsi);
	put16(e + 8, flags);
}

static void madt_x2apic(struct madt *md, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	uint8_t *e = madt_entry(md, 9, 16);

	put32(e + 4, x2apic_id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static uint64_t place_hpet(struct machine *m, uint8_t space, uint64_t base, uint32_t hw_id)
{
	uint8_t body[20] = { 0 };

	put32(body, hw_id);
	body[4] = space;
	body[5] = 64;		/* register bit width */
	put64(body + 8, base);
	body[16] = 0;		/* HPET number */
	put16(body + 17, 0x80);	/* minimum tick */
	return place_table(m, "HPET", body, sizeof(body));
}

/* RSDP rev 0 at RSDP_ADDR -> an RSDT listing these tables. */
static void place_rsdt_system(struct machine *m, const uint64_t *tables, size_t n)
{
	place_rsdp(m, RSDP_ADDR, 0, place_root(m, false, tables, n), 0);
}

/* The same, with this MADT as the only table. */
static void place_madt_only(struct machine *m, const struct madt *md)
{
	uint64_t madt = place_table(m, "APIC", md->body, md->len);

	place_rsdt_system(m, &madt, 1);
}

/*
 * QEMU-like: RSDP rev 0 -> RSDT -> FACP, APIC, HPET. Returns the MADT's
 * address, and the RSDT's in *rsdt if that is not NULL.
 */
static uint64_t build_standard(struct machine *m, uint64_t *rsdt)
{
	uint64_t root;
	struct madt md;
	uint64_t tables[3];

	madt_init(&md, 0xfee00000, 1);
	madt_lapic(&md, 0, 0, 1);
	madt_lapic(&md, 1, 1, 1);
	madt_lapic(&md, 2, 2, 0);		/* disabled */
	madt_lapic(&md, 3, 5, 2);		/* online-capable only */
	madt_ioapic(&md, 0, 0xfec00000, 0);
	madt_iso(&md, 0, 2, 0);
	madt_iso(&md, 9, 9, 0xd);
	madt_entry(&md, 4, 6)[2] = 0xff;	/* local APIC NMI: skipped */

	tables[0] = place_table(m, "FACP", (const uint8_t *)"dummy", 5);
	tables[1] = place_table(m, "APIC", md.body, md.len);
	tables[2] = place_hpet(m, 0, 0xfed00000, 0x8086a201);
	root = place_root(m, false, tables, 3);
	place_rsdp(m, RSDP_ADDR, 0, root, 0);
	if (rsdt != NULL)
		*rsdt = root;
	return tables[1];
}

static int parse(struct machine *m)
{
	return acpi_parse(RSDP_ADDR, &m->ops, &m->info, m->err, sizeof(m->err));
}

/* Parses from RSDP_ADDR, expecting failure rc with want in the message. */
static void expect_failure(struct machine *m, int rc_want, const char *want, int line)
{
	int rc = parse(m);

	if (rc != rc_want || strstr(m->err, want) == NULL)
		hosted_fail(__FILE__, line, "acpi_parse gave %d \"%s\", want %d and \"%s\"",
			    rc, m->err, rc_want, want);
}

TEST(acpi_parse_rsdt)
{
	struct machine *m = machine_new();
	char line[256];

	build_standard(m, NULL);
	CHECK_EQ_U64(parse(m), 0);
	CHECK_STR_EQ(m->err, "");
	CHECK_EQ_U64(m->info.revision, 0);
	CHECK(!m->info.xsdt);
	CHECK_EQ_U64(m->info.lapic_addr, 0xfee00000);
	CHECK(m->info.pcat_compat);

	CHECK_EQ_U64(m->info.ncpus, 3);
	CHECK_EQ_U64(m->info.ncpus_disabled, 1);
	CHECK_EQ_U64(m->info.ncpus_dropped, 0);
	CHECK_EQ_U64(m->info.cpus[0].apic_id, 0);
	CHECK_EQ_U64(m->info.cpus[1].apic_id, 1);
	CHECK_EQ_U64(m->info.cpus[2].apic_id, 5);
	CHECK_EQ_U64(m->info.cpus[2].uid, 3);
	CHECK(m->info.cpus[0].enabled && m->info.cpus[1].enabled);
	CHECK(!m->info.cpus[2].enabled);
	CHECK(!m->info.cpus[0].x2apic);

	CHECK_EQ_U64(m->info.nioapics, 1);
	CHECK_EQ_U64(m->info.ioapics[0].addr, 0xfec00000);
	CHECK_EQ_U64(m->info.ioapics[0].gsi_base, 0);
	CHECK_EQ_U64(m->info.nisos, 2);
	CHECK_EQ_U64(m->info.isos[0].source, 0);
	CHECK_EQ_U64(m->info.isos[0].gsi, 2);
	CHECK_EQ_U64(m->info.isos[1].source, 9);
	CHECK_EQ_U64(m->info.isos[1].flags, 0xd);

	CHECK(m->info.hpet.present);
	CHECK_EQ_U64(m->info.hpet.base, 0xfed00000);
	CHECK_EQ_U64(m->info.hpet.hw_id, 0x8086a201);
	CHECK_EQ_U64(m->info.hpet.ncomparators, 3);
	CHECK_EQ_U64(m->info.hpet.min_tick, 0x80);

	CHECK_EQ_U64(m->info.ntables, 3);
	CHECK_STR_EQ(m->info.tables[0], "FACP");
	CHECK_STR_EQ(m->info.tables[2], "HPET");

	acpi_describe(&m->info, line, sizeof(line));
	CHECK_STR_EQ(line, "ACPI rev 0 RSDT, 3 CPUs (+1 disabled), LAPIC 0xfee00000, "
		     "1 IOAPIC, 2 ISOs, HPET 0xfed00000, tables FACP APIC HPET");
	machine_free(m);
}

TEST(acpi_parse_xsdt)
{
	struct machine *m = machine_new();
	struct madt md;
	uint64_t old_madt, madt, rsdt, xsdt;

	madt_init(&md, 0xfee00000, 0);
	madt_lapic(&md, 0, 0, 1);
	old_madt = place_table(m, "APIC", md.body, md.len);
	rsdt = place_root(m, false, &old_madt, 1);

	madt_init(&md, 0xfee00000, 0);
	put64(madt_entry(&md, 5, 12) + 4, 0x1234fee00000ull);	/* 64-bit LAPIC override */
	madt_x2apic(&md, 0x100, 1, 7);
	madt_x2apic(&md, 0x101, 0, 8);			/* disabled */
	madt_lapic(&md, 2, 3, 1);
	madt = place_table(m, "APIC", md.body, md.len);
	xsdt = place_root(m, true, &madt, 1);
	place_rsdp(m, RSDP_ADDR, 2, rsdt, xsdt);

	REQUIRE(parse(m) == 0);
	CHECK_EQ_U64(m->info.revision, 2);
	CHECK(m->info.xsdt);
	CHECK(!m->info.pcat_compat);
	CHECK_EQ_U64(m->info.lapic_addr, 0x1234fee00000ull);
	CHECK_EQ_U64(m->info.ncpus, 2);			/* from the XSDT's MADT */
	CHECK_EQ_U64(m->info.ncpus_disabled, 1);
	CHECK_EQ_U64(m->info.cpus[0].apic_id, 0x100);
	CHECK_EQ_U64(m->info.cpus[0].uid, 7);
	CHECK(m->info.cpus[0].x2apic);
	CHECK_EQ_U64(m->info.cpus[1].apic_id, 3);
	CHECK(!m->info.hpet.present);
	machine_free(m);
}

TEST(acpi_rev2_without_xsdt_uses_rsdt)
{
	struct machine *m = machine_new();
	uint64_t rsdt;

	build_standard(m, &rsdt);
	place_rsdp(m, RSDP_ADDR, 2, rsdt, 0);
	CHECK_EQ_U64(parse(m), 0);
	CHECK(!m->info.xsdt);
	CHECK_EQ_U64(m->info.revision, 2);
	CHECK_EQ_U64(m->info.ncpus, 3);
	machine_free(m);
}

TEST(acpi_find_rsdp_in_bios_area)
{
	struct machine *m = machine_new();
	uint64_t at = 0;

	CHECK_EQ_U64(acpi_find_rsdp(&m->ops, &at), (uint64_t)-ENOENT);
	build_standard(m, NULL);
	CHECK_EQ_U64(acpi_find_rsdp(&m->ops, &at), 0);
	CHECK_EQ_U64(at, RSDP_ADDR);
	machine_free(m);
}

TEST(acpi_find_rsdp_in_ebda)
{
	struct machine *m = machine_new();
	uint64_t at = 0;

	build_standard(m, NULL);
	put16(m->bytes + 0x40e, 0x9fc0);	/* EBDA at 0x9fc00 */
	place_rsdp(m, 0x9fc00 + 0x3f0, 0, 0x100000, 0);	/* last slot of its first KiB */
	CHECK_EQ_U64(acpi_find_rsdp(&m->ops, &at), 0);
	CHECK_EQ_U64(at, 0x9fc00 + 0x3f0);
	machine_free(m);
}

TEST(acpi_find_rsdp_skips_invalid_candidates)
{
	struct machine *m = machine_new();
	uint64_t at = 0;

	place_rsdp(m, 0xe0000, 0, 0x100000, 0);
	m->bytes[0xe0000 + 12]++;			/* checksum now wrong */
	place_rsdp(m, 0xe0100, 2, 0x100000, 0x100000);
	m->bytes[0xe0100 + 28]++;			/* only the extended one */
	memcpy(m->bytes + 0xe0208, "RSD PTR ", 8);	/* not on a 16-byte boundary */
	CHECK_EQ_U64(acpi_find_rsdp(&m->ops, &at), (uint64_t)-ENOENT);

	place_rsdp(m, 0xffff0, 0, 0x100000, 0);	/* last slot of the area */
	CHECK_EQ_U64(acpi_find_rsdp(&m->ops, &at), 0);
	CHECK_EQ_U64(at, 0xffff0);
	machine_free(m);
}

TEST(acpi_bad_table_checksum)
{
	struct machine *m = machine_new();
	uint64_t madt = build_standard(m, NULL);

	m->bytes[madt + 40] ^= 0x80;		/* a MADT byte, not its checksum */
	expect_failure(m, -EINVAL, "APIC at 0x", __LINE__);
	expect_failure(m, -EINVAL, "bad checksum", __LINE__);
	machine_free(m);
}

TEST(acpi_truncated_table)
{
	struct machine *m = machine_new();
	uint64_t madt = build_standard(m, NULL);
	uint8_t *t = m->bytes + madt;

	/* Claims to reach past the end of memory: must not be read. */
	put32(t + 4, (uint32_t)(PHYS_SIZE - madt + 64));
	fix_checksum(t, 36, 9);
	expect_failure(m, -EFAULT, "runs past mapped memory", __LINE__);

	put32(t + 4, 20);			/* shorter than a header */
	expect_failure(m, -EINVAL, "bad length 20", __LINE__);
	machine_free(m);
}

TEST(acpi_unmappable_table)
{
	struct machine *m = machine_new();
	uint64_t tables[] = { PHYS_SIZE + 0x1000 };

	place_rsdt_system(m, tables, 1);
	expect_failure(m, -EFAULT, "cannot map table header", __LINE__);
	machine_free(m);
}

TEST(acpi_bad_madt_entries)
{
	struct machine *m = machine_new();
	struct madt md;

	madt_init(&md, 0xfee00000, 0);
	madt_lapic(&md, 0, 0, 1);
	madt_entry(&md, 0, 8)[1] = 12;		/* runs 4 bytes past the table */
	place_madt_only(m, &md);
	expect_failure(m, -EINVAL, "MADT entry at offset 52 runs past the table", __LINE__);

	madt_init(&md, 0xfee00000, 0);
	madt_entry(&md, 0, 8)[1] = 0;		/* zero length would loop forever */
	place_madt_only(m, &md);
	expect_failure(m, -EINVAL, "MADT entry at offset 44 has bad length 0", __LINE__);

	madt_init(&md, 0xfee00000, 0);
	madt_entry(&md, 1, 8);			/* an IOAPIC entry needs 12 */
	place_madt_only(m, &md);
	expect_failure(m, -EINVAL, "type 1 entry at offset 44 is 8 bytes, needs 12", __LINE__);
	machine_free(m);
}

TEST(acpi_bad_rsdp)
{
	struct machine *m = machine_new();

	build_standard(m, NULL);
	m->bytes[RSDP_ADDR + 10] ^= 1;
	expect_failure(m, -EINVAL, "RSDP at 0xf0010: bad checksum", __LINE__);

	memcpy(m->bytes + RSDP_ADDR, "RSD PTX ", 8);
	expect_failure(m, -EINVAL, "no RSDP signature", __LINE__);

	place_rsdp(m, RSDP_ADDR, 2, 0x100000, 0);
	m->bytes[RSDP_ADDR + 33] ^= 1;		/* reserved byte: extended sum only */
	expect_failure(m, -EINVAL, "bad extended checksum", __LINE__);

	place_rsdp(m, RSDP_ADDR, 0, 0, 0);
	expect_failure(m, -EINVAL, "no RSDT address", __LINE__);
	machine_free(m);
}

TEST(acpi_bad_root_table)
{
	struct machine *m = machine_new();
	uint64_t madt = build_standard(m, NULL);
	uint8_t body[6] = { 0 };

	place_rsdp(m, RSDP_ADDR, 0, madt, 0);	/* points at the MADT instead */
	expect_failure(m, -EINVAL, "is not an RSDT", __LINE__);

	place_rsdp(m, RSDP_ADDR, 0, place_table(m, "RSDT", body, sizeof(body)), 0);
	expect_failure(m, -EINVAL, "not a whole number of entries", __LINE__);
	machine_free(m);
}

TEST(acpi_no_madt)
{
	struct machine *m = machine_new();
	uint64_t tables[] = { place_table(m, "FACP", NULL, 0) };

	place_rsdt_system(m, tables, 1);
	expect_failure(m, -ENOENT, "no MADT", __LINE__);
	machine_free(m);
}

TEST(acpi_hpet_in_io_space)
{
	struct machine *m = machine_new();
	struct madt md;
	uint64_t tables[2];

	madt_init(&md, 0xfee00000, 0);
	madt_lapic(&md, 0, 0, 1);
	tables[0] = place_table(m, "APIC", md.body, md.len);
	tables[1] = place_hpet(m, 1, 0x40, 0x8086a201);
	place_rsdt_system(m, tables, 2);
	expect_failure(m, -EINVAL, "HPET registers in address space 1, not memory", __LINE__);
	machine_free(m);
}

TEST(acpi_more_cpus_than_max)
{
	struct machine *m = machine_new();
	struct madt md;
	char line[256];

	madt_init(&md, 0xfee00000, 0);
	for (uint32_t i = 0; i < 300; i++)
		madt_x2apic(&md, 1000 + i, 1, i);
	for (uint8_t i = 0; i < ACPI_MAX_IOAPICS + 1; i++)
		madt_ioapic(&md, i, 0xfec00000 + i * 0x1000u, i * 24u);
	place_madt_only(m, &md);

	REQUIRE(parse(m) == 0);
	CHECK_EQ_U64(m->info.ncpus, ACPI_MAX_CPUS);
	CHECK_EQ_U64(m->info.ncpus_dropped, 300 - ACPI_MAX_CPUS);
	CHECK_EQ_U64(m->info.cpus[0].apic_id, 1000);		/* MADT order kept */
	CHECK_EQ_U64(m->info.cpus[ACPI_MAX_CPUS - 1].apic_id, 1000 + ACPI_MAX_CPUS - 1);
	CHECK_EQ_U64(m->info.nioapics, ACPI_MAX_IOAPICS);
	CHECK_EQ_U64(m->info.nioapics_dropped, 1);

	acpi_describe(&m->info, line, sizeof(line));
	CHECK_STR_EQ(line, "ACPI rev 0 RSDT, 256 CPUs (+44 over the limit of 256), "
		     "LAPIC 0xfee00000, 16 IOAPICs (+1 over the limit), 0 ISOs, no HPET, "
		     "tables APIC");
	machine_free(m);
}

TEST(acpi_describe_truncates)
{
	struct machine *m = machine_new();
	char line[20];

	build_standard(m, NULL);
	REQUIRE(acpi_parse(RSDP_ADDR, &m->ops, &m->info, NULL, 0) == 0);
	memset(line, 'x', sizeof(line));
	acpi_describe(&m->info, line, 12);
	CHECK_STR_EQ(line, "ACPI rev 0 ");
	CHECK_EQ_U64(line[12], 'x');
	acpi_describe(&m->info, line, 0);			/* must not write */
	CHECK_EQ_U64(line[0], 'A');
	machine_free(m);
}

TEST(acpi_errors_without_err_buffer)
{
	struct machine *m = machine_new();

	CHECK_EQ_U64(acpi_parse(RSDP_ADDR, &m->ops, &m->info, NULL, 0), (uint64_t)-EINVAL);
	CHECK_EQ_U64(acpi_parse(PHYS_SIZE, &m->ops, &m->info, NULL, 0), (uint64_t)-EFAULT);
	machine_free(m);
}
