// DescribeCluster handler (key 60), versions 0-1: the brokers, the cluster id
// and the controller, as the Java AdminClient's describeCluster() asks.
// Behaviour: only broker endpoints (endpoint type 1) are served; a request for
// controller endpoints (type 2, KIP-919) gets UNSUPPORTED_ENDPOINT_TYPE.
// Authorized operations are left at Kafka's "not requested" value. Brokers are
// given with the addresses of the listener the request came through.
// Version notes: v1 adds the endpoint type.

import { DescribeCluster } from '../protocol/apis/describe-cluster.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
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
      const base = {
        throttleTimeMs: 0,
        endpointType: BROKER_ENDPOINTS,
        clusterId: s.clusterId,
        controllerId: s.image.controllerId(),
        clusterAuthorizedOperations: -2147483648,
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
