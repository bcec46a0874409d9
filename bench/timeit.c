/* timeit.c - run commands many times and print the median wall-clock time
 * of each, from fork to the end of wait: the whole process, as a user
 * waits for it.
 *
 * usage: timeit RUNS INPUT STATUS CMD [ARG...] [-- STATUS CMD [ARG...]]...
 *
 * Each command runs once untimed (to warm caches), then RUNS times. The
 * commands take turns, round after round, in one order then the reverse,
 * so that whatever else the machine does at the time falls on all of them
 * alike. Besides the wall-clock time, the CPU time the command used (user
 * plus system, from wait4; a guest's time inside KVM_RUN is counted in one
 * of them: system time on a software backend, user time on VT-x/SVM)
 * is kept: other processes on a busy machine delay a command's wall clock,
 * much less its CPU time. Standard input is
 * the file INPUT, standard output and standard error go to /dev/null. A
 * run that exits with another status than STATUS stops everything: a
 * benchmark of a failing program measures nothing.
 *
 * Prints one line per command, in microseconds: the median, minimum and
 * maximum wall-clock time, the number of runs, and the median CPU time. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_COMMANDS 8

struct command {
	char **argv;
	int status;
	double *us;  /* wall-clock time of each run */
	double *cpu; /* CPU time, user + system, of each run */
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(double *values, int n)
{
	qsort(values, (size_t)n, sizeof(double), by_value);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* One run of cmd; returns its wall-clock time in microseconds, and its
 * CPU time in *cpu_us. */
static double run_once(const struct command *cmd, const char *input, double *cpu_us)
{
	double started = now_us();
	struct rusage usage;
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("timeit: fork");
		exit(2);
	}
	if (pid == 0) {
		int in = open(input, O_RDONLY);
		int out = open("/dev/null", O_WRONLY);

		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0)
			_exit(127);
		close(in);
		close(out);
		execvp(cmd->argv[0], cmd->argv);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &usage) < 0)
		if (errno != EINTR) {
			perror("timeit: wait4");
			exit(2);
		}
	double took = now_us() - started;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != cmd->status) {
		fprintf(stderr, "timeit: %s exited with status %d (signal %d), not %d: "
			"run it by hand to see why\n", cmd->argv[0],
			WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			WIFSIGNALED(status) ? WTERMSIG(status) : 0, cmd->status);
		exit(1);
	}
	*cpu_us = (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e6 +
		  (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
	return took;
}

static int parse_int(const char *text, const char *what)
{
	char *end;
	long value = strtol(text, &end, 10);

	if (end == text || *end != '\0' || value < 0 || value > 100000) {
		fprintf(stderr, "timeit: %s '%s' is not a count\n", what, text);
		exit(2);
	}
	return (int)value;
}

int main(int argc, char **argv)
{
	struct command cmds[MAX_COMMANDS];
	int ncmds = 0, runs;
	const char *input;

	if (argc < 5) {
		fprintf(stderr, "usage: timeit RUNS INPUT STATUS CMD [ARG...] "
			"[-- STATUS CMD [ARG...]]...\n");
		return 2;
	}
	runs = parse_int(argv[1], "RUNS");
	if (runs < 1)
		runs = 1;
	input = argv[2];
	for (int i = 3; i < argc;) {
		if (ncmds == MAX_COMMANDS) {
			fprintf(stderr, "timeit: at most %d commands\n", MAX_COMMANDS);
			return 2;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "timeit: a STATUS without a command\n");
			return 2;
		}
		cmds[ncmds].status = parse_int(argv[i], "STATUS");
		cmds[ncmds].argv = &argv[i + 1];
		cmds[ncmds].us = calloc((size_t)runs, sizeof(double));
		cmds[ncmds].cpu = calloc((size_t)runs, sizeof(double));
		if (!cmds[ncmds].us || !cmds[ncmds].cpu) {
			perror("timeit");
			return 2;
		}
		int j = i + 1;
		while (j < argc && strcmp(argv[j], "--") != 0)
			j++;
		argv[j < argc ? j : argc] = NULL; /* ends this command's argv */
		i = j + 1;
		ncmds++;
	}

	for (int c = 0; c < ncmds; c++) {
		double ignored;

		run_once(&cmds[c], input, &ignored);
	}
	for (int r = 0; r < runs; r++) {
		for (int i = 0; i < ncmds; i++) {
			int c = r % 2 ? ncmds - 1 - i : i;

			cmds[c].us[r] = run_once(&cmds[c], input, &cmds[c].cpu[r]);
		}
	}

	for (int c = 0; c < ncmds; c++) {
		double *us = cmds[c].us;
		double median = median_of(us, runs);

		printf("%.1f %.1f %.1f %d %.1f\n", median, us[0], us[runs - 1], runs,
		       median_of(cmds[c].cpu, runs));
		free(us);
		free(cmds[c].cpu);
	}
	return 0;
}
