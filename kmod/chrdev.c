// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kcap: the misc device through which userland maps session rings.
 */

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/kcap.h>

#include "kcap.h"

static int kcap_chrdev_open(struct inode *inode, struct file *file)
{
	return stream_open(inode, file);
}

static int kcap_chrdev_release(struct inode *inode, struct file *file)
{
	return 0;
}

static const struct file_operations kcap_chrdev_fops = {
	.owner		= THIS_MODULE,
	.open		= kcap_chrdev_open,
	.release	= kcap_chrdev_release,
};

static struct miscdevice kcap_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= KCAP_DEVICE_NAME,
	.fops		= &kcap_chrdev_fops,
	.mode		= 0600,
};

int __init kcap_chrdev_init(void)
{
	return misc_register(&kcap_miscdev);
}

void kcap_chrdev_exit(void)
{
	misc_deregister(&kcap_miscdev);
}
