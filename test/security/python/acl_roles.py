# A client allowed to produce to one topic and consume another: produces to
# both and consumes (in group GROUP) from both, reporting each outcome by
# Kafka's error name. CONFIG (JSON) holds bootstrap.servers and the security
# settings (security.protocol, sasl.*) that log in as the user. Prints one
# JSON line.
import json
import os
import time

from confluent_kafka import Consumer, KafkaError, Producer

config = json.loads(os.environ["CONFIG"])
produce_only = os.environ["PRODUCE_ONLY"]
consume_only = os.environ["CONSUME_ONLY"]
group = os.environ["GROUP"]
out = {"produce": {}, "consume": {}}

p = Producer({**config, "message.timeout.ms": 10000})
for topic in (produce_only, consume_only):
    results = []
    p.produce(topic, value=b"from-python", on_delivery=lambda err, msg, r=results: r.append(
        err.name() if err is not None else "OK"))
    p.flush(15)
    out["produce"][topic] = results[0] if results else "NO_REPORT"

for topic in (produce_only, consume_only):
    c = Consumer({
        **config,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    c.subscribe([topic])
    got, error = [], None
    deadline = time.time() + 20
    while time.time() < deadline and error is None and len(got) < 3:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error() is not None:
            if m.error().code() == KafkaError._PARTITION_EOF:
                continue
            error = m.error().name()
        else:
            got.append(m.value().decode())
    c.close()
    out["consume"][topic] = {"error": error, "values": got}

print(json.dumps(out))
