/* guest.h - loading a guest image into guest memory. */
#ifndef KVM_STEPS_GUEST_H
#define KVM_STEPS_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Real-mode guests (README, "Guest conventions"): RAM from guest-physical
 * 0 to 1 MiB, all that real mode can address, and the image loaded and
 * entered at 0000:7c00 as a BIOS hands over a boot sector. */
#define REAL_MODE_RAM_SIZE 0x100000u
#define REAL_MODE_LOAD_ADDRESS 0x7c00u

/* Long-mode guests (chapter 08): 4 MiB of RAM from guest-physical 0, the
 * structures the monitor builds for 64-bit mode in the low pages, and the
 * image loaded and entered at 1 MiB, in 64-bit mode, with paging on. The
 * page tables map the first GiB twice: at virtual = physical, and again
 * from LONG_MODE_HIGH_ALIAS up. The guests in guest-asm/long repeat these. */
#define LONG_MODE_RAM_SIZE     0x400000u  /* 4 MiB */
#define LONG_MODE_GDT_ADDRESS  0x1000u    /* 3 descriptors: null, code, data */
#define LONG_MODE_PML4_ADDRESS 0x2000u    /* what CR3 points at */
#define LONG_MODE_PDPT_ADDRESS 0x3000u
#define LONG_MODE_PD_ADDRESS   0x4000u    /* 512 entries of 2 MiB: 1 GiB */
#define LONG_MODE_LOAD_ADDRESS 0x100000u  /* the image, and the first RIP */
#define LONG_MODE_STACK_TOP    0x400000u  /* RSP: the stack grows down from the top of RAM */
#define LONG_MODE_STACK_SIZE   0x10000u   /* 64 KiB below it kept for the stack */
#define LONG_MODE_IMAGE_ROOM   (LONG_MODE_STACK_TOP - LONG_MODE_STACK_SIZE - LONG_MODE_LOAD_ADDRESS)
#define LONG_MODE_HIGH_ALIAS   0xffff800000000000ull /* the first GiB again */

/* Copy a guest image to dst, which has room bytes: from the file at path,
 * or, when path is NULL, the image built into the program. A file that is
 * missing, unreadable, not a regular file, empty, bigger than room, or text
 * (a source passed in place of its binary: guest_is_text()) is refused in
 * one line naming the file and what to do (exit status 66).
 * where says what the room is, for that line ("0x7c00 to 0x100000").
 * Returns the image's size. */
size_t guest_load(const char *path, const uint8_t *builtin, size_t builtin_size,
		  void *dst, size_t room, const char *where);

/* The image is text, not code: only printable characters, tabs and line
 * ends (UTF-8 allowed), and at least one line end. */
bool guest_is_text(const uint8_t *bytes, size_t size);

#endif
