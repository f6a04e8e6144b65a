/*
 * probe: small measuring helpers for bench/run.sh, talking to 127.0.0.1 only.
 *
 *   probe freeport
 *       Print a TCP port on 127.0.0.1 that was free a moment ago (bind to port 0,
 *       getsockname(2), close).
 *
 *   probe coldstart PORT RUNS CMD [ARG...]
 *       RUNS times: fork, put the child in its own process group, read CLOCK_MONOTONIC
 *       just before execve(2) of CMD (the reading goes back through a shared page), then
 *       spin connecting to 127.0.0.1:PORT and sending "GET /" until one complete
 *       response arrives (the server closes after it: "Connection: close"). Prints one
 *       line per run with the microseconds from execve to the end of that response,
 *       then "median_us N". Each run the whole process group is killed (SIGKILL to
 *       -pid, see kill(2)), the leader is reaped, and the port is checked free again
 *       before the next run.
 *
 *   probe hold PORT N SECONDS
 *       Open N connections to 127.0.0.1:PORT, send one keep-alive "GET /" on each and
 *       read its complete response (headers, then Content-Length bytes), print
 *       "HELD N" and keep the connections open and idle for SECONDS, then exit.
 *
 * Written for this harness; C (not Rust) so it builds with gcc alone in a second.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A run that has not answered after this long is a failure, not a slow start. */
#define COLDSTART_LIMIT_NS (10LL * 1000 * 1000 * 1000)
/* Largest response accepted by the probes; GET / answers are a few hundred bytes. */
#define RESP_MAX 65536

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct sockaddr_in loopback(int port) {
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int cmd_freeport(void) {
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = loopback(0);
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		perror("freeport");
		return 1;
	}
	printf("%d\n", ntohs(a.sin_port));
	close(fd);
	return 0;
}

/* 1 if nothing listens on the port: a bind with SO_REUSEADDR (which ignores
 * TIME_WAIT, see socket(7)) succeeds only when no socket is bound to it. */
static int port_free(int port) {
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, ok;
	struct sockaddr_in a = loopback(port);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

/* Send "GET /" with Connection: close and read to EOF. Returns 1 for a complete
 * HTTP 200 answer, 0 when the connection was refused (server not up yet), -1 else. */
static int get_once_close(int port) {
	static const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
	char buf[RESP_MAX];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = loopback(port);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		int e = errno;
		close(fd);
		return e == ECONNREFUSED ? 0 : -1;
	}
	if (write(fd, req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) {
		close(fd);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof buf - 1)
			break;
	}
	close(fd);
	buf[got] = 0;
	/* Accepted but closed without an answer (a server still starting can do that). */
	if (got == 0)
		return 0;
	return (strncmp(buf, "HTTP/1.", 7) == 0 && strncmp(buf + 8, " 200", 4) == 0 &&
		strstr(buf, "\r\n\r\n") != NULL) ? 1 : -1;
}

static int cmp_ll(const void *a, const void *b) {
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static int cmd_coldstart(int port, int runs, char **argv) {
	long long *samples = calloc((size_t)runs, sizeof *samples);
	volatile long long *before_exec =
		mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!samples || before_exec == MAP_FAILED) {
		perror("coldstart: alloc");
		return 1;
	}
	for (int i = 0; i < runs; i++) {
		long long deadline;
		int status, r = 0;
		pid_t pid;
		for (deadline = now_ns() + 5000000000LL; !port_free(port);) {
			if (now_ns() > deadline) {
				fprintf(stderr, "coldstart: port %d still in use\n", port);
				return 1;
			}
			usleep(1000);
		}
		*before_exec = 0;
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			setpgid(0, 0);
			*before_exec = now_ns();
			execvp(argv[0], argv);
			perror("execvp");
			_exit(127);
		}
		setpgid(pid, pid);
		deadline = now_ns() + COLDSTART_LIMIT_NS;
		while (now_ns() < deadline) {
			r = get_once_close(port);
			if (r != 0)
				break;
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "coldstart: server exited early (status %d)\n", status);
				return 1;
			}
		}
		long long end = now_ns();
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		if (r != 1 || *before_exec == 0) {
			fprintf(stderr, "coldstart: run %d got no valid answer (%d)\n", i, r);
			return 1;
		}
		samples[i] = (end - *before_exec) / 1000;
		printf("run %d %lld\n", i, samples[i]);
	}
	qsort(samples, (size_t)runs, sizeof *samples, cmp_ll);
	/* Odd counts give the middle sample; even counts the mean of the two middles. */
	long long med = runs % 2 ? samples[runs / 2] : (samples[runs / 2 - 1] + samples[runs / 2]) / 2;
	printf("median_us %lld\n", med);
	return 0;
}

/* Read one keep-alive response: headers, then Content-Length body bytes. */
static int read_response(int fd) {
	char buf[RESP_MAX];
	size_t got = 0;
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = 0;
		char *end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		const char *cl = strcasestr(buf, "\r\ncontent-length:");
		if (!cl || cl > end)
			return -1;
		size_t want = (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
		if (got >= want)
			return 0;
		if (want >= sizeof buf)
			return -1;
	}
}

static int cmd_hold(int port, int count, int seconds) {
	static const char req[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	int *fds = calloc((size_t)count, sizeof *fds);
	struct sockaddr_in a = loopback(port);
	if (!fds)
		return 1;
	for (int i = 0; i < count; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&a, sizeof a) != 0 ||
		    write(fds[i], req, sizeof req - 1) != (ssize_t)(sizeof req - 1) ||
		    read_response(fds[i]) != 0) {
			fprintf(stderr, "hold: connection %d failed\n", i);
			return 1;
		}
	}
	printf("HELD %d\n", count);
	fflush(stdout);
	sleep((unsigned)seconds);
	return 0;
}

int main(int argc, char **argv) {
	if (argc >= 2 && strcmp(argv[1], "freeport") == 0)
		return cmd_freeport();
	if (argc >= 5 && strcmp(argv[1], "coldstart") == 0)
		return cmd_coldstart(atoi(argv[2]), atoi(argv[3]), argv + 4);
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return cmd_hold(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: probe freeport | coldstart PORT RUNS CMD [ARG...] | hold PORT N SECONDS\n");
	return 2;
}
