/* Table-driven configuration (see config.h).
 *
 * Owns: parsing and validating values of every type, the YAML file reader
 * (libyaml events, so each value keeps its line and column), the
 * environment reader, and the printers.  It does not know any key: the
 * program's table does. */
#include "common/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/net.h"
#include "common/text.h"
#include "common/yamlerr.h"

struct cfg_val {
	char *text;
	long long num;
	char origin[160];
	bool from_file; /* to catch a key given twice in one file */
};

struct config {
	const struct cfg_key *keys;
	int n;
	struct cfg_val *vals;
};

/* ---------------------------------------------------------------- values */

static int find_key(const struct config *cfg, const char *name)
{
	for (int i = 0; i < cfg->n; i++)
		if (strcmp(cfg->keys[i].name, name) == 0)
			return i;
	return -1;
}

/* Index of word in "a|b|c", or -1. */
static int choice_index(const char *choices, const char *word, size_t len)
{
	int i = 0;

	for (const char *p = choices; *p; i++) {
		size_t n = strcspn(p, "|");
		if (n == len && strncmp(p, word, len) == 0)
			return i;
		p += n;
		if (*p == '|')
			p++;
	}
	return -1;
}

static int parse_ll(const char *s, long long *out, char **rest)
{
	char *end;

	if (!isdigit((unsigned char)s[0]) && s[0] != '-')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno || end == s)
		return -1;
	*rest = end;
	return 0;
}

static int parse_scaled(const char *s, long long *out, const char *const units[],
			const long long scale[], long long bare)
{
	char *rest;
	long long v;

	if (parse_ll(s, &v, &rest) < 0 || v < 0)
		return -1;
	if (*rest == '\0') {
		if (v > __LONG_LONG_MAX__ / bare)
			return -1;
		*out = v * bare;
		return 0;
	}
	for (int i = 0; units[i]; i++) {
		if (strcmp(rest, units[i]) == 0) {
			if (v > __LONG_LONG_MAX__ / scale[i])
				return -1;
			*out = v * scale[i];
			return 0;
		}
	}
	return -1;
}

