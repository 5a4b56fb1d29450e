/* Software configs, deployments and server metadata (see software.h). */
#include "engine/software.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <yaml.h>

#include "common/sigv2.h"
#include "engine/netdb.h"
#include "engine/stackdb.h"
#include "engine/swdb.h"
#include "engine/wait.h"
#include "signal/vault.h"

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k)) ?: "";
}

bool software_is_deployment(const char *type)
{
	return strcmp(type, "OS::Heat::SoftwareDeployment") == 0 ||
	       strcmp(type, "OS::Heat::StructuredDeployment") == 0;
}

bool software_is_group(const char *type)
{
	return strcmp(type, "OS::Heat::SoftwareDeploymentGroup") == 0 ||
	       strcmp(type, "OS::Heat::StructuredDeploymentGroup") == 0 ||
	       strcmp(type, "OS::Heat::SoftwareDeployments") == 0 ||
	       strcmp(type, "OS::Heat::StructuredDeployments") == 0;
}

static bool is_config(const char *type)
{
	return strcmp(type, "OS::Heat::SoftwareConfig") == 0 ||
	       strcmp(type, "OS::Heat::StructuredConfig") == 0 ||
	       strcmp(type, "OS::Heat::CloudConfig") == 0 ||
	       strcmp(type, "OS::Heat::MultipartMime") == 0;
}

bool software_handles(const char *type)
{
	return is_config(type) || software_is_deployment(type);
}

/* ------------------------------------------------------------------ YAML */

/* Whether YAML would read s as something other than a string. */
static bool looks_typed(const char *s)
{
	static const char *const words[] = {
		"",      "~",     "null", "Null", "NULL", "true", "True", "TRUE", "false",
		"False", "FALSE", "yes",  "Yes",  "YES",  "no",   "No",   "NO",   "on",
		"On",    "ON",    "off",  "Off",  "OFF",  "y",    "Y",    "n",    "N"};
	char *end;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	strtod(s, &end);
	return (end != s && !*end) || s[0] == ' ' || s[strlen(s) - 1] == ' ' ||
	       strpbrk(s, ":#{}[],&*!|>'\"%@`") != NULL || s[0] == '-' || s[0] == '?';
}

static int emit(yaml_emitter_t *em, json_t *v)
{
	yaml_event_t ev;
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_object(v)) {
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return -1;
		json_object_foreach (v, k, x) {
			yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)k,
						     (int)strlen(k), 1, 1, YAML_ANY_SCALAR_STYLE);
			if (!yaml_emitter_emit(em, &ev) || emit(em, x) < 0)
				return -1;
		}
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev) ? 0 : -1;
	}
	if (json_is_array(v)) {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return -1;
		json_array_foreach (v, i, x)
			if (emit(em, x) < 0)
				return -1;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev) ? 0 : -1;
	}
	{
		char *text = json_is_string(v) ? strdup(json_string_value(v))
			     : json_is_null(v) ? strdup("null")
					       : json_dumps(v, JSON_ENCODE_ANY);
		bool str = json_is_string(v);
		/* a string that would read as something else is quoted */
		bool plain = !str || !looks_typed(text);
		yaml_scalar_style_t style = !str                 ? YAML_PLAIN_SCALAR_STYLE
					    : strchr(text, '\n') ? YAML_LITERAL_SCALAR_STYLE
								 : YAML_ANY_SCALAR_STYLE;
		int rc;

		if (!text)
			return -1;
		yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text,
					     (int)strlen(text), plain, str, style);
		rc = yaml_emitter_emit(em, &ev) ? 0 : -1;
		free(text);
		return rc;
	}
}

