/* Unit tests for engine/fnlib.c, engine/pyjson.c and common/hash.c.
 *
 * Expected values come from hot-spec §2.3/§10 (verified against Heat 19),
 * from Heat's own unit tests (heat/tests/test_hot.py) and, for the text
 * of Python errors and renderings, from Python's documented behaviour.
 * Digest vectors are the FIPS 180 / RFC 1321 test vectors; the padding
 * boundary digests are Python hashlib's.
 *
 * Rows are JSON with ' standing for " (write \u0027 for an apostrophe). */
#include "tests/tap.h"

#include <jansson.h>
#include <time.h>

#include "common/hash.h"
#include "engine/fnlib.h"
#include "engine/pyjson.h"

#define V13  HOT_2013_05_23
#define V14  HOT_2014_10_16
#define V15  HOT_2015_04_30
#define V15B HOT_2015_10_15
#define V16  HOT_2016_04_08
#define V16B HOT_2016_10_14
#define V17  HOT_2017_02_24
#define V17B HOT_2017_09_01
#define V21  HOT_2021_04_16

struct row {
	const char *fn;
	enum hot_version v;
	const char *args;
	const char *want; /* JSON of the result, or NULL for an error */
	const char *err;  /* the message; a trailing '*' matches a prefix */
	bool form;
};

#define OK(fn, v, args, want)                  \
	{                                      \
		fn, v, args, want, NULL, false \
	}
#define ERR(fn, v, args, form, msg)          \
	{                                    \
		fn, v, args, NULL, msg, form \
	}

static json_t *parse(const char *text)
{
	char *t = strdup(text);
	json_error_t je;
	json_t *v;

	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	v = json_loads(t, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!v)
		printf("# bad test JSON %s: %s\n", text, je.text);
	free(t);
	return v;
}

static void run_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rows[i];
		json_t *args = parse(r->args), *got, *want = NULL;
		struct fn_err fe = {true, "(unset)"};

		CHECK(args != NULL);
		if (!args)
			continue;
		got = fnlib_call(r->fn, r->v, args, &fe);
		if (r->want) {
			char *g = got ? pyjson_dumps(got, false) : NULL, *w;

			want = parse(r->want);
			w = want ? pyjson_dumps(want, false) : NULL;
			if (!got)
				printf("# row %zu (%s %s): error: %s\n", i, r->fn, r->args, fe.msg);
			CHECK_STR(g, w ? w : "(bad want)");
			free(g);
			free(w);
		} else {
			size_t wl = strlen(r->err);
			bool prefix = wl && r->err[wl - 1] == '*';
			bool match = !got && (prefix ? strncmp(fe.msg, r->err, wl - 1) == 0
						     : strcmp(fe.msg, r->err) == 0);

			if (!match || fe.form != r->form) {
				char *g = got ? pyjson_dumps(got, false) : NULL;

				printf("# row %zu (%s %s)\n#   got:  %s%s (form %d)\n#   want: %s "
				       "(form %d)\n",
				       i, r->fn, r->args, got ? "result " : "", got ? g : fe.msg,
				       fe.form, r->err, r->form);
				free(g);
			}
			CHECK(match);
			CHECK(fe.form == r->form);
		}
		json_decref(got);
		json_decref(want);
		json_decref(args);
	}
}

#define RUN(rows) run_rows(rows, sizeof(rows) / sizeof(rows[0]))

/* ---------------------------------------------------------------- hash */

static void hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	out[2 * n] = '\0';
}

static char *digest_hex(int alg, const char *data, size_t len)
{
	static char out[2 * HASH_MAX_DIGEST + 1];
	unsigned char md[HASH_MAX_DIGEST];

	hex(md, hash_digest((enum hash_alg)alg, data, len, md), out);
	return out;
}