/* Parses text for key k into *num; on failure writes why into why. */
static int parse_value(const struct cfg_key *k, const char *text, long long *num, char *why,
		       size_t whysize)
{
	static const char *const dur_units[] = {"ms", "s", "m", "h", NULL};
	static const long long dur_scale[] = {1, 1000, 60000, 3600000};
	static const char *const size_units[] = {"K", "M", "G", "k", "KiB", "MiB", "GiB", NULL};
	static const long long size_scale[] = {1024, 1 << 20, 1 << 30, 1024,
					       1024, 1 << 20, 1 << 30};
	struct herr e = HERR_INIT;
	char *rest, host[256];
	long long v = 0;
	int port;

	*num = 0;
	if (text[0] == '\0' && (k->flags & CFG_EMPTY_OK))
		return 0;
	switch (k->type) {
	case CFG_STRING:
		return 0;
	case CFG_PATH:
		if (text[0] == '\0') {
			snprintf(why, whysize, "expected a path, got an empty string");
			return -1;
		}
		return 0;
	case CFG_INT:
		if (parse_ll(text, &v, &rest) < 0 || *rest || v < k->min || v > k->max) {
			snprintf(why, whysize, "expected an integer from %lld to %lld, got \"%s\"",
				 k->min, k->max, text);
			return -1;
		}
		*num = v;
		return 0;
	case CFG_BOOL:
		if (choice_index("true|yes|on|1", text, strlen(text)) >= 0)
			*num = 1;
		else if (choice_index("false|no|off|0", text, strlen(text)) >= 0)
			*num = 0;
		else {
			snprintf(why, whysize, "expected true or false, got \"%s\"", text);
			return -1;
		}
		return 0;
	case CFG_ENUM:
		v = choice_index(k->choices, text, strlen(text));
		if (v < 0) {
			snprintf(why, whysize, "expected one of %s, got \"%s\"", k->choices, text);
			return -1;
		}
		*num = v;
		return 0;
	case CFG_LIST:
		for (const char *p = text; *p;) {
			size_t n = strcspn(p, ",");
			const char *w = p;
			int i;

			while (n && isspace((unsigned char)*w)) {
				w++;
				n--;
			}
			while (n && isspace((unsigned char)w[n - 1]))
				n--;
			i = choice_index(k->choices, w, n);
			if (i < 0) {
				snprintf(why, whysize, "expected a comma list of %s, got \"%.*s\"",
					 k->choices, (int)n, w);
				return -1;
			}
			*num |= 1LL << i;
			p += strcspn(p, ",");
			if (*p == ',')
				p++;
		}
		if (*num == 0) {
			snprintf(why, whysize, "expected at least one of %s", k->choices);
			return -1;
		}
		return 0;
	case CFG_ADDR:
		if (net_split_addr(text, host, sizeof(host), &port, &e) < 0) {
			snprintf(why, whysize, "%.300s", e.msg);
			return -1;
		}
		return 0;
	case CFG_DURATION:
		if (parse_scaled(text, &v, dur_units, dur_scale, 1000) < 0 || v < k->min ||
		    v > k->max) {
			snprintf(
				why, whysize,
				"expected a duration (500ms, 30s, 5m, 1h) from %lldms to %lldms, got \"%s\"",
				k->min, k->max, text);
			return -1;
		}
		*num = v;
		return 0;
	case CFG_SIZE:
		if (parse_scaled(text, &v, size_units, size_scale, 1) < 0 || v < k->min ||
		    v > k->max) {
			snprintf(
				why, whysize,
				"expected a size (bytes, or with K, M, G) from %lld to %lld, got \"%s\"",
				k->min, k->max, text);
			return -1;
		}
		*num = v;
		return 0;
	}
	return -1;
}

struct config *config_new(const struct cfg_key *table, int nkeys)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	char why[256];

	if (!cfg)
		return NULL;
	cfg->keys = table;
	cfg->n = nkeys;
	cfg->vals = calloc((size_t)nkeys, sizeof(*cfg->vals));
	if (!cfg->vals)
		goto fail;
	for (int i = 0; i < nkeys; i++) {
		cfg->vals[i].text = strdup(table[i].def);
		if (!cfg->vals[i].text)
			goto fail;
		/* A default that does not parse is a bug in the table. */
		if (parse_value(&table[i], table[i].def, &cfg->vals[i].num, why, sizeof(why)) < 0)
			abort();
		snprintf(cfg->vals[i].origin, sizeof(cfg->vals[i].origin), "default");
	}
	return cfg;
fail:
	config_free(&cfg);
	return NULL;
}

void config_free(struct config **pcfg)
{
	struct config *cfg = *pcfg;

	if (!cfg)
		return;
	if (cfg->vals)
		for (int i = 0; i < cfg->n; i++)
			free(cfg->vals[i].text);
	free(cfg->vals);
	free(cfg);
	*pcfg = NULL;
}

static void unknown_key(const struct config *cfg, const char *name, const char *origin,
			struct herr *e)
{
	const char *best = NULL;
	size_t bestd = 3;

	for (int i = 0; i < cfg->n; i++) {
		size_t d = text_distance(name, cfg->keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = cfg->keys[i].name;
		}
	}
	if (best)
		herr_set(e, HERR_INVALID, "%s: unknown key \"%s\" (did you mean \"%s\"?)", origin,
			 name, best);
	else
		herr_set(e, HERR_INVALID, "%s: unknown key \"%s\"", origin, name);
}

int config_set(struct config *cfg, const char *name, const char *value, const char *origin,
	       struct herr *e)
{
	int i = find_key(cfg, name);
	char why[400], *copy;
	long long num;

