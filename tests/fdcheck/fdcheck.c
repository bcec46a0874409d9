/* fdcheck.c - an LD_PRELOAD library that catches descriptor leaks.
 *
 * Before main() it notes which descriptors the process inherited; when the
 * process exits (after main returns or exit() is called, once every atexit
 * handler has run) it looks at /proc/self/fd again. Any descriptor open
 * then that was not open at the start was opened by the program and never
 * closed: it is named on standard error, with what it points at, and the
 * exit status becomes FDCHECK_STATUS so that no test can miss it.
 *
 * tests/cases/62-fds.sh runs every chapter program under it, and checks
 * that it does catch a program that leaks. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FDCHECK_STATUS 98
#define FDCHECK_MAX_FD 1024

static bool inherited[FDCHECK_MAX_FD];

/* Call f(fd) for every open descriptor but the one reading the list. */
static void each_open_fd(void (*f)(int))
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *entry;

	if (!dir) {
		perror("fdcheck: /proc/self/fd");
		_exit(FDCHECK_STATUS);
	}
	while ((entry = readdir(dir)) != NULL) {
		int fd;

		if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
			continue;
		fd = atoi(entry->d_name);
		if (fd != dirfd(dir))
			f(fd);
	}
	closedir(dir);
}

static void note_inherited(int fd)
{
	if (fd < FDCHECK_MAX_FD)
		inherited[fd] = true;
}

static bool leaked;

static void report_if_new(int fd)
{
	char link[64], target[512];
	ssize_t n;

	if (fd < FDCHECK_MAX_FD && inherited[fd])
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	target[n < 0 ? 0 : n] = '\0';
	fprintf(stderr, "fdcheck: fd %d (%s) was opened by the program and is "
		"still open at exit\n", fd, target);
	leaked = true;
}

__attribute__((constructor)) static void fdcheck_start(void)
{
	each_open_fd(note_inherited);
}

__attribute__((destructor)) static void fdcheck_end(void)
{
	each_open_fd(report_if_new);
	if (leaked)
		_exit(FDCHECK_STATUS);
}
