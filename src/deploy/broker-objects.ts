// The broker side of a deployment: the ConfigMap with the shared broker properties, the
// StatefulSet, its headless Service (stable per-pod names, published before readiness so
// brokers reach each other while they catch up), the bootstrap Service (ready brokers
// only) and the PodDisruptionBudget. Per-pod values come from the pod itself through the
// downward API: node.id from the pod-index label, listeners from the pod's DNS name, rack
// from the zone label; nothing here needs the Kubernetes API at run time.

import { createHash } from 'node:crypto';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import {
  CONFIG_FILE,
  CONFIG_MOUNT_PATH,
  commonLabels,
  DATA_MOUNT_PATH,
  deployNames,
  EXTERNAL_LISTENER,
  EXTERNAL_PORT,
  HOSTNAME_LABEL,
  HTTP_PORT,
  INTERNAL_LISTENER,
  INTERNAL_PORT,
  LOG_DIRS,
  metadataStoreUrl,
  POD_INDEX_LABEL,
  podDnsName,
  RUN_AS_USER,
  selectorLabels,
  ZONE_LABEL,
} from './deploy-layout.ts';
import type { RenderOptions } from './render-options.ts';

/** The part of the heap limit left to Node's old space: buffers and native memory need the rest. */
const HEAP_SHARE_OF_MEMORY = 0.75;

/** Properties every broker shares, in the order the file lists them. */
export function sharedBrokerProperties(o: RenderOptions): Array<readonly [string, string]> {
  const protocols = [`${INTERNAL_LISTENER}:PLAINTEXT`];
  if (o.external.kind !== 'none') protocols.push(`${EXTERNAL_LISTENER}:PLAINTEXT`);
  return [
    ['cluster.id', o.clusterId],
    ['metadata.store', metadataStoreUrl(o)],
    ['log.dirs', LOG_DIRS],
    ['listener.security.protocol.map', protocols.join(',')],
    ['inter.broker.listener.name', INTERNAL_LISTENER],
    ['default.replication.factor', String(o.replicationFactor)],
    ['min.insync.replicas', String(o.minInsyncReplicas)],
    ['offsets.topic.replication.factor', String(o.replicationFactor)],
    ['transaction.state.log.replication.factor', String(o.replicationFactor)],
    ['transaction.state.log.min.isr', String(o.minInsyncReplicas)],
    ['controlled.shutdown.enable', 'true'],
    ...o.brokerProperties,
  ];
}

function propertiesText(entries: ReadonlyArray<readonly [string, string]>, header: string): string {
  return `${header}${entries.map(([k, v]) => `${k}=${v}\n`).join('')}`;
}

const SHARED_HEADER =
  '# Shared by every Gregor broker of this StatefulSet. Per-pod values (node.id, listeners,\n' +
  '# advertised.listeners, broker.rack, http.listener) come from GREGOR_* variables that the\n' +
  "# StatefulSet sets from the pod's name and labels; a GREGOR_* variable overrides this file.\n";

/** With NodePort access each broker advertises its own port, so each has its own file. */
export function brokerConfigFileName(o: RenderOptions, ordinal: number | '$(GREGOR_NODE_ID)') {
  return o.external.kind === 'nodeport' ? `broker-${ordinal}.properties` : CONFIG_FILE;
}

/** advertised.listeners of broker `ordinal` for NodePort access, known when rendering. */
export function nodePortAdvertisedListeners(o: RenderOptions, ordinal: number): string {
  if (o.external.kind !== 'nodeport') throw new Error('not a NodePort deployment');
  const names = deployNames(o);
  const internal = podDnsName(o, `${names.brokers}-${ordinal}`, names.brokersHeadless);
  const port = o.external.nodePortBase + 1 + ordinal;
  return (
    `${INTERNAL_LISTENER}://${internal}:${INTERNAL_PORT},` +
    `${EXTERNAL_LISTENER}://${o.external.host}:${port}`
  );
}

export function brokerConfigMap(o: RenderOptions): IConfigMap {
  const shared = sharedBrokerProperties(o);
  const data: Record<string, string> = {};
  if (o.external.kind === 'nodeport') {
    for (let i = 0; i < o.brokers; i++) {
      data[brokerConfigFileName(o, i)] = propertiesText(
        [...shared, ['advertised.listeners', nodePortAdvertisedListeners(o, i)]],
        `${SHARED_HEADER}# Broker ${i}: its NodePort is part of advertised.listeners.\n`,
      );
    }
  } else {
    data[CONFIG_FILE] = propertiesText(shared, SHARED_HEADER);
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: deployNames(o).configMap,
      namespace: o.namespace,
      labels: commonLabels(o, 'config'),
    },
    data,
  };
}

