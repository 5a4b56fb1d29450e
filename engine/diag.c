/* Diagnostics (see diag.h). */
#include "engine/diag.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct finding {
	enum diag_level lvl;
	struct mark m;
	size_t flen; /* the length of the file name that starts text: findings sort by file first */
	char *text;  /* "file:line:col: [warning: ]path: message" */
};

/* Findings kept; beyond it they are only counted (a document can hold
 * millions of the same mistake). */
#define MAX_FINDINGS 1000

struct diags {
	struct finding *v;
	int n, cap;
	int sorted;
	int dropped[2]; /* per level, beyond MAX_FINDINGS */
};

struct diags *diags_new(void)
{
	return calloc(1, sizeof(struct diags));
}

void diags_free(struct diags **pdg)
{
	struct diags *dg = *pdg;

	if (!dg)
		return;
	for (int i = 0; i < dg->n; i++)
		free(dg->v[i].text);
	free(dg->v);
	free(dg);
	*pdg = NULL;
}

static void add(struct diags *dg, enum diag_level lvl, const struct doc *d, const json_t *obj,
		const char *key, bool at_key, const char *path, const char *fmt, va_list ap)
	__attribute__((format(printf, 8, 0)));
static void add(struct diags *dg, enum diag_level lvl, const struct doc *d, const json_t *obj,
		const char *key, bool at_key, const char *path, const char *fmt, va_list ap)
{
	struct mark m = {0, 0};
	char msg[1024], *text;
	const json_t *node = key ? json_object_get(obj, key) : obj;
	const char *sep = path && *path ? ": " : "";
	int len;

	if (dg->n >= MAX_FINDINGS) {
		dg->dropped[lvl]++;
		return;
	}

	if (!(at_key && key && doc_key_mark(d, obj, key, &m)) && !(node && doc_mark(d, node, &m)) &&
	    !(key && doc_key_mark(d, obj, key, &m)))
		doc_mark(d, obj, &m);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!path)
		path = "";
	len = snprintf(NULL, 0, "%s:%u:%u: %s%s%s%s", doc_name(d), m.line, m.col,
		       lvl == DIAG_WARNING ? "warning: " : "", path, sep, msg);
	text = malloc((size_t)len + 1);
	if (!text)
		return;
	snprintf(text, (size_t)len + 1, "%s:%u:%u: %s%s%s%s", doc_name(d), m.line, m.col,
		 lvl == DIAG_WARNING ? "warning: " : "", path, sep, msg);
	/* Two stages may find the same thing (a reference both the graph and
	 * the evaluator follow): it is reported once. */
	for (int i = dg->n - 1; i >= 0; i--)
		if (dg->v[i].m.line == m.line && dg->v[i].m.col == m.col &&
		    strcmp(dg->v[i].text, text) == 0) {
			free(text);
			return;
		}
	if (dg->n == dg->cap) {
		int cap = dg->cap ? dg->cap * 2 : 16;
		struct finding *v = realloc(dg->v, (size_t)cap * sizeof(*v));

		if (!v) {
			free(text);
			return;
		}
		dg->v = v;
		dg->cap = cap;
	}
	dg->v[dg->n++] = (struct finding){lvl, m, strlen(doc_name(d)), text};
	dg->sorted = 0;
}

void diag_add(struct diags *dg, enum diag_level lvl, const struct doc *d, const json_t *obj,
	      const char *key, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(dg, lvl, d, obj, key, false, path, fmt, ap);
	va_end(ap);
}

void diag_add_key(struct diags *dg, enum diag_level lvl, const struct doc *d, const json_t *obj,
		  const char *key, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add(dg, lvl, d, obj, key, true, path, fmt, ap);
	va_end(ap);
}

int diags_count(const struct diags *dg, enum diag_level lvl)
{
	int n = 0;

	for (int i = 0; i < dg->n; i++)
		n += dg->v[i].lvl == lvl;
	return n + dg->dropped[lvl];
}

int diags_total(const struct diags *dg)
{
	return dg->n;
}

static int by_place(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int f = strncmp(x->text, y->text, x->flen < y->flen ? x->flen : y->flen);

	if (f || x->flen != y->flen)
		return f ? f : (x->flen < y->flen ? -1 : 1);
	if (x->m.line != y->m.line)
		return x->m.line < y->m.line ? -1 : 1;
	if (x->m.col != y->m.col)
		return x->m.col < y->m.col ? -1 : 1;
	return strcmp(x->text, y->text);
}

static void sort(struct diags *dg)
{
	if (!dg->sorted && dg->n > 1) {
		qsort(dg->v, (size_t)dg->n, sizeof(dg->v[0]), by_place);
		dg->sorted = 1;
	}
}

void diags_print(const struct diags *cdg, FILE *out)
{
	struct diags *dg = (struct diags *)cdg;

	sort(dg);
	for (int i = 0; i < dg->n; i++)
		fprintf(out, "%s\n", dg->v[i].text);
	if (dg->dropped[DIAG_ERROR] + dg->dropped[DIAG_WARNING])
		fprintf(out, "(%d more error(s) and %d more warning(s) not shown)\n",
			dg->dropped[DIAG_ERROR], dg->dropped[DIAG_WARNING]);
}

const char *diags_line(struct diags *dg, int i)
{
	sort(dg);
	return i >= 0 && i < dg->n ? dg->v[i].text : NULL;
}
