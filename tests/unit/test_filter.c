// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: filters compiled by libpcap, run here with libpcap's own BPF
 * interpreter over frames of each link type; the LINKTYPE_ to DLT_
 * mapping checked against libpcap's reading of capture-file headers.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include <linux/filter.h>

#include "unit.h"
#include "kcap.h"

#define LT_ETHERNET	1
#define LT_RAW		101

/* Ethernet + IPv4 + TCP (or UDP) from 192.0.2.1:1234 to 192.0.2.2:@dport. */
static size_t make_frame(uint8_t *buf, bool eth, uint8_t proto,
			 uint16_t dport)
{
	static const uint8_t ethhdr[14] = {
		0x02, 0, 0, 0, 0, 2,  0x02, 0, 0, 0, 0, 1,  0x08, 0x00,
	};
	uint8_t *ip = buf + (eth ? 14 : 0);

	memset(buf, 0, 14 + 20 + 20);
	if (eth)
		memcpy(buf, ethhdr, sizeof(ethhdr));
	ip[0] = 0x45;
	ip[3] = 40;		/* total length */
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	ip[20] = 1234 >> 8;
	ip[21] = 1234 & 0xff;
	ip[22] = (uint8_t)(dport >> 8);
	ip[23] = (uint8_t)dport;
	return (size_t)(ip - buf) + 40;
}

/* What the program returns for make_frame()'s frame: 0 drops it. */
static unsigned int run(const struct kcap_filter *f, bool eth, uint8_t proto,
			uint16_t dport)
{
	uint8_t frame[64];
	size_t len = make_frame(frame, eth, proto, dport);

	return bpf_filter((const struct bpf_insn *)f->insns, frame,
			  (unsigned int)len, (unsigned int)len);
}

/* @expr compiles for @linktype, with no error to report. */
static void compile_ok(struct kcap_filter *f, const char *expr,
		       uint32_t linktype)
{
	struct kcap_error e;

	assert_int_equal(kcap_filter_compile(f, expr, linktype, NULL, &e), 0);
	assert_int_equal(e.err, 0);
	assert_string_equal(e.msg, "");
}

static void test_ethernet_tcp_port(void **state)
{
	struct kcap_filter f;

	(void)state;
	compile_ok(&f, "tcp port 80", LT_ETHERNET);
	assert_string_equal(f.text, "tcp port 80");
	assert_non_null(f.insns);
	assert_true(f.len > 4);

	assert_int_equal(run(&f, true, 6, 80), KCAP_SNAPLEN_MAX);	/* whole */
	assert_int_equal(run(&f, true, 17, 80), 0);
	assert_int_equal(run(&f, true, 6, 81), 0);
	kcap_filter_free(&f);
	assert_null(f.insns);
	assert_int_equal(f.len, 0);
}

/* Raw IP: the same expression compiles to a program for frames at L3. */
static void test_raw_ip(void **state)
{
	struct kcap_error e;
	struct kcap_filter f;

	(void)state;
	compile_ok(&f, "udp dst port 53", LT_RAW);
	assert_int_equal(run(&f, false, 17, 53), KCAP_SNAPLEN_MAX);
	assert_int_equal(run(&f, false, 6, 53), 0);
	/* An Ethernet frame is not what this program reads. */
	assert_int_equal(run(&f, true, 17, 53), 0);
	kcap_filter_free(&f);

	/* Link-layer primitives make no sense there. */
	assert_int_equal(kcap_filter_compile(&f, "ether host 02:00:00:00:00:01",
					     LT_RAW, NULL, &e), -EINVAL);
	assert_int_equal(e.source, KCAP_ERROR_FILTER);
	assert_true(strlen(e.msg) > 0);
}

/* Nothing, blanks or "all": no program at all, every frame passes. */
static void test_no_filter(void **state)
{
	static const char *const exprs[] = { "", "all", "  all\t", " ", NULL };
	struct kcap_error e;
	struct kcap_filter f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		compile_ok(&f, exprs[i], LT_ETHERNET);
		assert_int_equal(f.len, 0);
		assert_null(f.insns);
		assert_string_equal(f.text, "");
		kcap_filter_free(&f);
	}
	/* "all" is a word of its own only. */
	assert_int_equal(kcap_filter_compile(&f, "all and tcp", LT_ETHERNET,
					     NULL, &e), -EINVAL);
}

/* Blanks around an expression are not kept. */
static void test_text_trimmed(void **state)
{
	struct kcap_filter f;

	(void)state;
	assert_int_equal(kcap_filter_compile(&f, "  icmp \n", LT_ETHERNET, NULL,
					     NULL), 0);
	assert_string_equal(f.text, "icmp");
	kcap_filter_free(&f);
}

