/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcap internals shared between the module's files.
 */
#ifndef _KCAP_H
#define _KCAP_H

int kcap_genl_init(void);
void kcap_genl_exit(void);

int kcap_chrdev_init(void);
void kcap_chrdev_exit(void);

#endif /* _KCAP_H */