static int yaml_out(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

/* v as a YAML block document (what Heat's yaml dump gives cloud-init). */
static char *yaml_dump(json_t *v)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ok;

	if (!f)
		return NULL;
	yaml_emitter_initialize(&em);
	yaml_emitter_set_output(&em, yaml_out, f);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	ok = ok && yaml_emitter_emit(&em, &ev) && emit(&em, v) == 0;
	yaml_document_end_event_initialize(&ev, 1);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_emitter_delete(&em);
	if (fclose(f) != 0 || !ok) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ------------------------------------------------------------------ MIME */

struct mime {
	FILE *f;
	char *buf;
	size_t len;
	char boundary[48];
};

static int mime_open(struct mime *m)
{
	unsigned char b[8];
	unsigned long long n = 0;

	randombytes_buf(b, sizeof(b));
	for (int i = 0; i < 8; i++)
		n = n << 8 | b[i];
	/* the shape of Python's email boundaries */
	snprintf(m->boundary, sizeof(m->boundary),
		 "===============%019llu==", n % 10000000000000000000ull);
	m->buf = NULL;
	m->len = 0;
	if (!(m->f = open_memstream(&m->buf, &m->len)))
		return -1;
	fprintf(m->f, "Content-Type: multipart/mixed; boundary=\"%s\"\nMIME-Version: 1.0\n\n",
		m->boundary);
	return 0;
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* A text part: us-ascii as 7bit, anything else utf-8 in base64. */
static void mime_part(struct mime *m, const char *subtype, const char *filename,
		      const char *payload)
{
	bool a = ascii(payload);

	fprintf(m->f, "--%s\nContent-Type: text/%s; charset=\"%s\"\nMIME-Version: 1.0\n",
		m->boundary, subtype && *subtype ? subtype : "plain", a ? "us-ascii" : "utf-8");
	fprintf(m->f, "Content-Transfer-Encoding: %s\n", a ? "7bit" : "base64");
	if (filename)
		fprintf(m->f, "Content-Disposition: attachment; filename=\"%s\"\n", filename);
	fputc('\n', m->f);
	if (a) {
		fputs(payload, m->f);
	} else {
		size_t n = strlen(payload);
		size_t cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = malloc(cap);

		if (b64) {
			sodium_bin2base64(b64, cap, (const unsigned char *)payload, n,
					  sodium_base64_VARIANT_ORIGINAL);
			for (size_t i = 0; b64[i]; i += 76)
				fprintf(m->f, "%.76s\n", b64 + i);
			free(b64);
		}
	}
	fputc('\n', m->f);
}

static char *mime_close(struct mime *m)
{
	fprintf(m->f, "--%s--\n", m->boundary);
	if (fclose(m->f) != 0) {
		free(m->buf);
		return NULL;
	}
	return m->buf;
}

/* Appends the parts of text, a multipart message, to m: 0, or -1 when
 * text is not one (no boundary). */
static int mime_split(struct mime *m, const char *text)
{
	const char *b = strstr(text, "boundary=");
	char bound[200], delim[210];
	const char *p, *next;
	size_t n;

	if (!b || strncasecmp(text, "Content-Type: multipart/", 24) != 0)
		return -1;
	b += 9;
	if (*b == '"')
		b++;
	n = strcspn(b, "\"\r\n;");
	if (!n || n >= sizeof(bound))
		return -1;
	snprintf(bound, sizeof(bound), "%.*s", (int)n, b);
	snprintf(delim, sizeof(delim), "\n--%s", bound);
	for (p = strstr(text, delim); p; p = next) {
		const char *start = p + strlen(delim);

		if (strncmp(start, "--", 2) == 0)
			break;
		start += strcspn(start, "\n");
		if (*start)
			start++;
		next = strstr(start, delim);
		/* the part with its own headers, as it was */
		fprintf(m->f, "--%s\n%.*s\n", m->boundary,
			(int)((next ? next : start + strlen(start)) - start), start);
	}
	return 0;
}

char *software_user_data(const char *user_data, json_t *metadata)
{
	static const char cloud_config[] =
		"#cloud-config\n"
		"output:\n  all: '| tee -a /var/log/cloud-init-output.log'\n";
	static const char boothook[] =
		"#!/bin/bash\n"
		"# the symlinks heat-cfntools' tools expect, where they exist\n"
		"command -v cfn-create-aws-symlinks >/dev/null && "
		"cfn-create-aws-symlinks --source /usr/bin || true\n"
		"exit 0\n";
	static const char handler[] =
		"#part-handler\n"
		"# part-handler: text/x-cfninitdata parts become files in\n"
		"# /var/lib/heat-cfntools and /var/lib/cloud/data\n"
		"import datetime\nimport errno\nimport os\nimport sys\n\n\n"
		"def list_types():\n    return ['text/x-cfninitdata']\n\n\n"
		"def handle_part(data, ctype, filename, payload):\n"
		"    if ctype in ('__begin__', '__end__'):\n        return\n"
		"    for d in ('/var/lib/heat-cfntools', '/var/lib/cloud/data'):\n"
		"        try:\n            os.makedirs(d, 0o700)\n"
		"        except OSError as e:\n"
		"            if e.errno != errno.EEXIST:\n                raise\n"
		"        with open(os.path.join(d, filename), 'w') as f:\n"
		"            f.write(payload)\n";
	struct mime m;
	char *md;

	if (mime_open(&m) < 0)
		return NULL;
	mime_part(&m, "cloud-config", "cloud-config", cloud_config);
	mime_part(&m, "cloud-boothook", "boothook.sh", boothook);
	mime_part(&m, "part-handler", "part-handler.py", handler);
	if (user_data && *user_data && mime_split(&m, user_data) < 0)
		mime_part(&m, "plain", "", user_data);
	if (json_object_size(metadata) && (md = json_dumps(metadata, JSON_COMPACT))) {
		mime_part(&m, "x-cfninitdata", "cfn-init-data", md);
		free(md);
	}
	return mime_close(&m);
}

/* --------------------------------------------------------------- configs */

static int fail(const struct rsrc_ctx *c, struct rsrc_result *r, const char *msg)
{
	return rsrc_fail(c, r, "Error", "%s", msg);
}

/* MultipartMime's message from its parts (a part's config may name a
 * stored config, whose text is used). */
static char *multipart(json_t *parts, struct herr *e)
{
	struct mime m;
	json_t *x;
	size_t i;

	if (mime_open(&m) < 0)
		return NULL;
	json_array_foreach (parts, i, x) {
		const char *text = str(x, "config"), *type = str(x, "type");
		json_t *cfg = swdb_config_get(text, e);

		herr_clear(e);
		if (cfg && json_is_string(json_object_get(cfg, "config")))
			text = json_string_value(json_object_get(cfg, "config"));
		if (strcmp(type, "multipart") != 0 || mime_split(&m, text) < 0)
			mime_part(&m,
				  json_is_string(json_object_get(x, "subtype")) ? str(x, "subtype")
										: "plain",
				  json_is_string(json_object_get(x, "filename"))
					  ? str(x, "filename")
					  : NULL,
				  text);
		json_decref(cfg);
	}
	return mime_close(&m);
}

static int config_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	char why[300];
	json_t *config, *cfg;
	const char *group = json_string_value(json_object_get(props, "group"));

	if (strcmp(c->type, "OS::Heat::CloudConfig") == 0) {
		char *y = yaml_dump(json_object_get(props, "cloud_config") ?: json_object());
		size_t n = y ? strlen(y) + 16 : 0;
		char *t = y ? malloc(n) : NULL;

		if (t)
			snprintf(t, n, "#cloud-config\n%s", y);
		config = t ? json_string(t) : NULL;
		free(y);
		free(t);
		group = "Heat::Ungrouped";
	} else if (strcmp(c->type, "OS::Heat::MultipartMime") == 0) {
		char *t = multipart(json_object_get(props, "parts"), &e);

		config = t ? json_string(t) : NULL;
		free(t);
	} else {
		config = json_incref(json_object_get(props, "config"));
		if (!config && strcmp(c->type, "OS::Heat::StructuredConfig") == 0)
			config = json_object();
	}
	if (!config && strcmp(c->type, "OS::Heat::SoftwareConfig") != 0)
		return fail(c, r, "cannot build the config");
	cfg = swdb_config_make(c->project, r->physical_id, group, config,
			       json_object_get(props, "inputs"), json_object_get(props, "outputs"),
			       json_object_get(props, "options"), why, sizeof(why));
	json_decref(config);
	if (!cfg)
		return rsrc_fail(c, r, "ValueError", "%s", why);
	if (swdb_config_put(cfg, &e) < 0) {
		json_decref(cfg);
		return fail(c, r, e.msg);
	}
	snprintf(r->physical_id, sizeof(r->physical_id), "%s", str(cfg, "id"));
	r->ref_id = json_string(str(cfg, "id"));
	r->attributes = json_pack("{s:O}", "config", json_object_get(cfg, "config"));
	json_decref(cfg);
	return 0;
}

/* ----------------------------------------------------------- deployments */

void software_metadata_sig(const char *stack_id, const char *resource, uint64_t seq, char out[65])
{
	vault_derive("metadata-url", stack_id, resource, seq, out);
}

void software_temp_url_sig(const char *stack_id, const char *resource, uint64_t seq, char out[65])
{
	vault_derive("temp-url-signal", stack_id, resource, seq, out);
}

void software_deployment_id(const char *stack_id, const char *resource, uint64_t seq,
			    char out[SDB_ID_SIZE])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char h[16];
	char s[24];
	crypto_generichash_state st;

	snprintf(s, sizeof(s), "%llu", (unsigned long long)seq);
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)stack_id, strlen(stack_id) + 1);
	crypto_generichash_update(&st, (const unsigned char *)resource, strlen(resource) + 1);
	crypto_generichash_update(&st, (const unsigned char *)s, strlen(s));
	crypto_generichash_final(&st, h, sizeof(h));
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40); /* the shape of a version 4 UUID */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	for (int i = 0, o = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[h[i] >> 4];
		out[o++] = hex[h[i] & 15];
		out[o] = '\0';
	}
}

