# Produces N keyed messages with acks=all (idempotent) and prints one JSON line: how many
# were acknowledged and any delivery errors. CONFIG (optional JSON: security.protocol,
# sasl.*, ssl.*) adds client settings, for secured listeners.
import json
import os

from confluent_kafka import Producer

config = json.loads(os.environ.get("CONFIG", "{}"))
p = Producer({**config, "bootstrap.servers": os.environ["BOOTSTRAP"], "acks": "all",
              "enable.idempotence": True, "linger.ms": 5, "message.timeout.ms": 60000})
topic = os.environ["TOPIC"]
n = int(os.environ["COUNT"])
acked = 0
errors = []


def on_delivery(err, msg):
    global acked
    if err is None:
        acked += 1
    elif len(errors) < 5:
        errors.append(str(err))


for i in range(n):
    while True:
        try:
            p.produce(topic, key=f"key-{i % 1000}".encode(), value=str(i).encode(), on_delivery=on_delivery)
            break
        except BufferError:
            p.poll(0.01)
    if i % 1000 == 0:
        p.poll(0)
p.flush(120)
print(json.dumps({"acked": acked, "errors": errors}))
