# Produces numbered messages with acks=all and no retries until killed: every
# broker error reaches the delivery report as it is. Prints
# "ACK <partition> <offset> <value>" for each acknowledged message and
# "ERR <error name> <value>" for each refused one.
import os
import sys

from confluent_kafka import Producer

p = Producer({"bootstrap.servers": os.environ["BOOTSTRAP"], "acks": "all", "retries": 0,
              "enable.idempotence": False, "linger.ms": 5, "message.timeout.ms": 10000,
              "reconnect.backoff.max.ms": 200, "topic.metadata.refresh.interval.ms": 1000})
topic = os.environ["TOPIC"]
value_bytes = int(os.environ.get("VALUE_BYTES", "1000"))


def on_delivery(err, msg):
    value = msg.value().decode()
    if err is None:
        sys.stdout.write(f"ACK {msg.partition()} {msg.offset()} {value}\n")
    else:
        sys.stdout.write(f"ERR {err.name()} {value}\n")
    sys.stdout.flush()


n = 0
padding = "x" * value_bytes
while True:
    try:
        # The padding rides in the key, so the value stays the number the audit reads back.
        p.produce(topic, key=padding.encode(), value=str(n).encode(), on_delivery=on_delivery)
        n += 1
    except BufferError:
        p.poll(0.05)
    p.poll(0 if n % 20 else 0.005)
