/* The modelled network, volume and key pair types of the local driver:
 * OS::Neutron::Net, Subnet, Port, Router, RouterInterface, FloatingIP,
 * FloatingIPAssociation, SecurityGroup, OS::Cinder::Volume,
 * VolumeAttachment and OS::Nova::KeyPair.  Their objects live in Redis
 * (netdb.h) with real address management: every fixed IP, gateway,
 * floating IP and MAC is allocated once, from the subnet's pools, and
 * freed with the resource that holds it. */
#ifndef HEARTH_NETRES_H
#define HEARTH_NETRES_H

#include <stdbool.h>

#include "common/err.h"
#include "engine/rsrc.h"

bool netres_handles(const char *type);
int netres_create(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
int netres_update(const struct rsrc_ctx *c, json_t *old_props, json_t *new_props,
		  struct rsrc_result *r);
int netres_delete(const struct rsrc_ctx *c, json_t *props, struct rsrc_result *r);
bool netres_in_place(const char *type, const char *prop);

/* The operator's external network (floating IPs and router gateways come
 * from it): made once, shared by every project. */
int netres_external(const char *name, const char *cidr, struct herr *e);

/* A port's or floating IP's change reaches the instance the port belongs
 * to: its metadata document is rendered again. */
int netres_port_changed(const char *port_id, struct herr *e);

#endif
