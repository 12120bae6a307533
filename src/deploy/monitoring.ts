// Monitoring for a rendered deployment, for clusters running the Prometheus Operator: a
// PodMonitor that scrapes every broker's http port, a PrometheusRule with the alerts an
// operator of Kafka expects (under-replicated and offline partitions, no single active
// controller, writes at risk under min.insync.replicas, a volume almost full, consumer lag
// growing), and a Grafana dashboard over the same metric names Strimzi's dashboards use
// (the brokers export them under those names, and consumer lag as kafka_exporter does).

import { commonLabels, deployNames, selectorLabels } from './deploy-layout.ts';
import type { KubeObject } from './render.ts';
import type { RenderOptions } from './render-options.ts';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: 'warning' | 'critical' };
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** Lag above this many records, and still growing, is worth a page to the consumer's owner. */
export const CONSUMER_LAG_ALERT_RECORDS = 1000;
/** Free space of a broker volume below this share raises the disk alert. */
export const VOLUME_FREE_ALERT_RATIO = 0.15;

export function alertRules(o: Pick<RenderOptions, 'name' | 'namespace'>): AlertRule[] {
  const ns = `namespace="${o.namespace}"`;
  const pods = `${ns}, pod=~"${deployNames(o).brokers}-[0-9]+"`;
  const pvc = `${ns}, persistentvolumeclaim=~"data-${deployNames(o).brokers}-[0-9]+"`;
  const lag = `sum by (namespace, consumergroup, topic) (kafka_consumergroup_lag{${pods}})`;
  return [
    {
      alert: 'GregorUnderReplicatedPartitions',
      expr: `sum by (namespace, pod) (kafka_server_replicamanager_underreplicatedpartitions{${pods}}) > 0`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Partitions led by {{ $labels.pod }} are under-replicated',
        description:
          '{{ $value }} partitions have fewer in-sync replicas than replicas: a broker is down, slow or catching up.',
      },
    },
    {
      alert: 'GregorOfflinePartitions',
      expr: `sum by (namespace) (kafka_controller_kafkacontroller_offlinepartitionscount{${pods}}) > 0`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Partitions have no leader',
        description:
          '{{ $value }} partitions cannot be read or written: none of their in-sync replicas is up.',
      },
    },
    {
      alert: 'GregorNoSingleActiveController',
      expr: `sum by (namespace) (kafka_controller_kafkacontroller_activecontrollercount{${pods}}) != 1`,
      for: '2m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The cluster has {{ $value }} active controllers, not one',
        description:
          'No broker holds the controller lease (etcd unreachable?) or the scrape sees a stale one: leadership changes are stuck.',
      },
    },
    {
      alert: 'GregorUnderMinIsrPartitions',
      expr: `sum by (namespace, pod) (kafka_server_replicamanager_underminisrpartitioncount{${pods}}) > 0`,
      for: '1m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'acks=all writes fail on partitions led by {{ $labels.pod }}',
        description:
          '{{ $value }} partitions have fewer in-sync replicas than min.insync.replicas.',
      },
    },
    {
      alert: 'GregorVolumeAlmostFull',
      expr:
        `kubelet_volume_stats_available_bytes{${pvc}} / ` +
        `kubelet_volume_stats_capacity_bytes{${pvc}} < ${VOLUME_FREE_ALERT_RATIO}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Volume {{ $labels.persistentvolumeclaim }} is almost full',
        description:
          'Less than 15% free: shorten retention, delete topics, expand the PersistentVolumeClaim or add brokers and rebalance.',
      },
    },
    {
      alert: 'GregorConsumerLagGrowing',
      expr:
        `(${lag} > ${CONSUMER_LAG_ALERT_RECORDS}) and ` +
        `(sum by (namespace, consumergroup, topic) (delta(kafka_consumergroup_lag{${pods}}[15m])) > 0)`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Consumer group {{ $labels.consumergroup }} falls behind on {{ $labels.topic }}',
        description: 'Lag is {{ $value }} records and has grown over the last 15 minutes.',
      },
    },
  ];
}

export function monitoringObjects(o: RenderOptions): KubeObject[] {
  const podMonitor = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: {
      name: deployNames(o).brokers,
      namespace: o.namespace,
      labels: commonLabels(o, 'broker'),
    },
    spec: {
      selector: { matchLabels: selectorLabels(o, 'broker') },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
    },
  };
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: deployNames(o).brokers,
      namespace: o.namespace,
      labels: commonLabels(o, 'broker'),
    },
    spec: { groups: [{ name: 'gregor', rules: alertRules(o) }] },
  };
  return [podMonitor, rule];
}

// ---- the Grafana dashboard ------------------------------------------------------------------

interface PanelSpec {
  readonly title: string;
  readonly type: 'stat' | 'timeseries';
  readonly unit: string;
  readonly targets: ReadonlyArray<{ readonly expr: string; readonly legend: string }>;
}

const SEL = 'namespace=~"$namespace", pod=~"$pod"';

/** Every panel of the dashboard, in rows of the given titles. */
export function dashboardPanels(): Array<{ row: string; panels: PanelSpec[] }> {
  const rate = (metric: string) => `sum by (topic) (rate(${metric}{${SEL}}[5m]))`;
  const stat = (title: string, expr: string): PanelSpec => ({
    title,
    type: 'stat',
    unit: 'none',
    targets: [{ expr, legend: title }],
  });
  const series = (title: string, unit: string, expr: string, legend: string): PanelSpec => ({
    title,
    type: 'timeseries',
    unit,
    targets: [{ expr, legend }],
  });
  return [
    {
      row: 'Cluster',
      panels: [
        stat('Brokers', `count(kafka_server_replicamanager_partitioncount{${SEL}})`),
        stat(
          'Active controllers',
          `sum(kafka_controller_kafkacontroller_activecontrollercount{${SEL}})`,
        ),
        stat(
          'Offline partitions',
          `sum(kafka_controller_kafkacontroller_offlinepartitionscount{${SEL}})`,
        ),
        stat(
          'Under-replicated partitions',
          `sum(kafka_server_replicamanager_underreplicatedpartitions{${SEL}})`,
        ),
        stat('Under min ISR', `sum(kafka_server_replicamanager_underminisrpartitioncount{${SEL}})`),
        stat('Partitions', `sum(kafka_controller_kafkacontroller_globalpartitioncount{${SEL}})`),
      ],
    },
    {
      row: 'Throughput by topic',
      panels: [
        series(
          'Messages in',
          'short',
          rate('kafka_server_brokertopicmetrics_messagesin_total'),
          '{{topic}}',
        ),
        series(
          'Bytes in',
          'Bps',
          rate('kafka_server_brokertopicmetrics_bytesin_total'),
          '{{topic}}',
        ),
        series(
          'Bytes out',
          'Bps',
          rate('kafka_server_brokertopicmetrics_bytesout_total'),
          '{{topic}}',
        ),
        series(
          'Failed produce and fetch',
          'short',
          `sum by (topic) (rate(kafka_server_brokertopicmetrics_failedproducerequests_total{${SEL}}[5m]) + ` +
            `rate(kafka_server_brokertopicmetrics_failedfetchrequests_total{${SEL}}[5m]))`,
          '{{topic}}',
        ),
      ],
    },
    {
      row: 'Requests by API',
      panels: [
        series(
          'Request rate',
          'reqps',
          `sum by (request) (rate(kafka_network_requestmetrics_requests_total{${SEL}}[5m]))`,
          '{{request}}',
        ),
        series(
          'Total time p99',
          'ms',
          `histogram_quantile(0.99, sum by (le, request) (rate(kafka_network_requestmetrics_totaltimems_bucket{${SEL}}[5m])))`,
          '{{request}}',
        ),
        series(
          'Total time p50',
          'ms',
          `histogram_quantile(0.5, sum by (le, request) (rate(kafka_network_requestmetrics_totaltimems_bucket{${SEL}}[5m])))`,
          '{{request}}',
        ),
      ],
    },
    {
      row: 'Replication',
      panels: [
        series(
          'ISR shrinks',
          'short',
          `sum by (pod) (rate(kafka_server_replicamanager_isrshrinks_total{${SEL}}[5m]))`,
          '{{pod}}',
        ),
        series(
          'ISR expands',
          'short',
          `sum by (pod) (rate(kafka_server_replicamanager_isrexpands_total{${SEL}}[5m]))`,
          '{{pod}}',
        ),
        series(
          'Leaders',
          'short',
          `sum by (pod) (kafka_server_replicamanager_leadercount{${SEL}})`,
          '{{pod}}',
        ),
        series(
          'Partitions',
          'short',
          `sum by (pod) (kafka_server_replicamanager_partitioncount{${SEL}})`,
          '{{pod}}',
        ),
      ],
    },
    {
      row: 'Storage and connections',
      panels: [
        series(
          'Log size by topic',
          'bytes',
          `sum by (topic) (kafka_log_log_size{${SEL}})`,
          '{{topic}}',
        ),
        series(
          'Volume free',
          'percentunit',
          'kubelet_volume_stats_available_bytes{namespace=~"$namespace", persistentvolumeclaim=~"data-$pod"} / ' +
            'kubelet_volume_stats_capacity_bytes{namespace=~"$namespace", persistentvolumeclaim=~"data-$pod"}',
          '{{persistentvolumeclaim}}',
        ),
        series(
          'Connections',
          'short',
          `sum by (pod, listener) (kafka_server_socket_server_metrics_connection_count{${SEL}})`,
          '{{pod}} {{listener}}',
        ),
      ],
    },
    {
      row: 'Consumers',
      panels: [
        series(
          'Lag by group and topic',
          'short',
          `sum by (consumergroup, topic) (kafka_consumergroup_lag{${SEL}})`,
          '{{consumergroup}} {{topic}}',
        ),
        series(
          'Consumed per second',
          'short',
          `sum by (consumergroup, topic) (rate(kafka_consumergroup_current_offset{${SEL}}[5m]))`,
          '{{consumergroup}} {{topic}}',
        ),
        series(
          'Produced per second (offsets)',
          'short',
          `sum by (topic) (rate(kafka_topic_partition_current_offset{${SEL}}[5m]))`,
          '{{topic}}',
        ),
      ],
    },
  ];
}

const PANEL_WIDTH = { stat: 4, timeseries: 8 } as const;
const PANEL_HEIGHT = { stat: 4, timeseries: 8 } as const;
const GRID_WIDTH = 24;

export function grafanaDashboard(o: Pick<RenderOptions, 'name' | 'namespace'>): object {
  // Grafana's own variable syntax, filled in by Grafana from the dashboard's datasource variable.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: not a JavaScript template.
  const datasource = { type: 'prometheus', uid: '${datasource}' };
  const panels: object[] = [];
  let id = 1;
  let y = 0;
  for (const { row, panels: specs } of dashboardPanels()) {
    panels.push({
      id: id++,
      type: 'row',
      title: row,
      collapsed: false,
      gridPos: { h: 1, w: GRID_WIDTH, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of specs) {
      const w = PANEL_WIDTH[p.type];
      const h = PANEL_HEIGHT[p.type];
      if (x + w > GRID_WIDTH) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push({
        id: id++,
        type: p.type,
        title: p.title,
        datasource,
        gridPos: { h, w, x, y },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options:
          p.type === 'stat'
            ? { reduceOptions: { calcs: ['lastNotNull'] } }
            : { legend: { displayMode: 'list', placement: 'bottom' } },
        targets: p.targets.map((t, i) => ({
          refId: String.fromCharCode(65 + i),
          datasource,
          expr: t.expr,
          legendFormat: t.legend,
        })),
      });
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  const query = (name: string, label: string, q: string, current: string) => ({
    name,
    label,
    type: 'query',
    datasource,
    query: q,
    refresh: 2,
    includeAll: true,
    multi: true,
    current: { text: current, value: current },
  });
  return {
    title: 'Gregor',
    uid: 'gregor-brokers',
    description:
      'Gregor brokers: cluster state, throughput, requests, replication, storage, consumer lag.',
    tags: ['gregor', 'kafka'],
    timezone: 'browser',
    schemaVersion: 39,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        query(
          'namespace',
          'Namespace',
          'label_values(kafka_server_replicamanager_partitioncount, namespace)',
          o.namespace,
        ),
        query(
          'pod',
          'Broker',
          'label_values(kafka_server_replicamanager_partitioncount{namespace=~"$namespace"}, pod)',
          '$__all',
        ),
      ],
    },
    panels,
    annotations: { list: [] },
    editable: true,
    version: 1,
    links: [],
  };
}
