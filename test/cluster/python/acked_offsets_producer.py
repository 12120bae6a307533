# Produces unique values with acks=all (idempotent) until killed, printing
# "ACK <partition> <offset> <value>" for each acknowledged message. Optional:
# PARTITION writes every message to that partition; LIBRDKAFKA_DEBUG sets
# librdkafka's debug contexts (logged to stderr); MESSAGE_TIMEOUT_MS is how
# long librdkafka may try to deliver a message; SOCKET_TIMEOUT_MS how long it
# waits for the answer to one request. A request in flight times out after the
# lesser of socket.timeout.ms and what is left of its first message's
# message.timeout.ms, whatever request.timeout.ms says. Only a request timeout
# keeps the messages' sequence numbers for the retry: when messages themselves
# time out, the idempotent producer bumps its epoch and renumbers the messages
# still queued from sequence 0, so any of them a broker had already stored
# (their request timed out, not their messages) is stored again.
import os
import sys

from confluent_kafka import Producer

config = {"bootstrap.servers": os.environ["BOOTSTRAP"], "acks": "all", "enable.idempotence": True,
          "linger.ms": 5, "message.timeout.ms": int(os.environ.get("MESSAGE_TIMEOUT_MS", "30000")),
          "reconnect.backoff.max.ms": 500, "topic.metadata.refresh.interval.ms": 1000}
if "LIBRDKAFKA_DEBUG" in os.environ:  # e.g. "eos": why the idempotent producer bumped its epoch
    config["debug"] = os.environ["LIBRDKAFKA_DEBUG"]
if "SOCKET_TIMEOUT_MS" in os.environ:
    config["socket.timeout.ms"] = int(os.environ["SOCKET_TIMEOUT_MS"])
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