	if (i < 0) {
		unknown_key(cfg, name, origin, e);
		return -1;
	}
	if (parse_value(&cfg->keys[i], value, &num, why, sizeof(why)) < 0) {
		if (cfg->keys[i].flags & CFG_SECRET)
			snprintf(why, sizeof(why), "invalid value (not shown: it is a secret)");
		herr_set(e, HERR_INVALID, "%s: %s: %s", origin, name, why);
		return -1;
	}
	copy = strdup(value);
	if (!copy) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	free(cfg->vals[i].text);
	cfg->vals[i].text = copy;
	cfg->vals[i].num = num;
	snprintf(cfg->vals[i].origin, sizeof(cfg->vals[i].origin), "%s", origin);
	return 0;
}

const char *config_str(const struct config *cfg, int id)
{
	return cfg->vals[id].text;
}

long long config_num(const struct config *cfg, int id)
{
	return cfg->vals[id].num;
}

const char *config_origin(const struct config *cfg, int id)
{
	return cfg->vals[id].origin;
}

/* ------------------------------------------------------------- YAML file */

struct yreader {
	struct config *cfg;
	const char *path;
	yaml_parser_t parser;
};

static void mark_origin(const struct yreader *y, const yaml_mark_t *m, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%zu:%zu", y->path, m->line + 1, m->column + 1);
}

static int next_event(struct yreader *y, yaml_event_t *ev, struct herr *e)
{
	if (yaml_parser_parse(&y->parser, ev))
		return 0;
	yamlerr_set(e, y->path, &y->parser);
	return -1;
}

/* True when some key lives below the section name ("log" for "log.level"). */
static bool is_section(const struct config *cfg, const char *name)
{
	size_t n = strlen(name);

	for (int i = 0; i < cfg->n; i++)
		if (strncmp(cfg->keys[i].name, name, n) == 0 && cfg->keys[i].name[n] == '.')
			return true;
	return false;
}

/* Joins the scalars of a sequence with commas (for CFG_LIST keys). */
static int read_sequence(struct yreader *y, char *buf, size_t size, struct herr *e)
{
	yaml_event_t ev;
	size_t n = 0;
	char where[200];

	buf[0] = '\0';
	for (;;) {
		if (next_event(y, &ev, e) < 0)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (ev.type != YAML_SCALAR_EVENT) {
			mark_origin(y, &ev.start_mark, where, sizeof(where));
			herr_set(e, HERR_INVALID, "%s: expected a list of words", where);
			yaml_event_delete(&ev);
			return -1;
		}
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "," : "",
				      (const char *)ev.data.scalar.value);
		yaml_event_delete(&ev);
		if (n >= size) {
			herr_set(e, HERR_TOO_BIG, "%s: list too long", y->path);
			return -1;
		}
	}
	yaml_event_delete(&ev);
	return 0;
}

