// The semantic check of a set of Kubernetes objects: what the API server's schemas accept
// but a running Gregor cluster would not survive. Selectors that match no pod, a Service
// port naming no container port, a probe on a port or path nobody serves, a PDB that blocks
// every drain or lets writes stop, a broker whose log.dirs is not on its volume, and an
// advertised name that no Service makes resolvable. Each broker's configuration is built
// with the broker's own parser from the ConfigMap and the pod's environment, as the kubelet
// would hand them over, so a key the broker refuses is caught here too.

import { type BrokerConfig, buildBrokerConfig } from '../config/broker-config.ts';
import { parseHttpListener } from '../config/config-def.ts';
import { parseOverrideArgs } from '../config/config-sources.ts';
import { POD_INDEX_LABEL, POD_NAME_LABEL, ZONE_LABEL } from './deploy-layout.ts';
import { EXTERNAL_DNS_ANNOTATION } from './external-objects.ts';
import {
  type ConfigMapData,
  type ContainerSpec,
  containerArgv,
  containerEnvironment,
  type PodIdentity,
} from './pod-environment.ts';

export interface ManifestProblem {
  /** `Kind/namespace/name`. */
  readonly object: string;
  readonly problem: string;
}

/** Seconds a broker needs after SIGTERM: hand over leaderships (10 s at most), then flush. */
const BROKER_GRACE_SECONDS_MIN = 30;
const BROKER_PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

// ---- a loose, read-only view of parsed YAML --------------------------------------------

type Loose = { readonly [key: string]: unknown };

function obj(v: unknown): Loose {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Loose) : {};
}
function arr(v: unknown): Loose[] {
  return Array.isArray(v) ? v.map(obj) : [];
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
function labels(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) if (typeof val === 'string') out[k] = val;
  return out;
}

interface Entry {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly raw: Loose;
  readonly id: string;
}

interface Workload {
  readonly entry: Entry;
  readonly replicas: number;
  readonly podLabels: Record<string, string>;
  readonly podSpec: Loose;
  readonly containers: Loose[];
  readonly claimNames: Set<string>;
}

interface Inventory {
  readonly entries: Entry[];
  readonly workloads: Workload[];
  readonly services: Entry[];
  readonly configMaps: Map<string, Record<string, string>>;
}

function entryOf(raw: Loose): Entry {
  const md = obj(raw['metadata']);
  const kind = str(raw['kind']) ?? '?';
  const name = str(md['name']) ?? '?';
  const namespace = str(md['namespace']) ?? 'default';
  return { kind, name, namespace, raw, id: `${kind}/${namespace}/${name}` };
}

function inventory(input: readonly unknown[]): Inventory {
  const entries = input.map((o) => entryOf(obj(o)));
  const workloads: Workload[] = [];
  for (const e of entries) {
    if (e.kind !== 'StatefulSet' && e.kind !== 'Deployment') continue;
    const spec = obj(e.raw['spec']);
    const template = obj(spec['template']);
    const podSpec = obj(template['spec']);
    workloads.push({
      entry: e,
      replicas: num(spec['replicas']) ?? 1,
      podLabels: labels(obj(template['metadata'])['labels']),
      podSpec,
      containers: arr(podSpec['containers']),
      claimNames: new Set(
        arr(spec['volumeClaimTemplates']).map((c) => str(obj(c['metadata'])['name']) ?? ''),
      ),
    });
  }
  const configMaps = new Map<string, Record<string, string>>();
  for (const e of entries)
    if (e.kind === 'ConfigMap') configMaps.set(`${e.namespace}/${e.name}`, labels(e.raw['data']));
  return { entries, workloads, services: entries.filter((e) => e.kind === 'Service'), configMaps };
}

/** A matchLabels selector (matchExpressions are not used by our manifests, and refused). */
function selects(selector: Record<string, string>, podLabels: Record<string, string>): boolean {
  const keys = Object.keys(selector);
  return keys.length > 0 && keys.every((k) => podLabels[k] === selector[k]);
}

