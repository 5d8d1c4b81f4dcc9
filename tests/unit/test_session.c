// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: the session messages.  Requests built from a config are parsed
 * back with libnl; replies built here with libnl are parsed into a
 * struct kcap_session_info.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "unit.h"
#include "kcap.h"
#include "internal.h"

#define FAMILY	0x1234

/* The request's attributes, parsed back; NULL for those it lacks. */
struct parsed {
	struct nl_msg	*msg;
	struct nlattr	*tb[KCAP_ATTR_MAX + 1];
	uint8_t		cmd;
	int		nr_attrs;
	struct kcap_error e;	/* why it was not built */
};

static int build(uint8_t cmd, const struct kcap_session_config *cfg,
		 struct parsed *p)
{
	struct genlmsghdr *gh;
	struct nlattr *nla;
	int err, rem;

	memset(p, 0, sizeof(*p));
	assert_int_equal(kcap_genl_msg(FAMILY, cmd, 0, &p->msg), 0);
	err = kcap_session_put_config(p->msg, cmd, cfg, &p->e);
	if (err) {
		nlmsg_free(p->msg);
		p->msg = NULL;
		return err;
	}
	assert_int_equal(nlmsg_hdr(p->msg)->nlmsg_type, FAMILY);
	gh = nlmsg_data(nlmsg_hdr(p->msg));
	p->cmd = gh->cmd;
	assert_int_equal(gh->version, KCAP_GENL_VERSION);
	assert_int_equal(genlmsg_parse(nlmsg_hdr(p->msg), 0, p->tb,
				       KCAP_ATTR_MAX, NULL), 0);
	nla_for_each_attr(nla, genlmsg_attrdata(gh, 0),
			  genlmsg_attrlen(gh, 0), rem)
		p->nr_attrs++;
	return 0;
}

/* @cfg makes a @cmd request of @nr_attrs attributes, parsed into @p. */
static void build_ok(uint8_t cmd, const struct kcap_session_config *cfg,
		     struct parsed *p, int nr_attrs)
{
	assert_int_equal(build(cmd, cfg, p), 0);
	assert_int_equal(p->cmd, cmd);
	assert_int_equal(p->nr_attrs, nr_attrs);
}

static void done(struct parsed *p)
{
	nlmsg_free(p->msg);
}

static const struct sock_filter prog[3] = {
	{ 0x28, 0, 0, 12 },
	{ 0x15, 0, 1, 0x800 },
	{ 0x06, 0, 0, 262144 },
};

static void test_new_everything(void **state)
{
	const struct kcap_session_config cfg = {
		.name = "cap0", .ifindex = 3, .ifname = "eth0",
		.set = KCAP_CFG_DIRECTION | KCAP_CFG_SNAPLEN |
		       KCAP_CFG_PROG | KCAP_CFG_HOOK | KCAP_CFG_RING_SIZE |
		       KCAP_CFG_FLAGS,
		.direction = KCAP_DIR_IN, .snaplen = 96,
		.prog = prog, .prog_len = 3, .filter = "ip",
		.hook = KCAP_HOOK_RX_HANDLER, .ring_size = 1 << 16,
		.flags = KCAP_SESSION_F_PERSISTENT | KCAP_SESSION_F_NOPROMISC,
	};
	struct parsed p;

	(void)state;
	build_ok(KCAP_CMD_SESSION_NEW, &cfg, &p, 10);
	assert_string_equal(nla_get_string(p.tb[KCAP_ATTR_NAME]), "cap0");
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_IFINDEX]), 3);
	assert_string_equal(nla_get_string(p.tb[KCAP_ATTR_IFNAME]), "eth0");
	assert_int_equal(nla_len(p.tb[KCAP_ATTR_DIRECTION]), 1);
	assert_int_equal(nla_get_u8(p.tb[KCAP_ATTR_DIRECTION]), KCAP_DIR_IN);
	assert_int_equal(nla_len(p.tb[KCAP_ATTR_SNAPLEN]), 4);
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_SNAPLEN]), 96);
	assert_int_equal(nla_len(p.tb[KCAP_ATTR_FILTER]), 24);
	assert_memory_equal(nla_data(p.tb[KCAP_ATTR_FILTER]), prog, 24);
	assert_string_equal(nla_get_string(p.tb[KCAP_ATTR_FILTER_TEXT]), "ip");
	assert_int_equal(nla_len(p.tb[KCAP_ATTR_HOOK]), 1);
	assert_int_equal(nla_get_u8(p.tb[KCAP_ATTR_HOOK]),
			 KCAP_HOOK_RX_HANDLER);
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_RING_SIZE]), 1 << 16);
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_FLAGS]),
			 KCAP_SESSION_F_PERSISTENT | KCAP_SESSION_F_NOPROMISC);
	assert_null(p.tb[KCAP_ATTR_ID]);
	done(&p);
}