function fieldEnv(name: string, fieldPath: string): IEnvVar {
  return { name, valueFrom: { fieldRef: { fieldPath } } };
}

/** Environment of the broker container: the pod's identity, then the GREGOR_* keys built from it. */
export function brokerEnv(o: RenderOptions): IEnvVar[] {
  const names = deployNames(o);
  const env: IEnvVar[] = [
    fieldEnv('POD_NAME', 'metadata.name'),
    fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
    {
      name: 'POD_DNS_NAME',
      value: `$(POD_NAME).${names.brokersHeadless}.$(POD_NAMESPACE).svc.${o.clusterDomain}`,
    },
    fieldEnv('GREGOR_NODE_ID', `metadata.labels['${POD_INDEX_LABEL}']`),
  ];
  if (o.rackFromZone) env.push(fieldEnv('GREGOR_BROKER_RACK', `metadata.labels['${ZONE_LABEL}']`));
  // Bound to the pod's own name: the kubelet writes it into the pod's /etc/hosts with the pod IP.
  const listeners = [`${INTERNAL_LISTENER}://$(POD_DNS_NAME):${INTERNAL_PORT}`];
  if (o.external.kind !== 'none')
    listeners.push(`${EXTERNAL_LISTENER}://$(POD_DNS_NAME):${EXTERNAL_PORT}`);
  env.push({ name: 'GREGOR_LISTENERS', value: listeners.join(',') });
  if (o.external.kind !== 'nodeport') {
    const advertised = [`${INTERNAL_LISTENER}://$(POD_DNS_NAME):${INTERNAL_PORT}`];
    if (o.external.kind === 'loadbalancer')
      advertised.push(`${EXTERNAL_LISTENER}://$(POD_NAME).${o.external.domain}:${EXTERNAL_PORT}`);
    env.push({ name: 'GREGOR_ADVERTISED_LISTENERS', value: advertised.join(',') });
  }
  env.push({ name: 'GREGOR_HTTP_LISTENER', value: `$(POD_DNS_NAME):${HTTP_PORT}` });
  env.push({ name: 'NODE_OPTIONS', value: `--max-old-space-size=${heapMiB(o.resources.memory)}` });
  return env;
}

/** Old-space limit in MiB for a container memory limit such as 2Gi or 1500M. */
export function heapMiB(memory: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(memory);
  if (m === null) throw new Error(`memory '${memory}' is not a quantity in bytes`);
  const factor: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  const bytes = Number(m[1]) * (m[2] === undefined ? 1 : factor[m[2]]!);
  return Math.max(64, Math.floor((bytes * HEAP_SHARE_OF_MEMORY) / 1024 ** 2));
}

function brokerContainer(o: RenderOptions): IContainer {
  const ports: NonNullable<IContainer['ports']> = [
    { name: 'internal', containerPort: INTERNAL_PORT, protocol: 'TCP' as const },
  ];
  if (o.external.kind !== 'none')
    ports.push({ name: 'external', containerPort: EXTERNAL_PORT, protocol: 'TCP' as const });
  ports.push({ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' as const });
  return {
    name: 'gregor',
    image: o.image,
    imagePullPolicy: o.imagePullPolicy,
    command: ['gregor', 'server'],
    args: [`${CONFIG_MOUNT_PATH}/${brokerConfigFileName(o, '$(GREGOR_NODE_ID)')}`],
    env: brokerEnv(o),
    ports,
    resources: {
      requests: { cpu: o.resources.cpuRequest, memory: o.resources.memory },
      limits: { cpu: o.resources.cpuLimit, memory: o.resources.memory },
    },
    // Long log recovery: up to an hour before liveness starts to count.
    startupProbe: {
      httpGet: { path: '/healthz', port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 360,
    },
    // Only the process: a broker cut off from etcd or its peers must not be restarted for it.
    livenessProbe: {
      httpGet: { path: '/healthz', port: 'http' },
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 6,
    },
    // Registered, metadata current, back in the ISR of every partition it replicates.
    readinessProbe: {
      httpGet: { path: '/readyz', port: 'http' },
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 2,
      successThreshold: 1,
    },
    volumeMounts: [
      { name: 'data', mountPath: DATA_MOUNT_PATH },
      { name: 'config', mountPath: CONFIG_MOUNT_PATH, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

function brokerAffinity(o: RenderOptions): NonNullable<IPodSpec['affinity']> {
  const labelSelector = { matchLabels: selectorLabels(o, 'broker') };
  if (o.antiAffinity === 'required') {
    return {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector, topologyKey: HOSTNAME_LABEL },
        ],
      },
    };
  }
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { labelSelector, topologyKey: HOSTNAME_LABEL } },
      ],
    },
  };
}