/** Pod labels of one StatefulSet pod, as the controller sets them. */
function statefulPodLabels(w: Workload, ordinal: number): Record<string, string> {
  return {
    ...w.podLabels,
    [POD_NAME_LABEL]: `${w.entry.name}-${ordinal}`,
    [POD_INDEX_LABEL]: String(ordinal),
  };
}

function podsSelectedBy(inv: Inventory, namespace: string, selector: Record<string, string>) {
  const out: Array<{ workload: Workload; ordinal: number }> = [];
  for (const w of inv.workloads) {
    if (w.entry.namespace !== namespace) continue;
    for (let i = 0; i < Math.max(1, w.replicas); i++)
      if (selects(selector, statefulPodLabels(w, i))) out.push({ workload: w, ordinal: i });
  }
  return out;
}

function containerPorts(c: Loose): Array<{ name: string | undefined; port: number }> {
  return arr(c['ports']).map((p) => ({
    name: str(p['name']),
    port: num(p['containerPort']) ?? -1,
  }));
}

function portServed(containers: readonly Loose[], port: unknown): boolean {
  return containers.some((c) =>
    containerPorts(c).some((p) => (typeof port === 'string' ? p.name === port : p.port === port)),
  );
}

// ---- the checks ----------------------------------------------------------------------------

export function checkManifests(input: readonly unknown[]): ManifestProblem[] {
  const inv = inventory(input);
  const problems: ManifestProblem[] = [];
  const report = (e: Entry, problem: string) => problems.push({ object: e.id, problem });
  for (const w of inv.workloads) checkWorkload(inv, w, report);
  for (const s of inv.services) checkService(inv, s, report);
  for (const e of inv.entries) if (e.kind === 'PodDisruptionBudget') checkBudget(inv, e, report);
  for (const w of inv.workloads)
    for (const c of w.containers) if (isGregorServer(c)) checkBroker(inv, w, c, report);
  return problems;
}

type Report = (e: Entry, problem: string) => void;

function checkWorkload(inv: Inventory, w: Workload, report: Report): void {
  const spec = obj(w.entry.raw['spec']);
  const selector = labels(obj(spec['selector'])['matchLabels']);
  if (obj(spec['selector'])['matchExpressions'] !== undefined)
    report(w.entry, 'selector.matchExpressions is not checked here: use matchLabels');
  if (!selects(selector, w.podLabels))
    report(w.entry, `selector ${JSON.stringify(selector)} does not match the pod template labels`);
  const account = str(w.podSpec['serviceAccountName']);
  if (
    account !== undefined &&
    account !== 'default' &&
    !exists(inv, 'ServiceAccount', w.entry.namespace, account)
  )
    report(w.entry, `serviceAccountName ${account} names no ServiceAccount`);
  if (w.entry.kind === 'StatefulSet') checkGoverningService(inv, w, spec, report);
  const volumes = new Map(arr(w.podSpec['volumes']).map((v) => [str(v['name']) ?? '', v]));
  for (const c of w.containers) {
    for (const m of arr(c['volumeMounts'])) {
      const name = str(m['name']) ?? '';
      if (!volumes.has(name) && !w.claimNames.has(name))
        report(w.entry, `volumeMount ${name} names no volume or volumeClaimTemplate`);
    }
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const p = obj(c[probe]);
      const target = p['httpGet'] ?? p['tcpSocket'] ?? p['grpc'];
      if (target === undefined) continue;
      const port = obj(target)['port'];
      if (!portServed([c], port))
        report(w.entry, `${str(c['name'])} ${probe} port ${String(port)} is not a container port`);
    }
  }
  for (const v of volumes.values()) {
    const cm = str(obj(v['configMap'])['name']);
    if (cm !== undefined && !inv.configMaps.has(`${w.entry.namespace}/${cm}`))
      report(w.entry, `volume ${str(v['name'])} names ConfigMap ${cm}, which is not defined`);
  }
}

