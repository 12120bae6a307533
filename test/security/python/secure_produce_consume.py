# Produces three messages and consumes them back with confluent_kafka over the security
# settings in CONFIG (JSON); prints one JSON line: what was delivered and consumed, and errors.
import json
import os
import time

from confluent_kafka import Consumer, KafkaError, Producer

config = json.loads(os.environ["CONFIG"])
topic = os.environ["TOPIC"]
errors = []
delivered = []


def on_error(err):
    errors.append(str(err))


def on_delivery(err, msg):
    if err is None:
        delivered.append(msg.offset())
    else:
        errors.append(str(err))


p = Producer({**config, "error_cb": on_error, "message.timeout.ms": 10000})
for v in ["one", "two", "three"]:
    p.produce(topic, v.encode(), on_delivery=on_delivery)
p.flush(15)
got = []
if len(delivered) == 3:
    c = Consumer({**config, "group.id": "secure-" + topic, "auto.offset.reset": "earliest",
                  "error_cb": on_error})
    c.subscribe([topic])
    deadline = time.time() + 30
    while len(got) < 3 and time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            if m.error().code() != KafkaError._PARTITION_EOF:
                errors.append(str(m.error()))
            continue
        got.append(m.value().decode())
    c.close()
print(json.dumps({"got": got, "delivered": len(delivered), "errors": errors}))
