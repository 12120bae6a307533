// DeleteTopics handler (key 20), versions 0-6.
// Behaviour: deletes each named topic (or, v6+, topic id) with one store
// transaction; the hosting brokers remove the logs when the deletion reaches
// their metadata image. Internal topics cannot be deleted. When
// delete.topic.enable is false every topic gets TOPIC_DELETION_DISABLED.
// Authorization (as Kafka's KafkaApis): Delete on each topic; by id also
// Describe, without which the name is withheld (TOPIC_AUTHORIZATION_FAILED).
// Version notes: v1 throttle time; v4 flexible; v5 error messages; v6 topics
// by name or id.

import { DeleteTopics } from '../protocol/apis/delete-topics.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ZERO_UUID } from '../protocol/schema.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof DeleteTopics>;
type Result = Response['responses'][number];

export function deleteTopicsHandler(s: BrokerServices): ApiHandler<typeof DeleteTopics> {
  async function deleteOne(name: string | null, topicId: string): Promise<Result> {
    const resolved = name ?? s.image.topicById(topicId)?.name ?? null;
    if (resolved === null)
      return { name, topicId, errorCode: ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: null };
    if (!s.settings.deleteTopicEnable) {
      return {
        name: resolved,
        topicId,
        errorCode: ErrorCode.TOPIC_DELETION_DISABLED,
        errorMessage: 'Topic deletion is disabled.',
      };
    }
    const r = await s.topicAdmin.deleteTopic(resolved);
    return {
      name: resolved,
      topicId: r.topicId,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
    };
  }

  return {
    api: DeleteTopics,
    minVersion: 0,
    maxVersion: 6,
    async handle(req: RequestOf<typeof DeleteTopics>, ctx: RequestContext): Promise<Response> {
      const targets =
        ctx.apiVersion >= 6
          ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
          : req.topicNames.map((n) => ({ name: n as string | null, topicId: ZERO_UUID }));
      // Kafka's rule: Delete on each topic; a topic named by id needs Describe too, and
      // without it its name is not shown.
      const named = targets.map((t) => t.name ?? s.image.topicById(t.topicId)?.name ?? null);
      const known = named.filter((n): n is string => n !== null);
      const describable = s.authorizer.allowedNames(ctx, 'DESCRIBE', 'TOPIC', known);
      const deletable = s.authorizer.allowedNames(ctx, 'DELETE', 'TOPIC', known);
      const responses: Result[] = [];
      for (const [i, t] of targets.entries()) {
        const name = named[i] ?? null;
        const denied = { topicId: t.topicId, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        if (name !== null && t.name === null && !describable.has(name))
          responses.push({ ...denied, name: null, errorMessage: null });
        else if (name !== null && !deletable.has(name))
          responses.push({ ...denied, name, errorMessage: null });
        else responses.push(await deleteOne(t.name, t.topicId));
      }
      return { throttleTimeMs: 0, responses };
    },
  };
}
