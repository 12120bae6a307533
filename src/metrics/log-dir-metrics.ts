// Metrics of the log directory's space. Kafka's JMX has no free-space
// metric and Strimzi's dashboards read kubelet's volume stats for it
// (`kubelet_volume_stats_available_bytes` / `_capacity_bytes` of the PVC); these
// mirror that pair for the log dir itself, so a panel carries over by name,
// and they also work without Kubernetes.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { LogDirHealth } from '../log/log-dir-health.ts';

export function registerLogDirMetrics(registry: Registry, health: LogDirHealth): void {
  const registers = [registry];
  const labels = { log_dir: health.dir };
  new Gauge({
    name: 'gregor_log_dir_available_bytes',
    help: 'Bytes still available to the broker in the log directory (statfs f_bavail).',
    labelNames: ['log_dir'],
    registers,
    async collect() {
      const sample = await health.refresh();
      this.reset();
      if (sample !== null) this.set(labels, sample.availableBytes);
    },
  });
  new Gauge({
    name: 'gregor_log_dir_capacity_bytes',
    help: 'Size of the file system holding the log directory.',
    labelNames: ['log_dir'],
    registers,
    async collect() {
      // One statfs serves both gauges of a scrape (refresh() shares a sample in progress).
      const sample = await health.refresh();
      this.reset();
      if (sample !== null) this.set(labels, sample.capacityBytes);
    },
  });
  new Counter({
    name: 'gregor_log_dir_no_space_writes_total',
    help: 'Writes in the log directory refused for want of space since the broker started.',
    labelNames: ['log_dir'],
    registers,
    collect() {
      // The count lives in LogDirHealth; the counter shows it as it is at the scrape.
      this.reset();
      this.inc(labels, health.noSpaceWrites);
    },
  });
}
