// The shipped monitoring: deploy/monitoring/ equals a fresh render; promtool (Debian's
// prometheus package) parses every alert and every dashboard query; and promtool's rule unit
// tests feed series to the alerts and check each fires when it should and stays quiet when it
// should not.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { alertRules, dashboardPanels, grafanaDashboard, monitoringObjects } from './monitoring.ts';
import { renderYaml } from './render.ts';
import { parseRenderOptions } from './render-options.ts';

const execFileAsync = promisify(execFile);
const MONITORING = join(import.meta.dirname, '..', '..', 'deploy', 'monitoring');
const defaults = parseRenderOptions({});

async function promtool(args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('promtool', args, { timeout: 60_000 });
    return { ok: true, out: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? e.message}` };
  }
}

describe('monitoring for Prometheus and Grafana', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-monitoring-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('deploy/monitoring/ is the rendered defaults', () => {
    assert.equal(
      readFileSync(join(MONITORING, 'prometheus.yaml'), 'utf8'),
      renderYaml(monitoringObjects(defaults), 'gregor k8s monitoring'),
      'stale: run `bin/gregor k8s monitoring > deploy/monitoring/prometheus.yaml`',
    );
    assert.equal(
      readFileSync(join(MONITORING, 'grafana-dashboard.json'), 'utf8'),
      `${JSON.stringify(grafanaDashboard(defaults), null, 2)}\n`,
      'stale: run `bin/gregor k8s monitoring --dashboard > deploy/monitoring/grafana-dashboard.json`',
    );
  });

  it('every alert and every dashboard query is valid PromQL', async () => {
    const rules = join(dir, 'rules.yaml');
    await writeFile(
      rules,
      stringify({ groups: [{ name: 'gregor', rules: alertRules(defaults) }] }),
    );
    const checked = await promtool(['check', 'rules', rules]);
    assert.ok(checked.ok, checked.out);
    // The dashboard's queries as recording rules, with its variables given values.
    const queries = dashboardPanels().flatMap((r) => r.panels.flatMap((p) => p.targets));
    const recording = queries.map((q, i) => ({
      record: `gregor:dashboard:${i}`,
      expr: q.expr.replaceAll('$namespace', 'gregor').replaceAll('$pod', 'gregor-0'),
    }));
    const dashboardRules = join(dir, 'dashboard.yaml');
    await writeFile(
      dashboardRules,
      stringify({ groups: [{ name: 'dashboard', rules: recording }] }),
    );
    const dash = await promtool(['check', 'rules', dashboardRules]);
    assert.ok(dash.ok, dash.out);
    assert.match(dash.out, new RegExp(`SUCCESS: ${queries.length} rules found`));
  });

  it('each alert fires on the series it watches, and not on healthy ones', async () => {
    const rules = join(dir, 'alerts.yaml');
    await writeFile(
      rules,
      stringify({ groups: [{ name: 'gregor', rules: alertRules(defaults) }] }),
    );
    const pod = (p: number) => `namespace="gregor", pod="gregor-${p}"`;
    /** The alert's annotations as Prometheus renders them for these labels and value. */
    const annotations = (alert: string, labels: Record<string, string>, value: string) => {
      const rule = alertRules(defaults).find((r) => r.alert === alert)!;
      const fill = (t: string) =>
        t
          .replaceAll('{{ $value }}', value)
          .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k] ?? '');
      return {
        summary: fill(rule.annotations.summary),
        description: fill(rule.annotations.description),
      };
    };
    const firing = (alert: string, labels: Record<string, string>, value: string) => ({
      exp_labels: labels,
      exp_annotations: annotations(alert, labels, value),
    });
    const pvc = (p: number) => `namespace="gregor", persistentvolumeclaim="data-gregor-${p}"`;
    const tests = {
      rule_files: [rules],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            {
              series: `kafka_server_replicamanager_underreplicatedpartitions{${pod(0)}}`,
              values: '0x5 2x10',
            },
            {
              series: `kafka_server_replicamanager_underreplicatedpartitions{${pod(1)}}`,
              values: '0x15',
            },
            {
              series: `kafka_controller_kafkacontroller_offlinepartitionscount{${pod(0)}}`,
              values: '0x15',
            },
            {
              series: `kafka_controller_kafkacontroller_activecontrollercount{${pod(0)}}`,
              values: '1x15',
            },
            {
              series: `kafka_controller_kafkacontroller_activecontrollercount{${pod(1)}}`,
              values: '0x5 1x10',
            },
            {
              series: `kafka_server_replicamanager_underminisrpartitioncount{${pod(0)}}`,
              values: '0x15',
            },
            { series: `kubelet_volume_stats_capacity_bytes{${pvc(0)}}`, values: '100x15' },
            { series: `kubelet_volume_stats_available_bytes{${pvc(0)}}`, values: '50x5 10x10' },
            { series: `kubelet_volume_stats_capacity_bytes{${pvc(1)}}`, values: '100x15' },
            { series: `kubelet_volume_stats_available_bytes{${pvc(1)}}`, values: '60x15' },
            {
              series: `kafka_consumergroup_lag{${pod(0)}, consumergroup="slow", topic="orders", partition="0"}`,
              values: '2000+100x40',
            },
            {
              series: `kafka_consumergroup_lag{${pod(0)}, consumergroup="steady", topic="orders", partition="0"}`,
              values: '5000x40',
            },
          ],
          alert_rule_test: [
            { eval_time: '4m', alertname: 'GregorUnderReplicatedPartitions', exp_alerts: [] },
            {
              eval_time: '14m',
              alertname: 'GregorUnderReplicatedPartitions',
              exp_alerts: [
                firing(
                  'GregorUnderReplicatedPartitions',
                  { severity: 'warning', namespace: 'gregor', pod: 'gregor-0' },
                  '2',
                ),
              ],
            },
            { eval_time: '14m', alertname: 'GregorOfflinePartitions', exp_alerts: [] },
            {
              eval_time: '14m',
              alertname: 'GregorNoSingleActiveController',
              exp_alerts: [
                firing(
                  'GregorNoSingleActiveController',
                  { severity: 'critical', namespace: 'gregor' },
                  '2',
                ),
              ],
            },
            { eval_time: '4m', alertname: 'GregorNoSingleActiveController', exp_alerts: [] },
            { eval_time: '14m', alertname: 'GregorUnderMinIsrPartitions', exp_alerts: [] },
            {
              eval_time: '14m',
              alertname: 'GregorVolumeAlmostFull',
              exp_alerts: [
                firing(
                  'GregorVolumeAlmostFull',
                  {
                    severity: 'warning',
                    namespace: 'gregor',
                    persistentvolumeclaim: 'data-gregor-0',
                  },
                  '0.1',
                ),
              ],
            },
            {
              eval_time: '39m',
              alertname: 'GregorConsumerLagGrowing',
              exp_alerts: [
                firing(
                  'GregorConsumerLagGrowing',
                  {
                    severity: 'warning',
                    namespace: 'gregor',
                    consumergroup: 'slow',
                    topic: 'orders',
                  },
                  '5900',
                ),
              ],
            },
          ],
        },
      ],
    };
    const file = join(dir, 'alerts.test.yaml');
    await writeFile(file, stringify(tests));
    const result = await promtool(['test', 'rules', file]);
    assert.ok(result.ok, result.out);
    assert.match(result.out, /SUCCESS/);
  });
});
