# python3-confluent-kafka (librdkafka) against Gregor: creates a topic with
# several partitions through the AdminClient, produces keyed messages with
# headers in every codec, reads them back from the beginning with assign(),
# looks up offsets by timestamp. Prints one JSON line with what it saw.
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap = os.environ["BOOTSTRAP"]
topic = os.environ["TOPIC"]
codecs = ["none", "gzip", "snappy", "lz4", "zstd"]
per_codec = 30
keys = [b"k0", b"k1", b"k2", b"k3", b"k4"]

admin = AdminClient({"bootstrap.servers": bootstrap})
fs = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
for f in fs.values():
    f.result(timeout=15)

delivered = []
errors = []


def on_delivery(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered.append((msg.partition(), msg.offset()))


before_second_half = None
for ci, codec in enumerate(codecs):
    p = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 5})
    for i in range(per_codec):
        value = f"{codec}-{i}".encode()
        p.produce(topic, key=keys[i % len(keys)], value=value,
                  headers=[("codec", codec.encode()), ("seq", str(i).encode())], on_delivery=on_delivery)
    if p.flush(15) != 0:
        errors.append("flush left messages")
    if ci == 2:
        time.sleep(0.05)
        before_second_half = int(time.time() * 1000)
        time.sleep(0.05)

c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-assign-only", "enable.auto.commit": False})
meta = c.list_topics(topic, timeout=10)
partitions = sorted(meta.topics[topic].partitions.keys())
c.assign([TopicPartition(topic, p, 0) for p in partitions])
got = []
deadline = time.time() + 30
while len(got) < len(codecs) * per_codec and time.time() < deadline:
    m = c.poll(1.0)
    if m is None:
        continue
    if m.error():
        errors.append(str(m.error()))
        continue
    hdrs = {k: v.decode() for k, v in (m.headers() or [])}
    got.append({"p": m.partition(), "o": m.offset(), "k": m.key().decode(), "v": m.value().decode(), "h": hdrs})

times = c.offsets_for_times([TopicPartition(topic, p, before_second_half) for p in partitions], timeout=10)
first_after = {tp.partition: tp.offset for tp in times}
c.close()
print(json.dumps({"delivered": len(delivered), "errors": errors, "got": got,
                  "firstAfter": first_after, "partitions": partitions}))