function checkGoverningService(inv: Inventory, w: Workload, spec: Loose, report: Report): void {
  const serviceName = str(spec['serviceName']);
  const headless = inv.services.find(
    (s) => s.namespace === w.entry.namespace && s.name === serviceName,
  );
  if (headless === undefined) {
    report(w.entry, `serviceName ${serviceName} names no Service: pods get no DNS names`);
    return;
  }
  const hs = obj(headless.raw['spec']);
  if (hs['clusterIP'] !== 'None')
    report(w.entry, `serviceName ${serviceName} is not headless (clusterIP: None)`);
  if (!selects(labels(hs['selector']), statefulPodLabels(w, 0)))
    report(w.entry, `headless Service ${serviceName} does not select this StatefulSet's pods`);
  if (hs['publishNotReadyAddresses'] !== true && w.containers.some(isGregorServer))
    report(
      w.entry,
      `headless Service ${serviceName} must publish not-ready addresses: brokers reach each other before they are ready`,
    );
}

function exists(inv: Inventory, kind: string, namespace: string, name: string): boolean {
  return inv.entries.some((e) => e.kind === kind && e.namespace === namespace && e.name === name);
}

function checkService(inv: Inventory, s: Entry, report: Report): void {
  const spec = obj(s.raw['spec']);
  const selector = labels(spec['selector']);
  const pods = podsSelectedBy(inv, s.namespace, selector);
  if (pods.length === 0) {
    report(s, `selector ${JSON.stringify(selector)} matches no pod of any workload here`);
    return;
  }
  for (const p of arr(spec['ports'])) {
    const target = p['targetPort'] ?? p['port'];
    const missing = pods.filter((pod) => !portServed(pod.workload.containers, target));
    if (missing.length > 0)
      report(
        s,
        `port ${str(p['name']) ?? num(p['port'])} targets ${String(target)}, which the selected pods do not serve`,
      );
  }
}

function checkBudget(inv: Inventory, pdb: Entry, report: Report): void {
  const spec = obj(pdb.raw['spec']);
  const selector = labels(obj(spec['selector'])['matchLabels']);
  const owners = new Set(podsSelectedBy(inv, pdb.namespace, selector).map((p) => p.workload));
  if (owners.size !== 1) {
    report(
      pdb,
      `selector matches pods of ${owners.size} workloads; a budget should cover exactly one`,
    );
    return;
  }
  const w = [...owners][0]!;
  const maxUnavailable = num(spec['maxUnavailable']);
  const minAvailable = num(spec['minAvailable']);
  const allowed = maxUnavailable ?? (minAvailable === undefined ? 0 : w.replicas - minAvailable);
  if (allowed < 1)
    report(pdb, `allows no pod of ${w.replicas} to be evicted: every node drain would block`);
  if (allowed >= w.replicas && w.replicas > 1)
    report(pdb, `allows all ${w.replicas} pods to be evicted at once`);
  if (w.containers.some((c) => str(c['name']) === 'etcd') && w.replicas >= 3) {
    const majority = Math.floor(w.replicas / 2) + 1;
    if (w.replicas - allowed < majority)
      report(pdb, `lets etcd fall below its majority of ${majority} of ${w.replicas} members`);
  }
  const broker = w.containers.find(isGregorServer);
  if (broker !== undefined) {
    const config = brokerConfig(inv, w, broker, 0);
    if (config === null) return;
    const slack = Math.max(1, config.defaultReplicationFactor - config.minInsyncReplicas);
    if (allowed > slack)
      report(
        pdb,
        `allows ${allowed} brokers down, but replication factor ${config.defaultReplicationFactor} with min.insync.replicas ${config.minInsyncReplicas} tolerates ${slack}`,
      );
  }
}

// ---- brokers -------------------------------------------------------------------------------

function argvOf(c: Loose): string[] {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  return [...list(c['command']), ...list(c['args'])];
}

function isGregorServer(c: Loose): boolean {
  const argv = argvOf(c);
  const at = argv.findIndex((a) => a === 'gregor' || a.endsWith('/gregor'));
  return at >= 0 && argv[at + 1] === 'server';
}

