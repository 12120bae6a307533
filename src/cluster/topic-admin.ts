// Topic lifecycle decisions and their writes: create (placement of replicas,
// a topic id, initial leaders), delete, add partitions and change topic
// configs. Each write is one compare-and-set transaction on the store; the
// caller's answer waits until the change has come back through the metadata
// watch, so a client that creates a topic can use it at once.

import { randomBytes } from 'node:crypto';
import { FIXED_LIMITS } from '../config/limits.ts';
import type { KeyLayout } from '../metadata/key-layout.ts';
import { type MetaStore, MetaStoreError, type Op } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ZERO_UUID } from '../protocol/schema.ts';
import type { MetadataImage, PartitionRecord, TopicRecord } from './metadata-image.ts';

export const TOPIC_NAME_LENGTH_MAX = FIXED_LIMITS.topicNameLengthMax;
/** Partitions one CreateTopics or CreatePartitions request may add (a bound on work and files). */
const PARTITIONS_CREATED_PER_REQUEST_MAX = FIXED_LIMITS.partitionsCreatedPerRequestMax;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

export interface AdminResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface CreateTopicRequest {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Manual assignment: replicas per partition; overrides the two counts. */
  readonly assignments?: readonly (readonly number[])[];
  readonly configs: Record<string, string>;
  readonly validateOnly: boolean;
  readonly internal?: boolean;
}

export interface CreateTopicResult extends AdminResult {
  readonly topicId: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

export type ConfigValidator = (configs: Record<string, string>) => string | null;

function ok(): AdminResult {
  return { errorCode: ErrorCode.NONE, errorMessage: null };
}

function fail(errorCode: number, errorMessage: string): AdminResult {
  return { errorCode, errorMessage };
}

export function newTopicId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-') && id !== ZERO_UUID) return id;
  }
}

/** Kafka's topic-name rule: 1..249 chars of [a-zA-Z0-9._-], not "." or "..". */
export function topicNameProblem(name: string): string | null {
  if (name.length === 0) return 'Topic name is empty';
  if (name === '.' || name === '..') return `Topic name cannot be "${name}"`;
  if (name.length > TOPIC_NAME_LENGTH_MAX)
    return `Topic name is longer than ${TOPIC_NAME_LENGTH_MAX}`;
  if (!LEGAL_TOPIC_NAME.test(name))
    return `Topic name "${name}" contains characters other than [a-zA-Z0-9._-]`;
  return null;
}

/**
 * Kafka's collision rule: metric names put '.' and '_' in the same place, so
 * no two topics may differ only by those. Returns the existing topic (the
 * least name, for a stable message) that `name` collides with, or null. The
 * check is against the image, as Kafka's is against its metadata: two brokers
 * creating colliding names at the same instant can both succeed.
 */
export function collidingTopic(name: string, existing: Iterable<string>): string | null {
  if (!/[._]/.test(name)) return null;
  const unified = unifyCollisionChars(name);
  let least: string | null = null;
  for (const other of existing) {
    if (other === name || unifyCollisionChars(other) !== unified) continue;
    if (least === null || other < least) least = other;
  }
  return least;
}

function unifyCollisionChars(name: string): string {
  return name.replaceAll('.', '_');
}

/**
 * Brokers ordered so that consecutive ones sit in different racks (Kafka's
 * rack-alternated list): with replicas taken consecutively from it, each
 * partition's replicas spread over as many racks as there are. Without racks
 * it is the brokers in id order.
 */
export function rackAlternatedOrder(
  brokers: ReadonlyArray<{ nodeId: number; rack: string | null }>,
): number[] {
  const byRack = new Map<string, number[]>();
  for (const b of [...brokers].sort((x, y) => x.nodeId - y.nodeId)) {
    const rack = b.rack ?? '';
    const list = byRack.get(rack) ?? [];
    list.push(b.nodeId);
    byRack.set(rack, list);
  }
  const racks = [...byRack.keys()].sort();
  const out: number[] = [];
  for (let i = 0; out.length < brokers.length; i++) {
    for (const r of racks) {
      const id = byRack.get(r)![i];
      if (id !== undefined) out.push(id);
    }
  }
  return out;
}

/**
 * Replicas of partition p: rf consecutive brokers of `orderedIds` starting at
 * a rotating offset, so leaders (the first replica) spread over all brokers.
 */
export function placeReplicas(
  orderedIds: readonly number[],
  numPartitions: number,
  replicationFactor: number,
  startIndex: number,
): number[][] {
  const sorted = orderedIds;
  const out: number[][] = [];
  for (let p = 0; p < numPartitions; p++) {
    const replicas: number[] = [];
    for (let r = 0; r < replicationFactor; r++)
      replicas.push(sorted[(startIndex + p + r) % sorted.length]!);
    out.push(replicas);
  }
  return out;
}

