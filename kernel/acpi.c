/*
 * acpi.c - the ACPI table parser (see kernel/acpi.h).
 *
 * Walk: RSDP -> RSDT or XSDT -> every table it lists. Each table is mapped
 * twice, first its 36-byte header to learn the length, then the whole
 * length; only then is its checksum verified and its body read. All multi-
 * byte fields are assembled from bytes (tables are little-endian and the
 * XSDT's 64-bit entries are only 4-byte aligned), so no packed structs and
 * no unaligned loads are needed.
 *
 * Layouts are from the ACPI 6.5 specification (RSDP 5.2.5, SDT header
 * 5.2.6, MADT 5.2.12) and the IA-PC HPET specification 1.0a (3.2.4).
 *
 * Errors go through fail(), which writes the one-line reason. acpi_find_rsdp
 * reuses the RSDP check with no error buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "kernel/acpi.h"
#include "lib/format.h"

#define SDT_HEADER_LEN 36
#define RSDP_V1_LEN    20	/* covered by the first checksum */
#define RSDP_V2_LEN    36	/* minimum for revision 2 and later */
#define MADT_ENTRIES   44	/* offset of the first MADT entry */
#define HPET_LEN       56

/* Bounds on lengths read from memory, so a corrupt one cannot ask for GiBs. */
#define MAX_TABLE_LEN  (4u << 20)
#define MAX_RSDP_LEN   4096u

/* The BIOS data area word holding the EBDA's real-mode segment. */
#define BDA_EBDA_SEG   0x40E
#define EBDA_SCAN_LEN  1024
#define BIOS_ROM_BASE  0xE0000
#define BIOS_ROM_LEN   0x20000
#define LOW_MEM_END    0xA0000	/* the EBDA lies below the VGA hole */

enum madt_type {
	MADT_LAPIC = 0,
	MADT_IOAPIC = 1,
	MADT_ISO = 2,
	MADT_LAPIC_ADDR = 5,
	MADT_X2APIC = 9,
};

#define MADT_PCAT_COMPAT     (1u << 0)
#define CPU_ENABLED          (1u << 0)
#define CPU_ONLINE_CAPABLE   (1u << 1)
#define GAS_SYSTEM_MEMORY    0

struct parser {
	const struct acpi_ops *ops;
	struct acpi_info *out;
	char *err;		/* may be NULL */
	size_t errlen;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* ACPI checksums: all bytes of the structure sum to zero modulo 256. */
static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n-- > 0)
		s = (uint8_t)(s + *p++);
	return s;
}

static const uint8_t *map(const struct parser *ps, uint64_t phys, size_t len)
{
	return ps->ops->map(phys, len, ps->ops->ctx);
}