static void test_syntax_error(void **state)
{
	struct kcap_error e;
	struct kcap_filter f;

	(void)state;
	assert_int_equal(kcap_filter_compile(&f, "tcp port", LT_ETHERNET,
					     NULL, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "syntax error"));
	assert_null(f.insns);
	assert_null(f.text);

	assert_int_equal(kcap_filter_compile(&f, "port 99999", LT_ETHERNET,
					     NULL, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "99999"));

	/* No buffer for the message is fine. */
	assert_int_equal(kcap_filter_compile(&f, "frob", LT_ETHERNET, NULL,
					     NULL), -EINVAL);
}

static void test_unknown_linktype(void **state)
{
	struct kcap_error e;
	struct kcap_filter f;

	(void)state;
	assert_int_equal(kcap_filter_compile(&f, "ip", 65000,
					     NULL, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "65000"));
}

static void test_too_long(void **state)
{
	static char expr[KCAP_FILTER_TEXT_MAX + 16];
	struct kcap_error e;
	struct kcap_filter f;

	(void)state;
	/* Checked before libpcap sees it. */
	memset(expr, 'x', sizeof(expr) - 1);
	assert_int_equal(kcap_filter_compile(&f, expr, LT_ETHERNET,
					     NULL, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "longer than"));
}

/* The DLT_ libpcap reads from a pcap file header of this LINKTYPE_. */
static int dlt_of_savefile(uint32_t linktype)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_file_header hdr = {
		.magic = 0xa1b2c3d4, .version_major = 2, .version_minor = 4,
		.snaplen = 65535, .linktype = linktype,
	};
	FILE *fp;
	pcap_t *p;
	int dlt;

	fp = fmemopen(&hdr, sizeof(hdr), "rb");
	assert_non_null(fp);
	p = pcap_fopen_offline(fp, errbuf);
	if (!p)
		return -1;
	dlt = pcap_datalink(p);
	pcap_close(p);		/* closes fp */
	return dlt;
}

/* kcap_linktype_to_dlt() agrees with libpcap on every LINKTYPE_ value. */
static void test_linktype_to_dlt(void **state)
{
	uint32_t lt;
	int checked = 0;

	(void)state;
	assert_int_equal(kcap_linktype_to_dlt(1), DLT_EN10MB);
	assert_int_equal(kcap_linktype_to_dlt(101), DLT_RAW);
	assert_int_equal(kcap_linktype_to_dlt(113), DLT_LINUX_SLL);
	for (lt = 0; lt < 320; lt++) {
		int dlt = dlt_of_savefile(lt);

		if (dlt < 0)
			continue;
		if (kcap_linktype_to_dlt(lt) != dlt)
			fail_msg("LINKTYPE %u: kcap says DLT %d, libpcap %d",
				 lt, kcap_linktype_to_dlt(lt), dlt);
		checked++;
	}
	assert_true(checked > 100);
}

static void test_linktype_names(void **state)
{
	(void)state;
	assert_string_equal(kcap_linktype_name(1), "EN10MB");
	assert_string_equal(kcap_linktype_description(1), "Ethernet");
	assert_string_equal(kcap_linktype_name(101), "RAW");
	assert_string_equal(kcap_linktype_description(101), "Raw IP");
	assert_null(kcap_linktype_name(65000));
	assert_null(kcap_linktype_description(65000));
}

#define AD(x)	((uint32_t)(SKF_AD_OFF + (x)))
#define NR(a)	(sizeof(a) / sizeof((a)[0]))

/* @expr for a session on every device is @want, instruction by instruction. */
static void anydev_is(const char *expr, const struct sock_filter *want,
		      unsigned int len)
{
	struct kcap_filter f;
	struct kcap_error e;
	unsigned int i;

	compile_ok(&f, expr, KCAP_LINKTYPE_LINUX_SLL2);
	assert_int_equal(kcap_filter_anydev(&f, &e), 0);
	assert_int_equal(e.err, 0);
	assert_int_equal(f.len, len);
	for (i = 0; i < len; i++) {
		assert_int_equal(f.insns[i].code, want[i].code);
		assert_int_equal(f.insns[i].jt, want[i].jt);
		assert_int_equal(f.insns[i].jf, want[i].jf);
		assert_int_equal(f.insns[i].k, want[i].k);
	}
	kcap_filter_free(&f);
}

/*
 * The cooked header's fields become metadata loads, and the loads after
 * it move back by its 20 bytes, as libpcap does for its "any" socket.
 */
