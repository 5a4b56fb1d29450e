/* Environments (engine/env.c, hot-spec §4).
 *
 * Checks of one file are data: every folder under tests/data/env/check/
 * holds an env.yaml and an "expect" file, the findings one per line in
 * file:line:col order with NAME standing for the file's path (empty: the
 * file is valid).  Merging, type lookup, child registries and hook
 * options are tables below, one case per §4 statement, the [verified]
 * ones first; each expected value is the spec's (or, where the spec is
 * silent, Heat's code as env.h documents it). */
#include "engine/env.h"
#include "tests/tap.h"

/* ------------------------------------------------------------- helpers */

static struct doc *env_doc(const char *name, const char *text)
{
	struct herr e = HERR_INIT;
	struct doc *d = load_environment(name, text, strlen(text), NULL, &e);

	if (!d)
		printf("# %s\n", e.msg);
	return d;
}

/* A YAML text as JSON (new reference). */
static json_t *yaml(const char *text)
{
	struct doc *d = env_doc("inline.yaml", text);
	json_t *v = d ? json_incref(doc_root(d)) : NULL;

	doc_free(&d);
	return v;
}

static void check_json(const char *what, json_t *got, const char *want_yaml)
{
	json_t *want = yaml(want_yaml);

	if (!got || !want || !json_equal(got, want)) {
		char *g = got ? json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
		char *w = want ? json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT) : NULL;

		printf("# %s\n#   got:  %s\n#   want: %s\n", what, g ? g : "(null)",
		       w ? w : "(null)");
		free(g);
		free(w);
		tap_failed = 1;
	}
	json_decref(want);
}

