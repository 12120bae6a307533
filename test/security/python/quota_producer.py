# Produces 1000-byte messages as fast as the broker lets it, as CLIENT_ID, for
# SECONDS seconds (or until TOTAL_BYTES are delivered). Reports the bytes
# delivered in [MEASURE_FROM, MEASURE_FROM + MEASURE_SECONDS) after the start,
# the overall delivered rate, and the broker's throttle_time_ms as librdkafka
# reports it (throttle_cb). Prints one JSON line.
import json
import os
import time

from confluent_kafka import KafkaError, Producer

bootstrap = os.environ["BOOTSTRAP"]
topic = os.environ["TOPIC"]
client_id = os.environ["CLIENT_ID"]
seconds = float(os.environ.get("SECONDS", "35"))
total_bytes = int(os.environ.get("TOTAL_BYTES", "0"))
measure_from = float(os.environ.get("MEASURE_FROM", "0"))
measure_seconds = float(os.environ.get("MEASURE_SECONDS", "0"))

throttles = []
delivered = {"bytes": 0, "window": 0, "errors": 0, "last": 0.0}
start = time.time()


def on_throttle(event):
    throttles.append(event.throttle_time)


def on_delivery(err, msg):
    if err is not None:
        # Messages still queued when the run ends are purged on purpose.
        if err.code() not in (KafkaError._PURGE_QUEUE, KafkaError._PURGE_INFLIGHT):
            delivered["errors"] += 1
        return
    now = time.time() - start
    delivered["bytes"] += len(msg.value())
    delivered["last"] = now
    if measure_from <= now < measure_from + measure_seconds:
        delivered["window"] += len(msg.value())


p = Producer({
    "bootstrap.servers": bootstrap,
    "client.id": client_id,
    "acks": 1,
    "linger.ms": 50,
    "batch.size": 1000000,
    "queue.buffering.max.messages": 20000,
    "message.timeout.ms": 120000,
    "throttle_cb": on_throttle,
})
value = os.urandom(1000)
sent = 0
while time.time() - start < seconds and (total_bytes == 0 or delivered["bytes"] < total_bytes):
    if total_bytes == 0 or sent < total_bytes:
        try:
            p.produce(topic, value=value, on_delivery=on_delivery)
            sent += len(value)
        except BufferError:
            p.poll(0.01)
            continue
    p.poll(0)
    if total_bytes and sent >= total_bytes:
        p.poll(0.05)
p.purge()
p.flush(5)
elapsed = delivered["last"] if delivered["last"] > 0 else time.time() - start
print(json.dumps({
    "windowBytes": delivered["window"],
    "deliveredBytes": delivered["bytes"],
    "elapsed": elapsed,
    "errors": delivered["errors"],
    "throttleEvents": len([t for t in throttles if t > 0]),
    "maxThrottleS": max(throttles) if throttles else 0,
}))