/* Only what is set is sent: the kernel's defaults apply to the rest. */
static void test_new_minimal(void **state)
{
	const struct kcap_session_config cfg = {
		.name = "x", .ifname = "lo",
		/* set, but not marked set: not sent */
		.direction = KCAP_DIR_OFF, .snaplen = 5, .ring_size = 4096,
	};
	struct parsed p;

	(void)state;
	build_ok(KCAP_CMD_SESSION_NEW, &cfg, &p, 2);
	assert_string_equal(nla_get_string(p.tb[KCAP_ATTR_NAME]), "x");
	assert_string_equal(nla_get_string(p.tb[KCAP_ATTR_IFNAME]), "lo");
	done(&p);
}

/*
 * Device "any": a session on every device, named by no attribute, with
 * KCAP_SESSION_F_ANYDEV and KCAP_SESSION_F_NOPROMISC added to the flags.
 */
static void test_new_any(void **state)
{
	struct kcap_session_config cfg = {
		.name = "x", .ifname = "any",
	};
	struct parsed p;

	(void)state;
	build_ok(KCAP_CMD_SESSION_NEW, &cfg, &p, 2);
	assert_null(p.tb[KCAP_ATTR_IFNAME]);
	assert_null(p.tb[KCAP_ATTR_IFINDEX]);
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_FLAGS]),
			 KCAP_SESSION_F_ANYDEV | KCAP_SESSION_F_NOPROMISC);
	done(&p);

	cfg.set = KCAP_CFG_FLAGS | KCAP_CFG_HOOK;
	cfg.flags = KCAP_SESSION_F_PERSISTENT;
	cfg.hook = KCAP_HOOK_NETFILTER;
	build_ok(KCAP_CMD_SESSION_NEW, &cfg, &p, 3);
	assert_null(p.tb[KCAP_ATTR_IFNAME]);
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_FLAGS]),
			 KCAP_SESSION_F_PERSISTENT | KCAP_SESSION_F_ANYDEV |
			 KCAP_SESSION_F_NOPROMISC);
	done(&p);

	/* With an index, "any" is a device's name like another. */
	cfg.set = 0;
	cfg.ifindex = 7;
	build_ok(KCAP_CMD_SESSION_NEW, &cfg, &p, 3);
	assert_string_equal(nla_get_string(p.tb[KCAP_ATTR_IFNAME]), "any");
	assert_null(p.tb[KCAP_ATTR_FLAGS]);
	done(&p);
}

/* Direction off is a value like the others (it is 0). */
static void test_new_direction_off(void **state)
{
	const struct kcap_session_config cfg = {
		.name = "x", .ifindex = 1,
		.set = KCAP_CFG_DIRECTION | KCAP_CFG_FLAGS,
		.direction = KCAP_DIR_OFF, .flags = 0,
	};
	struct parsed p;

	(void)state;
	build_ok(KCAP_CMD_SESSION_NEW, &cfg, &p, 4);
	assert_int_equal(nla_get_u8(p.tb[KCAP_ATTR_DIRECTION]), KCAP_DIR_OFF);
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_FLAGS]), 0);
	assert_null(p.tb[KCAP_ATTR_IFNAME]);
	done(&p);
}