/** The pod the StatefulSet controller would make for `ordinal`, with sample node values. */
function samplePod(w: Workload, ordinal: number): PodIdentity {
  return {
    name: `${w.entry.name}-${ordinal}`,
    namespace: w.entry.namespace,
    labels: { ...statefulPodLabels(w, ordinal), [ZONE_LABEL]: 'zone-a' },
    podIP: `10.0.0.${ordinal + 10}`,
    hostIP: '10.1.0.1',
    nodeName: 'node-a',
  };
}

function configMapData(inv: Inventory, namespace: string): ConfigMapData {
  const out = new Map<string, Record<string, string>>();
  for (const [key, data] of inv.configMaps) {
    const [ns, name] = key.split('/');
    if (ns === namespace && name !== undefined) out.set(name, data);
  }
  return out;
}

/** The file behind a path in the container: a key of a mounted ConfigMap, or null. */
function mountedFile(inv: Inventory, w: Workload, c: Loose, path: string): string | null {
  const volumes = new Map(arr(w.podSpec['volumes']).map((v) => [str(v['name']) ?? '', v]));
  for (const m of arr(c['volumeMounts'])) {
    const mountPath = str(m['mountPath']) ?? '';
    if (!path.startsWith(`${mountPath}/`)) continue;
    const cm = str(obj(volumes.get(str(m['name']) ?? '')?.['configMap'])['name']);
    if (cm === undefined) return null;
    return (
      inv.configMaps.get(`${w.entry.namespace}/${cm}`)?.[path.slice(mountPath.length + 1)] ?? null
    );
  }
  return null;
}

interface BrokerLaunch {
  readonly config: BrokerConfig;
  readonly pod: PodIdentity;
}

function brokerLaunch(
  inv: Inventory,
  w: Workload,
  c: Loose,
  ordinal: number,
): BrokerLaunch | string {
  const pod = samplePod(w, ordinal);
  let env: Map<string, string>;
  try {
    env = containerEnvironment(c as ContainerSpec, pod, configMapData(inv, w.entry.namespace));
  } catch (err) {
    return `pod ${pod.name}: ${(err as Error).message}`;
  }
  const { command, args } = containerArgv(c as ContainerSpec, env);
  const argv = [...command, ...args];
  const rest = argv.slice(argv.indexOf('server') + 1);
  const overrides: string[] = [];
  let file: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--override') overrides.push(rest[++i] ?? '');
    else if (a === '-c' || a === '--config') file = rest[++i];
    else if (!a.startsWith('-')) file = a;
  }
  let text: string | undefined;
  if (file !== undefined) {
    const found = mountedFile(inv, w, c, file);
    if (found === null)
      return `pod ${pod.name}: properties file ${file} is not a key of a mounted ConfigMap`;
    text = found;
  }
  try {
    const config = buildBrokerConfig({
      ...(file !== undefined && text !== undefined ? { file: { name: file, text } } : {}),
      env: Object.fromEntries(env),
      overrides: parseOverrideArgs(overrides),
      hostname: pod.name,
    });
    return { config, pod };
  } catch (err) {
    return `pod ${pod.name}: the broker would refuse its configuration: ${(err as Error).message}`;
  }
}

function brokerConfig(inv: Inventory, w: Workload, c: Loose, ordinal: number): BrokerConfig | null {
  const launch = brokerLaunch(inv, w, c, ordinal);
  // checkBroker reports a launch that fails; the budget check only needs a config.
  return typeof launch === 'string' ? null : launch.config;
}

