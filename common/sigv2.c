/* AWS signature version 2 (see sigv2.h). */
#include "common/sigv2.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t sigv2_quote(const char *s, const char *safe, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || strchr("_.-~", ch) ||
			    (safe && strchr(safe, ch));

		if (n + (keep ? 1 : 3) >= size) {
			if (size)
				out[0] = '\0';
			return size;
		}
		if (keep) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	out[n] = '\0';
	return n;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

int sigv2_unquote(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '%') {
			int h, l;

			if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0)
				return -1;
			ch = (char)(h << 4 | l);
			i += 2;
		}
		if (o + 1 >= size)
			return -1;
		out[o++] = ch;
	}
	out[o] = '\0';
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct sigv2_param *)a)->name, ((const struct sigv2_param *)b)->name);
}

/* Appends quote(s) to the growing buffer *buf; -1 when out of memory. */
static int append(char **buf, size_t *len, size_t *cap, const char *s, bool quote)
{
	size_t need = quote ? strlen(s) * 3 + 1 : strlen(s) + 1;

	if (*len + need > *cap) {
		size_t cap2 = (*len + need) * 2;
		char *p = realloc(*buf, cap2);

		if (!p)
			return -1;
		*buf = p;
		*cap = cap2;
	}
	if (quote)
		*len += sigv2_quote(s, NULL, *buf + *len, *cap - *len);
	else
		*len += (size_t)snprintf(*buf + *len, *cap - *len, "%s", s);
	return 0;
}

void sigv2_sign(const char *secret, const char *verb, const char *host, const char *path,
		const struct sigv2_param *params, size_t n, char out[SIGV2_SIZE])
{
	struct sigv2_param *sorted = calloc(n ? n : 1, sizeof(*sorted));
	size_t m = 0, len = 0, cap = 0;
	char *text = NULL;
	int bad = !sorted;
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	out[0] = '\0';
	for (size_t i = 0; sorted && i < n; i++)
		if (strcmp(params[i].name, "Signature") != 0)
			sorted[m++] = params[i];
	if (sorted)
		qsort(sorted, m, sizeof(*sorted), by_name);
	bad |= append(&text, &len, &cap, verb, false) || append(&text, &len, &cap, "\n", false) ||
	       append(&text, &len, &cap, host, false) || append(&text, &len, &cap, "\n", false) ||
	       append(&text, &len, &cap, path, false) || append(&text, &len, &cap, "\n", false);
	for (size_t i = 0; !bad && i < m; i++)
		bad |= (i && append(&text, &len, &cap, "&", false)) ||
		       append(&text, &len, &cap, sorted[i].name, true) ||
		       append(&text, &len, &cap, "=", false) ||
		       append(&text, &len, &cap, sorted[i].value, true);
	if (!bad) {
		crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
		crypto_auth_hmacsha256_update(&st, (const unsigned char *)text, len);
		crypto_auth_hmacsha256_final(&st, mac);
		sodium_bin2base64(out, SIGV2_SIZE, mac, sizeof(mac),
				  sodium_base64_VARIANT_ORIGINAL);
	}
	free(sorted);
	free(text);
}

bool sigv2_verify(const char *secret, const char *verb, const char *host, const char *path,
		  const struct sigv2_param *params, size_t n)
{
	const char *given = NULL;
	char want[SIGV2_SIZE];

	for (size_t i = 0; i < n; i++)
		if (strcmp(params[i].name, "Signature") == 0)
			given = params[i].value;
	if (!given || strlen(given) != SIGV2_SIZE - 1)
		return false;
	sigv2_sign(secret, verb, host, path, params, n, want);
	return want[0] && sodium_memcmp(want, given, SIGV2_SIZE - 1) == 0;
}

