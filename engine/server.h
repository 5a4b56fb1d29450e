/* OS::Nova::Server in the local compute driver: the server's object and
 * ports (netdb.h), its instance document for the metadata role, and its
 * guest process (compute.h). */
#ifndef HEARTH_SERVER_H
#define HEARTH_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "engine/rsrc.h"

int server_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
int server_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		  struct rsrc_result *r);
int server_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
bool server_in_place(const char *prop);

/* Renders server uuid's instance document again (its ports changed). */
int server_refresh(const char *uuid, struct herr *e);
/* Attaches volume to server uuid at mountpoint (or the next free
 * /dev/vdX): 0 with dev, 1 with why, -1 (Redis). */
int server_attach(const char *uuid, const char *volume, const char *mountpoint, char *dev,
		  size_t devsize, char *why, size_t whysize, struct herr *e);
int server_detach(const char *uuid, const char *volume, struct herr *e);

#endif
