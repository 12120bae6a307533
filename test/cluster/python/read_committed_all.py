# Reads a whole topic read_committed, without a group, until every partition
# reports end-of-partition (for read_committed, the last stable offset);
# prints one JSON line: the values.
import json
import os

from confluent_kafka import Consumer, KafkaException, TopicPartition

topic = os.environ["TOPIC"]
c = Consumer({"bootstrap.servers": os.environ["BOOTSTRAP"], "group.id": "unused",
              "isolation.level": "read_committed", "enable.partition.eof": True,
              "enable.auto.commit": False})
parts = c.list_topics(topic, timeout=20).topics[topic].partitions
c.assign([TopicPartition(topic, p, -2) for p in parts])
values, eof = [], set()
while len(eof) < len(parts):
    m = c.poll(1.0)
    if m is None:
        continue
    if m.error():
        if m.error().code() == -191:
            eof.add(m.partition())
            continue
        raise KafkaException(m.error())
    values.append(m.value().decode())
c.close()
print(json.dumps(values))