static bool has_action(json_t *props, const char *action)
{
	json_t *actions = json_object_get(props, "actions"), *x;
	size_t i;

	if (!json_is_array(actions)) /* Heat's default: CREATE and UPDATE */
		return strcmp(action, "CREATE") == 0 || strcmp(action, "UPDATE") == 0;
	json_array_foreach (actions, i, x)
		if (json_is_string(x) && strcmp(json_string_value(x), action) == 0)
			return true;
	return false;
}

static const char *transport(json_t *props)
{
	return json_string_value(json_object_get(props, "signal_transport")) ?: "CFN_SIGNAL";
}

/* The StructuredDeployment's config: every {input_key: NAME} replaced by
 * the input's value. */
static json_t *substitute(json_t *v, const char *key, json_t *inputs, bool strict, char *why,
			  size_t size)
{
	const char *k;
	json_t *x, *out;
	size_t i;

	if (json_is_object(v) && json_object_size(v) == 1 && json_object_get(v, key)) {
		const char *name = json_string_value(json_object_get(v, key));
		json_t *in;

		json_array_foreach (inputs, i, in)
			if (name && strcmp(str(in, "name"), name) == 0)
				return json_incref(json_object_get(in, "value") ?: json_null());
		if (strict) {
			snprintf(why, size, "Unknown input %s", name ? name : "(not a string)");
			return NULL;
		}
		return json_null();
	}
	if (json_is_object(v)) {
		out = json_object();
		json_object_foreach (v, k, x) {
			json_t *s = substitute(x, key, inputs, strict, why, size);

			if (!s) {
				json_decref(out);
				return NULL;
			}
			json_object_set_new(out, k, s);
		}
		return out;
	}
	if (json_is_array(v)) {
		out = json_array();
		json_array_foreach (v, i, x) {
			json_t *s = substitute(x, key, inputs, strict, why, size);

			if (!s) {
				json_decref(out);
				return NULL;
			}
			json_array_append_new(out, s);
		}
		return out;
	}
	return json_incref(v);
}

