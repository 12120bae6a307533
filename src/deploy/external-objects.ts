// Access from outside the cluster: one Service per broker (Kafka clients must reach the
// leader of each partition, so a single load-balanced address is not enough) plus a
// bootstrap Service for the first connection. Each broker advertises the address of its
// own Service on the EXTERNAL listener (broker-objects.ts), so the two must agree.

import type { IService } from 'kubernetes-models/v1/Service';
import {
  commonLabels,
  deployNames,
  EXTERNAL_PORT,
  externalServiceName,
  POD_NAME_LABEL,
  selectorLabels,
} from './deploy-layout.ts';
import type { RenderOptions } from './render-options.ts';

/** external-dns creates the record named in this annotation for a LoadBalancer Service. */
export const EXTERNAL_DNS_ANNOTATION = 'external-dns.alpha.kubernetes.io/hostname';

/** The NodePort of the external bootstrap Service; broker N gets the next port plus N. */
export function externalBootstrapNodePort(o: RenderOptions): number {
  if (o.external.kind !== 'nodeport') throw new Error('not a NodePort deployment');
  return o.external.nodePortBase;
}

export function externalServices(o: RenderOptions): IService[] {
  const access = o.external;
  if (access.kind === 'none') return [];
  const names = deployNames(o);
  const type = access.kind === 'nodeport' ? 'NodePort' : 'LoadBalancer';
  const port = (nodePort: number) => ({
    name: 'external',
    port: EXTERNAL_PORT,
    targetPort: 'external',
    protocol: 'TCP' as const,
    ...(access.kind === 'nodeport' ? { nodePort } : {}),
  });
  const dns = (host: string) =>
    access.kind === 'loadbalancer'
      ? { annotations: { [EXTERNAL_DNS_ANNOTATION]: `${host}.${access.domain}` } }
      : {};
  const base = access.kind === 'nodeport' ? access.nodePortBase : 0;
  const services: IService[] = [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: names.externalBootstrap,
        namespace: o.namespace,
        labels: commonLabels(o, 'broker'),
        ...dns(names.bootstrap),
      },
      spec: { type, selector: selectorLabels(o, 'broker'), ports: [port(base)] },
    },
  ];
  for (let i = 0; i < o.brokers; i++) {
    const pod = `${names.brokers}-${i}`;
    services.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: externalServiceName(o, i),
        namespace: o.namespace,
        labels: commonLabels(o, 'broker'),
        ...dns(pod),
      },
      spec: {
        type,
        // Traffic for broker i must reach broker i, even before it is ready to serve all of it.
        publishNotReadyAddresses: true,
        selector: { ...selectorLabels(o, 'broker'), [POD_NAME_LABEL]: pod },
        ports: [port(base + 1 + i)],
      },
    });
  }
  return services;
}
