/* Paths inside a template (see path.h). */
#include "engine/path.h"

#include <stdio.h>
#include <string.h>

const char *path_str(const struct path *p, char *buf)
{
	const struct path *segs[256];
	size_t n = 0, len = 0;

	for (; p && n < 256; p = p->up)
		segs[n++] = p;
	buf[0] = '\0';
	while (n-- > 0 && len < PATH_SIZE - 1) {
		const struct path *s = segs[n];
		int w = s->key ? snprintf(buf + len, PATH_SIZE - len, "%s%s", len ? "." : "",
					  s->key)
			       : snprintf(buf + len, PATH_SIZE - len, "[%zu]", s->idx);

		len += w > 0 ? (size_t)w : 0;
	}
	if (len >= PATH_SIZE)
		buf[PATH_SIZE - 1] = '\0';
	return buf;
}
