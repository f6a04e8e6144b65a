/*
 * seccomp_attach: what installing a seccomp filter costs a short-lived process, as opposed to
 * what the installed filter adds per call (seccomp_cost.c). Times N fork + exit + wait cycles
 * (a connection process's life with nothing in it) in four variants, alternating:
 *   plain       no filter
 *   inherited   the filter installed once in the parent; children inherit it (a reference)
 *   per-child   every child installs a filter of verbosel's length (seccomp_list.h), as
 *               verbosel's children do
 *   per-child-2 every child installs a 2-instruction filter (is the cost in the program's size?)
 * and prints the median over rounds of the mean microseconds per cycle. CPU time spent by
 * kernel workers (freeing the filter) lands on the other core and shows up only under load.
 *
 *   gcc -O2 -o /tmp/seccomp_attach bench/tools/seccomp_attach.c && /tmp/seccomp_attach [N] [ROUNDS]
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "seccomp_list.h"

static double now_us(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static struct sock_filter prog_full[64], prog_parent[64];
static struct sock_fprog full, parent;
static struct sock_filter prog_tiny[2] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static struct sock_fprog tiny = {2, prog_tiny};

static void build(const int *nrs, int n, struct sock_filter *prog, struct sock_fprog *fprog) {
	fprog->len = (unsigned short)seccomp_list(nrs, n, prog);
	fprog->filter = prog;
}

/* verbosel's calls; for the inherited variant also what a forking parent needs (clone, fork,
 * wait4, clone3, the signal mask and glibc's per-thread set-up in the child). */
static const int child_nrs[] = {0, 1, 20, 3, 48, 54, 39, 228, 15, 219, 60, 231, 288};
static const int parent_nrs[] = {0,  1,  20, 3,  48, 54,  39,  228, 15, 219, 60, 231,
				 288, 56, 57, 61, 435, 13, 14, 273, 334, 218, 186};

enum { PLAIN, INHERITED, PER_CHILD, PER_CHILD_TINY, VARIANTS };
static const char *names[VARIANTS] = {"plain", "inherited", "per-child", "per-child-2"};

/* One round of one variant, in its own process so an inherited filter does not leak. */
static double round_us(int variant, int n) {
	int fds[2];
	if (pipe(fds) < 0)
		exit(1);
	pid_t runner = fork();
	if (runner == 0) {
		close(fds[0]);
		if (variant == INHERITED && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &parent) != 0)
			_exit(1);
		double t0 = now_us();
		for (int i = 0; i < n; i++) {
			pid_t c = fork();
			if (c == 0) {
				if (variant == PER_CHILD)
					syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &full);
				if (variant == PER_CHILD_TINY)
					syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &tiny);
				_exit(0);
			}
			waitpid(c, NULL, 0);
		}
		double us = (now_us() - t0) / n;
		if (write(fds[1], &us, sizeof us) != sizeof us)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	double us = -1;
	if (read(fds[0], &us, sizeof us) != sizeof us)
		us = -1;
	close(fds[0]);
	waitpid(runner, NULL, 0);
	return us;
}

static int cmp(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 2000, rounds = argc > 2 ? atoi(argv[2]) : 5;
	if (n < 1 || rounds < 1 || rounds > 64)
		return 2;
	build(child_nrs, sizeof child_nrs / sizeof *child_nrs, prog_full, &full);
	build(parent_nrs, sizeof parent_nrs / sizeof *parent_nrs, prog_parent, &parent);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return 1;
	double r[VARIANTS][64];
	for (int k = 0; k < rounds; k++)
		for (int v = 0; v < VARIANTS; v++)
			r[v][k] = round_us(v, n);
	printf("fork + exit + wait, %d cycles x %d alternating rounds, median of round means:\n", n, rounds);
	for (int v = 0; v < VARIANTS; v++) {
		qsort(r[v], rounds, sizeof(double), cmp);
		printf("  %-12s %7.1f us\n", names[v], r[v][rounds / 2]);
	}
	return 0;
}