#define IMPLICIT(list, n, v, d)     \
	json_array_append_new(list, \
			      json_pack("{s:s,s:s,s:s}", "name", n, "value", v, "description", d))

/* The deployment's derived config for action: stored, or NULL (why). */
static json_t *derive(const struct rsrc_ctx *c, json_t *props, const char *action, char *why,
		      size_t size)
{
	struct herr e = HERR_INIT;
	const char *cid = json_string_value(json_object_get(props, "config"));
	const char *tr = transport(props);
	json_t *src = cid && *cid ? swdb_config_get(cid, &e) : NULL, *implicit, *inputs, *cfg;
	json_t *config;
	char sid[600], pname[300];

	if (cid && *cid && !src) {
		if (e.code == HERR_NOT_FOUND)
			snprintf(why, size, "The config (%s) could not be found.", cid);
		else
			snprintf(why, size, "%.300s", e.msg);
		return NULL;
	}
	snprintf(sid, sizeof(sid), "%s/%s", c->stack_name, c->stack_id);
	implicit = json_array();
	IMPLICIT(implicit, "deploy_server_id", str(props, "server"),
		 "ID of the server being deployed to");
	IMPLICIT(implicit, "deploy_action", action, "Name of the current action being deployed");
	IMPLICIT(implicit, "deploy_stack_id", sid, "ID of the stack this deployment belongs to");
	IMPLICIT(implicit, "deploy_resource_name", c->name,
		 "Name of this deployment resource in the stack");
	IMPLICIT(implicit, "deploy_signal_transport", tr,
		 "How the server should signal to heat with the deployment output values.");
	if (strcmp(tr, "CFN_SIGNAL") == 0) {
		char arn[700], url[1200], access[VAULT_ACCESS_SIZE], secret[VAULT_SECRET_SIZE];
		char ts[32];
		time_t now = time(NULL);
		char *signed_url;

		sigv2_arn(c->project, c->stack_name, c->stack_id, c->name, arn, sizeof(arn));
		snprintf(url, sizeof(url), "%s/v1/signal/%s", wait_endpoint(), arn);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		vault_ec2(c->stack_id, c->name, c->seq, access, secret);
		signed_url = sigv2_presign(url, "POST", access, secret, ts);
		sodium_memzero(secret, sizeof(secret));
		IMPLICIT(implicit, "deploy_signal_id", signed_url ? signed_url : "",
			 "ID of signal to use for signaling output values");
		IMPLICIT(implicit, "deploy_signal_verb", "POST",
			 "HTTP verb to use for signaling output values");
		free(signed_url);
	} else if (strcmp(tr, "TEMP_URL_SIGNAL") == 0) {
		char sig[65], url[1200];

		software_temp_url_sig(c->stack_id, c->name, c->seq, sig);
		snprintf(url, sizeof(url), "%s/v1/temp-signal/%s/%s?sig=%s", wait_endpoint(),
			 c->stack_id, c->name, sig);
		IMPLICIT(implicit, "deploy_signal_id", url,
			 "ID of signal to use for signaling output values");
		IMPLICIT(implicit, "deploy_signal_verb", "PUT",
			 "HTTP verb to use for signaling output values");
	}
	inputs = swdb_derive_inputs(json_object_get(src, "inputs"),
				    json_object_get(props, "input_values"), implicit);
	json_decref(implicit);
	config = json_object_get(src, "config");
	if (strcmp(c->type, "OS::Heat::StructuredDeployment") == 0) {
		const char *key =
			json_string_value(json_object_get(props, "input_key")) ?: "get_input";
		bool strict = strcmp(str(props, "input_values_validate"), "STRICT") == 0;

		config =
			substitute(config ? config : json_object(), key, inputs, strict, why, size);
		if (!config) {
			json_decref(inputs);
			json_decref(src);
			return NULL;
		}
	} else {
		config = config ? json_incref(config) : json_string("");
	}
	rsrc_physical_name(c->stack_name, c->name, pname, sizeof(pname));
	cfg = swdb_config_make(c->project,
			       json_string_value(json_object_get(props, "name"))
				       ?: (src && *str(src, "name") ? str(src, "name") : pname),
			       src ? str(src, "group") : "Heat::Ungrouped", config, NULL,
			       json_object_get(src, "outputs"), json_object_get(src, "options"),
			       why, size);
	json_decref(config);
	if (cfg) {
		json_object_set_new(cfg, "inputs", inputs);
		inputs = NULL;
		if (swdb_config_put(cfg, &e) < 0) {
			snprintf(why, size, "%.300s", e.msg);
			json_decref(cfg);
			cfg = NULL;
		}
	}
	json_decref(inputs);
	json_decref(src);
	return cfg;
}

