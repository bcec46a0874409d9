/* guest.h - loading a guest image into guest memory. */
#ifndef KVM_STEPS_GUEST_H
#define KVM_STEPS_GUEST_H

#include <stddef.h>
#include <stdint.h>

/* Real-mode guests (README, "Guest conventions"): RAM from guest-physical
 * 0 to 1 MiB, all that real mode can address, and the image loaded and
 * entered at 0000:7c00 as a BIOS hands over a boot sector. */
#define REAL_MODE_RAM_SIZE 0x100000u
#define REAL_MODE_LOAD_ADDRESS 0x7c00u

/* Copy a guest image to dst, which has room bytes: from the file at path,
 * or, when path is NULL, the image built into the program. A file that is
 * missing, unreadable, not a regular file, empty, or bigger than room is
 * refused in one line naming the file and the sizes (exit status 66).
 * where says what the room is, for that line ("0x7c00 to 0x100000").
 * Returns the image's size. */
size_t guest_load(const char *path, const uint8_t *builtin, size_t builtin_size,
		  void *dst, size_t room, const char *where);

#endif
