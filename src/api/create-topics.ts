// CreateTopics handler (key 19), versions 0-7.
// Behaviour: validates names, counts, manual assignments and configs, then
// writes each topic with one store transaction and answers once the broker's
// metadata image has it. -1 partitions or replication factor mean the broker
// defaults (num.partitions, default.replication.factor). validate_only checks
// everything and writes nothing. The timeout is not used: creation is
// synchronous. Each topic is answered on its own; one failure does not stop
// the others. A metadata store that cannot commit in time (unreachable, or
// its disk full) gets REQUEST_TIMED_OUT for the topic.
// Authorization (as Kafka's KafkaApis): Create on the cluster or on each topic
// (TOPIC_AUTHORIZATION_FAILED); the created topic's configs and counts only
// with DescribeConfigs on it.
// Version notes: v1 validate_only and error messages; v4 defaults (-1); v5
// flexible, returns partitions, replication factor and configs; v7 topic id.

import { CreateTopics } from '../protocol/apis/create-topics.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ZERO_UUID } from '../protocol/schema.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Request = RequestOf<typeof CreateTopics>;
type Response = ResponseOf<typeof CreateTopics>;
type TopicOut = Response['topics'][number];

function unauthorized(name: string): TopicOut {
  return {
    name,
    topicId: ZERO_UUID,
    errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    errorMessage: 'Authorization failed.',
    topicConfigErrorCode: ErrorCode.NONE,
    numPartitions: -1,
    replicationFactor: -1,
    configs: [],
  };
}

/** Without DescribeConfigs on the topic, Kafka answers no configs and no counts. */
function hideConfigs(out: TopicOut): void {
  out.topicConfigErrorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  out.numPartitions = -1;
  out.replicationFactor = -1;
  out.configs = [];
}

export function createTopicsHandler(
  s: BrokerServices,
  describeTopicConfigs: (topic: string, overrides: Record<string, string>) => TopicOut['configs'],
): ApiHandler<typeof CreateTopics> {
  async function createOne(
    t: Request['topics'][number],
    validateOnly: boolean,
    seen: Map<string, number>,
  ): Promise<TopicOut> {
    const base = {
      name: t.name,
      topicId: ZERO_UUID,
      topicConfigErrorCode: ErrorCode.NONE,
      numPartitions: -1,
      replicationFactor: -1,
      configs: [] as TopicOut['configs'],
    };
    if ((seen.get(t.name) ?? 0) > 1) {
      return {
        ...base,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `Create topics request from client contains duplicate topic name '${t.name}'.`,
      };
    }
    const configs: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
    const assignments =
      t.assignments.length > 0
        ? [...t.assignments]
            .sort((a, b) => a.partitionIndex - b.partitionIndex)
            .map((a) => a.brokerIds)
        : undefined;
    if (assignments !== undefined && (t.numPartitions !== -1 || t.replicationFactor !== -1)) {
      return {
        ...base,
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'Both numPartitions or replicationFactor and replicasAssignments were set.',
      };
    }
    // A store that cannot commit in time comes back as REQUEST_TIMED_OUT (topic-admin.ts).
    const r = await s.topicAdmin.createTopic({
      name: t.name,
      numPartitions: t.numPartitions === -1 ? s.settings.numPartitions : t.numPartitions,
      replicationFactor:
        t.replicationFactor === -1 ? s.settings.defaultReplicationFactor : t.replicationFactor,
      ...(assignments !== undefined ? { assignments } : {}),
      configs,
      validateOnly,
    });
    if (r.errorCode !== ErrorCode.NONE)
      return { ...base, errorCode: r.errorCode, errorMessage: r.errorMessage };
    return {
      ...base,
      topicId: r.topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      numPartitions: r.numPartitions,
      replicationFactor: r.replicationFactor,
      configs: describeTopicConfigs(t.name, configs),
    };
  }

  return {
    api: CreateTopics,
    minVersion: 0,
    maxVersion: 7,
    async handle(req: Request, ctx: RequestContext): Promise<Response> {
      const seen = new Map<string, number>();
      for (const t of req.topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
      // Kafka's rule: Create on the cluster, else on each topic; the created topic's
      // configs are shown only with DescribeConfigs on it.
      const names = req.topics.map((t) => t.name);
      const creatable = s.authorizer.cluster(ctx, 'CREATE', { logIfDenied: false })
        ? new Set(names)
        : s.authorizer.allowedNames(ctx, 'CREATE', 'TOPIC', names);
      const describable = s.authorizer.allowedNames(ctx, 'DESCRIBE_CONFIGS', 'TOPIC', names, {
        logIfDenied: false,
      });
      const topics: TopicOut[] = [];
      for (const t of req.topics) {
        const out =
          (seen.get(t.name) ?? 0) > 1 || creatable.has(t.name)
            ? await createOne(t, req.validateOnly, seen)
            : unauthorized(t.name);
        if (!describable.has(t.name)) hideConfigs(out);
        topics.push(out);
      }
      return { throttleTimeMs: 0, topics };
    },
  };
}
