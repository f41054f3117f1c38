/* Compile-time limits of the kernel. */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

/* QEMU's pc machine starts at most 255 CPUs with xAPIC ids. */
#define MAX_CPUS 256

#endif