static void test_new_invalid(void **state)
{
	static char long_name[KCAP_NAME_MAX + 1];
	struct kcap_session_config cfg;
	struct parsed p;

	(void)state;
	memset(long_name, 'a', KCAP_NAME_MAX);

	memset(&cfg, 0, sizeof(cfg));
	cfg.ifname = "lo";
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);
	cfg.name = "";
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);
	cfg.name = long_name;
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);
	long_name[KCAP_NAME_MAX - 1] = '\0';	/* 31 bytes: fits */
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), 0);
	done(&p);

	cfg.name = "x";
	cfg.ifname = NULL;		/* no device */
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);
	assert_string_equal(p.e.msg,
			    "a session needs a device (ifindex or ifname)");
	cfg.ifname = "a-very-long-ifname";
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);

	cfg.ifname = "lo";
	cfg.set = 1U << 20;		/* unknown field */
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);

	cfg.set = KCAP_CFG_PROG;
	cfg.prog_len = 2;		/* but no program */
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);
	assert_string_equal(p.e.msg, "a filter length without a program");
	cfg.prog = prog;
	cfg.prog_len = BPF_MAXINSNS + 1;
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -E2BIG);
	cfg.prog_len = 3;
	cfg.set = KCAP_CFG_PROG | KCAP_CFG_FILTER;	/* both */
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);
	assert_int_equal(p.e.source, KCAP_ERROR_SYSTEM);
	/* An expression is compiled before a message is built. */
	cfg.set = KCAP_CFG_FILTER;
	cfg.filter = "ip";
	assert_int_equal(build(KCAP_CMD_SESSION_NEW, &cfg, &p), -EINVAL);

	/* Only NEW and SET take a config. */
	cfg.set = 0;
	assert_int_equal(build(KCAP_CMD_SESSION_GET, &cfg, &p), -EINVAL);
}

/* SET: one message with what is given; an empty filter removes it. */
static void test_set(void **state)
{
	const struct kcap_session_config cfg = {
		.name = "cap0",
		.set = KCAP_CFG_DIRECTION | KCAP_CFG_PROG,
		.direction = KCAP_DIR_INOUT,
		.prog = NULL, .prog_len = 0, .filter = "",
	};
	struct parsed p;

	(void)state;
	build_ok(KCAP_CMD_SESSION_SET, &cfg, &p, 4);
	assert_string_equal(nla_get_string(p.tb[KCAP_ATTR_NAME]), "cap0");
	assert_int_equal(nla_get_u8(p.tb[KCAP_ATTR_DIRECTION]),
			 KCAP_DIR_INOUT);
	assert_non_null(p.tb[KCAP_ATTR_FILTER]);
	assert_int_equal(nla_len(p.tb[KCAP_ATTR_FILTER]), 0);
	assert_string_equal(nla_get_string(p.tb[KCAP_ATTR_FILTER_TEXT]), "");
	assert_null(p.tb[KCAP_ATTR_SNAPLEN]);
	done(&p);
}

/* SET by id; a filter without text sends no text. */
static void test_set_by_id(void **state)
{
	const struct kcap_session_config cfg = {
		.id = 77,
		.set = KCAP_CFG_SNAPLEN | KCAP_CFG_PROG,
		.snaplen = 128, .prog = prog, .prog_len = 3,
	};
	struct parsed p;

	(void)state;
	build_ok(KCAP_CMD_SESSION_SET, &cfg, &p, 3);
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_ID]), 77);
	assert_null(p.tb[KCAP_ATTR_NAME]);
	assert_int_equal(nla_get_u32(p.tb[KCAP_ATTR_SNAPLEN]), 128);
	assert_int_equal(nla_len(p.tb[KCAP_ATTR_FILTER]), 24);
	assert_null(p.tb[KCAP_ATTR_FILTER_TEXT]);
	done(&p);
}

/* SET cannot change what is fixed at creation. */
static void test_set_invalid(void **state)
{
	static const uint32_t fixed[] = {
		KCAP_CFG_HOOK, KCAP_CFG_RING_SIZE, KCAP_CFG_FLAGS,
	};
	struct kcap_session_config cfg = { .name = "cap0" };
	struct parsed p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		cfg.set = fixed[i];
		assert_int_equal(build(KCAP_CMD_SESSION_SET, &cfg, &p),
				 -EINVAL);
	}
	cfg.set = 0;
	cfg.ifname = "eth0";
	assert_int_equal(build(KCAP_CMD_SESSION_SET, &cfg, &p), -EINVAL);
}

