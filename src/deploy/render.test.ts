// The rendered manifests, checked three ways: against the Kubernetes API schemas
// (kubernetes-models, Kubernetes 1.27's OpenAPI), by the semantic check for what schemas
// cannot see, and against the committed deploy/kubernetes/gregor.yaml, which must equal a
// fresh render of the defaults. Each option set goes through its YAML text, as kubectl
// would read it.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { checkManifests } from './manifest-check.ts';
import { parseManifests, renderObjects, renderYaml } from './render.ts';
import { parseRenderOptions, type RenderOptionTexts } from './render-options.ts';

const COMMITTED = join(import.meta.dirname, '..', '..', 'deploy', 'kubernetes', 'gregor.yaml');

const OPTION_SETS: ReadonlyArray<RenderOptionTexts> = [
  {},
  {
    brokers: '5',
    namespace: 'streaming',
    name: 'events',
    storage: '500Gi',
    etcdMembers: '5',
    config: ['log.retention.hours=72', 'num.partitions=12'],
  },
  { brokers: '1', etcd: 'external:etcd://etcd-0.infra.svc.cluster.local:2379,etcd-1.infra:2379' },
  { external: 'nodeport', externalHost: 'kafka.example.com', nodePortBase: '32000' },
  { external: 'loadbalancer', externalDomain: 'kafka.example.com', brokers: '4' },
  {
    antiAffinity: 'required',
    storageClass: 'fast-ssd',
    rackFromZone: false,
    createNamespace: false,
    memory: '8Gi',
    cpu: '2',
    cpuLimit: '4',
    clusterDomain: 'k8s.internal',
    replicationFactor: '3',
    minInsyncReplicas: '1',
    brokers: '6',
  },
];

function render(texts: RenderOptionTexts): Record<string, unknown>[] {
  return parseManifests(renderYaml(renderObjects(parseRenderOptions(texts)), 'test')) as Record<
    string,
    unknown
  >[];
}

const MODELS: Record<string, (o: Record<string, unknown>) => { validate(): void }> = {
  Namespace: (o) => new Namespace(o as never),
  ServiceAccount: (o) => new ServiceAccount(o as never),
  ConfigMap: (o) => new ConfigMap(o as never),
  Service: (o) => new Service(o as never),
  PodDisruptionBudget: (o) => new PodDisruptionBudget(o as never),
  StatefulSet: (o) => new StatefulSet(o as never),
};

function validateSchema(o: Record<string, unknown>): void {
  const model = MODELS[String(o['kind'])];
  assert.ok(model !== undefined, `no schema for kind ${String(o['kind'])}`);
  model(o).validate();
}

describe('gregor k8s render', () => {
  for (const texts of OPTION_SETS) {
    it(`validates against the API schemas and the semantic check: ${JSON.stringify(texts)}`, () => {
      const objects = render(texts);
      for (const o of objects) validateSchema(o);
      assert.deepEqual(checkManifests(objects), []);
    });
  }

  it('renders the objects the issue lists, for the defaults', () => {
    const kinds = render({}).map((o) => `${o['kind']}/${(o['metadata'] as { name: string }).name}`);
    assert.deepEqual(kinds, [
      'Namespace/gregor',
      'ServiceAccount/gregor',
      'ConfigMap/gregor-config',
      'Service/gregor-etcd-peers',
      'Service/gregor-etcd',
      'PodDisruptionBudget/gregor-etcd',
      'StatefulSet/gregor-etcd',
      'Service/gregor-brokers',
      'Service/gregor-bootstrap',
      'PodDisruptionBudget/gregor',
      'StatefulSet/gregor',
    ]);
  });

  it('renders one external Service per broker, and a bootstrap, for external access', () => {
    const names = render({ external: 'nodeport', externalHost: '203.0.113.7', brokers: '4' })
      .filter((o) => (o['spec'] as { type?: string } | undefined)?.type === 'NodePort')
      .map((o) => (o['metadata'] as { name: string }).name);
    assert.deepEqual(names, [
      'gregor-external-bootstrap',
      'gregor-0-external',
      'gregor-1-external',
      'gregor-2-external',
      'gregor-3-external',
    ]);
  });

  it('leaves etcd out for an external etcd', () => {
    const kinds = render({ etcd: 'external:etcd://etcd.example.com:2379' }).map((o) => o['kind']);
    assert.equal(kinds.filter((k) => k === 'StatefulSet').length, 1);
  });

  it('is deterministic, and deploy/kubernetes/gregor.yaml is the rendered defaults', () => {
    const fresh = renderYaml(renderObjects(parseRenderOptions({})), 'gregor k8s render');
    assert.equal(fresh, renderYaml(renderObjects(parseRenderOptions({})), 'gregor k8s render'));
    assert.equal(
      readFileSync(COMMITTED, 'utf8'),
      fresh,
      'deploy/kubernetes/gregor.yaml is stale: run `bin/gregor k8s render > deploy/kubernetes/gregor.yaml`',
    );
  });

  it('refuses options that make no deployable cluster, naming the option', () => {
    const refused: Array<[RenderOptionTexts, RegExp]> = [
      [{ brokers: '0' }, /--brokers/],
      [{ etcdMembers: '4' }, /--etcd-members '4': use an odd number/],
      [{ external: 'nodeport' }, /--external-host/],
      [{ external: 'loadbalancer' }, /--external-domain/],
      [{ externalHost: 'x.example.com' }, /applies only to --external nodeport/],
      [{ storage: 'lots' }, /--storage 'lots'/],
      [{ brokers: '2', replicationFactor: '3' }, /--replication-factor '3'/],
      [{ etcd: 'zookeeper' }, /--etcd 'zookeeper'/],
      [{ name: 'Gregor' }, /--name 'Gregor' is not a DNS label/],
      [{ config: ['node.id=1'] }, /--config node.id: node.id comes from the pod ordinal/],
      [{ config: ['log.retention.hourz=1'] }, /not a Gregor broker key/],
      [{ config: ['retention'] }, /is not key=value/],
    ];
    for (const [texts, message] of refused)
      assert.throws(() => parseRenderOptions(texts), message, JSON.stringify(texts));
  });
});
