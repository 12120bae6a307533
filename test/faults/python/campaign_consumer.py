# The fault campaign's consumer, one member of a consumer group: every record
# it is handed and every assignment change is a line with the wall time:
#   ASSIGN <p,p,...> <t>   REVOKE <p,p,...> <t>   READ <partition> <offset> <value> <t>
#   COMMIT <partition> <offset> <t>   (a commit the broker confirmed: the next offset to read)
# Offsets are committed automatically. Runs until SIGTERM.
import os
import signal
import sys
import time

from confluent_kafka import Consumer

stopping = False


def on_term(_sig, _frame):
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_term)
out = sys.stdout


def parts(ps):
    return ",".join(str(p.partition) for p in ps) or "-"


def on_assign(_c, ps):
    out.write(f"ASSIGN {parts(ps)} {time.time():.3f}\n")


def on_revoke(_c, ps):
    out.write(f"REVOKE {parts(ps)} {time.time():.3f}\n")


def on_lost(_c, ps):
    out.write(f"REVOKE {parts(ps)} {time.time():.3f}\n")


def on_commit(err, ps):
    # Served from consume(), after the broker's answer: the time is no earlier than the commit.
    if err is not None:
        return
    t = time.time()
    for p in ps:
        if p.error is None and p.offset >= 0:
            out.write(f"COMMIT {p.partition} {p.offset} {t:.3f}\n")


c = Consumer({
    "bootstrap.servers": os.environ["BOOTSTRAP"], "group.id": os.environ["GROUP"],
    "auto.offset.reset": "earliest", "enable.auto.commit": True, "auto.commit.interval.ms": 1000,
    "session.timeout.ms": 10000, "heartbeat.interval.ms": 1000, "socket.timeout.ms": 5000,
    "reconnect.backoff.max.ms": 1000, "topic.metadata.refresh.interval.ms": 2000,
    "isolation.level": "read_committed", "on_commit": on_commit,
    **({"debug": os.environ["RDKAFKA_DEBUG_CONSUMER"]} if os.environ.get("RDKAFKA_DEBUG_CONSUMER") else {}),
})
c.subscribe([os.environ["TOPIC"]], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
while not stopping:
    msgs = c.consume(200, 0.2)
    t = time.time()
    for m in msgs:
        if m.error() is None:
            out.write(f"READ {m.partition()} {m.offset()} {m.value().decode()} {t:.3f}\n")
    out.flush()
try:
    c.close()
except Exception:  # noqa: BLE001 - the broker may be away at the end; the lines are what count
    pass
out.write(f"END {time.time():.3f}\n")
out.flush()