static void test_ref(void **state)
{
	struct nlattr *tb[KCAP_ATTR_MAX + 1];
	struct nl_msg *msg;

	(void)state;
	assert_int_equal(kcap_genl_msg(FAMILY, KCAP_CMD_SESSION_DEL, 0, &msg),
			 0);
	assert_int_equal(kcap_session_put_ref(msg, NULL, 9), 0);
	assert_int_equal(genlmsg_parse(nlmsg_hdr(msg), 0, tb, KCAP_ATTR_MAX,
				       NULL), 0);
	assert_int_equal(nla_get_u32(tb[KCAP_ATTR_ID]), 9);
	assert_null(tb[KCAP_ATTR_NAME]);
	assert_int_equal(kcap_session_put_ref(msg, "", 0), -EINVAL);
	nlmsg_free(msg);
}

/* A reply as the kernel would build it. */
static struct nl_msg *reply(bool owner, bool stats)
{
	struct nl_msg *msg;
	struct nlattr *nest;

	assert_int_equal(kcap_genl_msg(FAMILY, KCAP_CMD_SESSION_GET, 0, &msg),
			 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_ID, 42), 0);
	assert_int_equal(nla_put_string(msg, KCAP_ATTR_NAME, "kcap-123"), 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_IFINDEX, 2), 0);
	assert_int_equal(nla_put_string(msg, KCAP_ATTR_IFNAME, "eth0"), 0);
	assert_int_equal(nla_put_u8(msg, KCAP_ATTR_DIRECTION, KCAP_DIR_OUT),
			 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_SNAPLEN, 1500), 0);
	assert_int_equal(nla_put_string(msg, KCAP_ATTR_FILTER_TEXT,
					"tcp port 80"), 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_FILTER_LEN, 12), 0);
	assert_int_equal(nla_put_u8(msg, KCAP_ATTR_HOOK,
				    KCAP_HOOK_RX_HANDLER), 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_RING_SIZE, 1 << 21), 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_FLAGS,
				     KCAP_SESSION_F_NOPROMISC), 0);
	assert_int_equal(nla_put_u8(msg, KCAP_ATTR_STATE,
				    KCAP_STATE_DETACHED), 0);
	assert_int_equal(nla_put_u16(msg, KCAP_ATTR_DEV_TYPE, 1), 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_LINKTYPE, 1), 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_NR_RINGS, 4), 0);
	if (owner)
		assert_int_equal(nla_put_u32(msg, KCAP_ATTR_OWNER, 31337), 0);
	if (stats) {
		nest = nla_nest_start(msg, KCAP_ATTR_STATS);
		assert_non_null(nest);
		assert_int_equal(nla_put_u64(msg, KCAP_STATS_ATTR_SEEN, 10), 0);
		assert_int_equal(nla_put_u64(msg, KCAP_STATS_ATTR_PASSED, 8),
				 0);
		assert_int_equal(nla_put_u64(msg, KCAP_STATS_ATTR_DELIVERED,
					     6), 0);
		assert_int_equal(nla_put_u64(msg, KCAP_STATS_ATTR_DROPPED, 2),
				 0);
		assert_int_equal(nla_put_u64(msg, KCAP_STATS_ATTR_BYTES,
					     1ULL << 40), 0);
		assert_int_equal(nla_put_u64(msg, KCAP_STATS_ATTR_CUT, 3), 0);
		nla_nest_end(msg, nest);
	}
	return msg;
}

/*
 * kcap_session_parse() of @msg, which is freed, returns @want; what it
 * parsed, into an info of all 0xff bytes before, is returned to free().
 */
static struct kcap_session_info *parse(struct nl_msg *msg, int want)
{
	struct kcap_session_info *info = malloc(sizeof(*info));

	assert_non_null(info);
	memset(info, 0xff, sizeof(*info));
	assert_int_equal(kcap_session_parse(msg, info), want);
	nlmsg_free(msg);
	return info;
}

