#ifndef KERNEL_COMPILER_H
#define KERNEL_COMPILER_H

#define __noreturn    __attribute__((noreturn))
#define __aligned(n)  __attribute__((aligned(n)))
#define __packed      __attribute__((packed))
#define __unused      __attribute__((unused))
#define __section(s)  __attribute__((section(s)))
#define __used        __attribute__((used))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define likely(x)     __builtin_expect(!!(x), 1)
#define unlikely(x)   __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define READ_ONCE(x)  (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define barrier()     __asm__ volatile("" ::: "memory")

#endif
