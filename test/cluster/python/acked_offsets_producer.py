# Produces unique values with acks=all (idempotent) until killed, printing
# "ACK <partition> <offset> <value>" for each acknowledged message. Optional:
# PARTITION writes every message to that partition; MESSAGE_TIMEOUT_MS gives up
# sooner on a silent (paused) leader: with idempotence librdkafka waits that long
# for a request in flight to it, whatever request.timeout.ms says.
import os
import sys

from confluent_kafka import Producer

config = {"bootstrap.servers": os.environ["BOOTSTRAP"], "acks": "all", "enable.idempotence": True,
          "linger.ms": 5, "message.timeout.ms": int(os.environ.get("MESSAGE_TIMEOUT_MS", "30000")),
          "reconnect.backoff.max.ms": 500, "topic.metadata.refresh.interval.ms": 1000}
p = Producer(config)
topic = os.environ["TOPIC"]
partition = int(os.environ.get("PARTITION", "-1"))  # -1: librdkafka's partitioner picks


def on_delivery(err, msg):
    if err is None:
        sys.stdout.write(f"ACK {msg.partition()} {msg.offset()} {msg.value().decode()}\n")
        sys.stdout.flush()


n = 0
while True:
    try:
        p.produce(topic, key=str(n % 97).encode(), value=str(n).encode(), partition=partition,
                  on_delivery=on_delivery)
        n += 1
    except BufferError:
        p.poll(0.05)
    p.poll(0 if n % 50 else 0.002)
