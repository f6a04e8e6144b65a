// The process-per-connection model with nothing else: the floor a forking server pays.
//
// Usage: forkc PORT PAGE_FILE. Serves GET / with the 13-byte body "Hello, World!" (text/plain)
// and anything else with the bytes of PAGE_FILE (text/html), on 127.0.0.1. One fork() after
// each accept(); the child answers every request head it reads (keep-alive) until the client
// closes or asks to close. No parser, no limits, no timeouts, no sandbox, no logging, children
// reaped by the kernel (SIGCHLD ignored): what is left is the cost of a process per connection,
// the figure verbosel's fresh-process mode is measured against. Not a server to deploy.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void serve(int c, const char *page, size_t page_len) {
	static const char hello_head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
					 "Content-Length: 13\r\n";
	static const char close_line[] = "Connection: close\r\n";
	char page_head[128];
	int page_head_len = snprintf(page_head, sizeof page_head,
				     "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
				     "Content-Length: %zu\r\n",
				     page_len);
	char buf[8192];
	size_t have = 0;
	for (;;) {
		ssize_t n = read(c, buf + have, sizeof buf - have);
		if (n <= 0)
			return;
		have += (size_t)n;
		char *end;
		while ((end = memmem(buf, have, "\r\n\r\n", 4)) != NULL) {
			size_t head_len = (size_t)(end + 4 - buf);
			int hello = head_len > 6 && memcmp(buf, "GET / ", 6) == 0;
			int http10 = memmem(buf, head_len, "HTTP/1.0", 8) != NULL;
			int close_asked = memmem(buf, head_len, "lose\r\n", 6) != NULL; // Connection: close
			int keep_asked = memmem(buf, head_len, "eep-alive", 9) != NULL;
			int closing = close_asked || (http10 && !keep_asked);
			// Head, "Connection: close" when this is the last answer, blank line, body.
			struct iovec v[4] = {
				{hello ? (void *)hello_head : (void *)page_head,
				 hello ? sizeof hello_head - 1 : (size_t)page_head_len},
				{(void *)close_line, closing ? sizeof close_line - 1 : 0},
				{(void *)"\r\n", 2},
				{hello ? (void *)"Hello, World!" : (void *)page, hello ? 13 : page_len},
			};
			if (writev(c, v, 4) < 0 || closing)
				return;
			memmove(buf, buf + head_len, have - head_len);
			have -= head_len;
		}
		if (have == sizeof buf)
			return;
	}
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: forkc PORT PAGE_FILE\n");
		return 2;
	}
	int f = open(argv[2], O_RDONLY);
	struct stat st;
	if (f < 0 || fstat(f, &st) < 0) {
		perror(argv[2]);
		return 1;
	}
	char *page = malloc((size_t)st.st_size);
	if (page == NULL || read(f, page, (size_t)st.st_size) != st.st_size) {
		perror("read");
		return 1;
	}
	close(f);
	signal(SIGCHLD, SIG_IGN);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 1024) < 0) {
		perror("bind/listen");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		pid_t pid = fork();
		if (pid == 0) {
			close(s);
			serve(c, page, (size_t)st.st_size);
			_exit(0);
		}
		close(c);
	}
}
