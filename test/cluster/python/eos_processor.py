# An exactly-once read-process-write loop with librdkafka: consume IN with a
# read_committed group member (static membership, so a restarted instance
# takes its partitions back at once), produce each value transformed to OUT
# and commit the input offsets in the same transaction. Any error that is not
# a plain retry ends the process (exit 3): the test restarts it, and the new
# instance's init_transactions fences the old one and resumes from the
# committed offsets. SIGTERM finishes the transaction in hand, then exits 0.
import os
import signal
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer

B = os.environ["BOOTSTRAP"]
stopping = False


def stop(*_):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, stop)
consumer = Consumer({"bootstrap.servers": B, "group.id": os.environ["GROUP"],
                     "group.instance.id": "eos-processor", "auto.offset.reset": "earliest",
                     "isolation.level": "read_committed", "enable.auto.commit": False,
                     "session.timeout.ms": 10000, "heartbeat.interval.ms": 500,
                     "topic.metadata.refresh.interval.ms": 1000})
producer = Producer({"bootstrap.servers": B, "transactional.id": os.environ["TXN_ID"],
                     "transaction.timeout.ms": 10000, "linger.ms": 2,
                     "topic.metadata.refresh.interval.ms": 1000})
producer.init_transactions(60)
consumer.subscribe([os.environ["IN"]])
out = os.environ["OUT"]
batch = int(os.environ.get("BATCH", "20"))
pause = float(os.environ.get("PAUSE_S", "0.1"))
try:
    while not stopping:
        msgs = [m for m in consumer.consume(batch, 0.5) if not m.error()]
        if not msgs:
            continue
        producer.begin_transaction()
        for m in msgs:
            producer.produce(out, key=m.key(), value=b"out-" + m.value())
        positions = consumer.position(consumer.assignment())
        producer.send_offsets_to_transaction(positions, consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
        print("COMMITTED %d" % len(msgs), flush=True)
        time.sleep(pause)
except KafkaException as e:
    print("ERROR %s" % e.args[0], flush=True)
    sys.exit(3)
consumer.close()
sys.exit(0)