__attribute__((format(printf, 3, 4)))
static int fail(const struct parser *ps, int code, const char *fmt, ...)
{
	va_list ap;

	if (ps->err != NULL && ps->errlen > 0) {
		va_start(ap, fmt);
		kvsnprintf(ps->err, ps->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* A table signature made printable for messages. */
static void sig_str(const uint8_t *p, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
	out[4] = '\0';
}

static int check_rsdp(const struct parser *ps, uint64_t phys, const uint8_t **rsdp_out)
{
	unsigned long long at = phys;
	const uint8_t *rsdp = map(ps, phys, RSDP_V1_LEN);
	uint32_t len;

	if (rsdp == NULL)
		return fail(ps, -EFAULT, "ACPI: cannot map RSDP at %#llx", at);
	if (memcmp(rsdp, "RSD PTR ", 8) != 0)
		return fail(ps, -EINVAL, "ACPI: no RSDP signature at %#llx", at);
	if (sum8(rsdp, RSDP_V1_LEN) != 0)
		return fail(ps, -EINVAL, "ACPI: RSDP at %#llx: bad checksum", at);
	if (rsdp[15] >= 2) {
		rsdp = map(ps, phys, RSDP_V2_LEN);
		if (rsdp == NULL)
			return fail(ps, -EFAULT, "ACPI: cannot map RSDP at %#llx", at);
		len = rd32(rsdp + 20);
		if (len < RSDP_V2_LEN || len > MAX_RSDP_LEN)
			return fail(ps, -EINVAL, "ACPI: RSDP at %#llx: bad length %u", at, len);
		rsdp = map(ps, phys, len);
		if (rsdp == NULL)
			return fail(ps, -EFAULT, "ACPI: RSDP at %#llx: length %u runs past mapped memory",
				    at, len);
		if (sum8(rsdp, len) != 0)
			return fail(ps, -EINVAL, "ACPI: RSDP at %#llx: bad extended checksum", at);
	}
	*rsdp_out = rsdp;
	return 0;
}

/* Maps a whole table and verifies its length and checksum. */
static int map_table(const struct parser *ps, uint64_t phys, const uint8_t **tab, uint32_t *len_out)
{
	unsigned long long at = phys;
	const uint8_t *t = map(ps, phys, SDT_HEADER_LEN);
	char sig[5];
	uint32_t len;

	if (t == NULL)
		return fail(ps, -EFAULT, "ACPI: cannot map table header at %#llx", at);
	sig_str(t, sig);
	len = rd32(t + 4);
	if (len < SDT_HEADER_LEN || len > MAX_TABLE_LEN)
		return fail(ps, -EINVAL, "ACPI: %s at %#llx: bad length %u", sig, at, len);
	t = map(ps, phys, len);
	if (t == NULL)
		return fail(ps, -EFAULT, "ACPI: %s at %#llx: length %u runs past mapped memory",
			    sig, at, len);
	if (sum8(t, len) != 0)
		return fail(ps, -EINVAL, "ACPI: %s at %#llx: bad checksum", sig, at);
	*tab = t;
	*len_out = len;
	return 0;
}

static void add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags,
		    bool x2apic)
{
	if (!(flags & (CPU_ENABLED | CPU_ONLINE_CAPABLE))) {
		out->ncpus_disabled++;
		return;
	}
	if (out->ncpus == ACPI_MAX_CPUS) {
		out->ncpus_dropped++;
		return;
	}
	out->cpus[out->ncpus++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.uid = uid,
		.enabled = (flags & CPU_ENABLED) != 0,
		.x2apic = x2apic,
	};
}

static void add_ioapic(struct acpi_info *out, const uint8_t *e)
{
	if (out->nioapics == ACPI_MAX_IOAPICS) {
		out->nioapics_dropped++;
		return;
	}
	out->ioapics[out->nioapics++] = (struct acpi_ioapic){
		.id = e[2],
		.addr = rd32(e + 4),
		.gsi_base = rd32(e + 8),
	};
}

static void add_iso(struct acpi_info *out, const uint8_t *e)
{
	if (out->nisos == ACPI_MAX_ISOS) {
		out->nisos_dropped++;
		return;
	}
	out->isos[out->nisos++] = (struct acpi_iso){
		.bus = e[2],
		.source = e[3],
		.gsi = rd32(e + 4),
		.flags = rd16(e + 8),
	};
}

/* Bytes an entry of this type needs; 0 for types we skip. */
static unsigned madt_entry_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC: return 8;
	case MADT_IOAPIC: return 12;
	case MADT_ISO: return 10;
	case MADT_LAPIC_ADDR: return 12;
	case MADT_X2APIC: return 16;
	default: return 0;
	}
}