static void test_parse_reply(void **state)
{
	struct kcap_session_info *info = parse(reply(true, true), 0);

	(void)state;
	assert_int_equal(info->id, 42);
	assert_string_equal(info->name, "kcap-123");
	assert_int_equal(info->ifindex, 2);
	assert_string_equal(info->ifname, "eth0");
	assert_int_equal(info->direction, KCAP_DIR_OUT);
	assert_int_equal(info->snaplen, 1500);
	assert_string_equal(info->filter_text, "tcp port 80");
	assert_int_equal(info->filter_len, 12);
	assert_int_equal(info->hook, KCAP_HOOK_RX_HANDLER);
	assert_int_equal(info->ring_size, 1 << 21);
	assert_int_equal(info->flags, KCAP_SESSION_F_NOPROMISC);
	assert_int_equal(info->state, KCAP_STATE_DETACHED);
	assert_int_equal(info->dev_type, 1);
	assert_int_equal(info->linktype, 1);
	assert_int_equal(info->nr_rings, 4);
	assert_true(info->has_owner);
	assert_int_equal(info->owner, 31337);
	assert_true(info->has_stats);
	assert_int_equal(info->stats.seen, 10);
	assert_int_equal(info->stats.passed, 8);
	assert_int_equal(info->stats.delivered, 6);
	assert_int_equal(info->stats.dropped, 2);
	assert_int_equal(info->stats.bytes, 1ULL << 40);
	assert_int_equal(info->stats.cut, 3);
	free(info);
}

/* A session on every device is reported without a device: "any". */
static void test_parse_any(void **state)
{
	struct kcap_session_info *info;
	struct nl_msg *msg;

	(void)state;
	assert_int_equal(kcap_genl_msg(FAMILY, KCAP_CMD_SESSION_GET, 0, &msg),
			 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_ID, 7), 0);
	assert_int_equal(nla_put_string(msg, KCAP_ATTR_NAME, "all"), 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_FLAGS,
				     KCAP_SESSION_F_ANYDEV |
				     KCAP_SESSION_F_NOPROMISC), 0);
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_LINKTYPE,
				     KCAP_LINKTYPE_LINUX_SLL2), 0);
	info = parse(msg, 0);
	assert_string_equal(info->ifname, "any");
	assert_int_equal(info->ifindex, 0);
	assert_int_equal(info->linktype, 276);
	free(info);
}

/* A persistent session has no owner; a reply may lack the counters. */
static void test_parse_no_owner(void **state)
{
	struct kcap_session_info *info = parse(reply(false, false), 0);

	(void)state;
	assert_false(info->has_owner);
	assert_int_equal(info->owner, 0);
	assert_false(info->has_stats);
	assert_int_equal(info->stats.seen, 0);
	free(info);
}

/* A wrong-sized attribute is refused, not read past. */
static void test_parse_bad(void **state)
{
	struct nl_msg *msg;
	uint16_t two = 2;

	(void)state;
	assert_int_equal(kcap_genl_msg(FAMILY, KCAP_CMD_SESSION_GET, 0, &msg),
			 0);
	assert_int_equal(nla_put(msg, KCAP_ATTR_SNAPLEN, sizeof(two), &two),
			 0);
	free(parse(msg, -EBADMSG));
}

/* Attributes of later versions of the family are ignored. */
static void test_parse_future_attr(void **state)
{
	struct nl_msg *msg = reply(false, true);
	struct kcap_session_info *info;

	(void)state;
	assert_int_equal(nla_put_u32(msg, KCAP_ATTR_MAX + 5, 1), 0);
	info = parse(msg, 0);
	assert_int_equal(info->id, 42);
	free(info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_everything),
		cmocka_unit_test(test_new_minimal),
		cmocka_unit_test(test_new_any),
		cmocka_unit_test(test_new_direction_off),
		cmocka_unit_test(test_new_invalid),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_by_id),
		cmocka_unit_test(test_set_invalid),
		cmocka_unit_test(test_ref),
		cmocka_unit_test(test_parse_reply),
		cmocka_unit_test(test_parse_any),
		cmocka_unit_test(test_parse_no_owner),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_future_attr),
	};

	return cmocka_run_group_tests_name("libkcap session messages", tests,
					   NULL, NULL);
}
