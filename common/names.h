/* names.h - numbers KVM uses, turned back into the names the kernel's
 * headers give them, for traces and error messages. */
#ifndef KVM_STEPS_NAMES_H
#define KVM_STEPS_NAMES_H

#include <stdint.h>

/* "KVM_RUN", or NULL for a request this table does not know. */
const char *kvm_ioctl_name(unsigned long request);

/* "KVM_EXIT_IO", or NULL for an unknown exit reason. */
const char *kvm_exit_name(uint32_t reason);

/* One phrase saying when KVM reports this exit reason. */
const char *kvm_exit_meaning(uint32_t reason);

/* "KVM_INTERNAL_ERROR_EMULATION", or NULL. */
const char *kvm_internal_error_name(uint32_t suberror);

/* "KVM_CAP_USER_MEMORY", or NULL. */
const char *kvm_cap_name(long cap);

#endif