export class TopicAdmin {
  constructor(
    private readonly store: MetaStore,
    private readonly keys: KeyLayout,
    private readonly image: MetadataImage,
    private readonly waitForRevision: (revision: number) => Promise<void>,
    private readonly validateConfigs: ConfigValidator,
  ) {}

  async createTopic(req: CreateTopicRequest): Promise<CreateTopicResult> {
    const planned = this.planTopic(req);
    if ('errorCode' in planned && planned.errorCode !== ErrorCode.NONE) {
      return { ...planned, topicId: ZERO_UUID, numPartitions: -1, replicationFactor: -1 };
    }
    const { assignments } = planned as { assignments: number[][] };
    const topicId = newTopicId();
    const result = {
      ...ok(),
      topicId,
      numPartitions: assignments.length,
      replicationFactor: assignments[0]?.length ?? 0,
    };
    if (req.validateOnly) return result;
    const record: TopicRecord = { topicId, internal: req.internal ?? false, replicas: assignments };
    const ops: Op[] = [
      { type: 'put', key: this.keys.topic(req.name), value: JSON.stringify(record) },
    ];
    assignments.forEach((replicas, p) => {
      const state: PartitionRecord = {
        leader: replicas[0]!,
        leaderEpoch: 0,
        isr: replicas,
        partitionEpoch: 0,
      };
      ops.push({
        type: 'put',
        key: this.keys.partition(req.name, p),
        value: JSON.stringify(state),
      });
    });
    if (Object.keys(req.configs).length > 0) {
      ops.push({
        type: 'put',
        key: this.keys.config('topic', req.name),
        value: JSON.stringify(req.configs),
      });
    }
    let txn: Awaited<ReturnType<MetaStore['txn']>>;
    try {
      txn = await this.store.txn(
        [{ key: this.keys.topic(req.name), target: 'version', operator: '=', value: 0 }],
        ops,
      );
    } catch (err) {
      // The store did not answer in time (etcd away, or the embedded store's disk full):
      // Kafka answers a controller that cannot commit with REQUEST_TIMED_OUT. The topic
      // may still appear: the write's outcome is unknown.
      if (!(err instanceof MetaStoreError)) throw err;
      return {
        ...fail(ErrorCode.REQUEST_TIMED_OUT, err.message),
        topicId: ZERO_UUID,
        numPartitions: -1,
        replicationFactor: -1,
      };
    }
    if (!txn.succeeded) {
      return {
        ...fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`),
        topicId: ZERO_UUID,
        numPartitions: -1,
        replicationFactor: -1,
      };
    }
    await this.waitForRevision(txn.revision);
    return result;
  }

  private planTopic(req: CreateTopicRequest): AdminResult | { assignments: number[][] } {
    const nameProblem = topicNameProblem(req.name);
    if (nameProblem !== null) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
    if (this.image.topic(req.name) !== undefined) {
      return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${req.name}' already exists.`);
    }
    const colliding = collidingTopic(
      req.name,
      this.image.topics().map((t) => t.name),
    );
    if (colliding !== null) {
      return fail(
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        `Topic '${req.name}' collides with existing topic: ${colliding}`,
      );
    }
    const configProblem = this.validateConfigs(req.configs);
    if (configProblem !== null) return fail(ErrorCode.INVALID_CONFIG, configProblem);
    const brokerIds = this.image.brokers().map((b) => b.nodeId);
    if (req.assignments !== undefined && req.assignments.length > 0) {
      return this.checkAssignments(req.assignments, brokerIds);
    }
    if (req.numPartitions <= 0) {
      return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
    }
    if (req.numPartitions > PARTITIONS_CREATED_PER_REQUEST_MAX) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `Number of partitions ${req.numPartitions} exceeds the limit of ${PARTITIONS_CREATED_PER_REQUEST_MAX} per request.`,
      );
    }
    if (req.replicationFactor <= 0) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        'Replication factor must be larger than 0.',
      );
    }
    if (req.replicationFactor > brokerIds.length) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor: ${req.replicationFactor} larger than available brokers: ${brokerIds.length}.`,
      );
    }
    const start = Math.floor(Math.random() * brokerIds.length);
    const ordered = rackAlternatedOrder(this.image.brokers());
    return { assignments: placeReplicas(ordered, req.numPartitions, req.replicationFactor, start) };
  }

  private checkAssignments(
    assignments: readonly (readonly number[])[],
    brokerIds: readonly number[],
  ): AdminResult | { assignments: number[][] } {
    const live = new Set(brokerIds);
    if (assignments.length > PARTITIONS_CREATED_PER_REQUEST_MAX) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `${assignments.length} partitions exceed the limit of ${PARTITIONS_CREATED_PER_REQUEST_MAX} per request.`,
      );
    }
    for (const replicas of assignments) {
      if (replicas.length === 0 || new Set(replicas).size !== replicas.length) {
        return fail(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          'Each partition needs distinct replicas.',
        );
      }
      for (const r of replicas) {
        if (!live.has(r))
          return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker ${r} in assignment.`);
      }
    }
    return { assignments: assignments.map((r) => [...r]) };
  }

  async deleteTopic(name: string): Promise<AdminResult & { topicId: string }> {
    const topic = this.image.topic(name);
    if (topic === undefined) {
      return {
        ...fail(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          'This server does not host this topic-partition.',
        ),
        topicId: ZERO_UUID,
      };
    }
    if (topic.internal) {
      return {
        ...fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot delete internal topic ${name}`),
        topicId: topic.topicId,
      };
    }
    const txn = await this.store.txn(
      [{ key: this.keys.topic(name), target: 'version', operator: '>', value: 0 }],
      [
        { type: 'deletePrefix', prefix: this.keys.partitionsPrefix(name) },
        { type: 'delete', key: this.keys.topic(name) },
        { type: 'delete', key: this.keys.config('topic', name) },
      ],
    );
    if (!txn.succeeded) {
      return {
        ...fail(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          'This server does not host this topic-partition.',
        ),
        topicId: ZERO_UUID,
      };
    }
    await this.waitForRevision(txn.revision);
    return { ...ok(), topicId: topic.topicId };
  }

  async createPartitions(
    name: string,
    count: number,
    assignments: readonly (readonly number[])[] | null,
    validateOnly: boolean,
  ): Promise<AdminResult> {
    const topic = this.image.topic(name);
    if (topic === undefined)
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    const current = topic.partitions.size;
    if (count <= current) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `Topic currently has ${current} partitions, ${count} would not be an increase.`,
      );
    }
    if (count - current > PARTITIONS_CREATED_PER_REQUEST_MAX) {
      return fail(
        ErrorCode.INVALID_PARTITIONS,
        `Adding ${count - current} partitions exceeds the limit of ${PARTITIONS_CREATED_PER_REQUEST_MAX} per request.`,
      );
    }
    // The settled assignment (not a partition's replicas mid-reassignment).
    const rf = topic.assignment[0]?.length ?? 1;
    const brokerIds = this.image.brokers().map((b) => b.nodeId);
    let added: number[][];
    if (assignments !== null && assignments.length > 0) {
      if (assignments.length !== count - current) {
        return fail(
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `Increasing the number of partitions by ${count - current} but ${assignments.length} assignments provided.`,
        );
      }
      const checked = this.checkAssignments(assignments, brokerIds);
      if ('errorCode' in checked) return checked;
      added = checked.assignments;
    } else {
      if (rf > brokerIds.length)
        return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Not enough live brokers.');
      added = placeReplicas(
        rackAlternatedOrder(this.image.brokers()),
        count - current,
        rf,
        current,
      );
    }
    if (validateOnly) return ok();
    const replicas = [...topic.assignment, ...added];
    const record: TopicRecord = { topicId: topic.topicId, internal: topic.internal, replicas };
    const ops: Op[] = [{ type: 'put', key: this.keys.topic(name), value: JSON.stringify(record) }];
    added.forEach((r, i) => {
      const state: PartitionRecord = { leader: r[0]!, leaderEpoch: 0, isr: r, partitionEpoch: 0 };
      ops.push({
        type: 'put',
        key: this.keys.partition(name, current + i),
        value: JSON.stringify(state),
      });
    });
    const existing = await this.store.get(this.keys.topic(name));
    if (existing === null)
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    const txn = await this.store.txn(
      [
        {
          key: this.keys.topic(name),
          target: 'modRevision',
          operator: '=',
          value: existing.modRevision,
        },
      ],
      ops,
    );
    if (!txn.succeeded)
      return fail(ErrorCode.REASSIGNMENT_IN_PROGRESS, 'Topic changed concurrently; retry.');
    await this.waitForRevision(txn.revision);
    return ok();
  }

  /** Replaces a topic's dynamic config overrides (empty map removes them). */
  async setTopicConfigs(
    name: string,
    configs: Record<string, string>,
    opts: { validateOnly: boolean } = { validateOnly: false },
  ): Promise<AdminResult> {
    if (this.image.topic(name) === undefined) {
      return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`);
    }
    const problem = this.validateConfigs(configs);
    if (problem !== null) return fail(ErrorCode.INVALID_CONFIG, problem);
    if (opts.validateOnly) return ok();
    const key = this.keys.config('topic', name);
    const r =
      Object.keys(configs).length === 0
        ? await this.store.delete(key)
        : await this.store.put(key, JSON.stringify(configs));
    await this.waitForRevision(r.revision);
    return ok();
  }
}
