#ifndef ARCH_PIC_H
#define ARCH_PIC_H
void pic_disable(void);
#endif
