// What `gregor k8s render` can vary, its defaults, and the parsing of the command line's
// text into it. Every choice the object builders make from the options is derived here or
// in deploy-layout.ts, so the builders and the semantic check read one source. A value that
// makes no sense (a size Kubernetes would refuse, two brokers with replication factor three)
// is a RenderOptionError naming the option, never a manifest that fails at apply time.

import { createHash } from 'node:crypto';
import { BROKER_CONFIG_KEYS } from '../config/config-def.ts';

export type EtcdChoice =
  | { readonly kind: 'internal'; readonly members: number }
  | { readonly kind: 'external'; readonly url: string };

export type ExternalAccess =
  | { readonly kind: 'none' }
  /** One NodePort Service per broker on nodePortBase + ordinal, advertised as host:port. */
  | { readonly kind: 'nodeport'; readonly host: string; readonly nodePortBase: number }
  /** One LoadBalancer Service per broker, advertised as <pod>.<domain>:9094 (external-dns). */
  | { readonly kind: 'loadbalancer'; readonly domain: string };

export interface ResourceChoice {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memory: string;
}

export interface RenderOptions {
  /** Prefix of every object name, and the `app.kubernetes.io/instance` label. */
  readonly name: string;
  readonly namespace: string;
  /** Render the Namespace object too (off when it is managed elsewhere). */
  readonly createNamespace: boolean;
  readonly brokers: number;
  readonly image: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  /** Size of each broker's log.dirs volume, a Kubernetes quantity. */
  readonly storage: string;
  /** null: the cluster's default StorageClass. */
  readonly storageClass: string | null;
  readonly etcd: EtcdChoice;
  readonly etcdImage: string;
  readonly etcdStorage: string;
  readonly external: ExternalAccess;
  /** The cluster's DNS domain, for the advertised per-pod names. */
  readonly clusterDomain: string;
  /** Written to every broker's cluster.id so brokers sharing the store form one cluster. */
  readonly clusterId: string;
  readonly resources: ResourceChoice;
  /** Whether two brokers may share a node when the scheduler has no other choice. */
  readonly antiAffinity: 'preferred' | 'required';
  /** Rack from the pod's topology.kubernetes.io/zone label (Kubernetes 1.35+ copies it). */
  readonly rackFromZone: boolean;
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /** Seconds Kubernetes waits after SIGTERM: controlled shutdown plus log flush. */
  readonly terminationGracePeriodSeconds: number;
  /** Further broker properties for the ConfigMap (--config key=value), in the order given. */
  readonly brokerProperties: ReadonlyArray<readonly [string, string]>;
}

export class RenderOptionError extends Error {
  override readonly name = 'RenderOptionError';
  readonly code = 'GREGOR_ERR_K8S_OPTION';
}

/** The options as the command line gives them: text, before parsing. */
export interface RenderOptionTexts {
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly createNamespace?: boolean | undefined;
  readonly brokers?: string | undefined;
  readonly image?: string | undefined;
  readonly imagePullPolicy?: string | undefined;
  readonly storage?: string | undefined;
  readonly storageClass?: string | undefined;
  readonly etcd?: string | undefined;
  readonly etcdMembers?: string | undefined;
  readonly etcdImage?: string | undefined;
  readonly etcdStorage?: string | undefined;
  readonly external?: string | undefined;
  readonly externalHost?: string | undefined;
  readonly externalDomain?: string | undefined;
  readonly nodePortBase?: string | undefined;
  readonly clusterDomain?: string | undefined;
  readonly clusterId?: string | undefined;
  readonly cpu?: string | undefined;
  readonly cpuLimit?: string | undefined;
  readonly memory?: string | undefined;
  readonly antiAffinity?: string | undefined;
  readonly rackFromZone?: boolean | undefined;
  readonly replicationFactor?: string | undefined;
  readonly minInsyncReplicas?: string | undefined;
  readonly terminationGracePeriod?: string | undefined;
  /** `key=value` broker properties. */
  readonly config?: readonly string[] | undefined;
}

export const RENDER_DEFAULTS = {
  name: 'gregor',
  namespace: 'gregor',
  brokers: 3,
  image: 'gregor:0.1.0',
  storage: '20Gi',
  etcdMembers: 3,
  etcdImage: 'quay.io/coreos/etcd:v3.5.21',
  etcdStorage: '2Gi',
  clusterDomain: 'cluster.local',
  cpu: '500m',
  cpuLimit: '2',
  memory: '2Gi',
  nodePortBase: 31090,
  terminationGracePeriodSeconds: 120,
} as const;

/** Kubernetes' NodePort range, the API server's default. */
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
const BROKERS_MAX = 100;
/** A DNS-1123 label: object names that become DNS names must be one. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A Kubernetes quantity as users write them (2Gi, 500m, 1.5, 10G). */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

