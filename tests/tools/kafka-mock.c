// SPDX-License-Identifier: GPL-2.0
/*
 * kafka-mock [-p PARTITIONS] [-b BROKERS] [TOPIC...]
 *
 * A Kafka protocol endpoint for the tests: librdkafka's mock cluster on
 * 127.0.0.1, with each TOPIC created with PARTITIONS partitions (default
 * 1).  Prints the bootstrap address ("127.0.0.1:PORT[,...]") on a line of
 * its own on stdout, then serves until SIGTERM or SIGINT.  Topics that are
 * not named are created when a client asks for them by name, as brokers
 * with auto.create.topics.enable do.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	int opt, partitions = 1, brokers = 1;
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_conf_t *conf;
	struct sigaction sa = { .sa_handler = on_signal };
	char err[256];
	rd_kafka_t *rk;

	while ((opt = getopt(argc, argv, "p:b:")) != -1) {
		switch (opt) {
		case 'p':
			partitions = atoi(optarg);
			break;
		case 'b':
			brokers = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: kafka-mock [-p PARTITIONS] [-b BROKERS] [TOPIC...]\n");
			return 2;
		}
	}
	if (partitions < 1 || brokers < 1) {
		fprintf(stderr, "kafka-mock: -p and -b must be 1 or more\n");
		return 2;
	}
	conf = rd_kafka_conf_new();
	rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
	if (!rk) {
		fprintf(stderr, "kafka-mock: %s\n", err);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, brokers);
	if (!mc) {
		fprintf(stderr, "kafka-mock: cannot start the mock cluster\n");
		return 1;
	}
	for (; optind < argc; optind++) {
		if (rd_kafka_mock_topic_create(mc, argv[optind], partitions,
					       1 < brokers ? brokers : 1)) {
			fprintf(stderr, "kafka-mock: cannot create topic %s\n",
				argv[optind]);
			return 1;
		}
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);
	while (!stop)
		pause();
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	return 0;
}
