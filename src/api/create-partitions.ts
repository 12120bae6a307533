// CreatePartitions handler (key 37), versions 0-3.
// Behaviour: adds partitions to existing topics (never removes); new replicas
// are placed like a new topic's unless an assignment is given. A count that is
// not an increase is INVALID_PARTITIONS. validate_only writes nothing.
// Authorization (as Kafka's KafkaApis): Alter on each topic
// (TOPIC_AUTHORIZATION_FAILED).
// Version notes: v2 flexible; v3 same as v2.

import { CreatePartitions } from '../protocol/apis/create-partitions.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof CreatePartitions>;

export function createPartitionsHandler(s: BrokerServices): ApiHandler<typeof CreatePartitions> {
  return {
    api: CreatePartitions,
    minVersion: 0,
    maxVersion: 3,
    async handle(req: RequestOf<typeof CreatePartitions>, ctx: RequestContext): Promise<Response> {
      const alterable = s.authorizer.allowedNames(
        ctx,
        'ALTER',
        'TOPIC',
        req.topics.map((t) => t.name),
      );
      const results: Response['results'] = [];
      const counts = new Map<string, number>();
      for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
      for (const t of req.topics) {
        if ((counts.get(t.name) ?? 0) > 1) {
          results.push({
            name: t.name,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: 'Duplicate topic in request.',
          });
          continue;
        }
        if (!alterable.has(t.name)) {
          results.push({
            name: t.name,
            errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
            errorMessage: 'The topic authorization is failed.',
          });
          continue;
        }
        const assignments = t.assignments === null ? null : t.assignments.map((a) => a.brokerIds);
        const r = await s.topicAdmin.createPartitions(
          t.name,
          t.count,
          assignments,
          req.validateOnly,
        );
        results.push({ name: t.name, errorCode: r.errorCode, errorMessage: r.errorMessage });
      }
      return { throttleTimeMs: 0, results };
    },
  };
}
