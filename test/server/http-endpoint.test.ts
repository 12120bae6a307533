// The HTTP endpoint: Prometheus metrics with Kafka's metric names, and the
// Kubernetes probes, on a broker serving real kcat traffic.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { run } from '../harness/processes.ts';

let b: TestBroker;
before(async () => {
  b = await startTestBroker({ 'http.listener': '127.0.0.1:0' });
});
after(async () => {
  await b.stop();
});

test('serves metrics named as Kafka dashboards expect, and the probes', async () => {
  const port = b.broker.httpPort;
  assert.ok(port !== null && port > 0);
  const p = await run('kcat', ['-b', b.bootstrap, '-P', '-t', 'metered'], { input: 'a\nb\nc\n' });
  assert.equal(p.code, 0, p.stderr);
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(text, /^kafka_controller_kafkacontroller_activecontrollercount 1$/m);
  assert.match(text, /^kafka_server_replicamanager_leadercount 1$/m);
  assert.match(text, /^kafka_server_replicamanager_partitioncount 1$/m);
  assert.match(text, /^kafka_server_replicamanager_underreplicatedpartitions 0$/m);
  assert.match(text, /^kafka_network_requestmetrics_requests_total\{request="Produce"\} [1-9]/m);
  const size = /^kafka_log_log_size\{topic="metered",partition="0"\} (\d+)$/m.exec(text);
  assert.ok(size !== null && Number(size[1]) > 0, 'log size of the partition');
  const available = /^gregor_log_dir_available_bytes\{log_dir="[^"]+"\} (\d+)$/m.exec(text);
  const capacity = /^gregor_log_dir_capacity_bytes\{log_dir="[^"]+"\} (\d+)$/m.exec(text);
  assert.ok(available !== null && capacity !== null, 'free space of the log dir');
  assert.ok(Number(available[1]) <= Number(capacity[1]) && Number(capacity[1]) > 0);
  assert.match(text, /^gregor_log_dir_no_space_writes_total\{log_dir="[^"]+"\} 0$/m);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404);
});
