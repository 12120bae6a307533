// `gregor k8s render`: every object of a deployment, in the order `kubectl apply` should
// create them (namespace and identity, configuration, etcd, brokers, external access), and
// their text as one multi-document YAML stream. Pure: the same options give the same bytes,
// which is what lets deploy/kubernetes/ be checked against a fresh render.

import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments, stringify } from 'yaml';
import {
  brokerConfigMap,
  brokerDisruptionBudget,
  brokerServices,
  brokerStatefulSet,
} from './broker-objects.ts';
import { commonLabels, deployNames } from './deploy-layout.ts';
import { etcdDisruptionBudget, etcdServices, etcdStatefulSet } from './etcd-objects.ts';
import { externalServices } from './external-objects.ts';
import type { RenderOptions } from './render-options.ts';

/** Any rendered object: what every Kubernetes object has, and the rest left open. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string } | undefined;
}

export function renderObjects(o: RenderOptions): KubeObject[] {
  const names = deployNames(o);
  const objects: KubeObject[] = [];
  if (o.createNamespace) {
    const ns: INamespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: o.namespace, labels: { 'app.kubernetes.io/part-of': 'gregor' } },
    };
    objects.push(ns);
  }
  const account: IServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      name: names.serviceAccount,
      namespace: o.namespace,
      labels: commonLabels(o, 'broker'),
    },
    // Brokers never call the Kubernetes API.
    automountServiceAccountToken: false,
  };
  objects.push(account);
  const configMap = brokerConfigMap(o);
  objects.push(configMap);
  if (o.etcd.kind === 'internal') {
    objects.push(...etcdServices(o), etcdDisruptionBudget(o), etcdStatefulSet(o));
  }
  objects.push(
    ...brokerServices(o),
    brokerDisruptionBudget(o),
    brokerStatefulSet(o, configMap),
    ...externalServices(o),
  );
  return objects;
}

/** The objects as YAML documents, with a header saying how they were made. */
export function renderYaml(objects: readonly KubeObject[], commandLine: string): string {
  const header =
    `# Gregor on Kubernetes, rendered by: ${commandLine}\n` +
    '# Apply with: kubectl apply -f <this file>. Regenerate rather than edit: the options keep\n' +
    '# the objects consistent with each other (names, labels, ports, budgets).\n';
  const docs = objects.map((obj) => stringify(obj, { lineWidth: 0, aliasDuplicateObjects: false }));
  return `${header}---\n${docs.join('---\n')}`;
}

/** Every document of a YAML stream as plain data, empty ones skipped; throws on a syntax error. */
export function parseManifests(text: string): unknown[] {
  const out: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}
