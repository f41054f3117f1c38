/*
 * PIT channel 2 as a calibration reference. Each window reloads it in
 * mode 0 from 0xffff: it counts down at 1.193182 MHz and raises OUT2
 * (port 0x61 bit 5) when it passes zero, which tells a window that stalled
 * for a whole 55 ms cycle from one that did not. The count is read through
 * the latch command, so a read is three port accesses. The gate is port
 * 0x61 bit 0; the speaker (bit 1) stays off. Boot CPU only, before the APs
 * start or from a self-test.
 */
#include <arch/tsc.h>
#include <arch/x86.h>

#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B  0x61

#define PIT_CMD_CH2_LATCH   0x80
#define PIT_CMD_CH2_MODE0   0xb0 /* channel 2, lo/hi byte, mode 0, binary */
#define PORT_B_GATE2        0x01
#define PORT_B_SPEAKER      0x02
#define PORT_B_OUT2         0x20

void pit_start(void)
{
	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	outb(PIT_CMD, PIT_CMD_CH2_MODE0);
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
}

uint64_t pit_read(void)
{
	outb(PIT_CMD, PIT_CMD_CH2_LATCH);
	uint8_t lo = inb(PIT_CH2);
	uint8_t hi = inb(PIT_CH2);
	/* Counting up keeps every reference clock the same shape. */
	return (uint16_t)~(lo | hi << 8);
}

bool pit_wrapped(void)
{
	return inb(PORT_B) & PORT_B_OUT2;
}
