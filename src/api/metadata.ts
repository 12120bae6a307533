// Metadata handler (key 3), versions 0-12.
// Behaviour: returns the brokers, the controller and the requested topics (all
// topics when the list is null, or empty before v1). A missing topic is
// created when auto.create.topics.enable is on and the request allows it
// (v4+ asks explicitly; earlier versions always allow), using num.partitions
// and default.replication.factor. Names that are not legal topic names get
// INVALID_TOPIC_EXCEPTION. Authorization as Kafka: an all-topics answer lists
// only topics the principal may Describe; a named topic it may not Describe
// gets TOPIC_AUTHORIZATION_FAILED whether or not it exists; auto-creation needs
// Create on the cluster or the topic. Authorized operations (v8+) are filled
// when asked for (the cluster's only in v8-10, as in Kafka).
// Version notes: v1 controller id, rack, internal flag; v2 cluster id; v4
// allow_auto_topic_creation; v7 leader epoch; v9 flexible; v10 topic ids;
// v12 lookup by topic id.

import type { TopicImage } from '../cluster/metadata-image.ts';
import { topicNameProblem } from '../cluster/topic-admin.ts';
import { CLUSTER_RESOURCE_NAME } from '../protocol/acl-codes.ts';
import { Metadata } from '../protocol/apis/metadata.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ZERO_UUID } from '../protocol/schema.ts';
import { AUTHORIZED_OPERATIONS_OMITTED } from './authorization.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';

type Response = ResponseOf<typeof Metadata>;
type TopicOut = Response['topics'][number];

function topicOut(t: TopicImage): TopicOut {
  const partitions = [...t.partitions.values()]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex: p.partition,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: [...p.replicas],
      isrNodes: [...p.isr],
      offlineReplicas: [],
    }));
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: t.internal,
    partitions,
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): TopicOut {
  return {
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
  } as TopicOut;
}

export function metadataHandler(s: BrokerServices): ApiHandler<typeof Metadata> {
  async function resolveByName(name: string, autoCreate: boolean): Promise<TopicOut> {
    const existing = s.image.topic(name);
    if (existing !== undefined) return topicOut(existing);
    if (topicNameProblem(name) !== null)
      return topicError(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION);
    if (!autoCreate) return topicError(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const created = await s.topicAdmin.createTopic({
      name,
      numPartitions: s.settings.numPartitions,
      replicationFactor: Math.min(s.settings.defaultReplicationFactor, s.image.brokers().length),
      configs: {},
      validateOnly: false,
    });
    const now = s.image.topic(name);
    if (now !== undefined) return topicOut(now);
    // Created here or concurrently by another request, but not in our image
    // yet: Kafka answers LEADER_NOT_AVAILABLE, which clients retry.
    const pending =
      created.errorCode === ErrorCode.NONE || created.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS;
    const code = pending ? ErrorCode.LEADER_NOT_AVAILABLE : created.errorCode;
    return topicError(name, ZERO_UUID, code);
  }

  /**
   * Kafka's rule: topics the principal may not Describe are left out of an all-topics
   * answer and refused (TOPIC_AUTHORIZATION_FAILED) when named, without saying whether
   * they exist; auto-creation needs Create on the cluster or on the topic.
   */
  async function requested(
    req: RequestOf<typeof Metadata>,
    ctx: RequestContext,
    autoCreate: boolean,
  ): Promise<TopicOut[]> {
    const wanted = req.topics ?? [];
    const byId = (t: (typeof wanted)[number]) => t.name === null || t.name === '';
    const names = wanted.map((t) => (byId(t) ? s.image.topicById(t.topicId)?.name : t.name));
    const describable = s.authorizer.allowedNames(
      ctx,
      'DESCRIBE',
      'TOPIC',
      names.filter((n): n is string => n !== undefined && n !== null),
    );
    const creatable = (name: string) =>
      s.authorizer.cluster(ctx, 'CREATE', { logIfDenied: false }) ||
      s.authorizer.allowed(ctx, 'CREATE', 'TOPIC', name);
    return Promise.all(
      wanted.map((t, i) => {
        const name = names[i];
        if (byId(t)) {
          if (name === undefined || name === null)
            return topicError(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
          if (!describable.has(name))
            return topicError(null, t.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
          return topicOut(s.image.topic(name)!);
        }
        const topic = t.name!;
        if (!describable.has(topic))
          return topicError(topic, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (s.image.topic(topic) === undefined && autoCreate && !creatable(topic))
          return topicError(topic, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        return resolveByName(topic, autoCreate);
      }),
    );
  }

  return {
    api: Metadata,
    minVersion: 0,
    maxVersion: 12,
    async handle(req: RequestOf<typeof Metadata>, ctx: RequestContext): Promise<Response> {
      const allTopics = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
      const autoCreate =
        s.settings.autoCreateTopics && (ctx.apiVersion < 4 || req.allowAutoTopicCreation);
      let topics: TopicOut[];
      if (allTopics) {
        const all = s.image.topics();
        const names = all.map((t) => t.name);
        const describable = s.authorizer.allowedNames(ctx, 'DESCRIBE', 'TOPIC', names, {
          logIfDenied: false,
        });
        topics = all.filter((t) => describable.has(t.name)).map(topicOut);
      } else {
        topics = await requested(req, ctx, autoCreate);
      }
      if (ctx.apiVersion >= 8 && req.includeTopicAuthorizedOperations) {
        for (const t of topics) {
          const authorized = t.errorCode !== ErrorCode.TOPIC_AUTHORIZATION_FAILED;
          if (t.name !== null && authorized)
            t.topicAuthorizedOperations = s.authorizer.authorizedOperations(ctx, 'TOPIC', t.name);
        }
      }
      let clusterAuthorizedOperations = AUTHORIZED_OPERATIONS_OMITTED;
      if (ctx.apiVersion >= 8 && ctx.apiVersion <= 10 && req.includeClusterAuthorizedOperations) {
        clusterAuthorizedOperations = s.authorizer.cluster(ctx, 'DESCRIBE')
          ? s.authorizer.authorizedOperations(ctx, 'CLUSTER', CLUSTER_RESOURCE_NAME)
          : 0;
      }
      return {
        throttleTimeMs: 0,
        brokers: s.image
          .brokers()
          .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
        clusterId: s.clusterId,
        controllerId: s.image.controllerId(),
        topics,
        clusterAuthorizedOperations,
      };
    },
  };
}