export function parseRenderOptions(t: RenderOptionTexts): RenderOptions {
  const name = dnsLabel(t.name ?? RENDER_DEFAULTS.name, '--name');
  // The longest derived name is `<name>-etcd-peers`, and pod names add `-<ordinal>`.
  if (name.length > 40) throw new RenderOptionError(`--name '${name}' is longer than 40`);
  const namespace = dnsLabel(t.namespace ?? RENDER_DEFAULTS.namespace, '--namespace');
  const brokers = integer(t.brokers, RENDER_DEFAULTS.brokers, '--brokers', 1, BROKERS_MAX);
  const replicationFactor = integer(
    t.replicationFactor,
    Math.min(3, brokers),
    '--replication-factor',
    1,
    brokers,
  );
  const minInsyncReplicas = integer(
    t.minInsyncReplicas,
    Math.max(1, replicationFactor - 1),
    '--min-insync-replicas',
    1,
    replicationFactor,
  );
  return {
    name,
    namespace,
    createNamespace: t.createNamespace ?? true,
    brokers,
    image: imageRef(t.image ?? RENDER_DEFAULTS.image, '--image'),
    imagePullPolicy: oneOf(
      t.imagePullPolicy ?? 'IfNotPresent',
      ['Always', 'IfNotPresent', 'Never'] as const,
      '--image-pull-policy',
    ),
    storage: quantity(t.storage ?? RENDER_DEFAULTS.storage, '--storage'),
    storageClass: t.storageClass === undefined ? null : dnsName(t.storageClass, '--storage-class'),
    etcd: parseEtcd(t.etcd ?? 'internal', t.etcdMembers),
    etcdImage: imageRef(t.etcdImage ?? RENDER_DEFAULTS.etcdImage, '--etcd-image'),
    etcdStorage: quantity(t.etcdStorage ?? RENDER_DEFAULTS.etcdStorage, '--etcd-storage'),
    external: parseExternal(t),
    clusterDomain: dnsName(t.clusterDomain ?? RENDER_DEFAULTS.clusterDomain, '--cluster-domain'),
    clusterId: t.clusterId ?? defaultClusterId(namespace, name),
    resources: {
      cpuRequest: quantity(t.cpu ?? RENDER_DEFAULTS.cpu, '--cpu'),
      cpuLimit: quantity(t.cpuLimit ?? RENDER_DEFAULTS.cpuLimit, '--cpu-limit'),
      memory: quantity(t.memory ?? RENDER_DEFAULTS.memory, '--memory'),
    },
    antiAffinity: oneOf(
      t.antiAffinity ?? 'preferred',
      ['preferred', 'required'] as const,
      '--anti-affinity',
    ),
    rackFromZone: t.rackFromZone ?? true,
    replicationFactor,
    minInsyncReplicas,
    terminationGracePeriodSeconds: integer(
      t.terminationGracePeriod,
      RENDER_DEFAULTS.terminationGracePeriodSeconds,
      '--termination-grace-period',
      30,
      3600,
    ),
    brokerProperties: (t.config ?? []).map(brokerProperty),
  };
}

/** Keys the StatefulSet sets per pod or the render options own: --config may not set them. */
const RENDER_OWNED_KEYS: ReadonlyMap<string, string> = new Map([
  ['node.id', 'comes from the pod ordinal'],
  ['broker.id', 'comes from the pod ordinal (node.id)'],
  ['broker.rack', 'comes from the zone label (--no-rack-from-zone to leave it unset)'],
  ['listeners', "comes from the pod's DNS name"],
  ['advertised.listeners', "comes from the pod's DNS name and --external"],
  ['http.listener', 'serves the probes and must match their port'],
  ['log.dirs', 'is the volume of each pod (--storage)'],
  ['log.dir', 'is the volume of each pod (--storage)'],
  ['metadata.store', 'comes from --etcd'],
  ['cluster.id', 'comes from --cluster-id'],
  ['listener.security.protocol.map', 'names the INTERNAL and EXTERNAL listeners'],
  ['inter.broker.listener.name', 'is INTERNAL'],
  ['default.replication.factor', 'comes from --replication-factor'],
  ['min.insync.replicas', 'comes from --min-insync-replicas'],
]);

function brokerProperty(text: string): [string, string] {
  const at = text.indexOf('=');
  const key = at < 0 ? '' : text.slice(0, at).trim();
  if (key === '') throw new RenderOptionError(`--config '${text}' is not key=value`);
  const owned = RENDER_OWNED_KEYS.get(key);
  if (owned !== undefined) throw new RenderOptionError(`--config ${key}: ${key} ${owned}`);
  if (!BROKER_CONFIG_KEYS.has(key))
    throw new RenderOptionError(`--config ${key}: not a Gregor broker key (docs/configuration.md)`);
  return [key, text.slice(at + 1)];
}