static int parse_madt(const struct parser *ps, const uint8_t *t, uint32_t len)
{
	struct acpi_info *out = ps->out;
	uint32_t off;

	if (len < MADT_ENTRIES)
		return fail(ps, -EINVAL, "ACPI: MADT length %u is too short", len);
	out->lapic_addr = rd32(t + 36);
	out->pcat_compat = (rd32(t + 40) & MADT_PCAT_COMPAT) != 0;

	for (off = MADT_ENTRIES; off < len; off += t[off + 1]) {
		const uint8_t *e = t + off;
		unsigned need;

		if (len - off < 2 || e[1] > len - off)
			return fail(ps, -EINVAL, "ACPI: MADT entry at offset %u runs past the table",
				    off);
		if (e[1] < 2)	/* would never advance */
			return fail(ps, -EINVAL, "ACPI: MADT entry at offset %u has bad length %u",
				    off, e[1]);
		need = madt_entry_len(e[0]);
		if (e[1] < need)
			return fail(ps, -EINVAL, "ACPI: MADT type %u entry at offset %u is %u bytes, needs %u",
				    e[0], off, e[1], need);
		switch (e[0]) {
		case MADT_LAPIC:
			add_cpu(out, e[3], e[2], rd32(e + 4), false);
			break;
		case MADT_IOAPIC:
			add_ioapic(out, e);
			break;
		case MADT_ISO:
			add_iso(out, e);
			break;
		case MADT_LAPIC_ADDR:
			out->lapic_addr = rd64(e + 4);
			break;
		case MADT_X2APIC:
			add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
			break;
		}
	}
	return 0;
}

static int parse_hpet(const struct parser *ps, const uint8_t *t, uint32_t len)
{
	struct acpi_hpet *h = &ps->out->hpet;

	if (len < HPET_LEN)
		return fail(ps, -EINVAL, "ACPI: HPET length %u is too short", len);
	if (t[40] != GAS_SYSTEM_MEMORY)
		return fail(ps, -EINVAL, "ACPI: HPET registers in address space %u, not memory",
			    t[40]);
	h->base = rd64(t + 44);
	if (h->base == 0)
		return fail(ps, -EINVAL, "ACPI: HPET base address is 0");
	h->hw_id = rd32(t + 36);
	h->ncomparators = ((h->hw_id >> 8) & 0x1f) + 1;	/* field holds count - 1 */
	h->number = t[52];
	h->min_tick = rd16(t + 53);
	h->present = true;
	return 0;
}

static void record_table(struct acpi_info *out, const uint8_t *t)
{
	if (out->ntables == ACPI_MAX_TABLES) {
		out->ntables_dropped++;
		return;
	}
	sig_str(t, out->tables[out->ntables++]);
}

/* Validates one listed table, and parses it if it is one we use. */
static int visit_table(const struct parser *ps, uint64_t phys, bool *have_madt)
{
	const uint8_t *t;
	uint32_t len;
	int err = map_table(ps, phys, &t, &len);

	if (err != 0)
		return err;
	record_table(ps->out, t);
	if (memcmp(t, "APIC", 4) == 0 && !*have_madt) {
		*have_madt = true;
		return parse_madt(ps, t, len);
	}
	if (memcmp(t, "HPET", 4) == 0 && !ps->out->hpet.present)
		return parse_hpet(ps, t, len);
	return 0;
}

int acpi_parse(uint64_t rsdp_phys, const struct acpi_ops *ops, struct acpi_info *out,
	       char *err, size_t errlen)
{
	struct parser ps = { ops, out, err, errlen };
	const uint8_t *rsdp, *root;
	uint64_t root_phys;
	uint32_t len, esize, i;
	bool have_madt = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	rc = check_rsdp(&ps, rsdp_phys, &rsdp);
	if (rc != 0)
		return rc;
	out->revision = rsdp[15];
	out->xsdt = out->revision >= 2 && rd64(rsdp + 24) != 0;
	root_phys = out->xsdt ? rd64(rsdp + 24) : rd32(rsdp + 16);
	esize = out->xsdt ? 8 : 4;
	if (root_phys == 0)
		return fail(&ps, -EINVAL, "ACPI: RSDP has no RSDT address");

	rc = map_table(&ps, root_phys, &root, &len);
	if (rc != 0)
		return rc;
	if (memcmp(root, out->xsdt ? "XSDT" : "RSDT", 4) != 0)
		return fail(&ps, -EINVAL, "ACPI: root table at %#llx is not an %s",
			    (unsigned long long)root_phys, out->xsdt ? "XSDT" : "RSDT");
	if ((len - SDT_HEADER_LEN) % esize != 0)
		return fail(&ps, -EINVAL, "ACPI: %s length %u is not a whole number of entries",
			    out->xsdt ? "XSDT" : "RSDT", len);

	for (i = SDT_HEADER_LEN; i < len; i += esize) {
		uint64_t phys = out->xsdt ? rd64(root + i) : rd32(root + i);

		if (phys == 0)	/* an empty slot, not a table */
			continue;
		rc = visit_table(&ps, phys, &have_madt);
		if (rc != 0)
			return rc;
	}
	if (!have_madt)
		return fail(&ps, -ENOENT, "ACPI: no MADT (APIC) table");
	return 0;
}

