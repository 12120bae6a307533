// The metadata store beside the brokers: an etcd StatefulSet (members bootstrap together,
// so pods start in parallel), its headless Service for the members' peer names, a client
// Service the brokers' metadata.store names, and a PodDisruptionBudget that never lets a
// voluntary disruption take the quorum. Rendered only without --etcd external:URL.

import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IService } from 'kubernetes-models/v1/Service';
import {
  commonLabels,
  deployNames,
  ETCD_CLIENT_PORT,
  ETCD_DATA_MOUNT_PATH,
  ETCD_METRICS_PORT,
  ETCD_PEER_PORT,
  HOSTNAME_LABEL,
  podDnsName,
  RUN_AS_USER,
  selectorLabels,
} from './deploy-layout.ts';
import type { RenderOptions } from './render-options.ts';

export function etcdMembers(o: RenderOptions): number {
  return o.etcd.kind === 'internal' ? o.etcd.members : 0;
}

/** Members a voluntary disruption may take while a majority stays: 1 of 3, 2 of 5. */
export function etcdMaxUnavailable(members: number): number {
  return Math.max(1, Math.floor((members - 1) / 2));
}

function etcdEnv(o: RenderOptions): IEnvVar[] {
  const names = deployNames(o);
  const members = etcdMembers(o);
  const initialCluster = Array.from({ length: members }, (_, i) => {
    const pod = `${names.etcd}-${i}`;
    return `${pod}=http://${podDnsName(o, pod, names.etcdPeers)}:${ETCD_PEER_PORT}`;
  }).join(',');
  const self = `$(POD_NAME).${names.etcdPeers}.$(POD_NAMESPACE).svc.${o.clusterDomain}`;
  const value = (name: string, v: string): IEnvVar => ({ name, value: v });
  return [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    value('ETCD_NAME', '$(POD_NAME)'),
    value('ETCD_DATA_DIR', `${ETCD_DATA_MOUNT_PATH}/data`),
    value('ETCD_LISTEN_CLIENT_URLS', `http://0.0.0.0:${ETCD_CLIENT_PORT}`),
    value('ETCD_ADVERTISE_CLIENT_URLS', `http://${self}:${ETCD_CLIENT_PORT}`),
    value('ETCD_LISTEN_PEER_URLS', `http://0.0.0.0:${ETCD_PEER_PORT}`),
    value('ETCD_INITIAL_ADVERTISE_PEER_URLS', `http://${self}:${ETCD_PEER_PORT}`),
    value('ETCD_LISTEN_METRICS_URLS', `http://0.0.0.0:${ETCD_METRICS_PORT}`),
    value('ETCD_INITIAL_CLUSTER', initialCluster),
    value('ETCD_INITIAL_CLUSTER_STATE', 'new'),
    value('ETCD_INITIAL_CLUSTER_TOKEN', `${names.etcd}-${o.namespace}`),
    // Gregor's keys are few and small, but every change is a revision: keep an hour.
    value('ETCD_AUTO_COMPACTION_MODE', 'periodic'),
    value('ETCD_AUTO_COMPACTION_RETENTION', '1h'),
  ];
}

/** etcd's own health check that needs no quorum: a member cut off from the others stays alive. */
const LOCAL_HEALTH = '/health?exclude=NOSPACE&serializable=true';

export function etcdStatefulSet(o: RenderOptions): IStatefulSet {
  const names = deployNames(o);
  const selector = selectorLabels(o, 'etcd');
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: names.etcd, namespace: o.namespace, labels: commonLabels(o, 'etcd') },
    spec: {
      serviceName: names.etcdPeers,
      replicas: etcdMembers(o),
      // Members of a new cluster wait for each other: all must start before any is ready.
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: commonLabels(o, 'etcd') },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            fsGroup: RUN_AS_USER,
            runAsNonRoot: true,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    labelSelector: { matchLabels: selector },
                    topologyKey: HOSTNAME_LABEL,
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: 'etcd',
              image: o.etcdImage,
              imagePullPolicy: 'IfNotPresent',
              command: ['/usr/local/bin/etcd'],
              env: etcdEnv(o),
              ports: [
                { name: 'client', containerPort: ETCD_CLIENT_PORT, protocol: 'TCP' as const },
                { name: 'peer', containerPort: ETCD_PEER_PORT, protocol: 'TCP' as const },
                { name: 'metrics', containerPort: ETCD_METRICS_PORT, protocol: 'TCP' as const },
              ],
              resources: {
                requests: { cpu: '100m', memory: '256Mi' },
                limits: { cpu: '1', memory: '512Mi' },
              },
              startupProbe: {
                httpGet: { path: LOCAL_HEALTH, port: 'metrics' },
                periodSeconds: 5,
                failureThreshold: 60,
              },
              livenessProbe: {
                httpGet: { path: LOCAL_HEALTH, port: 'metrics' },
                periodSeconds: 10,
                timeoutSeconds: 5,
                failureThreshold: 6,
              },
              readinessProbe: {
                httpGet: { path: '/health', port: 'metrics' },
                periodSeconds: 5,
                timeoutSeconds: 3,
              },
              volumeMounts: [{ name: 'data', mountPath: ETCD_DATA_MOUNT_PATH }],
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', labels: selector },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: o.etcdStorage } },
            ...(o.storageClass === null ? {} : { storageClassName: o.storageClass }),
          },
        },
      ],
    },
  };
}

export function etcdServices(o: RenderOptions): IService[] {
  const names = deployNames(o);
  const selector = selectorLabels(o, 'etcd');
  const client = {
    name: 'client',
    port: ETCD_CLIENT_PORT,
    targetPort: 'client',
    protocol: 'TCP' as const,
  };
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: names.etcdPeers, namespace: o.namespace, labels: commonLabels(o, 'etcd') },
      spec: {
        clusterIP: 'None',
        // Peers must resolve each other to form the cluster, before any member is ready.
        publishNotReadyAddresses: true,
        selector,
        ports: [
          client,
          { name: 'peer', port: ETCD_PEER_PORT, targetPort: 'peer', protocol: 'TCP' as const },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: names.etcdClient, namespace: o.namespace, labels: commonLabels(o, 'etcd') },
      spec: { type: 'ClusterIP', selector, ports: [client] },
    },
  ];
}

export function etcdDisruptionBudget(o: RenderOptions): IPodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: deployNames(o).etcdPdb,
      namespace: o.namespace,
      labels: commonLabels(o, 'etcd'),
    },
    spec: {
      maxUnavailable: etcdMaxUnavailable(etcdMembers(o)),
      selector: { matchLabels: selectorLabels(o, 'etcd') },
    },
  };
}
