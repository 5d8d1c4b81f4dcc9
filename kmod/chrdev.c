// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kcap: the misc device through which userland maps session rings.
 *
 * A file binds to one session of its opener's network namespace
 * (KCAP_IOC_BIND), maps all its rings with one mmap() and waits for frames
 * with poll().  A session has at most one reader, since each ring has one
 * consumer.
 *
 * Like /dev/net/tun, the node is open to all (mode 0666): opening it gives
 * nothing.  The check is where frames are had, at KCAP_IOC_BIND: as for a
 * packet socket, CAP_NET_RAW in the user namespace owning the session's
 * network namespace.  It is the opener's (file->f_cred), as a packet
 * socket's is its creator's: a process that opened the node and then
 * dropped its privileges may still bind it, and a file handed to a
 * privileged process does not lend it that process's privileges.
 *
 * The file holds a reference on the session, so its rings stay
 * mapped after the session is destroyed until the file is closed; and the
 * open file holds the module, which therefore cannot be unloaded while a
 * ring is mapped.
 */

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/nsproxy.h>
#include <linux/poll.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <net/net_namespace.h>

#include "internal.h"

static int kcap_chrdev_open(struct inode *inode, struct file *file)
{
	file->private_data = NULL;
	return stream_open(inode, file);
}

static int kcap_chrdev_release(struct inode *inode, struct file *file)
{
	struct kcap_session *s = file->private_data;

	if (!s)
		return 0;
	kcap_reader_disarm(s);
	rtnl_lock();
	s->has_reader = false;
	rtnl_unlock();
	kcap_session_put(s);
	return 0;
}

static long kcap_bind(struct file *file, struct kcap_bind __user *ubind)
{
	struct net *net = current->nsproxy->net_ns;
	struct kcap_session *s;
	struct kcap_bind b;
	int err = 0;

	if (copy_from_user(&b, ubind, sizeof(b)))
		return -EFAULT;
	if (b.flags & ~KCAP_BIND_F_ALL || b.ring_format || b.reserved32 ||
	    memchr_inv(b.reserved, 0, sizeof(b.reserved)))
		return -EINVAL;
	if (!file_ns_capable(file, net->user_ns, CAP_NET_RAW))
		return -EPERM;

	rtnl_lock();
	s = kcap_session_find_id(net, b.id);	/* -ENOENT in another netns */
	if (READ_ONCE(file->private_data))
		err = -EISCONN;		/* this file is bound already */
	else if (!s)
		err = -ENOENT;
	else if (s->has_reader)
		err = -EBUSY;		/* one reader per session */
	else if (s->ring_format != KCAP_RING_FORMAT_KCAP &&
		 !(b.flags & KCAP_BIND_F_RING_FORMAT))
		err = -EPROTO;		/* records it would misread */
	if (!err) {
		s->has_reader = true;	/* taken while the answer is written */
		s->reader_batch = b.flags & KCAP_BIND_F_BATCH;
		refcount_inc(&s->refcnt);
	}
	rtnl_unlock();
	if (err)
		return err;

	memset(&b, 0, sizeof(b));
	b.id = s->id;
	b.nr_rings = s->nr_rings;
	b.ring_size = s->ring_size;
	b.ring_stride = PAGE_SIZE + s->ring_size;
	b.data_offset = PAGE_SIZE;
	b.mmap_size = s->mem_size;
	b.ring_format = s->ring_format;
	err = copy_to_user(ubind, &b, sizeof(b)) ? -EFAULT : 0;
	/*
	 * The file is bound once the caller has its answer, so that one it
	 * could not take leaves the file and the session free; of two binds
	 * of one file at once, the first to get here wins.
	 */
	if (!err && cmpxchg(&file->private_data, NULL, s))
		err = -EISCONN;
	if (err) {
		rtnl_lock();
		s->has_reader = false;
		rtnl_unlock();
		kcap_session_put(s);
	}
	return err;
}

static long kcap_chrdev_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	switch (cmd) {
	case KCAP_IOC_BIND:
		return kcap_bind(file, (struct kcap_bind __user *)arg);
	default:
		return -ENOTTY;
	}
}

/* All the rings in one mapping, page by page, as AF_PACKET maps its own. */
static int kcap_chrdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kcap_session *s = READ_ONCE(file->private_data);
	unsigned long off;
	int err;

	if (!s)
		return -EINVAL;		/* bind first */
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != s->mem_size)
		return -EINVAL;
	for (off = 0; off < s->mem_size; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(s->mem + off));
		if (err)
			return err;
	}
	return 0;
}

/*
 * Whether poll() reports POLLIN: a ring holds any record, or for a batching
 * reader (KCAP_BIND_F_BATCH) of an @attached session, a ring holds the wake
 * mark or records the wake timer found waiting.  A session that no longer
 * takes frames is drained.
 */
static bool kcap_poll_ready(struct kcap_session *s, bool attached)
{
	if (!s->reader_batch || !attached)
		return kcap_rings_pending(s, 1, false);
	return kcap_rings_pending(s, s->wake_bytes, true);
}

static __poll_t kcap_chrdev_poll(struct file *file, poll_table *wait)
{
	struct kcap_session *s = READ_ONCE(file->private_data);
	__poll_t mask = 0;
	bool attached;

	if (!s)
		return EPOLLERR;
	poll_wait(file, &s->wq, wait);
	/*
	 * A detach after this look wakes the queue, and poll() looks again;
	 * one before it is seen with every head the last frame left.
	 */
	attached = smp_load_acquire(&s->state) == KCAP_STATE_ATTACHED;
	if (kcap_poll_ready(s, attached))
		return EPOLLIN | EPOLLRDNORM;
	if (!attached)
		return EPOLLHUP;
	kcap_reader_arm(s);
	/* A frame may have landed before the producers saw the flag. */
	if (kcap_poll_ready(s, attached))
		mask = EPOLLIN | EPOLLRDNORM;
	return mask;
}

static const struct file_operations kcap_chrdev_fops = {
	.owner		= THIS_MODULE,
	.open		= kcap_chrdev_open,
	.release	= kcap_chrdev_release,
	.unlocked_ioctl	= kcap_chrdev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= kcap_chrdev_mmap,
	.poll		= kcap_chrdev_poll,
};

static struct miscdevice kcap_miscdev = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= KCAP_DEVICE_NAME,
	.fops		= &kcap_chrdev_fops,
	.mode		= 0666,
};

int __init kcap_chrdev_init(void)
{
	return misc_register(&kcap_miscdev);
}

void kcap_chrdev_exit(void)
{
	misc_deregister(&kcap_miscdev);
}
