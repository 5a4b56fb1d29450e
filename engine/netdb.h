/* The local driver's records in Redis: modelled networks, subnets, ports,
 * routers, floating IPs, security groups, volumes, key pairs and servers;
 * IP address management; and the ledger of what each resource holds.
 *
 * Every key carries the hash tag {drv} (one shard in a Redis Cluster, so
 * that an allocation and its ledger entry are written in one script):
 *   hearth:{drv}:obj:ID            an object (JSON: id, kind, name, project, ...)
 *   hearth:{drv}:names:P:KIND      name -> id of project P's objects ("*": shared)
 *   hearth:{drv}:ipam:POOL         address -> ledger field that holds it
 *   hearth:{drv}:macs              MAC address -> ledger field
 *   hearth:{drv}:held:STACK        ledger field -> what to release
 * A ledger field is "RESOURCE SEQ KIND REF" (tab-separated): SEQ tells one
 * attempt at making the resource from another (its created_seq), so that
 * an attempt a dead worker left half done is released by the next attempt,
 * a replaced resource once its replacement stands, and everything of a
 * resource when it is deleted.  Nothing is allocated without its ledger
 * entry in the same step: nothing leaks across a crash.
 *
 * Instances (for the metadata role, docs/internals/metadata.md):
 *   hearth:instance:UUID, hearth:addr:IP, published on hearth:instance-changed. */
#ifndef HEARTH_NETDB_H
#define HEARTH_NETDB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"

/* Who holds what: one attempt (seq) at making one resource of a stack. */
struct ndb_owner {
	const char *stack;
	const char *resource;
	uint64_t seq;
	const char *fence; /* the worker that must hold the stack's lock */
};

/* An IPv4 network. */
struct ndb_cidr {
	uint32_t net, mask;
	int prefix;
};

int ndb_cidr_parse(const char *text, struct ndb_cidr *c);
int ndb_ip_parse(const char *text, uint32_t *ip);
void ndb_ip_text(uint32_t ip, char out[16]);

/* The object (new reference) of id, or NULL (HERR_NOT_FOUND). */
json_t *ndb_get(const char *id, struct herr *e);
/* The id of project's (or a shared) object of kind called or with id
 * name_or_id: 0 found, 1 not found, -1 Redis failed. */
int ndb_find(const char *project, const char *kind, const char *name_or_id, char id[37],
	     struct herr *e);
/* Stores a new object (its id, kind, name, project set) held by o. */
int ndb_put(const struct ndb_owner *o, json_t *obj, struct herr *e);
/* Rewrites an existing object. */
int ndb_save(json_t *obj, struct herr *e);
/* A shared object made by the operator's configuration (no owner; kept). */
int ndb_put_shared(json_t *obj, struct herr *e);

/* Allocates an address of pool (a subnet id, or "loopback") for o: want
 * if given, else the first free one of ranges (pairs of first, last).
 * 0 with out set; 1 with why (in use, exhausted); -1 Redis failed. */
int ndb_ip_alloc(const struct ndb_owner *o, const char *pool, const char *want,
		 const uint32_t *ranges, size_t nranges, char out[16], char *why, size_t size,
		 struct herr *e);
/* A unique MAC (want if given, else fa:16:3e:xx:xx:xx): 0, 1 in use, -1. */
int ndb_mac_alloc(const struct ndb_owner *o, const char *want, char out[18], struct herr *e);
/* Adds member to the set hearth:{drv}:SET, held by o (removed with it). */
int ndb_set_add(const struct ndb_owner *o, const char *set, const char *member, struct herr *e);
json_t *ndb_set_members(const char *set, struct herr *e);
/* Records a guest process (pid and its start time) held by o. */
int ndb_hold_guest(const struct ndb_owner *o, const char *uuid, int pid, unsigned long long start,
		   struct herr *e);

/* Writes an instance's document and address index and tells the metadata
 * role (PUBLISH); the document is held by o. */
int ndb_instance_put(const struct ndb_owner *o, json_t *doc, struct herr *e);

/* Rewrites an existing instance's document (a floating IP came or went). */
int ndb_instance_refresh(json_t *doc, struct herr *e);

/* Releases what resource of stack holds, except the attempt keep (0:
 * everything): guests stopped, addresses freed, objects and instances
 * deleted.  Idempotent. */
int ndb_release(const char *stack, const char *resource, uint64_t keep, struct herr *e);

#endif
