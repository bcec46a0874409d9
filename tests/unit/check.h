/* check.h - the unit tests' one assertion: each CHECK prints "ok - what"
 * or "not ok - what: expected X, got Y", and tests/cases/05-unit.sh turns
 * every line into a named test. No KVM is needed. */
#ifndef KVM_STEPS_CHECK_H
#define KVM_STEPS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK_EQ(what, expected, actual)                                        \
	do {                                                                    \
		unsigned long long e_ = (unsigned long long)(expected);         \
		unsigned long long a_ = (unsigned long long)(actual);           \
		if (e_ == a_) {                                                 \
			printf("ok - %s\n", what);                              \
		} else {                                                        \
			printf("not ok - %s: expected 0x%llx, got 0x%llx\n",    \
			       what, e_, a_);                                   \
			check_failures++;                                       \
		}                                                               \
	} while (0)

#define CHECK_STR(what, expected, actual)                                       \
	do {                                                                    \
		const char *e_ = (expected), *a_ = (actual);                    \
		if (a_ && strcmp(e_, a_) == 0) {                                \
			printf("ok - %s\n", what);                              \
		} else {                                                        \
			printf("not ok - %s: expected \"%s\", got \"%s\"\n",    \
			       what, e_, a_ ? a_ : "(null)");                   \
			check_failures++;                                       \
		}                                                               \
	} while (0)

#endif