static void test_anydev(void **state)
{
	static const struct sock_filter icmp[] = {
		{ BPF_LD | BPF_H | BPF_ABS, 0, 0, AD(SKF_AD_PROTOCOL) },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 3, 0x800 },
		{ BPF_LD | BPF_B | BPF_ABS, 0, 0, 9 },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 1 },
		{ BPF_RET | BPF_K, 0, 0, KCAP_SNAPLEN_MAX },
		{ BPF_RET | BPF_K, 0, 0, 0 },
	};
	static const struct sock_filter inbound[] = {
		{ BPF_LD | BPF_B | BPF_ABS, 0, 0, AD(SKF_AD_PKTTYPE) },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 4 },	/* PACKET_OUTGOING */
		{ BPF_RET | BPF_K, 0, 0, 0 },
		{ BPF_RET | BPF_K, 0, 0, KCAP_SNAPLEN_MAX },
	};
	static const struct sock_filter ifindex[] = {
		{ BPF_LD | BPF_W | BPF_ABS, 0, 0, AD(SKF_AD_IFINDEX) },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 3 },
		{ BPF_RET | BPF_K, 0, 0, KCAP_SNAPLEN_MAX },
		{ BPF_RET | BPF_K, 0, 0, 0 },
	};
	static const struct sock_filter tcp80[] = {
		{ BPF_LD | BPF_H | BPF_ABS, 0, 0, AD(SKF_AD_PROTOCOL) },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 10, 0x800 },
		{ BPF_LD | BPF_B | BPF_ABS, 0, 0, 9 },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 8, 6 },
		{ BPF_LD | BPF_H | BPF_ABS, 0, 0, 6 },
		{ BPF_JMP | BPF_JSET | BPF_K, 6, 0, 0x1fff },
		{ BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0 },
		{ BPF_LD | BPF_H | BPF_IND, 0, 0, 0 },
		{ BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 80 },
		{ BPF_LD | BPF_H | BPF_IND, 0, 0, 2 },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 80 },
		{ BPF_RET | BPF_K, 0, 0, KCAP_SNAPLEN_MAX },
		{ BPF_RET | BPF_K, 0, 0, 0 },
	};
	static const struct sock_filter hatype[] = {
		{ BPF_LD | BPF_H | BPF_ABS, 0, 0, AD(SKF_AD_HATYPE) },
		{ BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 772 },
		{ BPF_RET | BPF_K, 0, 0, KCAP_SNAPLEN_MAX },
		{ BPF_RET | BPF_K, 0, 0, 0 },
	};

	(void)state;
	anydev_is("icmp", icmp, NR(icmp));
	anydev_is("inbound", inbound, NR(inbound));
	anydev_is("ifindex 3", ifindex, NR(ifindex));
	anydev_is("ip and tcp port 80", tcp80, NR(tcp80));
	anydev_is("ether[8:2] = 772", hatype, NR(hatype));
	anydev_is("", NULL, 0);
}

/* The rest of the cooked header is not in the kernel: refused. */
static void test_anydev_refused(void **state)
{
	struct kcap_filter f;
	struct kcap_error e;

	(void)state;
	compile_ok(&f, "ether[12] = 2", KCAP_LINKTYPE_LINUX_SLL2);
	assert_int_equal(kcap_filter_anydev(&f, &e), -EINVAL);
	assert_int_equal(e.source, KCAP_ERROR_FILTER);
	assert_string_equal(e.msg, "'ether[12] = 2' tests the link-layer address of the cooked header, which a capture on \"any\" cannot filter on in the kernel");
	kcap_filter_free(&f);

	compile_ok(&f, "ether[2:2] != 0", KCAP_LINKTYPE_LINUX_SLL2);
	assert_int_equal(kcap_filter_anydev(&f, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "tests a part of the cooked header"));
	kcap_filter_free(&f);

	/* kcap_filter_compile() alone keeps libpcap's code, for files. */
	compile_ok(&f, "ip", KCAP_LINKTYPE_LINUX_SLL2);
	assert_int_equal(f.insns[0].k, 0);
	kcap_filter_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_tcp_port),
		cmocka_unit_test(test_raw_ip),
		cmocka_unit_test(test_no_filter),
		cmocka_unit_test(test_text_trimmed),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_unknown_linktype),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_linktype_to_dlt),
		cmocka_unit_test(test_linktype_names),
		cmocka_unit_test(test_anydev),
		cmocka_unit_test(test_anydev_refused),
	};

	return cmocka_run_group_tests_name("libkcap filter", tests, NULL, NULL);
}
