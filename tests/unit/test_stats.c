/* test_stats.c - KVM-free unit tests of --stats (common/run.c): exits
 * counted by reason and by port, the port table's overflow, interrupted
 * KVM_RUNs, and the time inside KVM_RUN, fed with made-up exits. */
#include "check.h"

#include "run.h"
#include "util.h"

#include <stdlib.h>

static char *printed; /* what stats_print() printed, runs of spaces made one */

static void squeeze_spaces(char *text)
{
	char *to = text;

	for (const char *from = text; *from; from++)
		if (!(*from == ' ' && to > text && to[-1] == ' '))
			*to++ = *from;
	*to = '\0';
}

static void has(const char *what, const char *text)
{
	CHECK_EQ(what, 1, printed && strstr(printed, text) != NULL);
}

static void io_exit(struct kvm_run *run, uint16_t port, uint8_t direction)
{
	memset(run, 0, sizeof(*run));
	run->exit_reason = KVM_EXIT_IO;
	run->io.port = port;
	run->io.direction = direction;
	run->io.size = 1;
	run->io.count = 1;
}

static void test_stats(void)
{
	struct kvm_run run;
	double t;
	size_t size;
	FILE *out;

	stats_enable();
	CHECK_EQ("stats: enabled", 1, stats_enabled());
	t = stats_clock();

	/* Three OUTs to COM1, each 1 ms inside KVM_RUN. */
	for (int i = 0; i < 3; i++) {
		io_exit(&run, 0x3f8, KVM_EXIT_IO_OUT);
		stats_record(t, t + 0.001, &run);
	}
	/* INs from 20 ports: with 0x3f8 above, 16 ports get lines, and the
	 * last 5 of these are "other ports". */
	for (int i = 0; i < 20; i++) {
		io_exit(&run, (uint16_t)(0x100 + i), KVM_EXIT_IO_IN);
		stats_record(t, t, &run);
	}
	memset(&run, 0, sizeof(run));
	run.exit_reason = KVM_EXIT_HLT;
	stats_record(t, t + 0.0005, &run);
	run.exit_reason = 1000; /* past the table of reasons */
	stats_record(t, t, &run);
	stats_record(t, t + 0.25, NULL); /* a signal interrupted KVM_RUN */

	out = open_memstream(&printed, &size);
	stats_print(out);
	fclose(out);
	squeeze_spaces(printed);

	has("stats: all exits counted, the interrupted KVM_RUN apart",
	    "stats: 25 exits to the monitor, and 1 KVM_RUN interrupted by a signal\n");
	has("stats: KVM_EXIT_IO counted", "stats: KVM_EXIT_IO 23\n");
	has("stats: OUTs to one port share a line", "stats: out port 0x3f8 3\n");
	has("stats: an IN port has its own line", "stats: in port 0x100 1\n");
	has("stats: the 16th port still has a line", "stats: in port 0x10e 1\n");
	CHECK_EQ("stats: the 17th port has no line", 1, strstr(printed, "port 0x10f") == NULL);
	has("stats: ports past the table are counted together", "stats: other ports 5\n");
	has("stats: KVM_EXIT_HLT counted", "stats: KVM_EXIT_HLT 1\n");
	has("stats: an unknown exit reason is counted", "stats: (other reasons) 1\n");
	has("stats: time inside KVM_RUN is the sum of the calls",
	    "stats: inside KVM_RUN (kernel, guest) 253.500 ms");
	has("stats: time per exit is shown", "us per exit");

	/* Printed once: a second call (or the one at exit) adds nothing. */
	free(printed);
	printed = NULL;
	out = open_memstream(&printed, &size);
	stats_print(out);
	fclose(out);
	CHECK_EQ("stats: printed only once", 0, strlen(printed));
	free(printed);
	printed = NULL;
}

int main(int argc, char **argv)
{
	(void)argc;
	prog_init(argv[0]);
	test_stats();
	return check_failures ? 1 : 0;
}
