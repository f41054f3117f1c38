/*
 * PIT channel 2 as a one-shot reference: mode 0 counts down from the
 * loaded value and raises OUT2 (port 0x61 bit 5) at zero. The gate is port
 * 0x61 bit 0; the speaker (bit 1) stays off. Boot CPU only.
 */
#include <arch/tsc.h>
#include <arch/x86.h>

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B  0x61

/* TSC ticks elapsed while the PIT counts `ms` milliseconds (ms <= 50). */
uint64_t pit_measure_tsc(unsigned ms)
{
	uint32_t count = PIT_HZ * ms / 1000;

	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~0x02) | 0x01));
	outb(PIT_CMD, 0xb0); /* channel 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	uint64_t t0 = tsc_read();
	while (!(inb(PORT_B) & 0x20))
		cpu_pause();
	uint64_t t1 = tsc_read();
	return t1 - t0;
}