/* Runs action on the deployment: a new derived config, the deployment
 * pointed at it (IN_PROGRESS, or COMPLETE for NO_SIGNAL) and the old
 * config gone; r waits for the signal. */
static int deploy(const struct rsrc_ctx *c, json_t *props, const char *action, json_t *old,
		  struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	char why[400] = "", now[21], id[SDB_ID_SIZE];
	bool nosig = strcmp(transport(props), "NO_SIGNAL") == 0;
	json_t *cfg, *dep;
	const char *old_config = old ? str(old, "config_id") : "";

	if (strcmp(transport(props), "HEAT_SIGNAL") == 0 ||
	    strcmp(transport(props), "ZAQAR_SIGNAL") == 0)
		return rsrc_fail(c, r, "ValueError",
				 "signal_transport %s needs Keystone (or Zaqar), which Hearth does "
				 "not run: use CFN_SIGNAL, TEMP_URL_SIGNAL or NO_SIGNAL",
				 transport(props));
	if (old)
		snprintf(id, sizeof(id), "%s", str(old, "id"));
	else
		software_deployment_id(c->stack_id, c->name, c->seq, id);
	if (strcmp(transport(props), "CFN_SIGNAL") == 0 &&
	    vault_ec2_issue(c->stack_id, c->name, c->seq, &e) < 0)
		return fail(c, r, e.msg);
	if (!(cfg = derive(c, props, action, why, sizeof(why))))
		return rsrc_fail(c, r, "Error", "%s", why);
	sdb_now(now);
	dep = old ? json_deep_copy(old) : json_object();
	json_object_set_new(dep, "id", json_string(id));
	json_object_set(dep, "config_id", json_object_get(cfg, "id"));
	json_object_set(dep, "server_id", json_object_get(props, "server"));
	json_object_set_new(dep, "input_values",
			    rsrc_or_new(json_object_get(props, "input_values"), json_object()));
	if (!old) {
		json_object_set_new(dep, "output_values", json_object());
		json_object_set_new(dep, "creation_time", json_string(now));
	} else {
		json_object_set_new(dep, "updated_time", json_string(now));
	}
	json_object_set_new(dep, "action", json_string(action));
	json_object_set_new(dep, "status", json_string(nosig ? "COMPLETE" : "IN_PROGRESS"));
	json_object_set_new(
		dep, "status_reason",
		json_string(nosig ? "Not waiting for outputs signal" : "Deploy data available"));
	json_object_set_new(dep, "project", json_string(c->project));
	json_object_set_new(dep, "stack_id", json_string(c->stack_id));
	json_object_set_new(dep, "resource", json_string(c->name));
	json_decref(cfg);
	if (swdb_deployment_put(dep, old ? str(old, "server_id") : NULL, &e) < 0) {
		json_decref(dep);
		return fail(c, r, e.msg);
	}
	if (*old_config && strcmp(old_config, str(dep, "config_id")) != 0 &&
	    swdb_config_delete(old_config, &e) < 0 && e.code != HERR_NOT_FOUND) {
		json_decref(dep);
		return fail(c, r, e.msg);
	}
	json_decref(dep);
	snprintf(r->physical_id, sizeof(r->physical_id), "%s", id);
	r->ref_id = json_string(id);
	if (nosig)
		r->attributes = json_pack("{s:n,s:n,s:n}", "deploy_stdout", "deploy_stderr",
					  "deploy_status_code");
	else
		snprintf(r->wait_deployment, sizeof(r->wait_deployment), "%s", id);
	return 0;
}

