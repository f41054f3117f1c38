/*
 * Bringing up mm/ from the boot information (kernel/mm_boot.c).
 */
#ifndef KERNEL_MM_BOOT_H
#define KERNEL_MM_BOOT_H

/* Boot CPU: mm_init from the firmware map, print variant and accounting. */
void mm_boot_init(void);
/* Print the frame accounting; panics if a frame is unaccounted for. */
void mm_boot_report(void);

#endif