static void hash_vectors(void)
{
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmn"
				   "oijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	static const struct {
		int alg;
		const char *msg; /* NULL: a million 'a' */
		const char *want;
	} v[] = {
		{HASH_MD5, "", "d41d8cd98f00b204e9800998ecf8427e"},
		{HASH_MD5, "abc", "900150983cd24fb0d6963f7d28e17f72"},
		{HASH_MD5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
		{HASH_MD5, "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
		{HASH_MD5, NULL, "7707d6ae4e027c70eea2a935c2296f21"},
		{HASH_SHA1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
		{HASH_SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{HASH_SHA1, m448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
		{HASH_SHA1, NULL, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
		{HASH_SHA224, "", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"},
		{HASH_SHA224, "abc", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
		{HASH_SHA224, m448, "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"},
		{HASH_SHA224, NULL, "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67"},
		{HASH_SHA256, "",
		 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{HASH_SHA256, "abc",
		 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{HASH_SHA256, m448,
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{HASH_SHA256, NULL,
		 "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
		{HASH_SHA384, "",
		 "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd5"
		 "1ad2f14898b95b"},
		{HASH_SHA384, "abc",
		 "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358"
		 "baeca134c825a7"},
		{HASH_SHA384, m896,
		 "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db966"
		 "c3e9fa91746039"},
		{HASH_SHA384, NULL,
		 "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae"
		 "97ddd87f3d8985"},
		{HASH_SHA512, "",
		 "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff"
		 "8318d2877eec2f63b931bd47417a81a538327af927da3e"},
		{HASH_SHA512, "abc",
		 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836"
		 "ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
		{HASH_SHA512, m896,
		 "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e433"
		 "1b99dec4b5433ac7d329eeb6dd26545e96e55b874be909"},
		{HASH_SHA512, NULL,
		 "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4c"
		 "b0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"},
	};
	char *million = malloc(1000000);

	memset(million, 'a', 1000000);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const char *m = v[i].msg ? v[i].msg : million;
		size_t len = v[i].msg ? strlen(v[i].msg) : 1000000;

		CHECK_STR(digest_hex(v[i].alg, m, len), v[i].want);
	}
	free(million);
}

/* Messages whose padding ends right at, or just across, a block edge. */
static void hash_boundaries(void)
{
	static const struct {
		size_t n;
		const char *sha256, *sha512, *md5, *sha1; /* first 8 bytes */
	} v[] = {
		{55, "d5e285683cd4efc0", "db9981645857e598", "04364420e25c512f",
		 "cef734ba81a02447"},
		{56, "04c26261370ee754", "a9436ec7761f9f0d", "668a72d5ba17f08e",
		 "901305367c259952"},
		{63, "75220b47218278e6", "a6662db83dd0037d", "7dc2ca208106a2f7",
		 "0ddc4e0cccd9a128"},
		{64, "7ce100971f64e700", "791c91ff44685987", "c1bb4f81d892b2d5",
		 "bb2fa3ee7afb9f54"},
		{111, "5ba60613dba318e9", "9a2a120825c23198", "acdfbe7d162f80a5",
		 "ebcb0b3e48c9ef45"},
		{112, "87bf6e70ecc829aa", "a3722b515ef40c91", "26382a8d1f5cdb7b",
		 "27fa638e78d8524d"},
		{127, "70156a14adbabf98", "1d5a8893e7b7ed83", "a0b28c1da68705c2",
		 "e463484d274607e1"},
		{128, "24da1b81d0b16df6", "e2e22f8422b54b06", "d69cb61a6ee87200",
		 "150fa3fbdc899bd0"},
		{129, "0ec9eb33e74510bc", "19015483ea99fa74", "3926841d393c00c3",
		 "2699b675922cc84a"},
	};
	char buf[200];

	memset(buf, 'x', sizeof(buf));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CHECK(strncmp(digest_hex(HASH_SHA256, buf, v[i].n), v[i].sha256, 16) == 0);
		CHECK(strncmp(digest_hex(HASH_SHA512, buf, v[i].n), v[i].sha512, 16) == 0);
		CHECK(strncmp(digest_hex(HASH_MD5, buf, v[i].n), v[i].md5, 16) == 0);
		CHECK(strncmp(digest_hex(HASH_SHA1, buf, v[i].n), v[i].sha1, 16) == 0);
	}
}

static void hash_names(void)
{
	CHECK(hash_find("md5") == HASH_MD5);
	CHECK(hash_find("SHA256") == HASH_SHA256);
	CHECK(hash_find("Sha512") == HASH_SHA512);
	CHECK(hash_find("sha3_256") == -1);
	CHECK(hash_find("") == -1);
	CHECK(hash_find(NULL) == -1);
}

/* ---------------------------------------------------------------- pyjson */

static void dumps_is(const char *json, bool sort, const char *want)
{
	json_t *v = parse(json);
	char *got = v ? pyjson_dumps(v, sort) : NULL;

	CHECK_STR(got, want);
	free(got);
	json_decref(v);
}

static void str_is(const char *json, const char *want)
{
	json_t *v = parse(json);
	char *got = v ? pyjson_str(v) : NULL;

	CHECK_STR(got, want);
	free(got);
	json_decref(v);
}

static void pyjson_floats(void)
{
	/* hot-spec §10's verified example. */
	dumps_is("['\\u00e9', 1.0, 1e20, null, true]", true,
		 "[\"\\u00e9\", 1.0, 1e+20, null, true]");
	dumps_is("1.0", false, "1.0");
	dumps_is("1e-5", false, "1e-05");
	dumps_is("0.1", false, "0.1");
	dumps_is("1.5", false, "1.5");
	dumps_is("0.0001", false, "0.0001");
	dumps_is("1e16", false, "1e+16");
	dumps_is("1e15", false, "1000000000000000.0");
	dumps_is("123456789012345678.0", false, "1.2345678901234568e+17");
	dumps_is("-0.0", false, "-0.0");
	dumps_is("100.0", false, "100.0");
	dumps_is("2.5e-5", false, "2.5e-05");
	dumps_is("1e100", false, "1e+100");
	dumps_is("0.30000000000000004", false, "0.30000000000000004");
	dumps_is("5e-324", false, "5e-324");
	dumps_is("1.7976931348623157e308", false, "1.7976931348623157e+308");
	dumps_is("-1.25", false, "-1.25");
	dumps_is("12345", false, "12345");
	dumps_is("-9223372036854775808", false, "-9223372036854775808");
	str_is("1e20", "1e+20");
	str_is("1.0", "1.0");
	str_is("0.5", "0.5");
}

static void pyjson_text(void)
{
	dumps_is("'\\u007f\\u0000\\ud83d\\ude00'", false, "\"\\u007f\\u0000\\ud83d\\ude00\"");
	dumps_is("'q\\'\\\\ \\n\\t\\r\\b\\f\\u0001'", false,
		 "\"q\\\"\\\\ \\n\\t\\r\\b\\f\\u0001\"");
	dumps_is("'\\u20ac'", false, "\"\\u20ac\"");
	dumps_is("{'b': 1, 'a': {'d': 1, 'c': 2}}", true,
		 "{\"a\": {\"c\": 2, \"d\": 1}, \"b\": 1}");
	dumps_is("{'b': 1, 'a': {'d': 1, 'c': 2}}", false,
		 "{\"b\": 1, \"a\": {\"d\": 1, \"c\": 2}}");
	dumps_is("{'\\u00e9': 1, 'z': 2, 'a': 3}", true, "{\"a\": 3, \"z\": 2, \"\\u00e9\": 1}");
	dumps_is("[]", false, "[]");
	dumps_is("{}", false, "{}");
	dumps_is("[[], {}, [1, [2]]]", false, "[[], {}, [1, [2]]]");
	str_is("true", "True");
	str_is("false", "False");
	str_is("null", "None");
	str_is("'abc'", "abc");
	str_is("42", "42");
	str_is("['a', 1]", "['a', 1]");
	str_is("{'k': true}", "{'k': True}");
	str_is("[null, false, 1.0, {}]", "[None, False, 1.0, {}]");
	str_is("['it\\u0027s']", "[\"it's\"]");
	str_is("['say \\'hi\\'']", "['say \"hi\"']");
	str_is("['both \\u0027 \\'']", "['both \\' \"']");
	str_is("['\\t\\n\\\\', '\\u0000\\u007f']", "['\\t\\n\\\\', '\\x00\\x7f']");
	str_is("['\\u00e9\\u00a0\\u00ad\\u2028\\ud83d\\ude00']",
	       "['\xc3\xa9\\xa0\\xad\\u2028\xf0\x9f\x98\x80']");
	str_is("{'k': ['v', {'n': null}]}", "{'k': ['v', {'n': None}]}");
}

/* ---------------------------------------------------------------- list_join */

static void list_join(void)
{
	static const struct row rows[] = {
		/* S (<= 2015-04-30) */
		OK("list_join", V13, "[',', ['a', 'b']]", "'a,b'"),
		OK("list_join", V15, "[',', ['a', null]]", "'a,'"),
		OK("list_join", V14, "[', ', []]", "''"),
		OK("list_join", V15, "[',', null]", "''"),
		ERR("list_join", V15, "[',', ['a', ['x']]]", false,
		    "Items to join must be strings not ['x']"),
		ERR("list_join", V13, "[',', [{'foo': 'json'}]]", false,
		    "Items to join must be strings not {'foo': 'json'}"),
		ERR("list_join", V13, "[',', ['a', 1]]", false,
		    "Items to join must be strings not 1"),
		ERR("list_join", V15, "[',', ['a'], ['b']]", true,
		    "Incorrect arguments to \"list_join\" should be: \"list_join\" : [ \" \", [ \"str1\", \"str2\"]]"),
		ERR("list_join", V13, "'bad'", true,
		    "Incorrect arguments to \"list_join\" should be: \"list_join\" : [ \" \", [ \"str1\", \"str2\"]]"),
		ERR("list_join", V13, "[',', 'ab']", false, "\"list_join\" must operate on a list"),
		ERR("list_join", V13, "[1, ['a']]", false,
		    "\"list_join\" delimiter must be a string"),
		/* M (>= 2015-10-15) */
		OK("list_join", V15B, "[',', ['a', 'b'], ['c']]", "'a,b,c'"),
		OK("list_join", V15B, "[',', ['a', {'k': 1}, [1, 2], null]]",
		   "'a,{\\'k\\': 1},[1, 2],'"),
		OK("list_join", V17B, "[',', [{'foo': 'json'}, {'foo2': 'json2'}]]",
		   "'{\\'foo\\': \\'json\\'},{\\'foo2\\': \\'json2\\'}'"),
		OK("list_join", V15B, "['-', [{'b': 1, 'a': 2}]]", "'{\\'a\\': 2, \\'b\\': 1}'"),
		OK("list_join", V15B, "['-', [['\\u00e9']]]", "'[\\'\\\\u00e9\\']'"),
		OK("list_join", V21, "[',', null, [], ['a'], ['b']]", "'a,b'"),
		OK("list_join", V15B, "[',', []]", "''"),
		OK("list_join", V15B, "['', ['1', '2']]", "'12'"),
		ERR("list_join", V15B, "[',', [1]]", false,
		    "Items to join must be string, map or list not 1"),
		ERR("list_join", V15B, "[',', ['a', true]]", false,
		    "Items to join must be string, map or list not True"),
		ERR("list_join", V15B, "[',', [1.5]]", false,
		    "Items to join must be string, map or list not 1.5"),
		ERR("list_join", V15B, "'bad'", true,
		    "Incorrect arguments to \"list_join\" should be: \"list_join\" : [ \" \", [ \"str1\", \"str2\"] ...]"),
		ERR("list_join", V15B, "5", true,
		    "Incorrect arguments to \"list_join\" should be: \"list_join\" : [ \" \", [ \"str1\", \"str2\"] ...]"),
		ERR("list_join", V15B, "[',']", true,
		    "Incorrect arguments to \"list_join\" should be: \"list_join\" : [ \" \", [ \"str1\", \"str2\"] ...]"),
		ERR("list_join", V15B, "[',', 'bad', ['foo']]", false,
		    "\"list_join\" must operate on a list"),
		ERR("list_join", V15B, "[',', {'a': 1}]", false,
		    "\"list_join\" must operate on a list"),
		ERR("list_join", V15B, "[null, ['a']]", false,
		    "\"list_join\" delimiter must be a string"),
		/* the CFN spelling is the S variant */
		OK("Fn::Join", V13, "[',', ['a', 'b']]", "'a,b'"),
		ERR("Fn::Join", V13, "[',', [['x']]]", false,
		    "Items to join must be strings not ['x']"),
		ERR("Fn::Join", V13, "5", true,
		    "Incorrect arguments to \"Fn::Join\" should be: \"Fn::Join\" : [ \" \", [ \"str1\", \"str2\"]]"),
	};

	RUN(rows);
}

/* ---------------------------------------------------------------- str_replace */

static void str_replace_algorithm(void)
{
	static const struct row rows[] = {
		OK("str_replace", V13,
		   "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': 'bar'}}",
		   "'Template foo string bar'"),
		OK("str_replace", V21,
		   "{'template': 'abc ab a', 'params': {'a': 'X', 'ab': 'Y', 'abc': 'Z'}}",
		   "'Z Y X'"),
		OK("str_replace", V21, "{'template': '$a$b', 'params': {'$a': '$b', '$b': 'B'}}",
		   "'$bB'"),
		OK("str_replace", V21, "{'template': 'xab', 'params': {'ab': 'AB', 'xa': 'XA'}}",
		   "'xAB'"),
		OK("str_replace", V21, "{'template': 'aaa', 'params': {'a': 'aa'}}", "'aaaaaa'"),
		OK("str_replace", V13,
		   "{'template': '1234567890', 'params': {'1': 'a', '12': 'b', '123': 'c', '1234': 'd', '12345': 'e', '123456': 'f', '1234567': 'g'}}",
		   "'g890'"),
		OK("str_replace", V13,
		   "{'template': '1234567890', 'params': {'1': 'a', '4': 'd', '8': 'h', '9': 'i', '123': '1', '456': '4', '890': '8', '90': '9'}}",
		   "'1478'"),
		OK("str_replace", V13,
		   "{'template': '9876543210', 'params': {'987654': 'a', '876543': 'b', '765432': 'c', '654321': 'd', '543210': 'e'}}",
		   "'9876e'"),
		OK("str_replace", V13,
		   "{'template': 'Template number string bar', 'params': {'number': 1}}",
		   "'Template 1 string bar'"),
		OK("str_replace", V13,
		   "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': 'bar', 'var3': 'zed'}}",
		   "'Template foo string bar'"),
		OK("str_replace", V21, "{'template': 'no keys here', 'params': {}}",
		   "'no keys here'"),
		OK("str_replace", V21, "{'template': '', 'params': {'a': 'b'}}", "''"),
		OK("str_replace", V21, "{'template': 'x', 'params': {'x': 'y'}, 'extra': 1}",
		   "'y'"),
		/* equal lengths: the smaller key first */
		OK("str_replace", V21, "{'template': 'abc', 'params': {'bc': '2', 'ab': '1'}}",
		   "'1c'"),
		/* lengths count characters, not bytes: é is one */
		OK("str_replace", V21,
		   "{'template': '\\u00e9ab', 'params': {'\\u00e9a': 'X', 'ab': 'Y'}}",
		   "'\\u00e9Y'"),
		/* CFN: [params, template], the P rendering */
		OK("Fn::Replace", V13,
		   "[{'$var1': 'foo', '$var2': 'bar'}, 'Template $var1 string $var2']",
		   "'Template foo string bar'"),
		ERR("Fn::Replace", V13, "[{'$v': [1]}, '$v']", false,
		    "\"Fn::Replace\" params must be strings or numbers, param $v is not valid"),
		ERR("Fn::Replace", V13, "'x'", true,
		    "Incorrect arguments to \"Fn::Replace\" should be: {\"Fn::Replace\": [ {\"$var1\": \"foo\", \"%var2%\": \"bar\"}, \"$var1 is %var2%\"]}"),
		ERR("Fn::Replace", V13, "[{}]", true,
		    "Incorrect arguments to \"Fn::Replace\" should be: {\"Fn::Replace\": [ {\"$var1\": \"foo\", \"%var2%\": \"bar\"}, \"$var1 is %var2%\"]}"),
		ERR("Fn::Replace", V13, "[['var1', 'foo'], 'Template var1']", true,
		    "\"Fn::Replace\" parameters must be a mapping"),
		ERR("Fn::Replace", V13, "5", true, "cannot unpack non-iterable int object"),
	};

	RUN(rows);
}

static void str_replace_values(void)
{
	static const struct row rows[] = {
		/* P (<= 2015-04-30): str() of scalars, containers refused */
		OK("str_replace", V15, "{'template': 'v', 'params': {'v': true}}", "'True'"),
		OK("str_replace", V13, "{'template': 'v', 'params': {'v': false}}", "'False'"),
		OK("str_replace", V15, "{'template': 'v', 'params': {'v': 1.5}}", "'1.5'"),
		OK("str_replace", V15, "{'template': 'v', 'params': {'v': 1e20}}", "'1e+20'"),
		OK("str_replace", V15, "{'template': '[v]', 'params': {'v': null}}", "'[]'"),
		ERR("str_replace", V13,
		    "{'template': 'jsonvar1', 'params': {'jsonvar1': {'foo': 123}}}", false,
		    "\"str_replace\" params must be strings or numbers, param jsonvar1 is not valid"),
		ERR("str_replace", V15,
		    "{'template': 'listvar1', 'params': {'listvar1': ['foo', 123]}}", false,
		    "\"str_replace\" params must be strings or numbers, param listvar1 is not valid"),
		/* a bad value fails even when its key is not in the template */
		ERR("str_replace", V15, "{'template': 'x', 'params': {'zz': []}}", false,
		    "\"str_replace\" params must be strings or numbers, param zz is not valid"),
		/* J (>= 2015-10-15): containers as sorted JSON */
		OK("str_replace", V15B,
		   "{'template': 'jsonvar1', 'params': {'jsonvar1': {'foo': 123}}}",
		   "'{\\'foo\\': 123}'"),
		OK("str_replace", V15B,
		   "{'template': 'listvar1', 'params': {'listvar1': ['foo', 123]}}",
		   "'[\\'foo\\', 123]'"),
		OK("str_replace", V16, "{'template': 'v', 'params': {'v': [1, 2]}}", "'[1, 2]'"),
		OK("str_replace", V21, "{'template': 'v', 'params': {'v': {'b': 1, 'a': 2}}}",
		   "'{\\'a\\': 2, \\'b\\': 1}'"),
		OK("str_replace", V21,
		   "{'template': 'v', 'params': {'v': ['\\u00e9', 1.0, 1e20, null, true]}}",
		   "'[\\'\\\\u00e9\\', 1.0, 1e+20, null, true]'"),
		OK("str_replace", V21, "{'template': 'v', 'params': {'v': true}}", "'True'"),
		OK("str_replace", V21, "{'template': 'v', 'params': {'v': 2.0}}", "'2.0'"),
		OK("str_replace", V21, "{'template': 'v', 'params': {'v': []}}", "'[]'"),
		/* shape errors are found when parsing, the rest when resolving */
		ERR("str_replace", V21,
		    "{'template': 'Template var1 string var2', 'params': ['var1', 'foo', 'var2', 'bar']}",
		    true, "\"str_replace\" parameters must be a mapping"),
		ERR("str_replace", V21, "{'template': 12345, 'params': {'var1': 'foo'}}", false,
		    "\"str_replace\" template must be a string"),
		ERR("str_replace", V21, "{'template': null, 'params': {}}", false,
		    "\"str_replace\" template must be a string"),
		ERR("str_replace", V21, "[{'template': 'x'}, {'params': {}}]", true,
		    "Arguments to \"str_replace\" must be a map"),
		ERR("str_replace", V13,
		    "{'tmpl': 'Template var1 string var2', 'params': {'var1': 'foo'}}", true,
		    "'\"str_replace\" syntax should be str_replace:\\n              template: This is var1 template var2\\n              params:\\n                var1: a\\n                var2: string'"),
		ERR("str_replace_strict", V17, "{'template': 'x', 'param': {}}", true,
		    "'\"str_replace_strict\" syntax should be str_replace_strict:\\n              template: This is var1 template var2\\n              params:\\n                var1: a\\n                var2: string'"),
		ERR("str_replace", V21, "{'template': 'abc', 'params': {'': 'x'}}", false,
		    "empty separator"),
	};

	RUN(rows);
}

static void str_replace_strict(void)
{
	static const struct row rows[] = {
		OK("str_replace_strict", V17,
		   "{'template': 'Template var1 var1 s var2 t varvarvar3', 'params': {'var1': 'foo', 'var2': 'bar', 'var3': 'zed', 'var': 'tricky '}}",
		   "'Template foo foo s bar t tricky tricky zed'"),
		ERR("str_replace_strict", V17,
		    "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': 'bar', 'var3': 'zed'}}",
		    false, "The following params were not found in the template: var3"),
		ERR("str_replace_strict", V17,
		    "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': 'bar', 'var0': 'zed'}}",
		    false, "The following params were not found in the template: var0"),
		ERR("str_replace_vstrict", V17B,
		    "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': 'bar', 'var0': 'zed', 'var': 'z', 'longvarname': 'q'}}",
		    false,
		    "The following params were not found in the template: longvarname,var0,var"),
		OK("str_replace_strict", V17,
		   "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': ''}}",
		   "'Template foo string '"),
		OK("str_replace_strict", V17, "{'template': 'x', 'params': {}}", "'x'"),
		/* a key found only inside a longer key's match was not found */
		ERR("str_replace_strict", V21,
		    "{'template': 'abc', 'params': {'abc': '1', 'b': '2'}}", false,
		    "The following params were not found in the template: b"),
		ERR("str_replace_vstrict", V17B,
		    "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': null}}",
		    false,
		    "str_replace_vstrict has an undefined or empty value for param var2, must be a defined non-empty value"),
		ERR("str_replace_vstrict", V17B,
		    "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': ''}}",
		    false,
		    "str_replace_vstrict has an undefined or empty value for param var2, must be a defined non-empty value"),
		ERR("str_replace_vstrict", V17B,
		    "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': {}}}",
		    false,
		    "str_replace_vstrict has an undefined or empty value for param var2, must be a defined non-empty value"),
		ERR("str_replace_vstrict", V17B,
		    "{'template': 'Template var1 string var2', 'params': {'var1': 'foo', 'var2': []}}",
		    false,
		    "str_replace_vstrict has an undefined or empty value for param var2, must be a defined non-empty value"),
		OK("str_replace_vstrict", V17B,
		   "{'template': 'a b', 'params': {'a': 0, 'b': false}}", "'0 False'"),
		OK("str_replace_vstrict", V21, "{'template': 'a', 'params': {'a': [1]}}", "'[1]'"),
	};

	RUN(rows);
}

/* Linear-ish: a 2 MB template with 200k matches and a nested key set. */
static void str_replace_large(void)
{
	size_t n = 200000, len;
	char *t = malloc(10 * n + 1), *p = t;
	json_t *args, *got;
	struct fn_err fe;
	clock_t start = clock();

	for (size_t i = 0; i < n; i++, p += 10)
		memcpy(p, "$name-$id ", 10);
	*p = '\0';
	args = json_pack("{s:s, s:{s:s, s:s, s:s}}", "template", t, "params", "$name", "web", "$id",
			 "7", "$nam", "never");
	got = fnlib_call("str_replace", V21, args, &fe);
	CHECK(got != NULL);
	len = json_string_length(got);
	CHECK(len == 6 * n);
	CHECK(got && strncmp(json_string_value(got), "web-7 web-7 ", 12) == 0);
	CHECK((double)(clock() - start) / CLOCKS_PER_SEC < 5.0);
	json_decref(got);
	json_decref(args);
	free(t);
}

/* Thousands of keys each found inside the previous one's pieces: deep
 * splitting must not exhaust the stack. */
static void str_replace_many_keys(void)
{
	json_t *params = json_object(), *args, *got;
	char key[32], *t = malloc(6 * 3000 + 1);
	struct fn_err fe;

	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "<%04d", i);
		json_object_set_new(params, key, json_string("."));
		memcpy(t + 5 * i, key, 5);
	}
	t[5 * 3000] = '\0';
	args = json_pack("{s:s, s:o}", "template", t, "params", params);
	got = fnlib_call("str_replace_strict", V21, args, &fe);
	CHECK(got != NULL);
	CHECK(json_string_length(got) == 3000);
	json_decref(got);
	json_decref(args);
	free(t);
}

/* ---------------------------------------------------------------- repeat */

static void repeat(void)
{
	static const char prod[] =
		"{'template': 'port_%p%_%q%', 'for_each': {'%p%': ['80', '443'], '%q%': ['a', 'b']}}";
	static const char zip[] =
		"{'template': 'port_%p%_%q%', 'for_each': {'%p%': ['80', '443'], '%q%': ['a', 'b']}, 'permutations': false}";
	static const char syntax[] =
		"'\"repeat\" syntax should be repeat:\\n              template: This is %var%\\n              for_each:\\n                %var%: [\\'a\\', \\'b\\', \\'c\\']'";
	static const struct row rows[] = {
		OK("repeat", V15,
		   "{'template': 'this is %var%', 'for_each': {'%var%': ['a', 'b', 'c']}}",
		   "['this is a', 'this is b', 'this is c']"),
		OK("repeat", V17B,
		   "{'template': 'this is %var%', 'for_each': {'%var%': ['a', 'b', 'c']}}",
		   "['this is a', 'this is b', 'this is c']"),
		/* the product, first key slowest, in every variant */
		OK("repeat", V15, prod, "['port_80_a', 'port_80_b', 'port_443_a', 'port_443_b']"),
		OK("repeat", V16B, prod, "['port_80_a', 'port_80_b', 'port_443_a', 'port_443_b']"),
		OK("repeat", V17B, prod, "['port_80_a', 'port_80_b', 'port_443_a', 'port_443_b']"),
		/* permutations: N zips, L ignores the key */
		OK("repeat", V17B, zip, "['port_80_a', 'port_443_b']"),
		OK("repeat", V21, zip, "['port_80_a', 'port_443_b']"),
		OK("repeat", V15, zip, "['port_80_a', 'port_80_b', 'port_443_a', 'port_443_b']"),
		OK("repeat", V17, zip, "['port_80_a', 'port_80_b', 'port_443_a', 'port_443_b']"),
		OK("repeat", V17B,
		   "{'template': {'network': '%net%', 'port': '%port%', 'subnet': '%sub%'}, 'for_each': {'%net%': ['n1', 'n2'], '%port%': ['p1', 'p2'], '%sub%': ['s1', 's2']}, 'permutations': false}",
		   "[{'network': 'n1', 'port': 'p1', 'subnet': 's1'}, {'network': 'n2', 'port': 'p2', 'subnet': 's2'}]"),
		ERR("repeat", V17B,
		    "{'template': '%a%%b%', 'for_each': {'%a%': ['n1', 'n2', 'n3'], '%b%': ['p1', 'p2']}, 'permutations': false}",
		    false,
		    "For repeat, the length of for_each values should be equal if no nested loop."),
		OK("repeat", V17B,
		   "{'template': {'ROLE': 'ROLE', 'NAME': 'NAME'}, 'for_each': {'ROLE': null, 'NAME': ['n1', 'n2']}, 'permutations': false}",
		   "[]"),
		ERR("repeat", V17B,
		    "{'template': 'x', 'for_each': {'a': ['n1'], 'b': {'p1': 'pp'}}, 'permutations': false}",
		    false, "The values of the \"for_each\" argument to \"repeat\" must be lists"),
		ERR("repeat", V17B,
		    "{'template': 'x', 'for_each': {'a': ['n1']}, 'permutations': 'non bool'}",
		    true, "\"permutations\" should be boolean type for repeat function."),
		/* maps: D and N iterate their keys; L refuses them */
		OK("repeat", V16B, "{'template': '%v%', 'for_each': {'%v%': {'x': 1, 'y': 2}}}",
		   "['x', 'y']"),
		OK("repeat", V17B,
		   "{'template': 'this is %1%-%2%', 'for_each': {'%1%': ['a', 'b'], '%2%': {'x': 'v'}}}",
		   "['this is a-x', 'this is b-x']"),
		ERR("repeat", V16, "{'template': '%v%', 'for_each': {'%v%': {'x': 1}}}", false,
		    "The values of the \"for_each\" argument to \"repeat\" must be lists"),
		ERR("repeat", V16B, "{'template': '%v%', 'for_each': {'%v%': 'abc'}}", false,
		    "The values of the \"for_each\" argument to \"repeat\" must be lists or maps"),
		ERR("repeat", V15, "{'template': '%v%', 'for_each': {'%v%': 'abc'}}", false,
		    "The values of the \"for_each\" argument to \"repeat\" must be lists"),
		/* substitution in keys and values, recursively, in order */
		OK("repeat", V15,
		   "{'template': {'key-%var%': 'this is %var%'}, 'for_each': {'%var%': ['a', 'b']}}",
		   "[{'key-a': 'this is a'}, {'key-b': 'this is b'}]"),
		OK("repeat", V16B,
		   "{'template': {'SERVICE_enabled': true}, 'for_each': {'SERVICE': ['x', 'y', 'z']}}",
		   "[{'x_enabled': true}, {'y_enabled': true}, {'z_enabled': true}]"),
		OK("repeat", V15,
		   "{'template': ['this is %var%', 'static', 5], 'for_each': {'%var%': ['a', 'b']}}",
		   "[['this is a', 'static', 5], ['this is b', 'static', 5]]"),
		OK("repeat", V21, "{'template': '%a%', 'for_each': {'%a%': ['%b%'], '%b%': ['B']}}",
		   "['B']"),
		OK("repeat", V21,
		   "{'template': '%b%%a%', 'for_each': {'%b%': ['%a%'], '%a%': ['A']}}", "['AA']"),
		OK("repeat", V21, "{'template': 'x', 'for_each': {'%v%': []}}", "[]"),
		OK("repeat", V21, "{'template': 'x', 'for_each': {'%v%': null}}", "[]"),
		OK("repeat", V21, "{'template': 'x', 'for_each': {'%a%': ['1', '2'], '%v%': []}}",
		   "[]"),
		ERR("repeat", V21, "{'template': 'port %v%', 'for_each': {'%v%': [80]}}", false,
		    "replace() argument 2 must be str, not int"),
		ERR("repeat", V21, "{'template': 'port %v%', 'for_each': {'%v%': [null]}}", false,
		    "replace() argument 2 must be str, not None"),
		/* no string in the template: nothing to replace, nothing to fail */
		OK("repeat", V21, "{'template': 7, 'for_each': {'%v%': [1, 2]}}", "[7, 7]"),
		/* shape */
		ERR("repeat", V15, "{'template': 'this is %var%', 'for_each': '%var%'}", true,
		    "The \"for_each\" argument to \"repeat\" must contain a map"),
		ERR("repeat", V15, "{'template': 'this is %var%'}", true, syntax),
		ERR("repeat", V15, "{'templte': 'this is %var%', 'for_each': {'%var%': ['a']}}",
		    true, syntax),
		ERR("repeat", V15, "['a']", true, "Arguments to \"repeat\" must be a map"),
		ERR("repeat", V21, "{'template': 'x', 'for_each': {}}", false,
		    "not enough values to unpack (expected 2, got 0)"),
	};

	RUN(rows);
}

/* Heat has no bound; a product past 100000 items fails cleanly. */
static void repeat_limit(void)
{
	json_t *l = json_array(), *args, *got;
	struct fn_err fe;
	char s[8];

	for (int i = 0; i < 400; i++) {
		snprintf(s, sizeof(s), "%d", i);
		json_array_append_new(l, json_string(s));
	}
	args = json_pack("{s:s, s:{s:O, s:O, s:O}}", "template", "x", "for_each", "a", l, "b", l,
			 "c", l);
	got = fnlib_call("repeat", V21, args, &fe);
	CHECK(got == NULL);
	CHECK(strstr(fe.msg, "too big") != NULL);
	json_decref(args);
	json_decref(l);
}

/* ---------------------------------------------------------------- digest */

static void digest(void)
{
	static const struct row rows[] = {
		OK("digest", V15, "['sha256', 'hello']",
		   "'2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'"),
		OK("digest", V15, "['md5', 'foobar']", "'3858f62230ac3c915f300c664312c63f'"),
		OK("digest", V21, "['SHA256', 'hello']",
		   "'2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824'"),
		OK("digest", V21, "['sha1', 'abc']", "'a9993e364706816aba3e25717850c26c9cd0d89d'"),
		OK("digest", V21, "['sha512', '']",
		   "'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e'"),
		/* Latin-1: é is the single byte E9 */
		OK("digest", V21, "['md5', '\\u00e9']", "'3406877694691ddd1dfb0aca54681407'"),
		ERR("digest", V21, "['md5', 'x\\u0100']", false,
		    "'latin-1' codec can't encode character '\\u0100' in position 1: ordinal not in range(256)"),
		ERR("digest", V21, "['md5', 'x\\u0100\\u0101b']", false,
		    "'latin-1' codec can't encode characters in position 1-2: ordinal not in range(256)"),
		ERR("digest", V21, "['md5', '\\ud83d\\ude00']", false,
		    "'latin-1' codec can't encode character '\\U0001f600' in position 0: ordinal not in range(256)"),
		ERR("digest", V15, "'invalid'", false,
		    "Argument to function \"digest\" must be a list of strings"),
		ERR("digest", V15, "{'foo': 'invalid'}", false,
		    "Argument to function \"digest\" must be a list of strings"),
		ERR("digest", V15, "[123]", false,
		    "Argument to function \"digest\" must be a list of strings"),
		ERR("digest", V15, "[]", false,
		    "Function \"digest\" usage: [\"<algorithm>\", \"<value>\"]"),
		ERR("digest", V15, "['md5']", false,
		    "Function \"digest\" usage: [\"<algorithm>\", \"<value>\"]"),
		ERR("digest", V15, "['md5', 'foo', 'bar']", false,
		    "Function \"digest\" usage: [\"<algorithm>\", \"<value>\"]"),
		ERR("digest", V15, "['invalid_algorithm', 'foobar']", false,
		    "Algorithm must be one of *"),
	};

	RUN(rows);
}

/* ---------------------------------------------------------------- str_split */

static void str_split(void)
{
	static const char example[] = "\"str_split\" : [ \",\", \"apples,pears\", <index>]";
	static char bad_args[128], bad_index[128];
	static const struct row rows[] = {
		OK("str_split", V15B, "[',', 'a,b,c']", "['a', 'b', 'c']"),
		OK("str_split", V15B, "[',', 'a,b,c', 1]", "'b'"),
		OK("str_split", V15B, "[',', 'a,b,c', '2']", "'c'"),
		OK("str_split", V15B, "[',', 'a,b,c', -1]", "'c'"),
		OK("str_split", V21, "[',', 'a,b,c', -3]", "'a'"),
		OK("str_split", V21, "[',', 'a,b,c', ' 1 ']", "'b'"),
		OK("str_split", V21, "[',', 'a,b,c', 1.7]", "'b'"),
		OK("str_split", V21, "[',', 'a,b,c', true]", "'b'"),
		OK("str_split", V21, "[',', '']", "['']"),
		OK("str_split", V21, "[',', 'a,,b,']", "['a', '', 'b', '']"),
		OK("str_split", V21, "['::', 'a::b']", "['a', 'b']"),
		OK("str_split", V15B, "['.', null]", "null"),
		OK("str_split", V15B, "[null, 'check']", "['check']"),
		OK("str_split", V15B, "[null, '  a \\t b\\n']", "['a', 'b']"),
		OK("str_split", V21, "[',', 'a,b', 0, 'ignored']", "'a'"),
		ERR("str_split", V15B, "[',', 'bar,baz', '2']", false,
		    "Incorrect index to \"str_split\" should be between 0 and 1"),
		ERR("str_split", V15B, "[',', 'a,b', -3]", false,
		    "Incorrect index to \"str_split\" should be between 0 and 1"),
		ERR("str_split", V15B, "[',', 'a,b', '99999999999999999999999']", false,
		    "Incorrect index to \"str_split\" should be between 0 and 1"),
		ERR("str_split", V15B, "[',', 'bar,baz', 'bad']", false, bad_index),
		ERR("str_split", V15B, "[',', 'bar,baz', '1.5']", false, bad_index),
		ERR("str_split", V15B, "[',']", false, bad_args),
		ERR("str_split", V15B, "[]", false, bad_args),
		ERR("str_split", V15B, "5", false, bad_args),
		ERR("str_split", V15B, "'a,b'", true, bad_args),
		ERR("str_split", V15B, "{'a': 'b'}", true, bad_args),
		ERR("str_split", V21, "['', 'abc']", false, "empty separator"),
		ERR("str_split", V21, "[',', 5]", false, "'int' object has no attribute 'split'"),
		ERR("str_split", V21, "[5, 'a']", false, "must be str or None, not int"),
		ERR("str_split", V21, "[',', 'a', null]", false,
		    "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'"),
	};

	snprintf(bad_args, sizeof(bad_args), "Incorrect arguments to \"str_split\" should be: %s",
		 example);
	snprintf(bad_index, sizeof(bad_index), "Incorrect index to \"str_split\" should be: %s",
		 example);
	RUN(rows);
}

/* ---------------------------------------------------------------- maps */

static void map_merge(void)
{
	static const struct row rows[] = {
		OK("map_merge", V16, "[{'a': 1, 'b': 2}, {'a': 3}, null]", "{'a': 3, 'b': 2}"),
		OK("map_merge", V16, "[{'f1': 'b1', 'f2': 'b2'}, {'f1': 'b2'}]",
		   "{'f1': 'b2', 'f2': 'b2'}"),
		OK("map_merge", V16, "[{'b': 1}, {'a': {'x': [1]}}]", "{'b': 1, 'a': {'x': [1]}}"),
		OK("map_merge", V21, "[]", "{}"),
		ERR("map_merge", V16, "[{'f1': 'b1', 'f2': 'b2'}, ['f1', 'b2']]", false,
		    "Incorrect arguments: Items to merge must be maps. ['f1', 'b2'] is type <class 'list'> instead of a dict"),
		ERR("map_merge", V16, "[5]", false,
		    "Incorrect arguments: Items to merge must be maps. 5 is type <class 'int'> instead of a dict"),
		ERR("map_merge", V16, "{'a': 1}", false,
		    "Incorrect arguments to \"map_merge\" should be: \"map_merge\" : [ { \"key1\": \"val1\" }, { \"key2\": \"val2\" } ]"),
		ERR("map_merge", V16, "null", false,
		    "Incorrect arguments to \"map_merge\" should be: \"map_merge\" : [ { \"key1\": \"val1\" }, { \"key2\": \"val2\" } ]"),
	};

	RUN(rows);
}

static void map_replace(void)
{
	static const char example[] =
		"\"map_replace\" : [ { \"key1\": \"val1\" }, {\"keys\": {\"key1\": \"key2\"}, \"values\": {\"val1\": \"val2\"}}]";
	static char incorrect[256], not_maps[256];
	static const struct row rows[] = {
		OK("map_replace", V16B,
		   "[{'k1': 'v1', 'k2': 'v2'}, {'keys': {'k1': 'K1'}, 'values': {'v2': 'V2'}}]",
		   "{'K1': 'v1', 'k2': 'V2'}"),
		OK("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}, {'values': {'b2': 'B2'}}]",
		   "{'f1': 'b1', 'f2': 'B2'}"),
		OK("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}, {'keys': {'f2': 'F2'}}]",
		   "{'f1': 'b1', 'F2': 'b2'}"),
		OK("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}, {'keys': {'f2': 'f2'}}]",
		   "{'f1': 'b1', 'f2': 'b2'}"),
		OK("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}, {'values': null}]",
		   "{'f1': 'b1', 'f2': 'b2'}"),
		OK("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}, {'keys': null}]",
		   "{'f1': 'b1', 'f2': 'b2'}"),
		OK("map_replace", V16B, "[{'f1': 'b1', 'f2': []}, {'values': {}}]",
		   "{'f1': 'b1', 'f2': []}"),
		OK("map_replace", V16B, "[{'f1': [1], 'f2': 'x'}, {'values': {'x': [2]}}]",
		   "{'f1': [1], 'f2': [2]}"),
		OK("map_replace", V16B, "[null, {}]", "{}"),
		ERR("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}, {'keys': {'f2': 'f1'}}]",
		    false, "key replacement f1 collides with a key in the input map"),
		ERR("map_replace", V16B,
		    "[{'f1': 'b1', 'f2': 'b2'}, {'keys': {'f1': 'f3', 'f2': 'f3'}}]", false,
		    "key replacement f3 collides with a key in the output map"),
		ERR("map_replace", V16B, "'ab'", false, incorrect),
		ERR("map_replace", V16B, "[]", false, incorrect),
		ERR("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}]", false, incorrect),
		ERR("map_replace", V16B, "[{'a': 1}, {}, {}]", false, incorrect),
		ERR("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}, {'notkeys': {'f2': 'F2'}}]",
		    false, incorrect),
		ERR("map_replace", V16B, "[{'f1': 'b1', 'f2': 'b2'}, 'ab']", false, not_maps),
		ERR("map_replace", V16B, "[5]", false, not_maps),
		ERR("map_replace", V16B, "[{}, {'keys': 'x'}]", false, not_maps),
	};

	snprintf(incorrect, sizeof(incorrect),
		 "Incorrect arguments to \"map_replace\" should be: %s", example);
	snprintf(
		not_maps, sizeof(not_maps),
		"Incorrect arguments: to \"map_replace\", arguments must be a list of maps. Example:  %s",
		example);
	RUN(rows);
}

/* ---------------------------------------------------------------- lists */

static void filter(void)
{
	static const struct row rows[] = {
		OK("filter", V17, "[[1, 2], [1, 2, 3, 1]]", "[3]"),
		OK("filter", V17, "[[null], [1, null, 4, 2, null]]", "[1, 4, 2]"),
		OK("filter", V17, "[[{'a': [1]}], [{'a': [1]}, {'a': [2]}]]", "[{'a': [2]}]"),
		OK("filter", V17, "[[1], null]", "null"),
		OK("filter", V17, "[[1], []]", "[]"),
		OK("filter", V17, "[null, [1, 2]]", "[1, 2]"),
		OK("filter", V17, "[[], [1, 2]]", "[1, 2]"),
		OK("filter", V17, "[['1'], [1, '1']]", "[1]"),
		ERR("filter", V17, "'foo'", true, "Argument to \"filter\" must be a list"),
		ERR("filter", V17, "[[null], [1, 2], 'foo']", true,
		    "\"filter\" expected 2 arguments of the form [values, sequence] but got 3 arguments instead"),
		ERR("filter", V17, "[[null], {'a': 1}]", false, "\"filter\" only works with lists"),
		ERR("filter", V17, "[['a'], 'abcd']", false, "\"filter\" only works with lists"),
		ERR("filter", V17, "['abcd', ['a', 'b', 'c', 'd']]", false,
		    "format requires a mapping"),
	};

	RUN(rows);
}

static void list_concat(void)
{
	static const struct row rows[] = {
		OK("list_concat", V17B, "[['v1', 'v2'], ['v3', 'v4']]", "['v1', 'v2', 'v3', 'v4']"),
		OK("list_concat", V17B, "[['v1', 'v2'], ['v3', 'v4'], null]",
		   "['v1', 'v2', 'v3', 'v4']"),
		OK("list_concat", V17B, "[[{'v1': 'v2'}], [{'v1': 'v2'}]]",
		   "[{'v1': 'v2'}, {'v1': 'v2'}]"),
		OK("list_concat", V17B, "[['v1', 'v2'], ['v2', 'v3']]", "['v1', 'v2', 'v2', 'v3']"),
		OK("list_concat", V17B, "[]", "[]"),
		OK("list_concat_unique", V17B, "[[{'v1': 'v2'}], [{'v1': 'v2'}]]",
		   "[{'v1': 'v2'}]"),
		OK("list_concat_unique", V17B, "[['v1', 'v2'], ['v1', 'v3']]",
		   "['v1', 'v2', 'v3']"),
		OK("list_concat_unique", V17B, "[[1, 2], [2, 3], [{'a': 1}], [{'a': 1}]]",
		   "[1, 2, 3, {'a': 1}]"),
		OK("list_concat_unique", V17B, "[[1, '1', 1.0]]", "[1, '1']"),
		OK("list_concat_unique", V17B, "[[{'a': 1, 'b': 2}, {'b': 2, 'a': 1}]]",
		   "[{'a': 1, 'b': 2}]"),
		ERR("list_concat", V17B, "[{'k1': 'v2'}, ['v3', 'v4']]", false,
		    "Incorrect arguments: Items to concat must be lists. [{\"k1\": \"v2\"}, [\"v3\", \"v4\"]] contains an item that is not a list: {\"k1\": \"v2\"}"),
		ERR("list_concat", V17B, "['v1', 'v2']", false,
		    "Incorrect arguments: Items to concat must be lists. [\"v1\", \"v2\"] contains an item that is not a list: \"v1\""),
		ERR("list_concat", V17B, "'I am string'", false,
		    "Incorrect arguments to \"list_concat\" should be: \"list_concat\" : [ [ <value 1>, <value 2> ], [ <value 3>, <value 4> ] ]"),
		ERR("list_concat_unique", V17B, "{'a': 1}", false,
		    "Incorrect arguments to \"list_concat_unique\" should be: \"list_concat_unique\" : [ [ <value 1>, <value 2> ], [ <value 3>, <value 4> ] ]"),
	};

	RUN(rows);
}

static void contains_equals(void)
{
	static const struct row rows[] = {
		OK("contains", V17B, "['v1', ['v1', 'v2']]", "true"),
		OK("contains", V17B, "['v3', ['v1', 'v2']]", "false"),
		OK("contains", V17B, "['a', 'cat']", "true"),
		OK("contains", V17B, "['z', 'abc']", "false"),
		OK("contains", V17B, "['', 'abc']", "true"),
		OK("contains", V17B, "[{'a': 1}, [{'a': 1}]]", "true"),
		OK("contains", V17B, "[1, ['1']]", "false"),
		ERR("contains", V17B, "['a', {'a': 1}]", false,
		    "Second argument to \"contains\" should be a sequence."),
		ERR("contains", V17B, "['a', null]", false,
		    "Second argument to \"contains\" should be a sequence."),
		ERR("contains", V17B, "[1, 'abc']", false,
		    "'in <string>' requires string as left operand, not int"),
		ERR("contains", V17B, "'x'", true,
		    "Incorrect arguments to \"contains\" should be: \"contains\" : [ \"value1\", [ \"value1\", \"value2\"]]"),
		ERR("contains", V17B, "[]", true,
		    "Incorrect arguments to \"contains\" should be: \"contains\" : [ \"value1\", [ \"value1\", \"value2\"]]"),
		ERR("contains", V17B, "['a']", true,
		    "Arguments to \"contains\" must be of the form: [value1, [value1, value2]]"),
		OK("equals", V16B, "[1, '1']", "false"),
		OK("equals", V16B, "['prod', 'prod']", "true"),
		OK("equals", V16B, "['test', 'prod']", "false"),
		OK("equals", V16B, "[{'a': [1, 2], 'b': null}, {'b': null, 'a': [1, 2]}]", "true"),
		OK("equals", V16B, "[[1, 2], [2, 1]]", "false"),
		OK("equals", V16B, "[null, null]", "true"),
		OK("equals", V16B, "['', null]", "false"),
		/* Python: 1 == 1.0 and True == 1 */
		OK("equals", V16B, "[1, 1.0]", "true"),
		OK("equals", V16B, "[true, 1]", "true"),
		OK("equals", V16B, "[[false], [0]]", "true"),
		OK("equals", V16B, "[1, 1.5]", "false"),
		OK("equals", V16B, "[9007199254740993, 9007199254740992.0]", "false"),
		ERR("equals", V16B, "['test', 'prod', 'invalid']", true,
		    "Arguments to \"equals\" must be of the form: [value_1, value_2]"),
		ERR("equals", V16B, "'invalid condition'", true,
		    "Arguments to \"equals\" must be of the form: [value_1, value_2]"),
	};

	RUN(rows);
}

/* ---------------------------------------------------------------- make_url */

static void make_url(void)
{
	static const struct row rows[] = {
		OK("make_url", V17B,
		   "{'scheme': 'http', 'host': 'fe80::1', 'port': 8080, 'path': '/a b/c', 'query': {'x': '1/2', 'y': 'a b'}, 'fragment': 'f g', 'username': 'u@x', 'password': 'p:w'}",
		   "'http://u%40x:p%3Aw@[fe80::1]:8080/a%20b/c?x=1/2&y=a+b#f%20g'"),
		OK("make_url", V17B, "{'host': 'h', 'path': 'p'}", "'//h/p'"),
		OK("make_url", V17B,
		   "{'scheme': 'http', 'host': 'example.com', 'path': '/foo/bar'}",
		   "'http://example.com/foo/bar'"),
		OK("make_url", V17B, "{'scheme': 'http', 'host': '::1', 'path': '/foo/bar'}",
		   "'http://[::1]/foo/bar'"),
		OK("make_url", V17B, "{'scheme': 'http', 'host': '[::1]', 'path': '/foo/bar'}",
		   "'http://[::1]/foo/bar'"),
		OK("make_url", V17B,
		   "{'scheme': 'https', 'host': 'example.com', 'port': '80', 'path': '/foo/bar'}",
		   "'https://example.com:80/foo/bar'"),
		OK("make_url", V17B,
		   "{'scheme': 'https', 'host': 'example.com', 'port': 80, 'path': '/foo/bar'}",
		   "'https://example.com:80/foo/bar'"),
		OK("make_url", V17B,
		   "{'scheme': 'http', 'username': 'wibble', 'host': 'example.com', 'path': '/foo/bar'}",
		   "'http://wibble@example.com/foo/bar'"),
		OK("make_url", V17B,
		   "{'scheme': 'http', 'username': 'wibble', 'password': 'blarg', 'host': 'example.com', 'path': '/foo/bar'}",
		   "'http://wibble:blarg@example.com/foo/bar'"),
		OK("make_url", V17B,
		   "{'scheme': 'http', 'host': 'example.com', 'path': '/foo/?bar', 'query': {'foo#': 'bar & baz', 'blarg': '/wib=ble/'}}",
		   "'http://example.com/foo/%3Fbar?foo%23=bar+%26+baz&blarg=/wib%3Dble/'"),
		OK("make_url", V17B,
		   "{'scheme': 'http', 'host': 'example.com', 'path': 'foo/bar', 'fragment': 'baz'}",
		   "'http://example.com/foo/bar#baz'"),
		OK("make_url", V17B, "{'scheme': 'file', 'path': 'foo/bar'}", "'file:///foo/bar'"),
		OK("make_url", V17B, "{'scheme': 'file', 'path': '/foo/bar'}", "'file:///foo/bar'"),
		OK("make_url", V17B, "{'path': 'p q'}", "'p%20q'"),
		OK("make_url", V17B, "{'scheme': 'mailto', 'path': 'a@b'}", "'mailto:a%40b'"),
		OK("make_url", V17B, "{'host': 'h', 'query': {'n': 5, 'b': true}}",
		   "'//h?n=5&b=True'"),
		OK("make_url", V17B, "{'host': 'caf\\u00e9'}", "'//caf%C3%A9'"),
		ERR("make_url", V17B,
		    "{'scheme': 'https', 'host': 'example.com', 'port': 100000, 'path': '/foo/bar'}",
		    true, "Invalid URL port 100000, must be in range 1-65535"),
		ERR("make_url", V17B,
		    "{'scheme': 'https', 'host': 'example.com', 'port': '0', 'path': '/foo/bar'}",
		    true, "Invalid URL port 0, must be in range 1-65535"),
		ERR("make_url", V17B,
		    "{'scheme': 'https', 'host': 'example.com', 'port': '1.1', 'path': '/foo/bar'}",
		    true,
		    "Invalid URL port \"1.1\" for make_url called with {'scheme': 'https', 'host': 'example.com', 'port': '1.1', 'path': '/foo/bar'}"),
		ERR("make_url", V17B, "{'host': 'h', 'port': 'abc'}", true,
		    "Invalid URL port \"abc\" for make_url called with {'host': 'h', 'port': 'abc'}"),
		ERR("make_url", V17B, "'http://example.com/foo/bar'", true,
		    "The arguments to \"make_url\" must be a map"),
		ERR("make_url", V17B, "{'scheme': 'http', 'host': 'example.com', 'bad': 'bar'}",
		    true, "Invalid arguments to \"make_url\": bad"),
		ERR("make_url", V17B, "{'scheme': 'ht:tp', 'host': 'h'}", false,
		    "URL \"scheme\" should not contain ':'"),
		ERR("make_url", V17B, "{'host': 'h', 'query': 'a=b'}", true,
		    "The \"query\" argument to \"make_url\" must be a map"),
		ERR("make_url", V17B, "{'host': 5}", true,
		    "The \"host\" argument to \"make_url\" must be a string"),
		ERR("make_url", V17B, "{'path': ['a']}", true,
		    "The \"path\" argument to \"make_url\" must be a string"),
	};

	RUN(rows);
}

/* ---------------------------------------------------------------- CFN */

static void cfn(void)
{
	static const struct row rows[] = {
		OK("Fn::Select", V13, "['1', ['a', 'b', 'c']]", "'b'"),
		OK("Fn::Select", V13, "[1, ['a', 'b', 'c']]", "'b'"),
		OK("Fn::Select", V13, "[5, ['a', 'b', 'c']]", "''"),
		OK("Fn::Select", V13, "[-1, ['a', 'b']]", "'b'"),
		OK("Fn::Select", V15, "['k', {'k': 'v'}]", "'v'"),
		OK("Fn::Select", V15, "['zz', {'k': 'v'}]", "''"),
		OK("Fn::Select", V15, "[0, '[\\'x\\', \\'y\\']']", "'x'"),
		OK("Fn::Select", V15, "['a', '{\\'a\\': [1]}']", "[1]"),
		OK("Fn::Select", V13, "[0, '']", "''"),
		OK("Fn::Select", V13, "[0, null]", "''"),
		OK("Fn::Select", V13, "[1, [{'a': 1}, {'b': 2}]]", "{'b': 2}"),
		ERR("Fn::Select", V13, "[1, {'a': 1}]", false,
		    "Index to \"Fn::Select\" must be a string"),
		ERR("Fn::Select", V13, "['x', [1]]", false,
		    "Index to \"Fn::Select\" must be an integer"),
		ERR("Fn::Select", V13, "[0, 'notjson']", false,
		    "\"Fn::Select\": Expecting value: line 1 column 1 (char 0)"),
		ERR("Fn::Select", V13, "[0, 5]", false,
		    "Arguments to Fn::Select not fully resolved"),
		ERR("Fn::Select", V13, "[1]", true,
		    "Arguments to \"Fn::Select\" must be of the form [index, collection]"),
		ERR("Fn::Select", V13, "[1, 2, 3]", true,
		    "Arguments to \"Fn::Select\" must be of the form [index, collection]"),
		OK("Fn::Split", V13, "[',', 'a,b']", "['a', 'b']"),
		ERR("Fn::Split", V13, "'a,b'", true,
		    "Incorrect arguments to \"Fn::Split\" should be: \"Fn::Split\" : [ \",\", \"str1,str2\"]]"),
		ERR("Fn::Split", V13, "[',']", true,
		    "Incorrect arguments to \"Fn::Split\" should be: \"Fn::Split\" : [ \",\", \"str1,str2\"]]"),
		ERR("Fn::Split", V13, "[',', 5]", false,
		    "String to split must be string; got <class 'int'>"),
		ERR("Fn::Split", V13, "[1, 'a']", false, "Delimiter for Fn::Split must be string"),
		OK("Fn::Base64", V13, "'abc'", "'abc'"),
		ERR("Fn::Base64", V13, "5", false, "\"Fn::Base64\" argument must be a string"),
		OK("Fn::MemberListToMap", V13,
		   "['Name', 'Value', ['.member.0.Name=k', '.member.0.Value=v']]", "{'k': 'v'}"),
		OK("Fn::MemberListToMap", V13,
		   "['Name', 'Value', ['.member.1.Name=b', '.member.1.Value=2', '.member.0.Name=a', '.member.0.Value=1', '.member.2.Name=c']]",
		   "{'a': '1', 'b': '2'}"),
		OK("Fn::MemberListToMap", V13,
		   "['Key', 'Val', ['.member.10.Key=j', '.member.10.Val=x=y', '.member.9.Key=i', '.member.9.Val=z']]",
		   "{'i': 'z', 'j': 'x=y'}"),
		OK("Fn::MemberListToMap", V13, "['Name', 'Value', []]", "{}"),
		ERR("Fn::MemberListToMap", V13, "[1, 'Value', []]", true,
		    "Fn::MemberListToMap Key Name must be a string"),
		ERR("Fn::MemberListToMap", V13, "['Name', 2, []]", true,
		    "Fn::MemberListToMap Value Name must be a string"),
		ERR("Fn::MemberListToMap", V13, "['Name', 'Value']", true,
		    "Wrong Arguments try: *"),
		ERR("Fn::MemberListToMap", V13, "['Name', 'Value', 5]", false,
		    "Member list must be a list"),
		ERR("Fn::MemberListToMap", V13, "['Name', 'Value', [1]]", false,
		    "Member list items must be strings"),
		ERR("Fn::MemberListToMap", V13, "['Name', 'Value', ['a=b', 'nope']]", false,
		    "dictionary update sequence element #1 has length 1; 2 is required"),
	};

	RUN(rows);
}

static void dispatch(void)
{
	struct fn_err fe;
	json_t *args = json_array();

	CHECK(fnlib_has("list_join"));
	CHECK(fnlib_has("Fn::MemberListToMap"));
	CHECK(fnlib_has("str_replace_vstrict"));
	CHECK(!fnlib_has("get_param"));
	CHECK(!fnlib_has("if"));
	CHECK(!fnlib_has("yaql"));
	CHECK(!fnlib_has("Ref"));
	CHECK(!fnlib_has("not"));
	CHECK(fnlib_call("get_attr", V21, args, &fe) == NULL);
	CHECK(fe.msg[0] != '\0');
	json_decref(args);
}

int main(void)
{
	struct tap_case cases[] = {
		{"hash: standard vectors", hash_vectors, NULL},
		{"hash: block boundaries", hash_boundaries, NULL},
		{"hash: algorithm names", hash_names, NULL},
		{"pyjson: floats", pyjson_floats, NULL},
		{"pyjson: strings, str and repr", pyjson_text, NULL},
		{"list_join S/M and Fn::Join", list_join, NULL},
		{"str_replace: algorithm", str_replace_algorithm, NULL},
		{"str_replace: values P/J", str_replace_values, NULL},
		{"str_replace: strict and vstrict", str_replace_strict, NULL},
		{"str_replace: large template", str_replace_large, NULL},
		{"str_replace: many nested keys", str_replace_many_keys, NULL},
		{"repeat L/D/N", repeat, NULL},
		{"repeat: size limit", repeat_limit, NULL},
		{"digest", digest, NULL},
		{"str_split", str_split, NULL},
		{"map_merge", map_merge, NULL},
		{"map_replace", map_replace, NULL},
		{"filter", filter, NULL},
		{"list_concat(_unique)", list_concat, NULL},
		{"contains and equals", contains_equals, NULL},
		{"make_url", make_url, NULL},
		{"CFN functions", cfn, NULL},
		{"dispatch", dispatch, NULL},
	};

	return tap_run(cases, (int)(sizeof(cases) / sizeof(cases[0])));
}
