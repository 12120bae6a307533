# Produces numbered messages with acks=all as fast as the broker takes them,
# printing "ACK <n>" for every message the broker acknowledged, until killed.
import os
import sys

from confluent_kafka import Producer

p = Producer({"bootstrap.servers": os.environ["BOOTSTRAP"], "acks": "all", "linger.ms": 2,
              "enable.idempotence": os.environ.get("IDEMPOTENT", "false") == "true",
              "message.timeout.ms": 4000, "reconnect.backoff.max.ms": 200})
topic = os.environ["TOPIC"]


def on_delivery(err, msg):
    if err is None:
        sys.stdout.write("ACK " + msg.value().decode() + "\n")
        sys.stdout.flush()


n = 0
while True:
    try:
        p.produce(topic, value=str(n).encode(), partition=n % 2, on_delivery=on_delivery)
        n += 1
    except BufferError:
        pass
    p.poll(0 if n % 100 else 0.001)
