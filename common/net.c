/* Socket address parsing and listeners (see net.h). */
#include "common/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int net_split_addr(const char *addr, char *host, size_t hostsize, int *port, struct herr *e)
{
	const char *colon, *hs = addr, *he;
	char *end;
	long p;

	if (addr[0] == '[') {
		hs = addr + 1;
		he = strchr(hs, ']');
		if (!he || he[1] != ':') {
			herr_set(e, HERR_INVALID, "\"%s\" is not [ipv6]:port", addr);
			return -1;
		}
		colon = he + 1;
	} else {
		colon = strrchr(addr, ':');
		if (!colon || strchr(addr, ':') != colon) {
			herr_set(e, HERR_INVALID, "\"%s\" is not host:port", addr);
			return -1;
		}
		he = colon;
	}
	if (he == hs || (size_t)(he - hs) >= hostsize) {
		herr_set(e, HERR_INVALID, "\"%s\" has no valid host", addr);
		return -1;
	}
	errno = 0;
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno || p < 0 || p > 65535) {
		herr_set(e, HERR_INVALID, "\"%s\" has no valid port (0-65535)", addr);
		return -1;
	}
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	*port = (int)p;
	return 0;
}

int net_listen(const char *addr, int backlog, char *bound, size_t boundsize, struct herr *e)
{
	struct addrinfo hints = {0}, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char host[256], port[8], nhost[INET6_ADDRSTRLEN];
	int p, fd = -1, one = 1, rc;

	if (net_split_addr(addr, host, sizeof(host), &p, e) < 0)
		return -1;
	snprintf(port, sizeof(port), "%d", p);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		herr_set(e, HERR_INVALID, "%s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		herr_errno(e, errno, "%s: socket", addr);
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		herr_errno(e, errno, "cannot listen on %s", addr);
		goto fail;
	}
	if (listen(fd, backlog) < 0) {
		herr_errno(e, errno, "cannot listen on %s", addr);
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, nhost, sizeof(nhost));
			snprintf(bound, boundsize, "[%s]:%u", nhost, ntohs(s6->sin6_port));
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, nhost, sizeof(nhost));
			snprintf(bound, boundsize, "%s:%u", nhost, ntohs(s4->sin_port));
		}
	}
	freeaddrinfo(ai);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}
