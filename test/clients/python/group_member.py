# A python3-confluent-kafka (librdkafka) consumer group member for Gregor's
# group tests. Configuration comes from CONF (JSON); it subscribes to TOPIC and
# prints one JSON line per event: assign, revoke, message, commit error,
# closed. MANUAL_COMMIT=1 commits each message synchronously. SIGTERM makes it
# close cleanly (leaving the group, or not for a static member).
import json
import os
import signal
import sys

from confluent_kafka import Consumer, KafkaException

conf = json.loads(os.environ["CONF"])
topic = os.environ["TOPIC"]
manual = os.environ.get("MANUAL_COMMIT") == "1"
running = True


def stop(*_):
    global running
    running = False


signal.signal(signal.SIGTERM, stop)


def emit(**fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def on_assign(consumer, partitions):
    emit(event="assign", partitions=sorted(p.partition for p in partitions))


def on_revoke(consumer, partitions):
    emit(event="revoke", partitions=sorted(p.partition for p in partitions))


consumer = Consumer(conf)
consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
emit(event="started")
while running:
    msg = consumer.poll(0.1)
    if msg is None:
        continue
    if msg.error():
        emit(event="error", error=str(msg.error()))
        continue
    emit(event="message", partition=msg.partition(), offset=msg.offset(), value=msg.value().decode())
    if manual:
        try:
            consumer.commit(message=msg, asynchronous=False)
        except KafkaException as e:
            emit(event="commit-error", error=str(e))
consumer.close()
emit(event="closed")