static int deployment_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	if (!has_action(props, "CREATE")) { /* nothing to run: done */
		char id[SDB_ID_SIZE];

		software_deployment_id(c->stack_id, c->name, c->seq, id);
		snprintf(r->physical_id, sizeof(r->physical_id), "%s", id);
		r->ref_id = json_string(id);
		r->attributes = json_pack("{s:n,s:n,s:n}", "deploy_stdout", "deploy_stderr",
					  "deploy_status_code");
		return 0;
	}
	return deploy(c, props, "CREATE", NULL, r);
}

static int deployment_update(const struct rsrc_ctx *c, json_t *new_props, struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	const char *id = str(c->stored, "physical_resource_id");
	json_t *old;
	int rc;

	if (!has_action(new_props, "UPDATE"))
		return 0;
	old = *id ? swdb_deployment_get(id, &e) : NULL;
	if (!old && herr_isset(&e) && e.code != HERR_NOT_FOUND)
		return fail(c, r, e.msg);
	rc = deploy(c, new_props, "UPDATE", old, r);
	json_decref(old);
	return rc;
}

bool software_server_exists(const char *server)
{
	struct herr e = HERR_INIT;
	json_t *srv = ndb_get(server, &e);
	bool yes = srv || (herr_isset(&e) && e.code != HERR_NOT_FOUND); /* unsure: yes */

	json_decref(srv);
	return yes;
}

