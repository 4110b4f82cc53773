// SPDX-License-Identifier: GPL-2.0
/*
 * TCP connect/close rate (CRR), for make bench.
 *
 *   crr serve PORT             accept and close connections until killed
 *   crr ADDR PORT SECONDS      connect and close for SECONDS; prints the
 *                              connections made per second
 *
 * Each connection is a new conntrack entry and a new classification; the
 * client closes first and sets SO_LINGER 0, so that no TIME_WAIT state
 * piles up and the rate stays the datapath's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;

	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) || listen(s, 4096)) {
		perror("crr serve");
		return 1;
	}
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c >= 0)
			close(c);
	}
}

static int run(const char *addr, int port, double seconds)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	double t0 = now(), t;
	long n = 0, failed = 0;
	int s;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "crr: not an IPv4 address: %s\n", addr);
		return 2;
	}
	do {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0) {
			perror("crr socket");
			return 1;
		}
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)))
			failed++;
		else
			n++;
		close(s);
		t = now();
	} while (t - t0 < seconds);
	if (failed > n) {
		fprintf(stderr, "crr: %ld of %ld connections failed: %s\n",
			failed, n + failed, strerror(errno));
		return 1;
	}
	printf("%.0f\n", n / (t - t0));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(atoi(argv[2]));
	if (argc == 4)
		return run(argv[1], atoi(argv[2]), atof(argv[3]));
	fprintf(stderr, "usage: crr serve PORT | crr ADDR PORT SECONDS\n");
	return 2;
}
