// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the control handle, a generic netlink socket bound to the kcap
 * family.
 */

#include <errno.h>
#include <stdlib.h>

#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>

#include <linux/kcap.h>

#include "kcap.h"
#include "internal.h"

struct kcap_ctl {
	struct nl_sock	*sk;
	int		family_id;
	unsigned int	family_version;
};

/*
 * Read the family's id and version from a snapshot of the controller's
 * families, so both come from the same registration of the family.
 */
static int kcap_ctl_get_family(struct kcap_ctl *ctl, const char *name)
{
	struct genl_family *family;
	struct nl_cache *cache;
	int err;

	err = genl_ctrl_alloc_cache(ctl->sk, &cache);
	if (err < 0)
		return kcap_errno_from_nl(err);

	family = genl_ctrl_search_by_name(cache, name);
	if (!family) {
		/* Unregistered since genl_ctrl_resolve() found it. */
		err = -ENOENT;
		goto out;
	}
	ctl->family_id = genl_family_get_id(family);
	ctl->family_version = genl_family_get_version(family);
	genl_family_put(family);
	err = 0;
out:
	nl_cache_free(cache);
	return err;
}

static int kcap_ctl_connect(struct kcap_ctl *ctl, const char *name)
{
	int err;

	ctl->sk = nl_socket_alloc();
	if (!ctl->sk)
		return -ENOMEM;

	err = genl_connect(ctl->sk);
	if (err < 0)
		return kcap_errno_from_nl(err);

	/*
	 * Asking for the family by name, unlike dumping all families, lets
	 * the kernel load the module through its genl family alias.
	 */
	err = genl_ctrl_resolve(ctl->sk, name);
	if (err < 0)
		return kcap_errno_from_nl(err);

	return kcap_ctl_get_family(ctl, name);
}

int kcap_ctl_open_family(struct kcap_ctl **ctlp, const char *name)
{
	struct kcap_ctl *ctl;
	int err;

	*ctlp = NULL;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;

	err = kcap_ctl_connect(ctl, name);
	if (err) {
		kcap_ctl_close(ctl);
		return err;
	}

	*ctlp = ctl;
	return 0;
}

int kcap_ctl_open(struct kcap_ctl **ctlp)
{
	return kcap_ctl_open_family(ctlp, KCAP_GENL_NAME);
}

int kcap_ctl_family_id(const struct kcap_ctl *ctl)
{
	return ctl->family_id;
}

unsigned int kcap_ctl_family_version(const struct kcap_ctl *ctl)
{
	return ctl->family_version;
}

void kcap_ctl_close(struct kcap_ctl *ctl)
{
	if (!ctl)
		return;
	nl_socket_free(ctl->sk);	/* NULL-safe; closes the socket */
	free(ctl);
}
