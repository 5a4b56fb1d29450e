/* YAML to jansson for cloud-config (see yamljson.h). */
#include "guest-tools/yamljson.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

struct yj {
	yaml_parser_t parser;
	json_t *anchors; /* anchor name -> node (borrowed by aliases) */
	struct herr *e;
};

static json_t *yj_plain(const char *s, size_t len)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	static const char *const trues[] = {"true", "True", "TRUE", "yes", "Yes",
					    "YES",  "on",   "On",   "ON"};
	static const char *const falses[] = {"false", "False", "FALSE", "no", "No",
					     "NO",    "off",   "Off",   "OFF"};
	const char *p = s;
	char *end;
	long long v;
	int base = 10;

	for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
		if (strcmp(s, nulls[i]) == 0)
			return json_null();
	for (size_t i = 0; i < sizeof(trues) / sizeof(*trues); i++)
		if (strcmp(s, trues[i]) == 0)
			return json_true();
	for (size_t i = 0; i < sizeof(falses) / sizeof(*falses); i++)
		if (strcmp(s, falses[i]) == 0)
			return json_false();
	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16;
	else if (p[0] == '0' && p[1])
		base = 8;
	if ((*p >= '0' && *p <= '9') && len < 24) {
		errno = 0;
		v = strtoll(s, &end, base);
		if (*end == '\0' && errno == 0)
			return json_integer(v);
	}
	return json_stringn(s, len);
}

static json_t *yj_node(struct yj *y, yaml_event_t *ev, int depth);

/* Reads events until the end of the current mapping or sequence. */
static json_t *yj_collection(struct yj *y, json_t *coll, yaml_event_type_t end, int depth)
{
	for (;;) {
		yaml_event_t ev;
		json_t *key = NULL, *val;

		if (!yaml_parser_parse(&y->parser, &ev)) {
			herr_set(y->e, HERR_INVALID, "line %zu: %s",
				 y->parser.problem_mark.line + 1,
				 y->parser.problem ? y->parser.problem : "invalid YAML");
			goto fail;
		}
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return coll;
		}
		if (json_is_object(coll)) {
			key = yj_node(y, &ev, depth + 1);
			if (!key)
				goto fail;
			if (!json_is_string(key)) {
				/* Non-string keys become their JSON text. */
				char *txt = json_dumps(key, JSON_ENCODE_ANY | JSON_COMPACT);

				json_decref(key);
				key = json_string(txt ? txt : "");
				free(txt);
			}
			if (!yaml_parser_parse(&y->parser, &ev)) {
				json_decref(key);
				herr_set(y->e, HERR_INVALID, "line %zu: %s",
					 y->parser.problem_mark.line + 1,
					 y->parser.problem ? y->parser.problem : "invalid YAML");
				goto fail;
			}
		}
		val = yj_node(y, &ev, depth + 1);
		if (!val) {
			json_decref(key);
			goto fail;
		}
		if (key) {
			json_object_set_new(coll, json_string_value(key), val);
			json_decref(key);
		} else {
			json_array_append_new(coll, val);
		}
	}
fail:
	json_decref(coll);
	return NULL;
}

/* Builds the node that starts with ev (consumed).  A new reference. */
static json_t *yj_node(struct yj *y, yaml_event_t *ev, int depth)
{
	json_t *node = NULL;
	const char *anchor = NULL;
	size_t line = ev->start_mark.line + 1;

	if (depth > YAMLJSON_MAX_DEPTH) {
		herr_set(y->e, HERR_TOO_BIG, "line %zu: nested deeper than %d", line,
			 YAMLJSON_MAX_DEPTH);
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		node = json_object_get(y->anchors, (const char *)ev->data.alias.anchor);
		if (!node)
			herr_set(y->e, HERR_INVALID, "line %zu: unknown alias *%s", line,
				 (const char *)ev->data.alias.anchor);
		json_incref(node);
		break;
	case YAML_SCALAR_EVENT:
		anchor = (const char *)ev->data.scalar.anchor;
		if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag)
			node = yj_plain((const char *)ev->data.scalar.value,
					ev->data.scalar.length);
		else
			node = json_stringn((const char *)ev->data.scalar.value,
					    ev->data.scalar.length);
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = (const char *)ev->data.sequence_start.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = (const char *)ev->data.mapping_start.anchor;
		break;
	default:
		herr_set(y->e, HERR_INVALID, "line %zu: unexpected YAML event", line);
		break;
	}
	if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
		bool map = ev->type == YAML_MAPPING_START_EVENT;
		char *name = anchor ? strdup(anchor) : NULL;

		yaml_event_delete(ev);
		node = yj_collection(y, map ? json_object() : json_array(),
				     map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT, depth);
		if (node && name)
			json_object_set(y->anchors, name, node);
		free(name);
		return node;
	}
	if (node && anchor)
		json_object_set(y->anchors, anchor, node);
	yaml_event_delete(ev);
	return node;
}

json_t *yamljson_load(const char *text, size_t len, struct herr *e)
{
	struct yj y = {.e = e};
	json_t *root = NULL;
	yaml_event_t ev;

	if (!yaml_parser_initialize(&y.parser)) {
		herr_set(e, HERR_NOMEM, "cannot initialise libyaml");
		return NULL;
	}
	y.anchors = json_object();
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_parse(&y.parser, &ev)) {
			herr_set(e, HERR_INVALID, "line %zu: %s", y.parser.problem_mark.line + 1,
				 y.parser.problem ? y.parser.problem : "invalid YAML");
			break;
		}
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			root = json_null();
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		root = yj_node(&y, &ev, 0);
		break;
	}
	/* Cycles through anchors cannot arise (an anchor is registered after
	 * its node is complete), so the table only holds extra references. */
	json_decref(y.anchors);
	yaml_parser_delete(&y.parser);
	return root;
}
