#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""fuzzpub.py PORT CHANNEL NODE IFACE COUNT SEED: COUNT messages, random and
mutated from valid triggers, published on CHANNEL of the Redis on
127.0.0.1:PORT.  Prints "certain N": how many of them are sure to name
NODE (a JSON object whose "node" is NODE and that has no "nodere"), each
of which kcapd must answer with a result."""
import json
import random
import sys
import time

import redis  # Debian's python3-redis

port, channel, node, iface = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
count, seed = int(sys.argv[5]), int(sys.argv[6])
rnd = random.Random(seed)
r = redis.Redis(port=port)

KEYS = ["node", "nodere", "interface", "alias", "bpf", "packets", "bytes",
        "duration", "timeout", "alertid", "tags", "customer", "snaplen",
        "format", "nosuchkey"]
FILTERS = ["udp", "tcp port 80", "udp and", "(((", "ether[0] = 1", "vlan 5",
           "port 99999", "", "ip6 or arp", "a" * 300]


def junk():
    return rnd.choice([None, True, False, -1, 0, 2 ** 31, 2 ** 64, -2 ** 63,
                       1.5, float("1e308"), "", "x" * rnd.randint(1, 5000),
                       "\u00e9\u4e2d\U0001f600", "\x00abc", [], {}, [[[[[]]]]],
                       {"a": {"b": {"c": []}}}, [iface] * 100, iface,
                       "../../etc/passwd", "%s%n%x", rnd.choice(FILTERS)])


def valid():
    m = {"node": node, "interface": [iface], "duration": rnd.randint(0, 1)}
    if rnd.random() < 0.5:
        m["bpf"] = rnd.choice(FILTERS[:2] + FILTERS[4:6])
    if rnd.random() < 0.5:
        m["packets"] = rnd.randint(1, 100)
    if rnd.random() < 0.3:
        m["alertid"] = rnd.randint(0, 1 << 40)
    if rnd.random() < 0.3:
        m["tags"] = "t,%d" % rnd.randint(0, 99)
    return m


def mutate(m):
    for _ in range(rnd.randint(1, 4)):
        op = rnd.random()
        if op < 0.4:
            m[rnd.choice(KEYS)] = junk()
        elif op < 0.6 and m:
            del m[rnd.choice(list(m))]
        elif op < 0.8:
            m["interface"] = rnd.choice([[], ["nosuch0"], [iface, iface],
                                         [junk()], "x" * 20])
        else:
            m["node"] = rnd.choice(["other", "", node.upper(), "any", junk()])
    return m


def deep(n):
    return "[" * n + "]" * n


certain = 0
for i in range(count):
    kind = rnd.random()
    if kind < 0.15:
        msg = json.dumps(valid())
    elif kind < 0.7:
        msg = json.dumps(mutate(valid()))
    elif kind < 0.8:
        raw = json.dumps(mutate(valid())).encode()
        cut = rnd.randint(0, len(raw))
        msg = raw[:cut] + bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 8)))
    elif kind < 0.85:
        msg = deep(rnd.choice([10, 1000, 100000]))
    elif kind < 0.9:
        msg = bytes(rnd.randint(0, 255) for _ in range(rnd.randint(0, 2000)))
    elif kind < 0.95:
        msg = json.dumps({"node": node, "interface": [iface], "duration": 0,
                          "tags": "x" * rnd.randint(0, 200000)})
    else:
        msg = json.dumps({"node": "other", "interface": [iface], "duration": 0})
    if isinstance(msg, str):
        try:
            d = json.loads(msg)
            if (isinstance(d, dict) and d.get("node") == node
                    and "nodere" not in d):
                certain += 1
        except (ValueError, RecursionError):
            pass
    r.publish(channel, msg)
    if i % 50 == 49:
        time.sleep(0.05)
print("certain %d" % certain)