int software_delete_start(const struct rsrc_ctx *c, json_t *props, char id[37],
			  struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	json_t *old;
	int rc;

	if (!software_is_deployment(c->type) || !has_action(props, "DELETE") ||
	    strcmp(transport(props), "NO_SIGNAL") == 0 ||
	    !software_server_exists(str(props, "server")))
		return 0;
	software_deployment_id(c->stack_id, c->name, c->seq, id);
	if (!(old = swdb_deployment_get(id, &e)))
		return e.code == HERR_NOT_FOUND ? 0 : fail(c, r, e.msg);
	rc = deploy(c, props, "DELETE", old, r);
	json_decref(old);
	return rc < 0 ? -1 : 1;
}

static int deployment_delete(const struct rsrc_ctx *c, struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	char id[SDB_ID_SIZE];
	json_t *dep;

	/* the attempt's own id: a failed create never stored it */
	software_deployment_id(c->stack_id, c->name, c->seq, id);
	dep = swdb_deployment_get(id, &e);

	if (!dep) {
		if (herr_isset(&e) && e.code != HERR_NOT_FOUND)
			return fail(c, r, e.msg);
		herr_clear(&e);
	} else {
		if ((swdb_deployment_delete(id, &e) < 0 && e.code != HERR_NOT_FOUND) ||
		    (swdb_config_delete(str(dep, "config_id"), &e) < 0 &&
		     e.code != HERR_NOT_FOUND)) {
			json_decref(dep);
			return fail(c, r, e.msg);
		}
		herr_clear(&e);
		json_decref(dep);
	}
	if (vault_ec2_revoke(c->stack_id, c->name, &e) < 0)
		return fail(c, r, e.msg);
	return 0;
}

int software_check(const char *name, const char *id, json_t **attrs, char *why, size_t size,
		   struct herr *e)
{
	json_t *dep = swdb_deployment_get(id, e), *cfg, *out, *x;
	const char *status;
	size_t i;

	if (!dep) {
		if (e->code != HERR_NOT_FOUND)
			return -2;
		herr_clear(e);
		snprintf(why, size,
			 "Error: resources.%s: Deployment to server failed: the "
			 "deployment is gone",
			 name);
		return -1;
	}
	status = str(dep, "status");
	if (strcmp(status, "FAILED") == 0) {
		snprintf(why, size, "Error: resources.%s: Deployment to server failed: %s", name,
			 str(dep, "status_reason"));
		json_decref(dep);
		return -1;
	}
	if (strcmp(status, "COMPLETE") != 0) {
		json_decref(dep);
		return 0;
	}
	out = json_pack("{s:n,s:n,s:n}", "deploy_stdout", "deploy_stderr", "deploy_status_code");
	if ((cfg = swdb_config_get(str(dep, "config_id"), e))) /* declared outputs: null */
		json_array_foreach (json_object_get(cfg, "outputs"), i, x)
			json_object_set_new(out, str(x, "name"), json_null());
	herr_clear(e);
	json_decref(cfg);
	json_object_update(out, json_object_get(dep, "output_values"));
	*attrs = out;
	json_decref(dep);
	return 1;
}