char *sigv2_presign(const char *url, const char *verb, const char *access, const char *secret,
		    const char *timestamp)
{
	const char *hs = strstr(url, "://"), *ps;
	char host[256], *path, *out, sig[SIGV2_SIZE], qts[64] = "", qsig[3 * SIGV2_SIZE];
	char *lower = strdup(url);
	struct sigv2_param params[5] = {
		{"AWSAccessKeyId", access},
		{"SignatureMethod", "HmacSHA256"},
		{"SignatureVersion", "2"},
		{"Timestamp", timestamp},
	};
	size_t n = timestamp ? 4 : 3, plen, size;

	if (!lower || !hs) {
		free(lower);
		return NULL;
	}
	hs += 3;
	ps = strchr(hs, '/');
	if (!ps)
		ps = hs + strlen(hs);
	for (char *p = lower; p < lower + (ps - url); p++) /* scheme and host */
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	snprintf(host, sizeof(host), "%.*s", (int)(ps - hs), lower + (hs - url));
	plen = strlen(ps);
	path = malloc(plen + 2);
	if (!path || sigv2_unquote(lower + (ps - url), plen, path, plen + 2) < 0) {
		free(path);
		free(lower);
		return NULL;
	}
	if (!*path)
		strcpy(path, "/");
	sigv2_sign(secret, verb, host, path, params, n, sig);
	sigv2_quote(sig, NULL, qsig, sizeof(qsig));
	if (timestamp)
		sigv2_quote(timestamp, NULL, qts, sizeof(qts));
	size = strlen(lower) + strlen(access) * 3 + strlen(qts) + strlen(qsig) + 160;
	out = malloc(size);
	if (out) {
		char qak[256];

		sigv2_quote(access, NULL, qak, sizeof(qak));
		snprintf(out, size,
			 "%s?%s%s%sSignatureMethod=HmacSHA256&AWSAccessKeyId=%s&SignatureVersion=2&"
			 "Signature=%s",
			 lower, timestamp ? "Timestamp=" : "", qts, timestamp ? "&" : "", qak,
			 qsig);
	}
	free(path);
	free(lower);
	return out;
}

void sigv2_arn(const char *project, const char *stack_name, const char *stack_id,
	       const char *resource, char *out, size_t size)
{
	char p[200], n[300], i[120], r[300];

	sigv2_quote(project, NULL, p, sizeof(p));
	sigv2_quote(stack_name, NULL, n, sizeof(n));
	sigv2_quote(stack_id, NULL, i, sizeof(i));
	sigv2_quote(resource, "/", r, sizeof(r));
	snprintf(out, size, "arn%%3Aopenstack%%3Aheat%%3A%%3A%s%%3Astacks/%s/%s/resources/%s", p, n,
		 i, r);
}

int sigv2_arn_parse(const char *path, char *project, char *stack_name, char *stack_id,
		    char *resource, size_t size)
{
	static const char prefix[] = "arn:openstack:heat::";
	const char *p = path, *colon, *s;
	size_t len;

	for (; *p; p++)
		if (strncasecmp(p, prefix, sizeof(prefix) - 1) == 0)
			break;
	if (!*p)
		return -1;
	p += sizeof(prefix) - 1;
	colon = strchr(p, ':');
	if (!colon || (size_t)(colon - p) >= size || strncmp(colon + 1, "stacks/", 7) != 0)
		return -1;
	snprintf(project, size, "%.*s", (int)(colon - p), p);
	p = colon + 8;
	if (!(s = strchr(p, '/')) || (size_t)(s - p) >= size || s == p)
		return -1;
	snprintf(stack_name, size, "%.*s", (int)(s - p), p);
	p = s + 1;
	if (!(s = strchr(p, '/')) || (size_t)(s - p) >= size || s == p ||
	    strncmp(s, "/resources/", 11) != 0)
		return -1;
	snprintf(stack_id, size, "%.*s", (int)(s - p), p);
	p = s + 11;
	len = strlen(p);
	if (!len || len >= size)
		return -1;
	memcpy(resource, p, len + 1);
	return 0;
}
