# With auto-create off, producing to and listing a missing topic must fail
# with Kafka's UNKNOWN_TOPIC_OR_PART error. Prints one JSON line.
import json
import os

from confluent_kafka import KafkaError, Producer

bootstrap = os.environ["BOOTSTRAP"]
errors = []


def on_delivery(err, msg):
    errors.append(err.name() if err is not None else "OK")


p = Producer({"bootstrap.servers": bootstrap, "message.timeout.ms": 5000})
p.produce("no-such-topic", value=b"x", on_delivery=on_delivery)
p.flush(10)
meta = p.list_topics("no-such-topic", timeout=10)
t = meta.topics["no-such-topic"]
print(json.dumps({"delivery": errors, "metadataError": t.error.name() if t.error else None}))