/* ----------------------------------------------------------- the API */

int software_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	return is_config(c->type) ? config_create(c, props, r) : deployment_create(c, props, r);
}

int software_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		    struct rsrc_result *r)
{
	(void)old_props;
	if (is_config(c->type)) /* configs are immutable: the schema replaces them */
		return 0;
	return deployment_update(c, new_props, r);
}

int software_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r)
{
	struct herr e = HERR_INIT;
	const char *id = str(c->stored, "physical_resource_id");

	(void)props;
	if (!is_config(c->type))
		return deployment_delete(c, r);
	if (*id && swdb_config_delete(id, &e) < 0 && e.code != HERR_NOT_FOUND)
		return fail(c, r, e.msg);
	return 0;
}

/* -------------------------------------------------------- server metadata */

json_t *software_collect_config(const char *stack_id, const char *stack_name, const char *resource,
				uint64_t seq, const char *server, const char *transport)
{
	char url[1200], sig[65];
	json_t *occ;

	software_metadata_sig(stack_id, resource, seq, sig);
	snprintf(url, sizeof(url), "%s/v1/servers/%s/metadata?sig=%s", wait_endpoint(), server,
		 sig);
	if (!*transport || strcmp(transport, "POLL_SERVER_CFN") == 0) {
		char access[VAULT_ACCESS_SIZE], secret[VAULT_SECRET_SIZE], base[400], path[300];

		vault_ec2(stack_id, resource, seq, access, secret);
		snprintf(base, sizeof(base), "%s/v1/", wait_endpoint());
		snprintf(path, sizeof(path), "%s.Metadata", resource);
		occ = json_pack("{s:[s,s,s],s:{s:s,s:s,s:s,s:s,s:s}}", "collectors", "ec2", "cfn",
				"local", "cfn", "metadata_url", base, "access_key_id", access,
				"secret_access_key", secret, "stack_name", stack_name, "path",
				path);
		sodium_memzero(secret, sizeof(secret));
	} else if (strcmp(transport, "POLL_TEMP_URL") == 0) {
		occ = json_pack("{s:[s,s,s],s:{s:s}}", "collectors", "ec2", "request", "local",
				"request", "metadata_url", url);
	} else {
		return NULL;
	}
	json_object_set_new(occ, "hearth", json_pack("{s:s}", "metadata_url", url));
	return occ;
}

json_t *software_server_metadata(const char *server, struct herr *e)
{
	json_t *srv = ndb_get(server, e), *res = NULL, *md, *deps, *occ;
	char *sname = NULL;

	if (!srv)
		return NULL;
	if (strcmp(str(srv, "kind"), "server") != 0) {
		json_decref(srv);
		herr_set(e, HERR_NOT_FOUND, "no server %s", server);
		return NULL;
	}
	res = sdb_resource(str(srv, "stack"), str(srv, "resource"), e);
	herr_clear(e); /* not stored yet: no template metadata */
	md = json_is_object(json_object_get(res, "metadata"))
		     ? json_deep_copy(json_object_get(res, "metadata"))
		     : json_object();
	json_decref(res);
	if (!(deps = swdb_server_deployments(server, e)) ||
	    !(sname = sdb_field(str(srv, "stack"), "stack_name", e))) {
		json_decref(deps);
		json_decref(md);
		json_decref(srv);
		return NULL;
	}
	json_object_set_new(md, "deployments", deps);
	occ = software_collect_config(str(srv, "stack"), sname, str(srv, "resource"),
				      (uint64_t)json_integer_value(json_object_get(srv, "seq")),
				      server, str(srv, "software_config_transport"));
	if (occ) /* the template's own keys of it stay (Heat merges) */
		json_object_update_missing(occ, json_object_get(md, "os-collect-config"));
	json_object_set_new(md, "os-collect-config", occ ? occ : json_object());
	free(sname);
	json_decref(srv);
	return md;
}
