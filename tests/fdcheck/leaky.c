/* leaky.c - the control for fdcheck.c: opens /dev/null and, unless told
 * "close", exits with it still open. Under fdcheck, "leaky" must fail and
 * "leaky close" must pass, or the check proves nothing. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd < 0)
		return 1;
	if (argc > 1 && strcmp(argv[1], "close") == 0)
		close(fd);
	return 0;
}
