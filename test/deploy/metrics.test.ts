// The metrics the shipped dashboard and alerts query, scraped from a real broker after real
// traffic: every metric name in deploy/monitoring/ (except the kubelet's volume statistics,
// which Kubernetes provides) is exported, and the per-topic, per-API, per-partition and
// consumer-group values match what kcat and a consumer group did.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { run } from '../harness/processes.ts';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'gregor');
const MONITORING = join(import.meta.dirname, '..', '..', 'deploy', 'monitoring');
const MESSAGES = 50;

/** Metric names an expression uses (identifiers followed by `{` or `[` or a space). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:kafka|kubelet)_[a-z0-9_]+)/g)].map((m) => m[1]!);
}

/** The family a sample name belongs to: a histogram's _bucket/_sum/_count are its own. */
function family(name: string): string {
  return name.replace(/_(bucket|sum|count)$/, '');
}

function value(text: string, sample: string): number | null {
  const escaped = sample.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return m === null ? null : Number(m[1]);
}

describe('broker metrics for the shipped dashboard and alerts', () => {
  let b: TestBroker;
  let scrape: () => Promise<string>;

  before(async () => {
    b = await startTestBroker({ 'http.listener': '127.0.0.1:0' });
    scrape = async () => (await fetch(`http://127.0.0.1:${b.broker.httpPort}/metrics`)).text();
    const input = Array.from({ length: MESSAGES }, (_, i) => `m-${i}`).join('\n');
    const p = await run('kcat', ['-b', b.bootstrap, '-P', '-t', 'metered', '-X', 'acks=all'], {
      input: `${input}\n`,
    });
    assert.equal(p.code, 0, p.stderr);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GREGOR_')) env[k] = v;
    const c = await run(
      BIN,
      [
        'console-consumer',
        '--bootstrap-server',
        b.bootstrap,
        '--topic',
        'metered',
        '--group',
        'billing',
        '--from-beginning',
        '--max-messages',
        String(MESSAGES),
      ],
      { env, timeoutMs: 60_000 },
    );
    assert.equal(c.code, 0, c.stderr);
    assert.equal(c.stdout.trim().split('\n').length, MESSAGES);
  });

  after(async () => {
    await b?.stop();
  });

  it('exports every metric the dashboard and the alert rules query', async () => {
    const text = await scrape();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const dashboard = JSON.parse(
      readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8'),
    ) as {
      panels: Array<{ targets?: Array<{ expr: string }> }>;
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...[
        ...readFileSync(join(MONITORING, 'prometheus.yaml'), 'utf8').matchAll(/expr: (.*)$/gm),
      ].map((m) => m[1]!),
    ];
    const wanted = new Set(exprs.flatMap(metricNames).filter((n) => !n.startsWith('kubelet_')));
    assert.ok(
      wanted.size >= 20,
      `only ${wanted.size} metric names found in the dashboard and rules`,
    );
    const missing = [...wanted].filter((n) => !exported.has(n) && !exported.has(family(n)));
    assert.deepEqual(missing, []);
  });

  it('counts messages and bytes per topic, requests and their time per API', async () => {
    const text = await scrape();
    assert.equal(
      value(text, 'kafka_server_brokertopicmetrics_messagesin_total{topic="metered"}'),
      MESSAGES,
    );
    const bytesIn = value(text, 'kafka_server_brokertopicmetrics_bytesin_total{topic="metered"}');
    assert.ok(bytesIn !== null && bytesIn > MESSAGES * 3, `bytes in ${bytesIn}`);
    const bytesOut = value(text, 'kafka_server_brokertopicmetrics_bytesout_total{topic="metered"}');
    assert.ok(bytesOut !== null && bytesOut >= bytesIn, `bytes out ${bytesOut}`);
    assert.ok(
      (value(text, 'kafka_server_brokertopicmetrics_totalproducerequests_total{topic="metered"}') ??
        0) >= 1,
    );
    assert.ok(
      (value(text, 'kafka_server_brokertopicmetrics_totalfetchrequests_total{topic="metered"}') ??
        0) >= 1,
    );
    assert.ok(
      (value(text, 'kafka_network_requestmetrics_totaltimems_count{request="Produce"}') ?? 0) >= 1,
    );
    assert.ok(
      (value(text, 'kafka_network_requestmetrics_totaltimems_count{request="Fetch"}') ?? 0) >= 1,
    );
    assert.equal(value(text, 'kafka_controller_kafkacontroller_offlinepartitionscount'), 0);
    assert.equal(value(text, 'kafka_server_replicamanager_underminisrpartitioncount'), 0);
    assert.ok(
      value(text, 'kafka_server_socket_server_metrics_connection_count{listener="PLAINTEXT"}') !==
        null,
    );
  });

  it('reports offsets per partition and consumer lag as kafka_exporter names them', async () => {
    const part = '{topic="metered",partition="0"}';
    const group = '{consumergroup="billing",topic="metered",partition="0"}';
    let text = await scrape();
    assert.equal(value(text, `kafka_topic_partition_current_offset${part}`), MESSAGES);
    assert.equal(value(text, `kafka_topic_partition_oldest_offset${part}`), 0);
    assert.equal(value(text, `kafka_topic_partition_in_sync_replica${part}`), 1);
    assert.equal(value(text, `kafka_topic_partition_leader_is_preferred${part}`), 1);
    assert.equal(value(text, 'kafka_topic_partitions{topic="metered"}'), 1);
    assert.equal(value(text, `kafka_consumergroup_current_offset${group}`), MESSAGES);
    assert.equal(value(text, `kafka_consumergroup_lag${group}`), 0);
    const more = await run('kcat', ['-b', b.bootstrap, '-P', '-t', 'metered', '-X', 'acks=all'], {
      input: 'x\ny\nz\n',
    });
    assert.equal(more.code, 0, more.stderr);
    text = await scrape();
    assert.equal(value(text, `kafka_consumergroup_lag${group}`), 3);
    assert.equal(
      value(text, 'kafka_server_brokertopicmetrics_messagesin_total{topic="metered"}'),
      MESSAGES + 3,
    );
  });
});