function checkBroker(inv: Inventory, w: Workload, c: Loose, report: Report): void {
  const grace = num(w.podSpec['terminationGracePeriodSeconds']) ?? 30;
  if (grace < BROKER_GRACE_SECONDS_MIN)
    report(
      w.entry,
      `terminationGracePeriodSeconds ${grace} leaves no time for controlled shutdown (${BROKER_GRACE_SECONDS_MIN}+)`,
    );
  checkBrokerProbes(w, c, report);
  const nodeIds = new Set<number>();
  for (let i = 0; i < w.replicas; i++) {
    const launch = brokerLaunch(inv, w, c, i);
    if (typeof launch === 'string') {
      report(w.entry, launch);
      continue;
    }
    const { config, pod } = launch;
    if (nodeIds.has(config.nodeId))
      report(w.entry, `pod ${pod.name} repeats node.id ${config.nodeId}`);
    nodeIds.add(config.nodeId);
    if (config.nodeId !== i)
      report(w.entry, `pod ${pod.name} gets node.id ${config.nodeId}, not its ordinal ${i}`);
    if (i === 0) checkBrokerOnce(inv, w, c, config, report);
    checkBrokerNames(inv, w, pod, config, report);
  }
}

function checkBrokerProbes(w: Workload, c: Loose, report: Report): void {
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const get = obj(obj(c[probe])['httpGet']);
    if (c[probe] === undefined) {
      report(w.entry, `broker container has no ${probe}`);
      continue;
    }
    const path = str(get['path']);
    if (path === undefined || !BROKER_PROBE_PATHS.has(path))
      report(
        w.entry,
        `${probe} path ${String(path)} is not served by the broker (/healthz, /readyz)`,
      );
  }
  if (str(obj(obj(c['readinessProbe'])['httpGet'])['path']) !== '/readyz')
    report(w.entry, 'readinessProbe must ask /readyz: only it says the broker rejoined its ISRs');
  if (str(obj(obj(c['livenessProbe'])['httpGet'])['path']) !== '/healthz')
    report(w.entry, 'livenessProbe must ask /healthz: liveness checks only the process');
}

function checkBrokerOnce(
  inv: Inventory,
  w: Workload,
  c: Loose,
  config: BrokerConfig,
  report: Report,
): void {
  const mounts = arr(c['volumeMounts']).map((m) => ({
    name: str(m['name']) ?? '',
    path: str(m['mountPath']) ?? '',
  }));
  for (const dir of config.logDirs) {
    const mount = mounts
      .filter((m) => dir === m.path || dir.startsWith(`${m.path}/`))
      .sort((a, b) => b.path.length - a.path.length)[0];
    if (mount === undefined)
      report(
        w.entry,
        `log.dirs ${dir} is on no volume: the root filesystem is read-only or lost on restart`,
      );
    else if (!w.claimNames.has(mount.name))
      report(
        w.entry,
        `log.dirs ${dir} is on volume ${mount.name}, not a volumeClaimTemplate: data would not survive the pod`,
      );
  }
  for (const l of config.listeners)
    if (!portServed([c], l.port))
      report(w.entry, `listener ${l.name} port ${l.port} is not a container port`);
  const http = config.httpListener === '' ? null : parseHttpListener(config.httpListener);
  if (http === null) report(w.entry, 'http.listener is empty: no /metrics, /healthz or /readyz');
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const port = obj(obj(c[probe])['httpGet'])['port'];
    const named = containerPorts(c).find((p) =>
      typeof port === 'string' ? p.name === port : p.port === port,
    );
    if (http !== null && named !== undefined && named.port !== http.port)
      report(w.entry, `${probe} asks port ${named.port}, but http.listener is on ${http.port}`);
  }
  if (w.replicas < config.defaultReplicationFactor)
    report(
      w.entry,
      `${w.replicas} brokers cannot hold default.replication.factor ${config.defaultReplicationFactor}`,
    );
  checkMetadataStore(inv, w, config, report);
}

function checkMetadataStore(
  inv: Inventory,
  w: Workload,
  config: BrokerConfig,
  report: Report,
): void {
  const store = config.metadataStore;
  if (store.kind !== 'etcd') {
    report(
      w.entry,
      'metadata.store is not etcd: brokers in separate pods would not share metadata',
    );
    return;
  }
  for (const e of store.endpoints) {
    const where = resolveServiceName(inv, e.host, w.entry.namespace);
    if (where === 'external') continue;
    if (where === null)
      report(w.entry, `metadata.store host ${e.host} resolves to no Service here`);
    else if (!serviceHasPort(where, e.port))
      report(
        w.entry,
        `metadata.store ${e.host}:${e.port}: Service ${where.name} has no port ${e.port}`,
      );
  }
}

