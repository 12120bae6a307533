// The semantic check against deliberately broken manifests: each case breaks one thing in an
// otherwise valid render — something the API server's schema accepts — and the check must
// name it. The unbroken render passes (render.test.ts), so each failure here is the break.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { checkManifests } from './manifest-check.ts';
import { renderObjects, renderYaml } from './render.ts';
import { parseRenderOptions, type RenderOptionTexts } from './render-options.ts';

// biome-ignore lint/suspicious/noExplicitAny: test mutations reach into parsed YAML freely.
type Doc = any;

function rendered(texts: RenderOptionTexts = {}): Doc[] {
  const text = renderYaml(renderObjects(parseRenderOptions(texts)), 'test');
  return parseAllDocuments(text).map((d) => d.toJS() as Doc);
}

function find(objects: Doc[], kind: string, name: string): Doc {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o !== undefined, `${kind}/${name} not rendered`);
  return o;
}

function brokerContainer(objects: Doc[]): Doc {
  return find(objects, 'StatefulSet', 'gregor').spec.template.spec.containers[0];
}

function env(objects: Doc[], name: string): Doc {
  const e = brokerContainer(objects).env.find((v: Doc) => v.name === name);
  assert.ok(e !== undefined, `env ${name} not rendered`);
  return e;
}

const SCHEMA: Record<string, (o: Doc) => { validate(): void }> = {
  StatefulSet: (o) => new StatefulSet(o),
  Service: (o) => new Service(o),
  PodDisruptionBudget: (o) => new PodDisruptionBudget(o),
  ConfigMap: (o) => new ConfigMap(o),
};

interface BrokenCase {
  readonly what: string;
  readonly texts?: RenderOptionTexts;
  readonly breakIt: (objects: Doc[]) => void;
  readonly expected: RegExp;
}

