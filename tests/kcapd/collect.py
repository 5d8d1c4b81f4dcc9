#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""collect.py PORT CHANNEL FILE: each message of CHANNEL on the Redis of
127.0.0.1:PORT as a line of FILE (flushed at once), from when FILE.ready
says "ready 1"; reconnects while Redis is away (kcapd's tests kill it),
and says "ready N" in FILE.ready at its Nth subscription, so that a test
knows when it hears again.  With REDISCLI_AUTH in the environment (as
redis-cli), it AUTHs with it."""
import os
import sys
import time

import redis  # Debian's python3-redis

port, channel, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = open(path, "a")
subscriptions = 0
while True:
    try:
        sub = redis.Redis(port=port,
                          password=os.environ.get("REDISCLI_AUTH")).pubsub()
        sub.subscribe(channel)
        for m in sub.listen():
            if m["type"] == "subscribe":
                subscriptions += 1
                with open(path + ".ready", "a") as f:
                    f.write("ready %d\n" % subscriptions)
            if m["type"] == "message":
                out.write(m["data"].decode("ascii", "replace") + "\n")
                out.flush()
    except redis.exceptions.ConnectionError:
        time.sleep(0.2)
