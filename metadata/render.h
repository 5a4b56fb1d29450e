/* The metadata trees as pure functions: an instance document, the
 * configuration and a request in, a status, a content type and a body out.
 * No Redis, no HTTP, no clock of its own (the caller passes the time), so
 * every byte can be asserted by a unit test.  The formats are those of
 * metadata-spec §1 and §2; docs/internals/metadata.md has the instance
 * document this reads (the contract with the compute drivers).
 *
 * Ownership: a view owns its parsed document; render_view_new steals the
 * document even when it fails.  A view is immutable once made, so any
 * number of threads may render from one view at once. */
#ifndef HEARTH_METADATA_RENDER_H
#define HEARTH_METADATA_RENDER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/err.h"

/* Longest password a guest may POST (Nova: 4 chunks of 255). */
#define RENDER_PASSWORD_MAX 1020

struct render_cfg {
	const json_t *vendor_data; /* the StaticJSON dict; NULL means {} */
	const char *dhcp_domain;   /* "" for bare host names */
};

struct render_view;

/* A view of one instance: doc is the instance document (stolen), password
 * the guest's stored password (NULL: none; copied).  NULL with e set when
 * the document is not an object with a "uuid" string or its user_data is
 * not valid base64. */
struct render_view *render_view_new(json_t *doc, const char *password, size_t password_len,
				    struct herr *e);
void render_view_free(struct render_view **v);

/* Borrowed strings of the document; "" when absent. */
const char *render_view_uuid(const struct render_view *v);
const char *render_view_project(const struct render_view *v);
const char *render_view_address(const struct render_view *v);
/* The user id the guest's processes run as (the local driver's sandbox),
 * or -1 when the document names none. */
long render_view_uid(const struct render_view *v);
bool render_view_has_password(const struct render_view *v);

struct render_req {
	const char *method; /* as received: GET, HEAD, POST, PUT, ... */
	const char *path;   /* as received (normalised by render) */
	const char *accept; /* Accept header or NULL: error body format */
	const char *remote; /* requester address (local-ipv4 fallback) */
	const char *body;   /* request body (password POST) */
	size_t body_len;
	long long content_length; /* the header's value; -1 when absent */
	time_t now;               /* hides OpenStack versions from the future */
};

enum render_action {
	RENDER_REPLY,        /* send status, ctype, body */
	RENDER_SET_PASSWORD, /* store req->body as the password if none is
			      * set yet, then answer 200 with an empty body;
			      * 409 if one was set meanwhile */
};

struct render_out {
	int status;
	const char *ctype; /* static */
	char *body;        /* malloc'd (may be NULL when len is 0) */
	size_t len;
	enum render_action action;
};

/* Normalises a request path as POSIX normpath does ("//" and "/./"
 * collapse, ".." climbs but never above "/", a trailing "/" goes) into
 * out.  -1 when it does not fit. */
int render_normalise(const char *path, char *out, size_t outsize);

/* Whether the (normalised) path is answered without identifying the
 * instance: only "/", the EC2 version list. */
bool render_is_anonymous(const char *normalised);

/* Answers req for the instance of view (NULL only for anonymous paths).
 * Returns 0, or -1 when out of memory.  out->body is the caller's. */
int render(const struct render_cfg *cfg, const struct render_view *view,
	   const struct render_req *req, struct render_out *out);

/* An error answer in Nova's (WebOb's) shape, negotiated on accept: an HTML
 * page, JSON or plain text.  explanation NULL: the status's usual one. */
int render_error(int status, const char *explanation, const char *accept, struct render_out *out);

/* network_data.json's object for a document (metadata-spec §2); new
 * reference, NULL when out of memory. */
json_t *render_network_data(const json_t *doc);

/* JSON text as Python's json.dumps writes it: ", " and ": " separators,
 * non-ASCII escaped with lowercase hex.  malloc'd; NULL when out of
 * memory. */
char *render_dumps(const json_t *v, size_t *len);

void render_out_free(struct render_out *out);

#endif