const CASES: BrokenCase[] = [
  {
    what: 'a Service selector that matches no pod',
    breakIt: (o) => {
      find(o, 'Service', 'gregor-bootstrap').spec.selector['app.kubernetes.io/name'] = 'kafka';
    },
    expected: /Service\/gregor\/gregor-bootstrap: selector .* matches no pod/,
  },
  {
    what: 'a StatefulSet selector that does not match its own pod labels',
    breakIt: (o) => {
      find(o, 'StatefulSet', 'gregor').spec.selector.matchLabels['app.kubernetes.io/instance'] =
        'other';
    },
    expected: /does not match the pod template labels/,
  },
  {
    what: 'a Service port targeting a port name the pods do not have',
    breakIt: (o) => {
      find(o, 'Service', 'gregor-bootstrap').spec.ports[0].targetPort = 'kafka';
    },
    expected: /targets kafka, which the selected pods do not serve/,
  },
  {
    what: 'a readiness probe on a port the container does not declare',
    breakIt: (o) => {
      brokerContainer(o).readinessProbe.httpGet.port = 'metrics';
    },
    expected: /readinessProbe port metrics is not a container port/,
  },
  {
    what: 'a readiness probe on a path the broker does not serve',
    breakIt: (o) => {
      brokerContainer(o).readinessProbe.httpGet.path = '/ready';
    },
    expected: /readinessProbe path \/ready is not served/,
  },
  {
    what: 'liveness asking readiness (an outage elsewhere would restart every broker)',
    breakIt: (o) => {
      brokerContainer(o).livenessProbe.httpGet.path = '/readyz';
    },
    expected: /livenessProbe must ask \/healthz/,
  },
  {
    what: 'a probe port that is declared but is not http.listener',
    breakIt: (o) => {
      env(o, 'GREGOR_HTTP_LISTENER').value = '$(POD_DNS_NAME):9500';
    },
    expected: /readinessProbe asks port 9404, but http.listener is on 9500/,
  },
  {
    what: 'a PDB that lets more brokers go than min.insync.replicas tolerates',
    breakIt: (o) => {
      find(o, 'PodDisruptionBudget', 'gregor').spec.maxUnavailable = 2;
    },
    expected:
      /allows 2 brokers down, but replication factor 3 with min.insync.replicas 2 tolerates 1/,
  },
  {
    what: 'a PDB that blocks every drain',
    breakIt: (o) => {
      find(o, 'PodDisruptionBudget', 'gregor').spec.maxUnavailable = 0;
    },
    expected: /allows no pod of 3 to be evicted/,
  },
  {
    what: 'an etcd PDB that gives up the quorum',
    breakIt: (o) => {
      find(o, 'PodDisruptionBudget', 'gregor-etcd').spec.maxUnavailable = 2;
    },
    expected: /lets etcd fall below its majority of 2 of 3 members/,
  },
  {
    what: 'a PDB whose replica count no longer agrees after scaling the StatefulSet down',
    breakIt: (o) => {
      find(o, 'StatefulSet', 'gregor').spec.replicas = 1;
    },
    expected: /allows all 1 pods|1 brokers cannot hold default.replication.factor 3/,
  },
  {
    what: 'the data volume mounted somewhere other than log.dirs',
    breakIt: (o) => {
      brokerContainer(o).volumeMounts[0].mountPath = '/data';
    },
    expected: /log.dirs \/var\/lib\/gregor\/data is on no volume/,
  },
  {
    what: 'log.dirs on the scratch volume instead of the claim',
    breakIt: (o) => {
      brokerContainer(o).volumeMounts[2].mountPath = '/var/lib/gregor/data';
    },
    expected: /log.dirs \/var\/lib\/gregor\/data is on volume tmp, not a volumeClaimTemplate/,
  },
  {
    what: 'a StatefulSet whose governing Service is missing',
    breakIt: (o) => {
      o.splice(o.indexOf(find(o, 'Service', 'gregor-brokers')), 1);
    },
    expected: /serviceName gregor-brokers names no Service/,
  },
  {
    what: 'a headless Service that hides brokers until they are ready',
    breakIt: (o) => {
      find(o, 'Service', 'gregor-brokers').spec.publishNotReadyAddresses = false;
    },
    expected: /must publish not-ready addresses/,
  },
  {
    what: 'an advertised name under a Service that does not exist',
    breakIt: (o) => {
      env(o, 'GREGOR_ADVERTISED_LISTENERS').value =
        'INTERNAL://$(POD_NAME).kafka-headless.$(POD_NAMESPACE).svc.cluster.local:9092';
    },
    expected:
      /advertises INTERNAL gregor-0.kafka-headless.gregor.svc.cluster.local, not its own name/,
  },
  {
    what: 'node ids that are not the pod ordinals',
    breakIt: (o) => {
      const e = env(o, 'GREGOR_NODE_ID');
      delete e.valueFrom;
      e.value = '1';
    },
    expected: /pod gregor-1 repeats node.id 1/,
  },
  {
    what: 'a node id the broker cannot parse (the pod name instead of its index)',
    breakIt: (o) => {
      env(o, 'GREGOR_NODE_ID').valueFrom.fieldRef.fieldPath = 'metadata.name';
    },
    expected: /the broker would refuse its configuration: .*node.id/,
  },
  {
    what: 'a key in the ConfigMap that the broker refuses',
    breakIt: (o) => {
      find(o, 'ConfigMap', 'gregor-config').data['server.properties'] +=
        'zookeeper.connect=zk:2181\n';
    },
    expected: /would refuse its configuration: .*zookeeper.connect/,
  },
  {
    what: 'metadata.store naming a Service that does not exist',
    breakIt: (o) => {
      const cm = find(o, 'ConfigMap', 'gregor-config');
      cm.data['server.properties'] = cm.data['server.properties'].replace(
        'gregor-etcd.gregor',
        'etcd.gregor',
      );
    },
    expected: /metadata.store host etcd.gregor.svc.cluster.local resolves to no Service/,
  },
  {
    what: 'a properties file the ConfigMap does not have',
    breakIt: (o) => {
      brokerContainer(o).args = ['/etc/gregor/broker.properties'];
    },
    expected:
      /properties file \/etc\/gregor\/broker.properties is not a key of a mounted ConfigMap/,
  },
  {
    what: 'a grace period too short for controlled shutdown',
    breakIt: (o) => {
      find(o, 'StatefulSet', 'gregor').spec.template.spec.terminationGracePeriodSeconds = 5;
    },
    expected: /terminationGracePeriodSeconds 5 leaves no time for controlled shutdown/,
  },
  {
    what: 'a NodePort that differs from the advertised external port',
    texts: { external: 'nodeport', externalHost: 'kafka.example.com' },
    breakIt: (o) => {
      find(o, 'Service', 'gregor-1-external').spec.ports[0].nodePort = 31500;
    },
    expected: /pod gregor-1 advertises EXTERNAL kafka.example.com:31092, and no Service/,
  },
  {
    what: 'a load balancer whose DNS name is not the advertised one',
    texts: { external: 'loadbalancer', externalDomain: 'kafka.example.com' },
    breakIt: (o) => {
      find(o, 'Service', 'gregor-2-external').metadata.annotations[
        'external-dns.alpha.kubernetes.io/hostname'
      ] = 'broker-2.kafka.example.com';
    },
    expected: /pod gregor-2 advertises EXTERNAL gregor-2.kafka.example.com:9094, and no Service/,
  },
];

describe('the semantic check of manifests', () => {
  for (const c of CASES) {
    it(`catches ${c.what}`, () => {
      const objects = rendered(c.texts);
      assert.deepEqual(checkManifests(objects), [], 'the unbroken render must pass');
      c.breakIt(objects);
      const problems = checkManifests(objects).map((p) => `${p.object}: ${p.problem}`);
      assert.ok(
        problems.some((p) => c.expected.test(p)),
        `expected ${c.expected}, got:\n${problems.join('\n')}`,
      );
    });
  }

  it('passes the broken objects of most cases through the schema: only the semantic check sees them', () => {
    let schemaBlind = 0;
    for (const c of CASES) {
      const objects = rendered(c.texts);
      c.breakIt(objects);
      const schemaOk = objects.every((o) => {
        try {
          SCHEMA[o.kind]?.(o).validate();
          return true;
        } catch {
          return false;
        }
      });
      if (schemaOk) schemaBlind++;
    }
    assert.equal(schemaBlind, CASES.length);
  });

  it('reports a schema error kubernetes-models can see (the two checks complement each other)', () => {
    const objects = rendered();
    find(objects, 'StatefulSet', 'gregor').spec.replicas = 'three';
    assert.throws(() => new StatefulSet(find(objects, 'StatefulSet', 'gregor')).validate());
  });
});