function brokerPodSpec(o: RenderOptions): IPodSpec {
  const labelSelector = { matchLabels: selectorLabels(o, 'broker') };
  return {
    serviceAccountName: deployNames(o).serviceAccount,
    automountServiceAccountToken: false,
    // Kubernetes' <SERVICE>_PORT variables are noise to a broker that reads GREGOR_*.
    enableServiceLinks: false,
    terminationGracePeriodSeconds: o.terminationGracePeriodSeconds,
    securityContext: {
      runAsUser: RUN_AS_USER,
      runAsGroup: RUN_AS_USER,
      fsGroup: RUN_AS_USER,
      fsGroupChangePolicy: 'OnRootMismatch',
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    affinity: brokerAffinity(o),
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: ZONE_LABEL,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector,
      },
      {
        maxSkew: 1,
        topologyKey: HOSTNAME_LABEL,
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector,
      },
    ],
    containers: [brokerContainer(o)],
    volumes: [
      { name: 'config', configMap: { name: deployNames(o).configMap } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    ],
  };
}

/** A digest of the ConfigMap's data: changing the properties changes the pod template, which rolls the brokers. */
export function configHash(configMap: IConfigMap): string {
  return createHash('sha256')
    .update(JSON.stringify(configMap.data ?? {}))
    .digest('hex')
    .slice(0, 16);
}

export function brokerStatefulSet(o: RenderOptions, configMap: IConfigMap): IStatefulSet {
  const names = deployNames(o);
  const hash = configHash(configMap);
  const claim: NonNullable<NonNullable<IStatefulSet['spec']>['volumeClaimTemplates']>[number] = {
    metadata: { name: 'data', labels: selectorLabels(o, 'broker') },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: o.storage } },
      ...(o.storageClass === null ? {} : { storageClassName: o.storageClass }),
    },
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: names.brokers, namespace: o.namespace, labels: commonLabels(o, 'broker') },
    spec: {
      serviceName: names.brokersHeadless,
      replicas: o.brokers,
      // Scaling starts and stops pods together; updates still go one pod at a time, each
      // waiting for the previous pod's readiness (rejoined every ISR).
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      selector: { matchLabels: selectorLabels(o, 'broker') },
      template: {
        metadata: {
          labels: commonLabels(o, 'broker'),
          annotations: {
            'gregor.io/config-hash': hash,
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(HTTP_PORT),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: brokerPodSpec(o),
      },
      volumeClaimTemplates: [claim],
    },
  };
}

export function brokerServices(o: RenderOptions): IService[] {
  const names = deployNames(o);
  const selector = selectorLabels(o, 'broker');
  const internal = {
    name: 'internal',
    port: INTERNAL_PORT,
    targetPort: 'internal',
    protocol: 'TCP' as const,
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: names.brokersHeadless,
        namespace: o.namespace,
        labels: commonLabels(o, 'broker'),
      },
      spec: {
        clusterIP: 'None',
        // Brokers must find each other before they are ready: readiness waits for replication.
        publishNotReadyAddresses: true,
        selector,
        ports: [
          internal,
          { name: 'http', port: HTTP_PORT, targetPort: 'http', protocol: 'TCP' as const },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: names.bootstrap,
        namespace: o.namespace,
        labels: commonLabels(o, 'broker'),
      },
      spec: { type: 'ClusterIP', selector, ports: [internal] },
    },
  ];
}

export function brokerDisruptionBudget(o: RenderOptions): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: deployNames(o).brokersPdb,
      namespace: o.namespace,
      labels: commonLabels(o, 'broker'),
    },
    spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(o, 'broker') } },
  };
}