static int read_mapping(struct yreader *y, const char *prefix, int depth, struct herr *e)
{
	yaml_event_t kev, vev;
	char path[256], where[200], seq[1024];
	int rc = -1, i;

	for (;;) {
		if (next_event(y, &kev, e) < 0)
			return -1;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return 0;
		}
		mark_origin(y, &kev.start_mark, where, sizeof(where));
		if (kev.type != YAML_SCALAR_EVENT) {
			herr_set(e, HERR_INVALID, "%s: expected a key name", where);
			yaml_event_delete(&kev);
			return -1;
		}
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
			 (const char *)kev.data.scalar.value);
		yaml_event_delete(&kev);
		if (next_event(y, &vev, e) < 0)
			return -1;
		i = find_key(y->cfg, path);
		if (vev.type == YAML_MAPPING_START_EVENT && i < 0 && is_section(y->cfg, path) &&
		    depth < 4) {
			rc = read_mapping(y, path, depth + 1, e);
		} else if (i < 0) {
			if (is_section(y->cfg, path))
				herr_set(e, HERR_INVALID,
					 "%s: \"%s\" is a section: expected a mapping of its keys",
					 where, path);
			else
				unknown_key(y->cfg, path, where, e);
			rc = -1;
		} else if (y->cfg->vals[i].from_file) {
			herr_set(e, HERR_INVALID, "%s: %s is given twice", where, path);
			rc = -1;
		} else {
			mark_origin(y, &vev.start_mark, where, sizeof(where));
			if (vev.type == YAML_SCALAR_EVENT) {
				const char *v = (const char *)vev.data.scalar.value;
				if (vev.data.scalar.plain_implicit &&
				    (v[0] == '\0' || strcmp(v, "~") == 0 ||
				     strcmp(v, "null") == 0)) {
					herr_set(
						e, HERR_INVALID,
						"%s: %s has no value (write \"\" for an empty one)",
						where, path);
					rc = -1;
				} else {
					rc = config_set(y->cfg, path, v, where, e);
				}
			} else if (vev.type == YAML_SEQUENCE_START_EVENT &&
				   y->cfg->keys[i].type == CFG_LIST) {
				rc = read_sequence(y, seq, sizeof(seq), e);
				if (rc == 0)
					rc = config_set(y->cfg, path, seq, where, e);
			} else {
				herr_set(e, HERR_INVALID, "%s: %s: expected a single value", where,
					 path);
				rc = -1;
			}
			y->cfg->vals[i].from_file = true;
		}
		yaml_event_delete(&vev);
		if (rc < 0)
			return -1;
	}
}

/* Reads one YAML document, a mapping of keys, from a prepared parser. */
static int load(struct yreader *y, struct herr *e)
{
	yaml_event_t ev;
	int rc = -1;

	/* STREAM-START, then DOCUMENT-START or STREAM-END for an empty file. */
	if (next_event(y, &ev, e) < 0)
		return -1;
	yaml_event_delete(&ev);
	if (next_event(y, &ev, e) < 0)
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev);
	if (next_event(y, &ev, e) < 0)
		return -1;
	if (ev.type == YAML_MAPPING_START_EVENT) {
		yaml_event_delete(&ev);
		rc = read_mapping(y, "", 0, e);
	} else if (ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0) {
		yaml_event_delete(&ev); /* a document with only comments */
		rc = 0;
	} else {
		herr_set(e, HERR_INVALID, "%s:%zu:%zu: expected a mapping of keys", y->path,
			 ev.start_mark.line + 1, ev.start_mark.column + 1);
		yaml_event_delete(&ev);
		return -1;
	}
	if (rc < 0)
		return -1;
	/* DOCUMENT-END, then only STREAM-END: one document. */
	if (next_event(y, &ev, e) < 0)
		return -1;
	yaml_event_delete(&ev);
	if (next_event(y, &ev, e) < 0)
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT) {
		herr_set(e, HERR_INVALID, "%s:%zu:%zu: only one YAML document is allowed", y->path,
			 ev.start_mark.line + 1, ev.start_mark.column + 1);
		rc = -1;
	}
	yaml_event_delete(&ev);
	return rc;
}

int config_load_buffer(struct config *cfg, const char *name, const char *data, size_t len,
		       struct herr *e)
{
	struct yreader y = {.cfg = cfg, .path = name};
	int rc;

	if (!yaml_parser_initialize(&y.parser)) {
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)data, len);
	rc = load(&y, e);
	yaml_parser_delete(&y.parser);
	return rc;
}

int config_load_file(struct config *cfg, const char *path, struct herr *e)
{
	struct yreader y = {.cfg = cfg, .path = path};
	FILE *f;
	int rc;

	f = fopen(path, "rb");
	if (!f) {
		herr_errno(e, errno, "cannot read configuration %s", path);
		return -1;
	}
	if (!yaml_parser_initialize(&y.parser)) {
		fclose(f);
		herr_set(e, HERR_NOMEM, "out of memory");
		return -1;
	}
	yaml_parser_set_input_file(&y.parser, f);
	rc = load(&y, e);
	yaml_parser_delete(&y.parser);
	fclose(f);
	return rc;
}

