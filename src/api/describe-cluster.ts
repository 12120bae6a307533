// DescribeCluster handler (key 60), versions 0-1: the brokers, the cluster id
// and the controller, as the Java AdminClient's describeCluster() asks.
// Behaviour: only broker endpoints (endpoint type 1) are served; a request for
// controller endpoints (type 2, KIP-919) gets UNSUPPORTED_ENDPOINT_TYPE.
// Brokers are given with the addresses of the listener the request came through.
// Authorization (as Kafka's KafkaApis): none; the cluster's authorized
// operations only with Describe on the cluster (else 0).
// Version notes: v1 adds the endpoint type.

import { CLUSTER_RESOURCE_NAME } from '../protocol/acl-codes.ts';
import { DescribeCluster } from '../protocol/apis/describe-cluster.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { AUTHORIZED_OPERATIONS_OMITTED } from './authorization.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DescribeCluster>;
const BROKER_ENDPOINTS = 1;

export function describeClusterHandler(s: BrokerServices): ApiHandler<typeof DescribeCluster> {
  return {
    api: DescribeCluster,
    minVersion: 0,
    maxVersion: 1,
    handle(req: RequestOf<typeof DescribeCluster>, ctx: RequestContext): Response {
      // As Kafka: no authorization error; the operations only with Describe on the cluster.
      let clusterAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
      if (req.includeClusterAuthorizedOperations)
        clusterAuthorizedOperations = s.authorizer.cluster(ctx, 'DESCRIBE')
          ? s.authorizer.authorizedOperations(ctx, 'CLUSTER', CLUSTER_RESOURCE_NAME)
          : 0;
      const base = {
        throttleTimeMs: 0,
        endpointType: BROKER_ENDPOINTS,
        clusterId: s.clusterId,
        controllerId: s.image.controllerId(),
        clusterAuthorizedOperations,
      };
      if (req.endpointType !== BROKER_ENDPOINTS) {
        return {
          ...base,
          errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
          errorMessage: 'Only broker endpoints are served.',
          brokers: [],
        };
      }
      const brokers = s.image
        .brokersOn(ctx.listenerName)
        .map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, brokers };
    },
  };
}
