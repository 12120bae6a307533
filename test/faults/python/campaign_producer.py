# The fault campaign's producer: acks=all with idempotence, unique values
# "<prefix>-<n>", half of them to partition 0 (the hot partition), the rest
# spread. Every invocation and every outcome is a line with the wall time:
#   INV <value> <partition> <t>     handed to the client
#   ACK <value> <partition> <offset> <t>
#   ERR <value> <error name> <t>    the client gave up (the write may or may not exist)
# A fatal client error (idempotence broken) is reported and a new producer made.
# Runs until SIGTERM, then flushes what is in flight and prints END.
import os
import random
import signal
import sys
import time

from confluent_kafka import KafkaError, KafkaException, Producer

topic = os.environ["TOPIC"]
partitions = int(os.environ["PARTITIONS"])
prefix = os.environ["PREFIX"]
rate = float(os.environ.get("RATE", "100"))
random.seed(prefix)
stopping = False


def on_term(_sig, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_term)
out = sys.stdout


def emit(line):
    out.write(line + "\n")


def on_delivery(err, msg):
    v = msg.value().decode()
    if err is None:
        emit(f"ACK {v} {msg.partition()} {msg.offset()} {time.time():.3f}")
    else:
        emit(f"ERR {v} {err.name()} {time.time():.3f}")


fatal = []


def on_error(err):
    if err.fatal():
        fatal.append(err.name())


def is_fatal(err):
    # After a fatal error, produce() raises a KafkaError of code _FATAL ("Unable to produce
    # message: Local: Fatal error") whose fatal() is False: that one counts too.
    return err is not None and (err.fatal() or err.code() == KafkaError._FATAL)


def guarded(call):
    # confluent-kafka raises a fatal error (e.g. OUT_OF_ORDER_SEQUENCE_NUMBER) from poll(),
    # produce() or flush() as well as reporting it to error_cb: without this the process
    # died, its history stopped, and the rest of the chunk ran without this producer.
    try:
        return call()
    except KafkaException as e:
        err = e.args[0] if e.args else None
        if not is_fatal(err):
            raise
        fatal.append(err.name())
        return None


def make():
    return Producer({
        "bootstrap.servers": os.environ["BOOTSTRAP"], "acks": "all", "enable.idempotence": True,
        "linger.ms": 5, "message.timeout.ms": 30000, "request.timeout.ms": 5000,
        "socket.timeout.ms": 5000, "reconnect.backoff.max.ms": 1000,
        "topic.metadata.refresh.interval.ms": 2000, "error_cb": on_error,
        **({"debug": os.environ["RDKAFKA_DEBUG"]} if os.environ.get("RDKAFKA_DEBUG") else {}),
    })


p = make()
n = 0
interval = 1.0 / rate
next_at = time.time()
while not stopping:
    if fatal:
        emit(f"FATAL {fatal[0]} {time.time():.3f}")
        fatal.clear()
        try:
            p.flush(5)
        except KafkaException:
            pass
        p = make()
        continue
    now = time.time()
    if now < next_at:
        guarded(lambda: p.poll(min(0.05, next_at - now)))
        continue
    next_at += interval
    if next_at < now - 1:
        next_at = now
    part = 0 if random.random() < 0.5 else random.randrange(partitions)
    v = f"{prefix}-{n}"
    try:
        p.produce(topic, value=v.encode(), key=str(n % 97).encode(), partition=part,
                  on_delivery=on_delivery)
        emit(f"INV {v} {part} {time.time():.3f}")
        n += 1
    except BufferError:
        guarded(lambda: p.poll(0.05))
    except KafkaException as e:
        err = e.args[0] if e.args else None
        if not is_fatal(err):
            raise
        fatal.append(err.name())
    guarded(lambda: p.poll(0))
    out.flush()
remaining = guarded(lambda: p.flush(35))
emit(f"END {remaining} {time.time():.3f}")
out.flush()