static bool scan_for_rsdp(const struct acpi_ops *ops, uint64_t base, size_t len, uint64_t *found)
{
	struct parser ps = { ops, NULL, NULL, 0 };
	const uint8_t *area = map(&ps, base, len);
	const uint8_t *rsdp;

	if (area == NULL)
		return false;
	/* check_rsdp maps the candidate itself: it may end past the area. */
	for (size_t off = 0; off + 8 <= len; off += 16) {
		if (memcmp(area + off, "RSD PTR ", 8) == 0 &&
		    check_rsdp(&ps, base + off, &rsdp) == 0) {
			*found = base + off;
			return true;
		}
	}
	return false;
}

int acpi_find_rsdp(const struct acpi_ops *ops, uint64_t *rsdp_phys)
{
	const uint8_t *bda = ops->map(BDA_EBDA_SEG, 2, ops->ctx);

	if (bda != NULL) {
		uint64_t ebda = (uint64_t)rd16(bda) << 4;

		/* A zero or implausible segment means there is no EBDA. */
		if (ebda >= 0x500 && ebda + EBDA_SCAN_LEN <= LOW_MEM_END &&
		    scan_for_rsdp(ops, ebda, EBDA_SCAN_LEN, rsdp_phys))
			return 0;
	}
	if (scan_for_rsdp(ops, BIOS_ROM_BASE, BIOS_ROM_LEN, rsdp_phys))
		return 0;
	return -ENOENT;
}

/* Appends to a line, keeping it NUL-terminated and never past len. */
struct line {
	char *buf;
	size_t len, pos;
};

__attribute__((format(printf, 2, 3)))
static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->pos + 1 >= l->len)
		return;
	va_start(ap, fmt);
	n = kvsnprintf(l->buf + l->pos, l->len - l->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->pos += (size_t)n;
}

static const char *plural(unsigned n)
{
	return n == 1 ? "" : "s";
}

void acpi_describe(const struct acpi_info *info, char *buf, size_t len)
{
	struct line l = { buf, len, 0 };

	if (len == 0)
		return;
	buf[0] = '\0';
	line_add(&l, "ACPI rev %u %s, %u CPU%s", info->revision, info->xsdt ? "XSDT" : "RSDT",
		 info->ncpus, plural(info->ncpus));
	if (info->ncpus_disabled > 0)
		line_add(&l, " (+%u disabled)", info->ncpus_disabled);
	if (info->ncpus_dropped > 0)
		line_add(&l, " (+%u over the limit of %d)", info->ncpus_dropped, ACPI_MAX_CPUS);
	line_add(&l, ", LAPIC %#llx", (unsigned long long)info->lapic_addr);
	line_add(&l, ", %u IOAPIC%s", info->nioapics, plural(info->nioapics));
	if (info->nioapics_dropped > 0)
		line_add(&l, " (+%u over the limit)", info->nioapics_dropped);
	line_add(&l, ", %u ISO%s", info->nisos, plural(info->nisos));
	if (info->nisos_dropped > 0)
		line_add(&l, " (+%u over the limit)", info->nisos_dropped);
	if (info->hpet.present)
		line_add(&l, ", HPET %#llx", (unsigned long long)info->hpet.base);
	else
		line_add(&l, ", no HPET");
	line_add(&l, ", tables");
	for (unsigned i = 0; i < info->ntables; i++)
		line_add(&l, " %s", info->tables[i]);
	if (info->ntables_dropped > 0)
		line_add(&l, " (+%u more)", info->ntables_dropped);
}