static bool builtin(const char *type)
{
	static const char *const types[] = {"OS::Heat::None",
					    "OS::Heat::RandomString",
					    "OS::Heat::Value",
					    "OS::Nova::Server",
					    "OS::Neutron::Net",
					    "OS::Neutron::Port",
					    NULL};

	for (int i = 0; types[i]; i++)
		if (strcmp(type, types[i]) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------- env_check (data) */

static void check_case(void)
{
	char in[1024], exp[1024], want[2048];
	struct diags *dg = diags_new();
	struct doc *d = NULL;
	char *text, *expect, *line, *save = NULL;
	size_t len;
	int i = 0, n;

	snprintf(in, sizeof(in), "%s/env.yaml", tap_data);
	snprintf(exp, sizeof(exp), "%s/expect", tap_data);
	text = tap_slurp(in, &len);
	expect = tap_slurp(exp, NULL);
	CHECK(text && expect);
	if (!text || !expect)
		goto out;
	d = env_doc(in, text);
	CHECK(d != NULL);
	if (!d)
		goto out;
	n = env_check(d, dg);
	for (line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char *name = strstr(line, "NAME");

		snprintf(want, sizeof(want), "%.*s%s%s", (int)(name ? name - line : 0), line,
			 name ? in : "", name ? name + 4 : line);
		CHECK_STR(diags_line(dg, i), want);
	}
	CHECK(n == i);
	if (diags_total(dg) > i) {
		printf("# %d unexpected finding(s):\n", diags_total(dg) - i);
		for (; i < diags_total(dg); i++)
			printf("#   %s\n", diags_line(dg, i));
		CHECK(!"unexpected findings");
	}
out:
	doc_free(&d);
	diags_free(&dg);
	free(text);
	free(expect);
}

/* --------------------------------------------------------- env_merge */

struct merge_case {
	const char *name;
	const char *user;     /* YAML of the request's parameters, or NULL */
	const char *declared; /* YAML map of declared names */
	const char *files[4]; /* environment files, named e1.yaml, e2.yaml, ... */
	const char *want;     /* YAML of the whole merged environment, or NULL */
	const char *error;    /* else the first finding */
};

#define EMPTY_REST "parameter_defaults: {}\nresource_registry: {}\nevent_sinks: []\n"

static const struct merge_case merge_cases[] = {
	{"§4.3 [verified] empty body parameters: the env file's section is taken verbatim, "
	 "unknown names included",
	 "{}",
	 "{x: true}",
	 {"parameters: {x: fromenv, unknown: 2}\n"},
	 "parameters: {x: fromenv, unknown: 2}\n" EMPTY_REST,
	 NULL},
	{"§4.3 [verified] body {x: cli} + env {x: fromenv}: x = fromenv, unknown dropped",
	 "{x: cli}",
	 "{x: true}",
	 {"parameters: {x: fromenv, unknown: 2}\n"},
	 "parameters: {x: fromenv}\n" EMPTY_REST,
	 NULL},
	{"§4.3 [verified] a later file's resources: replaces the earlier one wholesale",
	 NULL,
	 "{}",
	 {"resource_registry:\n"
	  "  My::A: a.yaml\n"
	  "  resources:\n"
	  "    web: {hooks: pre-create}\n",
	  "resource_registry:\n"
	  "  My::B: OS::Heat::None\n"
	  "  resources:\n"
	  "    db: {restricted_actions: replace}\n"},
	 "parameters: {}\nparameter_defaults: {}\nevent_sinks: []\n"
	 "resource_registry:\n"
	 "  My::A: a.yaml\n"
	 "  My::B: OS::Heat::None\n"
	 "  resources: {db: {restricted_actions: replace}}\n",
	 NULL},
	{"§3.4 no files: the user's parameters, everything else empty",
	 "{a: 1, b: two}",
	 "{a: true}",
	 {NULL},
	 "parameters: {a: 1, b: two}\n" EMPTY_REST,
	 NULL},
	{"§4.3 files apply in list order: a later value overwrites (default strategy)",
	 NULL,
	 "{a: true, b: true}",
	 {"parameters: {a: first, b: keep}\n", "parameters: {a: second}\n",
	  "parameters: {a: third}\n"},
	 "parameters: {a: third, b: keep}\n" EMPTY_REST,
	 NULL},
	{"§4.3 parameter_defaults: undeclared names kept from the first (verbatim) file, "
	 "dropped after",
	 NULL,
	 "{a: true, b: true}",
	 {"parameter_defaults: {a: x, zz: 1}\n", "parameter_defaults: {zz: 2, b: y}\n"},
	 "parameters: {}\nresource_registry: {}\nevent_sinks: []\n"
	 "parameter_defaults: {a: x, zz: 1, b: y}\n",
	 NULL},
	{"§4.3 an empty section in a file changes nothing and does not reset",
	 "{a: u}",
	 "{a: true}",
	 {"parameters: {}\nparameter_defaults: {}\n", "parameters: {a: v}\n"},
	 "parameters: {a: v}\n" EMPTY_REST,
	 NULL},
	{"§4.3 registry entries: later files update key by key (null values skipped)",
	 NULL,
	 "{}",
	 {"resource_registry: {My::A: a.yaml, My::B: b.yaml}\n",
	  "resource_registry: {My::B: c.yaml, My::A: null}\n"},
	 "parameters: {}\nparameter_defaults: {}\nevent_sinks: []\n"
	 "resource_registry: {My::A: a.yaml, My::B: c.yaml}\n",
	 NULL},
	{"§4.1 event_sinks of every file are kept, in order",
	 NULL,
	 "{}",
	 {"event_sinks: [{type: zaqar-queue, target: q1}]\n",
	  "event_sinks: [{type: zaqar-queue, target: q2, ttl: 60}]\n"},
	 "parameters: {}\nparameter_defaults: {}\nresource_registry: {}\n"
	 "event_sinks: [{type: zaqar-queue, target: q1}, {type: zaqar-queue, target: q2, ttl: "
	 "60}]\n",
	 NULL},
	{"§4.3 merge: strings concatenate",
	 "{s: a}",
	 "{s: string}",
	 {"parameter_merge_strategies: {s: merge}\nparameters: {s: b}\n", "parameters: {s: c}\n"},
	 "parameters: {s: abc}\n" EMPTY_REST,
	 NULL},
	{"§4.3 merge: lists append; the strategy the first file fixed holds in later files",
	 NULL,
	 "{l: comma_delimited_list}",
	 {"parameter_merge_strategies: {l: merge}\nparameters: {l: [1, 2]}\n",
	  "parameters: {l: [3]}\n", "parameters: {l: [4, 5]}\n"},
	 "parameters: {l: [1, 2, 3, 4, 5]}\n" EMPTY_REST,
	 NULL},
	{"§4.3 merge: CSV strings append with a comma (strategy from the file's default)",
	 NULL,
	 "{l: comma_delimited_list}",
	 {"parameter_merge_strategies: {default: merge}\nparameter_defaults: {l: '1,2'}\n",
	  "parameter_defaults: {l: '3,4'}\n"},
	 "parameters: {}\nresource_registry: {}\nevent_sinks: []\n"
	 "parameter_defaults: {l: '1,2,3,4'}\n",
	 NULL},
	{"§4.3 merge: json maps update shallowly",
	 NULL,
	 "{j: json}",
	 {"parameter_merge_strategies: {j: merge}\nparameters: {j: {a: {x: 1}, b: 1}}\n",
	  "parameters: {j: {a: {y: 2}, c: 3}}\n"},
	 "parameters: {j: {a: {y: 2}, b: 1, c: 3}}\n" EMPTY_REST,
	 NULL},
	{"§4.3 deep_merge: json maps merge recursively",
	 NULL,
	 "{j: json}",
	 {"parameter_merge_strategies: {j: deep_merge}\nparameters: {j: {a: {x: 1}, b: 1}}\n",
	  "parameters: {j: {a: {y: 2}, c: 3}}\n"},
	 "parameters: {j: {a: {x: 1, y: 2}, b: 1, c: 3}}\n" EMPTY_REST,
	 NULL},
	{"§4.3 merge: a json value given as text merges as its map",
	 NULL,
	 "{j: json}",
	 {"parameter_merge_strategies: {j: merge}\nparameters: {j: {a: 1}}\n",
	  "parameters: {j: '{\"b\": 2}'}\n"},
	 "parameters: {j: {a: 1, b: 2}}\n" EMPTY_REST,
	 NULL},
	{"§4.3 merge into a section that lacks the name: the value as given",
	 "{a: x}",
	 "{l: comma_delimited_list, s: string, n: number, j: json, a: true}",
	 {"parameter_merge_strategies: {default: deep_merge}\n"
	  "parameters: {l: [1], s: t, n: '4', j: {k: [1], m: {x: 1}}}\n",
	  "parameters: {j: {k: [2], m: {y: 2}, z: [3], s: a}}\n", "parameters: {j: {s: b}}\n"},
	 "parameters:\n"
	 "  {a: x, l: [1], s: t, n: 4, j: {k: [1, 2], m: {x: 1, y: 2}, z: [3], s: ab}}\n" EMPTY_REST,
	 NULL},
	{"§4.3 merge: numbers (as text) add",
	 NULL,
	 "{n: number}",
	 {"parameter_merge_strategies: {n: merge}\nparameters: {n: '2'}\n",
	  "parameters: {n: '3'}\n"},
	 "parameters: {n: 5}\n" EMPTY_REST,
	 NULL},
	{"§4.3 merge: a number that is not text is refused (\"broken for non-strings\")",
	 NULL,
	 "{n: number}",
	 {"parameter_merge_strategies: {n: merge}\nparameters: {n: '2'}\n",
	  "parameters:\n  n: 3\n"},
	 NULL,
	 "e2.yaml:2:6: parameters.n: Invalid parameter in environment ."},
	{"§4.3 merge on a boolean: InvalidMergeStrategyForParam",
	 NULL,
	 "{f: boolean}",
	 {"parameter_merge_strategies: {f: merge}\nparameters: {f: 'true'}\n",
	  "parameters:\n  f: 'false'\n"},
	 NULL,
	 "e2.yaml:2:6: parameters.f: Invalid merge strategy 'merge' for parameter 'f'."},
	{"§4.3 a later file declaring a different strategy: ConflictingMergeStrategyForParam",
	 NULL,
	 "{x: true}",
	 {"parameters: {x: a}\n", "parameters: {x: b}\n",
	  "parameter_merge_strategies:\n  x: overwrite\nparameters: {x: c}\n",
	  "parameter_merge_strategies:\n  x: merge\nparameters:\n  x: d\n"},
	 NULL,
	 "e4.yaml:2:6: parameter_merge_strategies.x: Conflicting merge strategy 'merge' for "
	 "parameter 'x' in file 'e4.yaml'."},
	{"§4.3 a later file's own default does not override the fixed strategy",
	 NULL,
	 "{x: true}",
	 {"parameters: {x: a}\n",
	  "parameter_merge_strategies: {default: merge}\nparameters: {x: b}\n"},
	 "parameters: {x: b}\n" EMPTY_REST,
	 NULL},
	{"§4.3 one strategy per parameter across parameters and parameter_defaults",
	 NULL,
	 "{x: true}",
	 {"parameter_defaults: {x: a}\n",
	  "parameter_merge_strategies:\n  x: merge\nparameters: {x: b}\n"},
	 NULL,
	 "e2.yaml:2:6: parameter_merge_strategies.x: Conflicting merge strategy 'merge' for "
	 "parameter 'x' in file 'e2.yaml'."},
	{"§4.3 undeclared names fix no strategy and are never merged",
	 "{x: a}",
	 "{x: true}",
	 {"parameters: {y: 1}\n",
	  "parameter_merge_strategies: {y: merge}\nparameters: {x: b, y: 2}\n"},
	 "parameters: {x: b}\n" EMPTY_REST,
	 NULL},
	{"§4.3 null values are skipped when merging, kept when taken verbatim",
	 NULL,
	 "{a: true, b: true}",
	 {"parameters: {a: null, b: x}\n", "parameters: {a: y, b: null}\n"},
	 "parameters: {a: y, b: x}\n" EMPTY_REST,
	 NULL},
	{"§4.1 a file with errors stops the merge",
	 "{}",
	 "{}",
	 {"parameters: {}\n", "paramters: {x: 1}\n"},
	 NULL,
	 "e2.yaml:1:1: environment has wrong section \"paramters\""},
};

static void merge_case(void)
{
	const struct merge_case *mc = (const void *)tap_data;
	const struct doc *docs[4];
	struct doc *owned[4] = {NULL};
	struct diags *dg = diags_new();
	json_t *user = mc->user ? yaml(mc->user) : NULL, *declared = yaml(mc->declared), *env;
	int n = 0;

	for (; n < 4 && mc->files[n]; n++) {
		char name[32];

		snprintf(name, sizeof(name), "e%d.yaml", n + 1);
		owned[n] = env_doc(name, mc->files[n]);
		docs[n] = owned[n];
		CHECK(owned[n] != NULL);
	}
	env = env_merge(user, docs, n, declared, dg);
	if (mc->want) {
		check_json("merged environment", env, mc->want);
		if (diags_total(dg))
			diags_print(dg, stdout);
		CHECK(diags_total(dg) == 0);
	} else {
		CHECK(env == NULL);
		CHECK_STR(diags_line(dg, 0), mc->error);
	}
	/* The inputs are left as they were. */
	if (mc->user) {
		json_t *again = yaml(mc->user);

		CHECK(json_equal(user, again));
		json_decref(again);
	}
	json_decref(env);
	json_decref(user);
	json_decref(declared);
	for (int i = 0; i < n; i++)
		doc_free(&owned[i]);
	diags_free(&dg);
}

/* ------------------------------------------------------ type lookup */

struct resolve_case {
	const char *name;
	const char *registry; /* YAML */
	const char *res_name;
	const char *type;
	const char *want; /* or NULL: then err */
	const char *err;
};

static const struct resolve_case resolve_cases[] = {
	{"§4.2 [verified] a glob \"OS::*\" beats an exact \"OS::Nova::Server\" in one registry",
	 "{'OS::*': OS::Heat::None, OS::Nova::Server: server.yaml}", "web", "OS::Nova::Server",
	 "OS::Heat::None", NULL},
	{"§4.2 [verified] per-resource entry (exact resource name) beats globs and exact entries",
	 "{'OS::*': OS::Heat::None, OS::Nova::Server: server.yaml,"
	 " resources: {web: {OS::Nova::Server: web.yaml}}}",
	 "web", "OS::Nova::Server", "web.yaml", NULL},
	{"§4.2 per-resource entry applies to that resource only",
	 "{resources: {web: {OS::Nova::Server: web.yaml}}}", "db", "OS::Nova::Server",
	 "OS::Nova::Server", NULL},
	{"§4.2 per-resource type overrides use the exact name, not globs",
	 "{resources: {'web*': {OS::Nova::Server: web.yaml}}}", "web1", "OS::Nova::Server",
	 "OS::Nova::Server", NULL},
	{"§4.2 a built-in type with an empty registry", NULL, "web", "OS::Nova::Server",
	 "OS::Nova::Server", NULL},
	{"§4.2 unknown type", "{My::A: OS::Heat::None}", "web", "OS::Nope", NULL,
	 "The Resource Type (OS::Nope) could not be found."},
	{"§4.2 alias", "{My::Server: OS::Nova::Server}", "web", "My::Server", "OS::Nova::Server",
	 NULL},
	{"§4.2 alias chains are followed", "{My::A: My::B, My::B: My::C, My::C: OS::Heat::None}",
	 "web", "My::A", "OS::Heat::None", NULL},
	{"§4.2 an alias chain that leads nowhere names the type asked for",
	 "{My::A: My::B, My::B: My::Gone}", "web", "My::A", NULL,
	 "The Resource Type (My::A) could not be found."},
	{"§4.2 alias loop", "{My::A: My::B, My::B: My::A}", "web", "My::A", NULL,
	 "Resource type \"My::A\" maps to itself through the resource_registry: My::A -> My::B "
	 "-> My::A"},
	{"§4.2 a user mapping wins over the built-in type", "{OS::Nova::Server: server.yaml}",
	 "web", "OS::Nova::Server", "server.yaml", NULL},
	{"§4.2 template value (.yaml) is returned as is", "{My::Server: 'file:///abs/server.yaml'}",
	 "web", "My::Server", "file:///abs/server.yaml", NULL},
	{"§4.2 template value (.template)", "{My::Server: lib/server.template}", "web",
	 "My::Server", "lib/server.template", NULL},
	{"§4.2 an alias to a template", "{My::A: My::B, My::B: b.yaml}", "web", "My::A", "b.yaml",
	 NULL},
	{"§4.2 a type ending in .yaml is a template resource without registry entry", NULL, "web",
	 "nested/thing.yaml", "nested/thing.yaml", NULL},
	{"§4.2 a type ending in .template likewise", "{My::A: a.yaml}", "web", "x.template",
	 "x.template", NULL},
	{"Heat: a type ending in .yaml stays that template, whatever an entry under its name "
	 "says (the key names the template)",
	 "{thing.yaml: other.yaml, resources: {web: {thing.yaml: OS::Heat::None}}}", "web",
	 "thing.yaml", "thing.yaml", NULL},
	{"§4.2 glob alias appends the suffix", "{'My::Net::*': 'OS::Neutron::*'}", "web",
	 "My::Net::Net", "OS::Neutron::Net", NULL},
	{"§4.2 glob alias to one type (many-to-one)", "{'OS::*': OS::Heat::None}", "web",
	 "OS::Neutron::Port", "OS::Heat::None", NULL},
	{"§4.2 many-to-one glob guards its own target", "{'OS::*': OS::Heat::None}", "web",
	 "OS::Heat::None", "OS::Heat::None", NULL},
	{"§4.2 glob to a template", "{'My::*': generic.yaml}", "web", "My::Anything",
	 "generic.yaml", NULL},
	{"§4.2 among globs the smaller key comes first",
	 "{'OS::Nova::*': OS::Heat::Value, 'OS::*': OS::Heat::None}", "web", "OS::Nova::Server",
	 "OS::Heat::None", NULL},
	{"§4.2 a glob that does not match the type is not a candidate",
	 "{'OS::Nova::*': OS::Heat::None}", "web", "OS::Neutron::Net", "OS::Neutron::Net", NULL},
	{"§4.2 null deletes a user mapping", "{My::A: a.yaml, My::A2: null}", "web", "My::A2", NULL,
	 "The Resource Type (My::A2) could not be found."},
	{"§4.2 \"Pfx*\": null deletes every matching mapping set before it",
	 "{My::A: a.yaml, My::B: b.yaml, 'My::*': null, My::C: c.yaml}", "web", "My::A", NULL,
	 "The Resource Type (My::A) could not be found."},
	{"§4.2 \"Pfx*\": null leaves mappings set after it",
	 "{My::A: a.yaml, 'My::*': null, My::C: c.yaml}", "web", "My::C", "c.yaml", NULL},
	{"§4.2 built-in types cannot be removed by null", "{OS::Nova::Server: null}", "web",
	 "OS::Nova::Server", "OS::Nova::Server", NULL},
	{"§4.2 per-resource aliases resolve with the resource's own entries",
	 "{resources: {web: {My::T: My::U, My::U: u.yaml}}, My::U: other.yaml}", "web", "My::T",
	 "u.yaml", NULL},
	{"Heat: a candidate leading nowhere gives way to the next", "{'OS::*': 'Nope::*'}", "web",
	 "OS::Nova::Server", "OS::Nova::Server", NULL},
	{"a glob that keeps growing the type stops", "{'X::*': 'X::Y::*'}", "web", "X::Z", NULL,
	 "Resource type \"X::Z\" goes through more than 64 resource_registry mappings"},
};

static void resolve_case(void)
{
	const struct resolve_case *rc = (const void *)tap_data;
	json_t *reg = rc->registry ? yaml(rc->registry) : NULL;
	char err[512] = "unset";
	char *got = env_resolve_type(reg, rc->res_name, rc->type, builtin, err, sizeof(err));

	if (rc->want) {
		CHECK_STR(got, rc->want);
		if (!got)
			printf("# err: %s\n", err);
	} else {
		CHECK(got == NULL);
		CHECK_STR(err, rc->err);
	}
	free(got);
	json_decref(reg);
}

/* -------------------------------------- child registries and options */

/* §4.3 step 4 [§4.2 verified: nested-stack resources are addressed by
 * nesting maps under the parent resource's name]. */
static void child_narrowed(void)
{
	json_t *reg = yaml("My::A: a.yaml\n"
			   "resources:\n"
			   "  group:\n"
			   "    '0': {hooks: pre-create}\n"
			   "    OS::Nova::Server: srv.yaml\n"
			   "  'gr*':\n"
			   "    '1': {hooks: post-create}\n"
			   "    '0': {hooks: pre-delete}\n"
			   "  db: {hooks: pre-delete}\n");
	json_t *child = env_child_registry(reg, "group"), *opts;
	char *t;

	/* Every matching entry un-nested one level, the exact one last. */
	check_json("child of group", child,
		   "My::A: a.yaml\n"
		   "resources:\n"
		   "  '0': {hooks: pre-create}\n"
		   "  '1': {hooks: post-create}\n"
		   "  OS::Nova::Server: srv.yaml\n");
	opts = env_resource_options(child, "0");
	check_json("options of group.0", opts, "{hooks: [pre-create], restricted_actions: []}");
	json_decref(opts);
	/* The parent's entries for db are gone in the child. */
	opts = env_resource_options(child, "db");
	check_json("options of db in the child", opts, "{hooks: [], restricted_actions: []}");
	json_decref(opts);
	/* The inherited type mappings still resolve. */
	t = env_resolve_type(child, "x", "My::A", builtin, NULL, 0);
	CHECK_STR(t, "a.yaml");
	free(t);
	json_decref(child);
	/* Nothing under the name: empty resources, mappings kept. */
	child = env_child_registry(reg, "web");
	check_json("child of web", child, "{My::A: a.yaml, resources: {}}");
	json_decref(child);
	/* The parent is not modified. */
	CHECK(json_object_size(json_object_get(reg, "resources")) == 3);
	json_decref(reg);
}

/* §7.17: the nested stack of a template resource does not inherit the
 * mapping that made it one. */
static void child_of_template_resource(void)
{
	json_t *reg = yaml("OS::Nova::Server: server.yaml\n"
			   "My::Db: My::Real\n"
			   "My::Real: db.yaml\n"
			   "resources:\n"
			   "  lb: {OS::Heat::None: lb.yaml}\n");
	json_t *child;
	char *t;

	child = env_child_registry_of(reg, "web", "OS::Nova::Server", builtin);
	CHECK(json_object_get(child, "OS::Nova::Server") == NULL);
	t = env_resolve_type(child, "inner", "OS::Nova::Server", builtin, NULL, 0);
	CHECK_STR(t, "OS::Nova::Server");
	free(t);
	t = env_resolve_type(child, "inner", "My::Db", builtin, NULL, 0);
	CHECK_STR(t, "db.yaml");
	free(t);
	json_decref(child);
	/* Through an alias: the template entry at the end goes, the alias
	 * stays. */
	child = env_child_registry_of(reg, "db", "My::Db", builtin);
	CHECK(json_object_get(child, "My::Real") == NULL);
	CHECK(json_object_get(child, "My::Db") != NULL);
	CHECK(json_object_get(child, "OS::Nova::Server") != NULL);
	json_decref(child);
	/* A per-resource template entry goes from under its resource. */
	child = env_child_registry_of(reg, "lb", "OS::Heat::None", builtin);
	check_json("child of lb", child,
		   "{OS::Nova::Server: server.yaml, My::Db: My::Real, My::Real: db.yaml,"
		   " resources: {}}");
	json_decref(child);
	/* The plain form keeps the mapping. */
	child = env_child_registry(reg, "web");
	CHECK(json_object_get(child, "OS::Nova::Server") != NULL);
	json_decref(child);
	json_decref(reg);
}

/* §4.2: hooks/restricted_actions keys are shell globs (fnmatchcase). */
static void options(void)
{
	json_t *reg =
		yaml("resources:\n"
		     "  web_srv: {hooks: pre-create, restricted_actions: update}\n"
		     "  '*_srv': {hooks: [pre-update, pre-create], restricted_actions: [replace]}\n"
		     "  'web[12]': {hooks: post-delete}\n"
		     "  db: {hooks: pre-delete}\n"
		     "  'x\\*': {hooks: post-update}\n");
	json_t *o;

	o = env_resource_options(reg, "web_srv");
	check_json("web_srv", o,
		   "{hooks: [pre-create, pre-update], restricted_actions: [update, replace]}");
	json_decref(o);
	o = env_resource_options(reg, "db_srv");
	check_json("db_srv", o, "{hooks: [pre-update, pre-create], restricted_actions: [replace]}");
	json_decref(o);
	o = env_resource_options(reg, "web2");
	check_json("web2", o, "{hooks: [post-delete], restricted_actions: []}");
	json_decref(o);
	o = env_resource_options(reg, "web3");
	check_json("web3", o, "{hooks: [], restricted_actions: []}");
	json_decref(o);
	/* Case matters; a backslash is an ordinary character. */
	o = env_resource_options(reg, "DB");
	check_json("DB", o, "{hooks: [], restricted_actions: []}");
	json_decref(o);
	o = env_resource_options(reg, "x\\anything");
	check_json("x\\anything", o, "{hooks: [post-update], restricted_actions: []}");
	json_decref(o);
	o = env_resource_options(NULL, "web");
	check_json("no registry", o, "{hooks: [], restricted_actions: []}");
	json_decref(o);
	json_decref(reg);
}

/* §6.2: a new registry loaded on top of a stored one. */
static void registry_load(void)
{
	json_t *into = yaml("My::A: a.yaml\n"
			    "P::x: p.yaml\n"
			    "P::y: P::x\n"
			    "resources: {web: {hooks: pre-create, OS::Heat::None: n.yaml}}\n");
	json_t *more = yaml("'P::*': null\n"
			    "My::B: b.yaml\n"
			    "resources: {db: {hooks: pre-delete}, web: {hooks: null}}\n");

	env_registry_load(into, more);
	check_json("loaded", into,
		   "My::A: a.yaml\n"
		   "My::B: b.yaml\n"
		   "resources:\n"
		   "  web: {OS::Heat::None: n.yaml}\n"
		   "  db: {hooks: pre-delete}\n");
	json_decref(into);
	json_decref(more);
}

/* ---------------------------------------------------------------- main */

#define MAX_CASES 128

int main(void)
{
	struct tap_case cases[MAX_CASES];
	int n = 0, first_data, rc;

	for (size_t i = 0; i < sizeof(merge_cases) / sizeof(merge_cases[0]); i++)
		cases[n++] = (struct tap_case){merge_cases[i].name, merge_case,
					       (const char *)(const void *)&merge_cases[i]};
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]); i++)
		cases[n++] = (struct tap_case){resolve_cases[i].name, resolve_case,
					       (const char *)(const void *)&resolve_cases[i]};
	cases[n++] = (struct tap_case){"§4.3 child registry: resources narrowed to the parent "
				       "resource's entries",
				       child_narrowed, NULL};
	cases[n++] = (struct tap_case){"§7.17 a template resource's child registry loses the "
				       "mapping that made it",
				       child_of_template_resource, NULL};
	cases[n++] =
		(struct tap_case){"§4.2 hooks and restricted_actions by shell glob", options, NULL};
	cases[n++] =
		(struct tap_case){"§6.2 a registry loaded on top of another", registry_load, NULL};
	first_data = n;
	n = tap_data_cases("env/check", check_case, cases, n, MAX_CASES);
	if (n < 0)
		return 1;
	rc = tap_run(cases, n);
	tap_free_data(cases + first_data, n - first_data);
	return rc;
}
