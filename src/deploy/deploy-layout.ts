// The fixed shape of a Gregor deployment: object names derived from the release name,
// labels, ports, paths inside the container, and the per-pod DNS names. The builders, the
// semantic check and the README all speak in these terms, so they are defined once.

import type { RenderOptions } from './render-options.ts';

/** Listener names: brokers and in-cluster clients use INTERNAL, others EXTERNAL. */
export const INTERNAL_LISTENER = 'INTERNAL';
export const EXTERNAL_LISTENER = 'EXTERNAL';
export const INTERNAL_PORT = 9092;
export const EXTERNAL_PORT = 9094;
/** http.listener: /metrics, /healthz, /readyz. */
export const HTTP_PORT = 9404;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
/** etcd's --listen-metrics-urls port: /metrics and /health without client traffic. */
export const ETCD_METRICS_PORT = 2381;

/** The image's layout (deploy/Dockerfile): the data volume and the configuration mount. */
export const DATA_MOUNT_PATH = '/var/lib/gregor';
/** log.dirs is a directory inside the volume: a fresh ext4 volume has lost+found at its root. */
export const LOG_DIRS = `${DATA_MOUNT_PATH}/data`;
export const CONFIG_MOUNT_PATH = '/etc/gregor';
export const CONFIG_FILE = 'server.properties';
export const ETCD_DATA_MOUNT_PATH = '/var/lib/etcd';
/** The user the image runs as; fsGroup makes the volume writable for it. */
export const RUN_AS_USER = 1000;

/** Kubernetes sets this label on each StatefulSet pod (1.28+); the downward API reads it. */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** Copied from the node onto the pod by Kubernetes 1.35+ (KEP-4742). */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export interface DeployNames {
  readonly serviceAccount: string;
  readonly configMap: string;
  readonly brokers: string;
  readonly brokersHeadless: string;
  readonly bootstrap: string;
  readonly brokersPdb: string;
  readonly externalBootstrap: string;
  readonly etcd: string;
  readonly etcdPeers: string;
  readonly etcdClient: string;
  readonly etcdPdb: string;
}

export function deployNames(o: Pick<RenderOptions, 'name'>): DeployNames {
  const n = o.name;
  return {
    serviceAccount: n,
    configMap: `${n}-config`,
    brokers: n,
    brokersHeadless: `${n}-brokers`,
    bootstrap: `${n}-bootstrap`,
    brokersPdb: n,
    externalBootstrap: `${n}-external-bootstrap`,
    etcd: `${n}-etcd`,
    etcdPeers: `${n}-etcd-peers`,
    etcdClient: `${n}-etcd`,
    etcdPdb: `${n}-etcd`,
  };
}

/** Name of broker `ordinal`'s external Service. */
export function externalServiceName(o: Pick<RenderOptions, 'name'>, ordinal: number): string {
  return `${o.name}-${ordinal}-external`;
}

/** Labels every object carries; `component` tells brokers from etcd. */
export function commonLabels(
  o: Pick<RenderOptions, 'name'>,
  component: 'broker' | 'etcd' | 'config',
): Record<string, string> {
  return {
    'app.kubernetes.io/name': component === 'etcd' ? 'etcd' : 'gregor',
    'app.kubernetes.io/instance': o.name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'gregor',
    'app.kubernetes.io/managed-by': 'gregor-k8s-render',
  };
}

/** The subset of labels a selector uses: stable across upgrades (selectors are immutable). */
export function selectorLabels(
  o: Pick<RenderOptions, 'name'>,
  component: 'broker' | 'etcd',
): Record<string, string> {
  const all = commonLabels(o, component);
  return {
    'app.kubernetes.io/name': all['app.kubernetes.io/name']!,
    'app.kubernetes.io/instance': o.name,
    'app.kubernetes.io/component': component,
  };
}

/** `<service>.<namespace>.svc.<cluster domain>`. */
export function serviceDnsName(
  o: Pick<RenderOptions, 'namespace' | 'clusterDomain'>,
  service: string,
): string {
  return `${service}.${o.namespace}.svc.${o.clusterDomain}`;
}

/** The DNS name Kubernetes gives a StatefulSet pod through its governing headless Service. */
export function podDnsName(
  o: Pick<RenderOptions, 'namespace' | 'clusterDomain'>,
  pod: string,
  headlessService: string,
): string {
  return `${pod}.${serviceDnsName(o, headlessService)}`;
}

/** metadata.store for the brokers: the etcd client Service, or the external URL as given. */
export function metadataStoreUrl(
  o: Pick<RenderOptions, 'name' | 'namespace' | 'clusterDomain' | 'etcd'>,
): string {
  if (o.etcd.kind === 'external') return o.etcd.url;
  const client = serviceDnsName(o, deployNames(o).etcdClient);
  return `etcd://${client}:${ETCD_CLIENT_PORT}`;
}
