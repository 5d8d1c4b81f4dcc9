/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KCAP_VERSION_H
#define _KCAP_VERSION_H

#define KCAP_VERSION "0.1.0"

#endif /* _KCAP_VERSION_H */