/**
 * A stable cluster id for one namespace and name: rendering twice gives the same manifests,
 * and two clusters rendered for different namespaces never share an id. Kafka's form: 16
 * bytes in URL-safe base64 without padding.
 */
export function defaultClusterId(namespace: string, name: string): string {
  return createHash('sha256')
    .update(`gregor/${namespace}/${name}`)
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

function parseEtcd(text: string, membersText: string | undefined): EtcdChoice {
  if (text === 'internal') {
    const members = integer(membersText, RENDER_DEFAULTS.etcdMembers, '--etcd-members', 1, 9);
    // An even count tolerates no more failures than the odd count below it, and needs more.
    if (members % 2 === 0)
      throw new RenderOptionError(`--etcd-members '${members}': use an odd number (1, 3, 5...)`);
    return { kind: 'internal', members };
  }
  if (text.startsWith('external:')) {
    if (membersText !== undefined)
      throw new RenderOptionError('--etcd-members applies only to --etcd internal');
    const url = text.slice('external:'.length);
    if (!/^etcd:\/\/[^\s,]+(,[^\s,]+)*$/.test(url)) {
      throw new RenderOptionError(
        `--etcd external:${url}: expected external:etcd://host:port[,host:port...]`,
      );
    }
    return { kind: 'external', url };
  }
  throw new RenderOptionError(`--etcd '${text}': use internal or external:etcd://host:port`);
}

function parseExternal(t: RenderOptionTexts): ExternalAccess {
  const kind = oneOf(
    t.external ?? 'none',
    ['none', 'nodeport', 'loadbalancer'] as const,
    '--external',
  );
  const misplaced = (flag: string, value: string | undefined, wanted: string) => {
    if (value !== undefined && kind !== wanted)
      throw new RenderOptionError(`${flag} applies only to --external ${wanted}`);
  };
  misplaced('--external-host', t.externalHost, 'nodeport');
  misplaced('--node-port-base', t.nodePortBase, 'nodeport');
  misplaced('--external-domain', t.externalDomain, 'loadbalancer');
  if (kind === 'none') return { kind };
  if (kind === 'nodeport') {
    if (t.externalHost === undefined) {
      throw new RenderOptionError(
        '--external nodeport needs --external-host: an address of the nodes that clients outside the cluster can reach',
      );
    }
    const brokers = integer(t.brokers, RENDER_DEFAULTS.brokers, '--brokers', 1, BROKERS_MAX);
    const nodePortBase = integer(
      t.nodePortBase,
      RENDER_DEFAULTS.nodePortBase,
      '--node-port-base',
      NODE_PORT_MIN,
      NODE_PORT_MAX - brokers,
    );
    return { kind, host: dnsName(t.externalHost, '--external-host'), nodePortBase };
  }
  if (t.externalDomain === undefined) {
    throw new RenderOptionError(
      '--external loadbalancer needs --external-domain: the DNS zone under which each broker gets <pod>.<domain>',
    );
  }
  return { kind, domain: dnsName(t.externalDomain, '--external-domain') };
}

function integer(
  text: string | undefined,
  fallback: number,
  flag: string,
  min: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new RenderOptionError(`${flag} '${text}' is not an integer from ${min} to ${max}`);
  }
  return n;
}

function oneOf<T extends string>(text: string, values: readonly T[], flag: string): T {
  const found = values.find((v) => v === text);
  if (found === undefined)
    throw new RenderOptionError(`${flag} '${text}' is not one of ${values.join(', ')}`);
  return found;
}

function dnsLabel(text: string, flag: string): string {
  if (!DNS_LABEL.test(text) || text.length > 63)
    throw new RenderOptionError(`${flag} '${text}' is not a DNS label (a-z, 0-9, -)`);
  return text;
}

function dnsName(text: string, flag: string): string {
  const isIpv4 = /^[0-9]+(\.[0-9]+){3}$/.test(text);
  if (!isIpv4 && (!DNS_NAME.test(text) || text.length > 253))
    throw new RenderOptionError(`${flag} '${text}' is not a DNS name or IPv4 address`);
  return text;
}

function quantity(text: string, flag: string): string {
  if (!QUANTITY.test(text))
    throw new RenderOptionError(`${flag} '${text}' is not a Kubernetes quantity (e.g. 20Gi)`);
  return text;
}

function imageRef(text: string, flag: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(text))
    throw new RenderOptionError(`${flag} '${text}' is not an image reference`);
  return text;
}