/* ----------------------------------------------------------- environment */

void config_env_name(const char *key, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "HEARTH_");

	for (; *key && n + 1 < size; key++)
		buf[n++] = *key == '.' ? '_' : (char)toupper((unsigned char)*key);
	buf[n] = '\0';
}

int config_load_env(struct config *cfg, char **envp, void (*warn)(const char *name), struct herr *e)
{
	char name[128], origin[160];

	for (char **ep = envp; *ep; ep++) {
		const char *eq = strchr(*ep, '=');
		int i, found = -1;

		if (strncmp(*ep, "HEARTH_", 7) != 0 || !eq)
			continue;
		for (i = 0; i < cfg->n; i++) {
			config_env_name(cfg->keys[i].name, name, sizeof(name));
			if (strlen(name) == (size_t)(eq - *ep) &&
			    strncmp(*ep, name, (size_t)(eq - *ep)) == 0) {
				found = i;
				break;
			}
		}
		if (found < 0) {
			if (warn) {
				snprintf(name, sizeof(name), "%.*s", (int)(eq - *ep), *ep);
				warn(name);
			}
			continue;
		}
		snprintf(origin, sizeof(origin), "environment %s", name);
		if (config_set(cfg, cfg->keys[found].name, eq + 1, origin, e) < 0)
			return -1;
	}
	return 0;
}

/* -------------------------------------------------------------- printers */

static const char *type_name(const struct cfg_key *k)
{
	static const char *const names[] = {"string", "path",    "integer",  "boolean", "choice",
					    "list",   "address", "duration", "size"};
	return names[k->type];
}

void config_print_help(const struct config *cfg, FILE *out)
{
	char env[128];

	for (int i = 0; i < cfg->n; i++) {
		const struct cfg_key *k = &cfg->keys[i];

		config_env_name(k->name, env, sizeof(env));
		fprintf(out, "  %-26s %s", k->name, type_name(k));
		if (k->choices)
			fprintf(out, " (%s)", k->choices);
		if (k->type == CFG_INT)
			fprintf(out, " %lld..%lld", k->min, k->max);
		fprintf(out, ", default \"%s\", env %s\n      %s\n", k->def, env, k->help);
	}
}

/* Double-quotes a value for YAML when it is not a plain word. */
static void print_scalar(FILE *out, const char *v)
{
	bool plain = v[0] != '\0';

	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._/-,:", *p))
			plain = false;
	if (plain && v[0] != '-' && !strchr(v, ':')) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

void config_print_yaml(const struct config *cfg, FILE *out, bool sample)
{
	const char *section = "";
	size_t seclen = 0;

	for (int i = 0; i < cfg->n; i++) {
		const struct cfg_key *k = &cfg->keys[i];
		const char *dot = strchr(k->name, '.');
		size_t len = dot ? (size_t)(dot - k->name) : 0;
		const char *leaf = dot ? dot + 1 : k->name;
		const char *indent = dot ? "  " : "";

		if (len != seclen || strncmp(section, k->name, len) != 0) {
			section = k->name;
			seclen = len;
			if (len)
				fprintf(out, "\n%s%.*s:\n", sample ? "#" : "", (int)len, k->name);
		}
		if (sample) {
			fprintf(out, "%s# %s (%s", indent, k->help, type_name(k));
			if (k->choices)
				fprintf(out, ": %s", k->choices);
			fprintf(out, ")\n%s#%s: ", indent, leaf);
			print_scalar(out, k->def);
			fputs("\n", out);
			continue;
		}
		fprintf(out, "%s%s: ", indent, leaf);
		if ((k->flags & CFG_SECRET) && cfg->vals[i].text[0])
			fputs("\"(secret)\"", out);
		else
			print_scalar(out, cfg->vals[i].text);
		fprintf(out, "  # %s\n", cfg->vals[i].origin);
	}
}
