/* Small text helpers shared by the parsers. */
#ifndef HEARTH_TEXT_H
#define HEARTH_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Levenshtein distance between a and b, for "did you mean" hints; words of
 * 64 bytes or more count as far apart ((size_t)-1). */
size_t text_distance(const char *a, const char *b);

/* The same when it is at most max; otherwise some value above max, found
 * without finishing (a misspelling check does not need the exact
 * distance of unrelated words). */
size_t text_distance_max(const char *a, const char *b, size_t max);

/* Whether word is one of the NULL-terminated list. */
bool text_in(const char *word, const char *const *list);

/* Replaces every byte of s that is not part of valid UTF-8 with '?', so
 * that text from requests or templates (cut anywhere) can go into JSON. */
void text_utf8_clean(char *s);

#endif
