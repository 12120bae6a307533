# Transactions through librdkafka (confluent_kafka): committed and aborted
# transactions read back read_committed and read_uncommitted, a zombie
# producer fenced by a new one with the same transactional.id, and a
# consume-transform-produce step whose input offsets are committed in the
# transaction (send_offsets_to_transaction, TxnOffsetCommit v3 with the
# member's generation). Prints one JSON line with what it saw.
import json
import os
import uuid

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

BOOTSTRAP = os.environ["BOOTSTRAP"]
TOPIC = os.environ["TOPIC"]
OUT = TOPIC + "-out"
admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
for f in admin.create_topics([NewTopic(TOPIC, 2, 1), NewTopic(OUT, 2, 1)]).values():
    f.result(20)


def producer(txn_id):
    p = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": txn_id,
                  "transaction.timeout.ms": 20000, "linger.ms": 5})
    p.init_transactions(30)
    return p


def read_all(topic, isolation):
    c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": "r-" + uuid.uuid4().hex,
                  "auto.offset.reset": "earliest", "isolation.level": isolation,
                  "enable.partition.eof": True, "enable.auto.commit": False})
    c.subscribe([topic])
    values, eof = [], set()
    idle = 0
    while idle < 20:
        m = c.poll(0.5)
        if m is None:
            idle += 1
            continue
        if m.error():
            if m.error().code() == -191:  # _PARTITION_EOF
                eof.add(m.partition())
                if len(eof) == 2 and idle >= 2:
                    break
                idle += 1
                continue
            raise KafkaException(m.error())
        idle = 0
        values.append(m.value().decode())
    c.close()
    return values


result = {}

# 1. Commit, abort, commit.
p = producer("py-" + TOPIC)
committed, aborted = [], []
for rnd in range(3):
    p.begin_transaction()
    vals = ["%s%d-%d" % ("c" if rnd != 1 else "a", rnd, i) for i in range(10)]
    for i, v in enumerate(vals):
        p.produce(TOPIC, key=str(i), value=v)
    # Delivered first: librdkafka drops unsent messages of an aborted transaction.
    p.flush(30)
    if rnd == 1:
        p.abort_transaction(30)
        aborted += vals
    else:
        p.commit_transaction(30)
        committed += vals
result["committed"] = committed
result["aborted"] = aborted
result["read_committed"] = read_all(TOPIC, "read_committed")
result["read_uncommitted"] = read_all(TOPIC, "read_uncommitted")

# 2. Consume-transform-produce with the input offsets in the transaction.
group = "ctp-" + uuid.uuid4().hex
c = Consumer({"bootstrap.servers": BOOTSTRAP, "group.id": group, "auto.offset.reset": "earliest",
              "isolation.level": "read_committed", "enable.auto.commit": False})
c.subscribe([TOPIC])
got = []
idle = 0
while len(got) < len(committed) and idle < 40:
    m = c.poll(0.5)
    if m is None or m.error():
        idle += 1
        continue
    got.append(m)
p.begin_transaction()
for m in got:
    p.produce(OUT, key=m.key(), value=m.value().decode().upper())
positions = c.position(c.assignment())
p.send_offsets_to_transaction(positions, c.consumer_group_metadata(), 30)
p.commit_transaction(30)
committed_offsets = c.committed(c.assignment(), 10)
result["ctp_consumed"] = len(got)
result["ctp_positions"] = sorted([tp.partition, tp.offset] for tp in positions)
result["ctp_committed"] = sorted([tp.partition, tp.offset] for tp in committed_offsets)
c.close()
result["ctp_output"] = read_all(OUT, "read_committed")

# 3. A zombie fenced by a new producer with the same transactional.id.
zombie_id = "zombie-" + TOPIC
zombie = producer(zombie_id)
zombie.begin_transaction()
zombie.produce(TOPIC + "-out", value="zombie-1")
zombie.flush(10)
fresh = producer(zombie_id)  # fences the zombie and aborts its transaction
errors = []
try:
    zombie.produce(OUT, value="zombie-2")
    zombie.flush(10)
    zombie.commit_transaction(10)
except KafkaException as e:
    errors.append(e.args[0].name())
fresh.begin_transaction()
fresh.produce(OUT, value="fresh-1")
fresh.commit_transaction(30)
result["zombie_errors"] = errors
result["after_zombie"] = read_all(OUT, "read_committed")
print(json.dumps(result))
