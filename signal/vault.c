/* The token vault (see vault.h). */
#include "signal/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/store.h"

#define INDEX "hearth:signal:tokens"

static unsigned char token_key[32], hash_key[32];

int vault_init(const char *path, struct herr *e)
{
	unsigned char key[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 && errno == ENOENT) {
		randombytes_buf(key, sizeof(key));
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
		    fsync(fd) < 0) {
			herr_errno(e, errno, "cannot write the signal key %s", path);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		herr_errno(e, errno, "cannot read the signal key %s", path);
		return -1;
	}
	n = read(fd, key, sizeof(key));
	close(fd);
	if (n != (ssize_t)sizeof(key)) {
		herr_set(e, HERR_INVALID, "the signal key %s is not 32 bytes", path);
		return -1;
	}
	/* two keys from one: one makes tokens, the other hashes them */
	crypto_generichash(token_key, sizeof(token_key), (const unsigned char *)"token", 5, key,
			   sizeof(key));
	crypto_generichash(hash_key, sizeof(hash_key), (const unsigned char *)"hash", 4, key,
			   sizeof(key));
	sodium_memzero(key, sizeof(key));
	return 0;
}

void vault_derive(const char *purpose, const char *stack, const char *resource, uint64_t seq,
		  char out[VAULT_TOKEN_SIZE])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char s[24];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)seq);
	crypto_auth_hmacsha256_init(&st, token_key, sizeof(token_key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)purpose, strlen(purpose) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)stack, strlen(stack) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)resource, strlen(resource) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)s, strlen(s));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, VAULT_TOKEN_SIZE, mac, sizeof(mac));
	sodium_memzero(mac, sizeof(mac));
}

void vault_token(const char *stack, const char *resource, uint64_t seq, char out[VAULT_TOKEN_SIZE])
{
	vault_derive("signal", stack, resource, seq, out);
}

static void hash_of(const char *token, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), hash_key,
			   sizeof(hash_key));
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static void handles_key(char *buf, size_t size, const char *stack)
{
	snprintf(buf, size, "hearth:stack:{%s}:handles", stack);
}

int vault_issue(const char *stack, const char *resource, uint64_t seq, struct herr *e)
{
	/* a new token replaces the resource's old one in one step */
	static const char lua[] = "local old = redis.call('HGET', KEYS[2], ARGV[2])\n"
				  "if old then redis.call('HDEL', KEYS[1], old) end\n"
				  "redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])\n"
				  "redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])\n"
				  "return 1\n";
	char token[VAULT_TOKEN_SIZE], hash[65], hk[128], scope[200];
	struct store_reply *r;

	vault_token(stack, resource, seq, token);
	hash_of(token, hash);
	sodium_memzero(token, sizeof(token));
	handles_key(hk, sizeof(hk), stack);
	snprintf(scope, sizeof(scope), "%s/%s", stack, resource);
	r = store_cmdv(e, "EVAL", lua, "2", INDEX, hk, hash, resource, scope, NULL);
	store_reply_free(&r);
	return herr_isset(e) ? -1 : 0;
}

int vault_check(const char *token, const char *stack, const char *resource, struct herr *e)
{
	char hash[65], hk[128], scope[200], mine[65] = "";
	struct store_reply *r;
	bool known, same;

	if (!token || strlen(token) != 64)
		return 401;
	hash_of(token, hash);
	if (!(r = store_cmdv(e, "HGET", INDEX, hash, NULL)))
		return -1;
	known = store_reply_type(r) == STORE_STR;
	snprintf(scope, sizeof(scope), "%s/%s", stack, resource);
	same = known && strcmp(store_reply_str(r, NULL), scope) == 0;
	store_reply_free(&r);
	if (!known)
		return 401;
	if (!same)
		return 403;
	/* and the resource's own record of it, compared in constant time */
	handles_key(hk, sizeof(hk), stack);
	if (!(r = store_cmdv(e, "HGET", hk, resource, NULL)))
		return -1;
	if (store_reply_type(r) == STORE_STR)
		snprintf(mine, sizeof(mine), "%s", store_reply_str(r, NULL));
	store_reply_free(&r);
	return strlen(mine) == 64 && sodium_memcmp(mine, hash, 64) == 0 ? 0 : 401;
}

