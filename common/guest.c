/* guest.c - see guest.h. */
#include "guest.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static size_t refuse_too_big(const char *path, unsigned long long size,
			     size_t room, const char *where)
{
	die(EXIT_BAD_GUEST, "guest image %s is %llu bytes; only %zu fit in "
	    "guest memory (%s): make the guest smaller", path, size, room, where);
}

/* Text, not machine code: every byte prints or is a tab, line feed,
 * carriage return or form feed (UTF-8 letters in comments allowed), with
 * at least one line end. Real-mode and 64-bit code almost always holds a
 * byte outside that (a zero, 0xb8 "mov ax", 0xcd "int", 0xf4 "hlt"), so
 * such an image is a source file passed by mistake: a nasm source run as
 * code does nothing it says, silently or with strange exits. */
bool guest_is_text(const uint8_t *bytes, size_t size)
{
	bool line_end = false;

	for (size_t i = 0; i < size; i++) {
		uint8_t c = bytes[i];

		if (c == '\n')
			line_end = true;
		else if (c >= 0x80) {
			/* A UTF-8 sequence: a lead byte and its continuations. */
			size_t more = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 :
				      (c & 0xf8) == 0xf0 ? 3 : 0;

			if (more == 0 || c == 0xc0 || c == 0xc1 || more >= size - i)
				return false;
			for (size_t k = 1; k <= more; k++)
				if ((bytes[i + k] & 0xc0) != 0x80)
					return false;
			i += more;
		} else if (c < 0x20 && c != '\t' && c != '\r' && c != '\f')
			return false;
		else if (c == 0x7f)
			return false;
	}
	return line_end;
}

static void refuse_text(const char *path)
{
	size_t len = strlen(path);
	int stem = (int)len;

	if (len > 4 && strcmp(path + len - 4, ".asm") == 0)
		stem -= 4;
	die(EXIT_BAD_GUEST, "guest image %s is text, not machine code (a nasm "
	    "source?): assemble it first: nasm -f bin -o %.*s.bin %s, then run "
	    "%.*s.bin", path, stem, path, path, stem, path);
}

size_t guest_load(const char *path, const uint8_t *builtin, size_t builtin_size,
		  void *dst, size_t room, const char *where)
{
	struct stat st;
	size_t done = 0;
	int fd;

	if (path == NULL) {
		if (builtin_size > room)
			refuse_too_big("(built in)", builtin_size, room, where);
		memcpy(dst, builtin, builtin_size);
		return builtin_size;
	}

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		die(EXIT_BAD_GUEST, "cannot open guest image %s: %s: your user may "
		    "not read it; make it readable (chmod a+r %s) or use a copy",
		    path, strerror(errno), path);
	if (fd < 0)
		die(EXIT_BAD_GUEST, "cannot open guest image %s: %s: give the path "
		    "of a flat binary made by nasm -f bin", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		die(EXIT_BAD_GUEST, "guest image %s is not a regular file: give "
		    "the path of a flat binary made by nasm -f bin", path);
	}
	if (st.st_size == 0) {
		close(fd);
		die(EXIT_BAD_GUEST, "guest image %s is empty: assemble the guest "
		    "first (nasm -f bin -o %s guest.asm)", path, path);
	}
	if ((unsigned long long)st.st_size > room) {
		close(fd);
		refuse_too_big(path, (unsigned long long)st.st_size, room, where);
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, (char *)dst + done, (size_t)st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? errno : EIO;

			close(fd);
			die(EXIT_BAD_GUEST, "cannot read guest image %s: %s", path,
			    n < 0 ? strerror(err) : "file shrank while being read");
		}
		done += (size_t)n;
	}
	close(fd);
	if (guest_is_text(dst, done))
		refuse_text(path);
	return done;
}
