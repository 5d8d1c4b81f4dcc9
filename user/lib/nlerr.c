// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: turn the -NLE_* codes that libnl returns into negative errnos.
 *
 * libnl folds the errnos it meets into its own codes with nl_syserr2nlerr();
 * the table below is the inverse of that mapping.  Where several errnos fold
 * into one code the most common one is given back.  Codes libnl makes up on
 * its own (parse errors, missing attributes, ...) become -EIO.
 */

#include <errno.h>
#include <stddef.h>

#include <netlink/errno.h>

#include "internal.h"


static const int kcap_nl_errnos[] = {
	[NLE_INTR]		= EINTR,
	[NLE_BAD_SOCK]		= EBADF,	/* also ENOTSOCK */
	[NLE_AGAIN]		= EAGAIN,
	[NLE_NOMEM]		= ENOMEM,	/* also ENOBUFS */
	[NLE_EXIST]		= EEXIST,	/* also EADDRINUSE */
	[NLE_INVAL]		= EINVAL,	/* also EFAULT, ENOPROTOOPT */
	[NLE_RANGE]		= ERANGE,
	[NLE_OPNOTSUPP]		= EOPNOTSUPP,
	[NLE_AF_NOSUPPORT]	= EAFNOSUPPORT,
	[NLE_OBJ_NOTFOUND]	= ENOENT,	/* also ESRCH */
	[NLE_NOADDR]		= EADDRNOTAVAIL,
	[NLE_BUSY]		= EBUSY,
	[NLE_PROTO_MISMATCH]	= EPROTONOSUPPORT,
	[NLE_NOACCESS]		= EACCES,
	[NLE_PERM]		= EPERM,
	[NLE_NODEV]		= ENODEV,
};

/**
 * kcap_errno_from_nl() - a libnl error code as a negative errno.
 * @nlerr: a negative NLE_* code returned by libnl, or a non-negative value.
 *
 * Return: @nlerr unchanged if it is not negative, else the negative errno
 * that libnl folded into it, or -EIO.
 */
int kcap_errno_from_nl(int nlerr)
{
	if (nlerr >= 0)
		return nlerr;
	if (nlerr < -(int)ARRAY_SIZE(kcap_nl_errnos) || !kcap_nl_errnos[-nlerr])
		return -EIO;
	return -kcap_nl_errnos[-nlerr];
}
