// Topic names Kafka allows and Gregor once refused (issue 12, item 5): a name
// starting with '.' is legal (only '.' and '..' are not), so kcat can produce to
// `.hidden` (auto-created) and read it back, also after a restart, and the
// broker logs no failure opening it. Kafka's collision rule is kept: a name that
// equals an existing one once '.' and '_' are unified is INVALID_TOPIC_EXCEPTION,
// seen through confluent-kafka's AdminClient.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type BrokerProcess, freePort, spawnBroker } from '../harness/broker-process.ts';
import { run, runPython } from '../harness/processes.ts';

async function consume(bootstrap: string, topic: string): Promise<string[]> {
  const r = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e'], {
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

async function produce(bootstrap: string, topic: string, lines: string[]): Promise<void> {
  const r = await run('kcat', ['-b', bootstrap, '-P', '-t', topic], {
    input: `${lines.join('\n')}\n`,
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stderr);
}

async function stop(broker: BrokerProcess): Promise<void> {
  broker.child.kill('SIGTERM');
  assert.equal(await broker.exited, 0, broker.output());
}

const CREATE_TOPIC = `
import json, os
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": os.environ["BOOTSTRAP"]})
futures = admin.create_topics([NewTopic(os.environ["NAME"], 1, 1)], operation_timeout=10)
try:
    futures[os.environ["NAME"]].result(timeout=30)
    print(json.dumps({"ok": True}))
except Exception as e:
    err = e.args[0]
    print(json.dumps({"ok": False, "code": err.code(), "message": err.str()}))
`;

test("a topic named '.hidden' is produced to, read back, and survives a restart", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gregor-names-'));
  const port = await freePort();
  let broker: BrokerProcess | null = null;
  try {
    broker = await spawnBroker({ dataDir: dir, port });
    await produce(broker.bootstrap, '.hidden', ['one', 'two', 'three']);
    assert.deepEqual(await consume(broker.bootstrap, '.hidden'), ['one', 'two', 'three']);
    assert.ok((await readdir(dir)).includes('.hidden-0'), 'its directory is .hidden-0');

    const collision = await runPython(CREATE_TOPIC, {
      BOOTSTRAP: broker.bootstrap,
      NAME: '_hidden',
    });
    assert.deepEqual(collision, {
      ok: false,
      code: 17, // INVALID_TOPIC_EXCEPTION (librdkafka calls it TOPIC_EXCEPTION)
      message: "Topic '_hidden' collides with existing topic: .hidden",
    });
    const dots = await runPython(CREATE_TOPIC, { BOOTSTRAP: broker.bootstrap, NAME: '..' });
    assert.equal((dots as { code: number }).code, 17);
    assert.deepEqual(
      await runPython(CREATE_TOPIC, { BOOTSTRAP: broker.bootstrap, NAME: '.also-hidden' }),
      { ok: true },
    );

    await stop(broker);
    broker = await spawnBroker({ dataDir: dir, port });
    assert.deepEqual(await consume(broker.bootstrap, '.hidden'), ['one', 'two', 'three']);
    await produce(broker.bootstrap, '.hidden', ['four']);
    assert.deepEqual(await consume(broker.bootstrap, '.hidden'), ['one', 'two', 'three', 'four']);
    const output = broker.output();
    assert.doesNotMatch(
      output,
      /partition sync failed|could not be opened|not a usable topic name/,
    );
    await stop(broker);
    broker = null;
  } finally {
    broker?.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});