function serviceHasPort(s: Entry, port: number): boolean {
  return arr(obj(s.raw['spec'])['ports']).some((p) => num(p['port']) === port);
}

/**
 * The Service a cluster DNS name belongs to: `<svc>.<ns>.svc.<domain>`, `<svc>.<ns>` or
 * `<svc>` give that Service; `<pod>.<svc>.<ns>.svc.<domain>` the headless Service of the
 * pod. 'external' for names outside the cluster, null for a Service that is not here.
 */
function resolveServiceName(
  inv: Inventory,
  host: string,
  namespace: string,
): Entry | 'external' | null {
  const parts = host.split('.');
  const svcAt = parts.indexOf('svc');
  let local: string[];
  if (svcAt >= 0) local = parts.slice(0, svcAt);
  else if (parts.length <= 2) local = parts.length === 1 ? [parts[0]!, namespace] : parts;
  else return 'external';
  if (local.length === 3) local = local.slice(1);
  if (local.length !== 2) return null;
  const [svc, ns] = local as [string, string];
  // A namespace none of these objects live in is managed elsewhere (an external etcd).
  if (!inv.entries.some((e) => e.namespace === ns || (e.kind === 'Namespace' && e.name === ns)))
    return 'external';
  return inv.services.find((s) => s.name === svc && s.namespace === ns) ?? null;
}

function checkBrokerNames(
  inv: Inventory,
  w: Workload,
  pod: PodIdentity,
  config: BrokerConfig,
  report: Report,
): void {
  const headless = str(obj(w.entry.raw['spec'])['serviceName']);
  for (const l of config.advertisedListeners) {
    const host = l.host;
    const parts = host.split('.');
    const svcAt = parts.indexOf('svc');
    if (svcAt >= 0) {
      // In the cluster: the pod's own name under its governing Service.
      if (
        svcAt !== 3 ||
        parts[0] !== pod.name ||
        parts[1] !== headless ||
        parts[2] !== pod.namespace
      )
        report(
          w.entry,
          `pod ${pod.name} advertises ${l.name} ${host}, not its own name ${pod.name}.${headless}.${pod.namespace}.svc`,
        );
      else if (!inv.services.some((s) => s.name === headless && s.namespace === pod.namespace))
        report(
          w.entry,
          `pod ${pod.name} advertises ${host}, but Service ${headless} does not exist`,
        );
      continue;
    }
    if (externalServiceFor(inv, pod, host, l.port) === null)
      report(
        w.entry,
        `pod ${pod.name} advertises ${l.name} ${host}:${l.port}, and no Service selecting only this pod answers there`,
      );
  }
  for (const l of config.listeners) {
    if (l.host === '' || l.host === '0.0.0.0' || l.host === '::') continue;
    const own = `${pod.name}.${headless}.${pod.namespace}.svc.`;
    if (!l.host.startsWith(own))
      report(w.entry, `pod ${pod.name} binds ${l.name} to ${l.host}, which is not its own address`);
  }
}

/** The Service that carries external traffic for `host:port` to exactly this pod. */
function externalServiceFor(
  inv: Inventory,
  pod: PodIdentity,
  host: string,
  port: number,
): Entry | null {
  for (const s of inv.services) {
    if (s.namespace !== pod.namespace) continue;
    const spec = obj(s.raw['spec']);
    const selector = labels(spec['selector']);
    if (selector[POD_NAME_LABEL] !== pod.name || !selects(selector, pod.labels)) continue;
    const ports = arr(spec['ports']);
    if (spec['type'] === 'NodePort' && ports.some((p) => num(p['nodePort']) === port)) return s;
    const dns = str(labels(obj(s.raw['metadata'])['annotations'])[EXTERNAL_DNS_ANNOTATION]);
    if (
      spec['type'] === 'LoadBalancer' &&
      dns === host &&
      ports.some((p) => num(p['port']) === port)
    )
      return s;
  }
  return null;
}
