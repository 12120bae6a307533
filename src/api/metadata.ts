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
// when asked for (the cluster's only in v8-10, as in Kafka). Brokers are given
// with the addresses of the listener the request came through; a leader
// registered without it is LISTENER_NOT_FOUND (v6+).
// Version notes: v1 controller id, rack, internal flag; v2 cluster id; v4
// allow_auto_topic_creation; v7 leader epoch; v9 flexible; v10 topic ids;
// v12 lookup by topic id.

import { endpointFor, type MetadataImage, type TopicImage } from '../cluster/metadata-image.ts';
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

/** Who can be reached on the request's listener; a leader that cannot is no leader to it. */
interface Reachable {
  readonly listenerName: string;
  readonly apiVersion: number;
  readonly image: MetadataImage;
}

/**
 * Kafka's answer for a leader registered without the client's listener: LISTENER_NOT_FOUND
 * from v6 (LEADER_NOT_AVAILABLE before), and no leader id.
 */
function unreachableLeaderError(leader: number, r: Reachable): number {
  if (leader < 0) return ErrorCode.NONE;
  const broker = r.image.broker(leader);
  if (broker === undefined || endpointFor(broker, r.listenerName) !== null) return ErrorCode.NONE;
  return r.apiVersion >= 6 ? ErrorCode.LISTENER_NOT_FOUND : ErrorCode.LEADER_NOT_AVAILABLE;
}

function topicOut(t: TopicImage, r: Reachable): TopicOut {
  const partitions = [...t.partitions.values()]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => ({ p, errorCode: unreachableLeaderError(p.leader, r) }))
    .map(({ p, errorCode }) => ({
      errorCode,
      partitionIndex: p.partition,
      leaderId: errorCode === ErrorCode.NONE ? p.leader : -1,
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
  async function resolveByName(name: string, autoCreate: boolean, r: Reachable): Promise<TopicOut> {
    const existing = s.image.topic(name);
    if (existing !== undefined) return topicOut(existing, r);
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
    if (now !== undefined) return topicOut(now, r);
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
    r: Reachable,
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
          return topicOut(s.image.topic(name)!, r);
        }
        const topic = t.name!;
        if (!describable.has(topic))
          return topicError(topic, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        if (s.image.topic(topic) === undefined && autoCreate && !creatable(topic))
          return topicError(topic, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
        return resolveByName(topic, autoCreate, r);
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
      const r: Reachable = {
        listenerName: ctx.listenerName,
        apiVersion: ctx.apiVersion,
        image: s.image,
      };
      let topics: TopicOut[];
      if (allTopics) {
        const all = s.image.topics();
        const names = all.map((t) => t.name);
        const describable = s.authorizer.allowedNames(ctx, 'DESCRIBE', 'TOPIC', names, {
          logIfDenied: false,
        });
        topics = all.filter((t) => describable.has(t.name)).map((t) => topicOut(t, r));
      } else {
        topics = await requested(req, ctx, autoCreate, r);
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
        // Each client is told the addresses of the listener it connected through.
        brokers: s.image.brokersOn(ctx.listenerName),
        clusterId: s.clusterId,
        controllerId: s.image.controllerId(),
        topics,
        clusterAuthorizedOperations,
      };
    },
  };
}
