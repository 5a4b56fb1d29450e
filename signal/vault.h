/* The token vault: the secrets guests signal with.
 *
 * A token is 256 bits, derived (HMAC-SHA256 under the vault key) from the
 * stack, the resource and the attempt that made it, so that the engine
 * can give it again when a template asks for the handle's attributes
 * without any copy of it being stored.  Redis holds only keyed hashes
 * (BLAKE2b under a second key): hearth:signal:tokens maps each hash to
 * the one "STACK/RESOURCE" it may signal, and hearth:stack:{ID}:handles
 * maps the stack's resources to their hashes (to revoke them).  The key
 * lives in a 0600 file that every replica of the engine and signal roles
 * shares (signal.key_file). */
#ifndef HEARTH_VAULT_H
#define HEARTH_VAULT_H

#include <stdint.h>

#include "common/err.h"

#define VAULT_TOKEN_SIZE 65 /* 64 hex digits and NUL */

#include <stddef.h>

#define VAULT_ACCESS_SIZE 21 /* an EC2 access key id: 20 characters */
#define VAULT_SECRET_SIZE 41 /* its secret: 40 */

/* Reads the key from path, making it (0600) if absent. */
int vault_init(const char *path, struct herr *e);
/* The token of attempt seq at resource of stack (no Redis). */
void vault_token(const char *stack, const char *resource, uint64_t seq, char out[VAULT_TOKEN_SIZE]);
/* Any other secret of attempt seq at resource, for purpose. */
void vault_derive(const char *purpose, const char *stack, const char *resource, uint64_t seq,
		  char out[VAULT_TOKEN_SIZE]);
/* Records the token's hash so that it may signal (idempotent). */
int vault_issue(const char *stack, const char *resource, uint64_t seq, struct herr *e);
/* Whether token may signal resource of stack: 0 yes; 401 unknown or
 * revoked; 403 a token of another resource; -1 Redis failed. */
int vault_check(const char *token, const char *stack, const char *resource, struct herr *e);
/* Forgets the resource's token (its signals are refused from now on). */
int vault_revoke(const char *stack, const char *resource, struct herr *e);

/* EC2-style credentials (signal-deploy-spec §1.5, §4.1): the access key
 * and secret of attempt seq at resource, derived like tokens.  Redis
 * keeps hearth:signal:ec2 (access key -> "STACK/SEQ/RESOURCE", no secret)
 * and hearth:stack:{ID}:ec2 (resource -> access key, to revoke it). */
void vault_ec2(const char *stack, const char *resource, uint64_t seq,
	       char access[VAULT_ACCESS_SIZE], char secret[VAULT_SECRET_SIZE]);
int vault_ec2_issue(const char *stack, const char *resource, uint64_t seq, struct herr *e);
/* Whose access key this is: 0 with its stack, resource and secret; 401
 * unknown or revoked; -1 Redis failed. */
int vault_ec2_lookup(const char *access, char stack[64], char *resource, size_t size,
		     char secret[VAULT_SECRET_SIZE], struct herr *e);
int vault_ec2_revoke(const char *stack, const char *resource, struct herr *e);

#endif