int vault_revoke(const char *stack, const char *resource, struct herr *e)
{
	static const char lua[] = "local old = redis.call('HGET', KEYS[2], ARGV[1])\n"
				  "if old then redis.call('HDEL', KEYS[1], old) end\n"
				  "redis.call('HDEL', KEYS[2], ARGV[1])\n"
				  "return 1\n";
	char hk[128];
	struct store_reply *r;

	handles_key(hk, sizeof(hk), stack);
	r = store_cmdv(e, "EVAL", lua, "2", INDEX, hk, resource, NULL);
	store_reply_free(&r);
	return herr_isset(e) ? -1 : 0;
}

/* ------------------------------------------------------ EC2 credentials */

#define EC2_INDEX "hearth:signal:ec2"

static void ec2_key(char *buf, size_t size, const char *stack)
{
	snprintf(buf, size, "hearth:stack:{%s}:ec2", stack);
}

void vault_ec2(const char *stack, const char *resource, uint64_t seq,
	       char access[VAULT_ACCESS_SIZE], char secret[VAULT_SECRET_SIZE])
{
	char t[VAULT_TOKEN_SIZE];

	vault_derive("ec2-access", stack, resource, seq, t);
	for (int i = 0; i < VAULT_ACCESS_SIZE - 1; i++) /* AWS keys are upper case */
		access[i] = t[i] >= 'a' && t[i] <= 'f' ? (char)(t[i] - 32) : t[i];
	access[VAULT_ACCESS_SIZE - 1] = '\0';
	vault_derive("ec2-secret", stack, resource, seq, t);
	memcpy(secret, t, VAULT_SECRET_SIZE - 1);
	secret[VAULT_SECRET_SIZE - 1] = '\0';
	sodium_memzero(t, sizeof(t));
}

int vault_ec2_issue(const char *stack, const char *resource, uint64_t seq, struct herr *e)
{
	static const char lua[] = "local old = redis.call('HGET', KEYS[2], ARGV[2])\n"
				  "if old then redis.call('HDEL', KEYS[1], old) end\n"
				  "redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])\n"
				  "redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])\n"
				  "return 1\n";
	char access[VAULT_ACCESS_SIZE], secret[VAULT_SECRET_SIZE], k[128], scope[300];
	struct store_reply *r;

	vault_ec2(stack, resource, seq, access, secret);
	sodium_memzero(secret, sizeof(secret));
	ec2_key(k, sizeof(k), stack);
	snprintf(scope, sizeof(scope), "%s/%llu/%s", stack, (unsigned long long)seq, resource);
	r = store_cmdv(e, "EVAL", lua, "2", EC2_INDEX, k, access, resource, scope, NULL);
	store_reply_free(&r);
	return herr_isset(e) ? -1 : 0;
}

int vault_ec2_lookup(const char *access, char stack[64], char *resource, size_t size,
		     char secret[VAULT_SECRET_SIZE], struct herr *e)
{
	struct store_reply *r;
	const char *scope, *slash, *slash2;
	char acc[VAULT_ACCESS_SIZE];
	unsigned long long seq;
	int rc = 401;

	if (!access || strlen(access) != VAULT_ACCESS_SIZE - 1)
		return 401;
	if (!(r = store_cmdv(e, "HGET", EC2_INDEX, access, NULL)))
		return -1;
	if (store_reply_type(r) == STORE_STR && (scope = store_reply_str(r, NULL)) &&
	    (slash = strchr(scope, '/')) && (size_t)(slash - scope) < 64 &&
	    (slash2 = strchr(slash + 1, '/')) && strlen(slash2 + 1) < size) {
		snprintf(stack, 64, "%.*s", (int)(slash - scope), scope);
		seq = strtoull(slash + 1, NULL, 10);
		snprintf(resource, size, "%s", slash2 + 1);
		vault_ec2(stack, resource, seq, acc, secret);
		/* the index names the key: it must also be the one derived */
		rc = sodium_memcmp(acc, access, VAULT_ACCESS_SIZE - 1) == 0 ? 0 : 401;
	}
	store_reply_free(&r);
	return rc;
}

int vault_ec2_revoke(const char *stack, const char *resource, struct herr *e)
{
	static const char lua[] = "local old = redis.call('HGET', KEYS[2], ARGV[1])\n"
				  "if old then redis.call('HDEL', KEYS[1], old) end\n"
				  "redis.call('HDEL', KEYS[2], ARGV[1])\n"
				  "return 1\n";
	char k[128];
	struct store_reply *r;

	ec2_key(k, sizeof(k), stack);
	r = store_cmdv(e, "EVAL", lua, "2", EC2_INDEX, k, resource, NULL);
	store_reply_free(&r);
	return herr_isset(e) ? -1 : 0;
}
