/* The #cloud-config subset hearth-agent applies.
 *
 * Keys: bootcmd (every boot), write_files, users (name and
 * ssh_authorized_keys), ssh_authorized_keys (the default user's),
 * hostname, fqdn, preserve_hostname, runcmd.  Any other key is logged as
 * ignored.  Several cloud-config parts are merged in order: lists are
 * concatenated, other values replaced by the later part. */
#ifndef HEARTH_AGENT_CLOUDCONFIG_H
#define HEARTH_AGENT_CLOUDCONFIG_H

#include <jansson.h>

#include "common/err.h"
#include "guest-tools/guest.h"

#define CLOUDCONFIG_MAX_FILE (16u << 20) /* one write_files content, decoded */

/* Parses one part's YAML and merges it into cfg (an object). */
int cloudconfig_merge(json_t *cfg, const char *text, size_t len, struct herr *e);

/* The short host name cfg asks for (first label of fqdn or hostname) into
 * buf; 0 when it names one, 1 when preserve_hostname is true, -1 when it
 * says nothing. */
int cloudconfig_hostname(json_t *cfg, char *buf, size_t size);

/* The default user's extra keys: cfg's ssh_authorized_keys appended to
 * keys (an array). */
void cloudconfig_default_keys(json_t *cfg, json_t *keys);

/* Each returns how many of its items failed (each logged). */
int cloudconfig_bootcmd(const struct guest *g, json_t *cfg);
int cloudconfig_write_files(const struct guest *g, json_t *cfg, bool deferred);
int cloudconfig_users(const struct guest *g, json_t *cfg);
int cloudconfig_runcmd(const struct guest *g, json_t *cfg);

#endif
