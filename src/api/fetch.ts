// Fetch handler (key 1), versions 0-17, for consumers.
// Behaviour: returns stored batch bytes from each partition's fetch offset up
// to the high watermark, within partition_max_bytes and the response's
// max_bytes (capped by fetch.max.bytes); the first batch is returned whole
// even if larger (KIP-74). Long poll: with less than min_bytes available the
// request waits up to max_wait_ms (capped) for an append to any of its
// partitions. Incremental fetch sessions (KIP-227) are kept in a bounded cache.
// Every answer carries the last stable offset (LSO); isolation level 1
// (read_committed, v4+) reads only below it and gets the aborted transactions
// overlapping the records returned (from the aborted-transaction index), so the
// client drops their records. Follower fetches (replica id >= 0) read
// up to the log end, move the follower's state and the high watermark, and
// get a diverging epoch when their last fetched epoch ended earlier here.
// Versions 0-3 predate record batches: their batches are down-converted to
// message sets v0 (Fetch v0-1) or v1 (v2-3), uncompressed, within the size of
// what was read (at least the first batch's records), as Kafka 3.x does for
// older Sarama, Burrow 1.x and the like; a topic with
// message.downconversion.enable=false answers them UNSUPPORTED_VERSION instead.
// Authorization (as Kafka's KafkaApis): a follower (replica id >= 0) needs
// ClusterAction on the cluster, a consumer Read on each topic; refused
// partitions get TOPIC_AUTHORIZATION_FAILED.
// Version notes: v3 response max bytes; v4 isolation level; v5 log start offset; v7 sessions; v9
// current leader epoch (FENCED/UNKNOWN_LEADER_EPOCH); v11 rack id; v12
// flexible; v13 topic ids (UNKNOWN_TOPIC_ID); v15 replica state; v17 directory.

import { LogClosedError, OffsetOutOfRangeError } from '../log/errors.ts';
import type { ReadResult as LogReadResult } from '../log/partition-log.ts';
import { Fetch } from '../protocol/apis/fetch.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { downConvert, type LegacyMagic } from '../protocol/legacy-message-set.ts';
import { forEachBatch, readBatchHeader } from '../protocol/record-batch.ts';
import { CorruptRecordError } from '../protocol/records.ts';
import { ZERO_UUID } from '../protocol/schema.ts';
import { divergingEpochFor, leaderEpochError } from '../replication/fetch-epochs.ts';
import {
  type FetchSession,
  FetchSessionCache,
  type SessionPartition,
  sessionKey,
} from '../replication/fetch-session-cache.ts';
import type { Partition } from '../replication/partition.ts';
import { brokerBufferPool, releaseLease } from '../util/buffer-pool.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { partitionFailureCode } from './partition-failure.ts';

type Request = RequestOf<typeof Fetch>;
type Response = ResponseOf<typeof Fetch>;
type PartitionOut = Response['responses'][number]['partitions'][number];

const EMPTY = Buffer.alloc(0);
const TOPIC_IDS_FROM_VERSION = 13;
/** The first version whose records are record batches v2, sent as stored. */
const RECORD_BATCH_FROM_VERSION = 4;
/** Bound on one batch's decompressed records while down-converting (a stored batch passed validation). */
const DOWN_CONVERT_DECOMPRESSED_BYTES_MAX = 64 * 1024 * 1024;
const READ_COMMITTED = 1;

interface Wanted {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly fetchOffset: number;
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
  /** Follower fetches (v12+): the epoch of the follower's last fetched batch, -1 if unknown. */
  readonly lastFetchedEpoch: number;
  /** Set when the topic could not be resolved. */
  readonly errorCode: number;
}

interface Gathered {
  readonly out: Array<{ readonly wanted: Wanted; result: PartitionOut }>;
  readonly bytes: number;
  readonly waitable: Partition[];
  readonly anyError: boolean;
}

function emptyPartition(
  index: number,
  errorCode: number,
  hw = -1,
  lso = -1,
  start = -1,
): PartitionOut {
  return {
    partitionIndex: index,
    errorCode,
    highWatermark: hw,
    lastStableOffset: lso,
    logStartOffset: start,
    divergingEpoch: null,
    currentLeader: null,
    snapshotId: null,
    abortedTransactions: errorCode === ErrorCode.NONE ? [] : null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

export function fetchHandler(s: BrokerServices): ApiHandler<typeof Fetch> {
  // max.incremental.fetch.session.cache.slots: when full, a new session is not created and
  // the client is answered with session id 0, a full sessionless fetch (as Kafka does).
  const sessions = new FetchSessionCache(
    s.limits.fetchSessionsMax,
    s.limits.fetchSessionEvictionMs,
  );

  function resolveWanted(req: Request, version: number): Wanted[] {
    const wanted: Wanted[] = [];
    for (const t of req.topics) {
      const byId = version >= TOPIC_IDS_FROM_VERSION;
      const image = byId ? s.image.topicById(t.topicId) : s.image.topic(t.topic);
      const name = image?.name ?? t.topic;
      const unknown = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      for (const p of t.partitions) {
        const known = image?.partitions.has(p.partition);
        wanted.push({
          topic: name,
          topicId: image?.topicId ?? t.topicId,
          partition: p.partition,
          fetchOffset: p.fetchOffset,
          partitionMaxBytes: p.partitionMaxBytes,
          currentLeaderEpoch: p.currentLeaderEpoch,
          lastFetchedEpoch: p.lastFetchedEpoch,
          errorCode: known
            ? ErrorCode.NONE
            : image === undefined
              ? unknown
              : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        });
      }
    }
    return wanted;
  }

  /** One partition's answer; a failing partition gets its error code, never a closed connection. */
  async function readOne(
    w: Wanted,
    maxBytes: number,
    minOneBatch: boolean,
    replicaId: number,
    isolationLevel: number,
  ): Promise<{ result: PartitionOut; partition: Partition | null }> {
    try {
      return await readOneOrThrow(w, maxBytes, minOneBatch, replicaId, isolationLevel);
    } catch (err) {
      const where = { api: 'Fetch', topic: w.topic, partition: w.partition };
      const code = partitionFailureCode(err, s.logger, where);
      return { result: emptyPartition(w.partition, code), partition: null };
    }
  }

  async function readOneOrThrow(
    w: Wanted,
    maxBytes: number,
    minOneBatch: boolean,
    replicaId: number,
    isolationLevel: number,
  ): Promise<{ result: PartitionOut; partition: Partition | null }> {
    if (w.errorCode !== ErrorCode.NONE)
      return { result: emptyPartition(w.partition, w.errorCode), partition: null };
    const state = s.image.partition(w.topic, w.partition);
    // A failing log throws: readOne answers for this partition, the others get theirs.
    const partition = await s.replicas.acquire(w.topic, w.partition);
    // A fenced broker (cluster/leader-fence.ts) may lead on a stale image: neither
    // consumers nor followers are served, so no stale read and no high watermark
    // moved by followers that may follow another leader by now.
    if (
      state === undefined ||
      partition === undefined ||
      state.leader !== s.nodeId ||
      s.replicas.isFencedFor(state)
    ) {
      return {
        result: emptyPartition(w.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER),
        partition: null,
      };
    }
    const epochError = leaderEpochError(w.currentLeaderEpoch, state.leaderEpoch);
    if (epochError !== null) {
      return { result: emptyPartition(w.partition, epochError), partition: null };
    }
    const log = partition.log;
    const fromFollower = replicaId >= 0;
    const readCommitted = !fromFollower && isolationLevel === READ_COMMITTED;
    // Leader-side replication throttle: a throttled replica out of the ISR gets nothing
    // yet; the partition stays waitable, so the fetch long-polls instead of spinning.
    const throttle = fromFollower ? s.leaderThrottle : undefined;
    if (throttle?.holds(w.topic, w.partition, state.isr.includes(replicaId)) === true) {
      const hw = log.highWatermark;
      return {
        result: emptyPartition(w.partition, ErrorCode.NONE, hw, hw, log.logStartOffset),
        partition,
      };
    }
    // KIP-595 style divergence check: where did the follower's last epoch end here?
    const end = fromFollower
      ? divergingEpochFor(w, (epoch) => partition.endOffsetForEpoch(epoch))
      : null;
    if (end !== null) {
      const hw = log.highWatermark;
      const result = emptyPartition(w.partition, ErrorCode.NONE, hw, hw, log.logStartOffset);
      result.divergingEpoch = { epoch: end.leaderEpoch, endOffset: end.endOffset };
      return { result, partition: null };
    }
    let read: LogReadResult;
    try {
      // Records read from disk come in a leased buffer; the connection ends the
      // lease once the response is written (see src/server/connection.ts).
      read = await log.read(w.fetchOffset, maxBytes, {
        // Followers read up to the log end; consumers only what is committed,
        // and read_committed consumers only what is decided.
        maxOffset: fromFollower
          ? log.logEndOffset
          : readCommitted
            ? partition.lastStableOffset()
            : log.highWatermark,
        minOneBatch,
        pool: brokerBufferPool,
      });
    } catch (err) {
      // Shutdown closed the log under a read that began just before: the partition is no
      // longer served here, which clients retry elsewhere.
      if (err instanceof LogClosedError) {
        return {
          result: emptyPartition(w.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER),
          partition: null,
        };
      }
      if (err instanceof OffsetOutOfRangeError) {
        const hw = log.highWatermark;
        return {
          result: emptyPartition(
            w.partition,
            ErrorCode.OFFSET_OUT_OF_RANGE,
            hw,
            hw,
            log.logStartOffset,
          ),
          partition: null,
        };
      }
      // A failing log answers for its own partition (readOne); the others still get theirs.
      throw err;
    }
    if (fromFollower) partition.updateFollower(replicaId, w.fetchOffset);
    if (throttle?.isThrottled(w.topic, w.partition) === true)
      throttle.record(read.records?.length ?? 0);
    const hw = fromFollower ? log.highWatermark : read.highWatermark;
    const lso = Math.min(partition.lastStableOffset(), hw);
    const result = emptyPartition(w.partition, ErrorCode.NONE, hw, lso, read.logStartOffset);
    result.records = read.records ?? EMPTY;
    if (readCommitted && read.records !== null) {
      const upperBound = endOffsetOf(read.records);
      result.abortedTransactions = partition.txns
        .abortedBetween(w.fetchOffset, upperBound)
        .map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
    }
    return { result, partition };
  }

  async function gather(
    wanted: readonly Wanted[],
    maxBytes: number,
    replicaId: number,
    isolationLevel: number,
  ): Promise<Gathered> {
    const out: Gathered['out'] = [];
    const waitable: Partition[] = [];
    let bytes = 0;
    let anyError = false;
    for (const w of wanted) {
      const room = Math.max(0, maxBytes - bytes);
      const limit = Math.min(w.partitionMaxBytes, room);
      const { result, partition } = await readOne(w, limit, bytes === 0, replicaId, isolationLevel);
      bytes += result.records?.length ?? 0;
      if (result.errorCode !== ErrorCode.NONE) anyError = true;
      if (partition !== null) waitable.push(partition);
      out.push({ wanted: w, result });
    }
    return { out, bytes, waitable, anyError };
  }

  async function fetchWithWait(
    req: Request,
    wanted: readonly Wanted[],
    replicaId: number,
  ): Promise<Gathered> {
    const maxBytes = Math.min(
      req.maxBytes > 0 ? req.maxBytes : s.settings.fetchMaxBytes,
      s.settings.fetchMaxBytes,
    );
    const deadline = s.now() + Math.min(Math.max(req.maxWaitMs, 0), s.settings.fetchWaitMsMax);
    const isolation = req.isolationLevel;
    let g = await gather(wanted, maxBytes, replicaId, isolation);
    while (g.bytes < req.minBytes && !g.anyError && g.waitable.length > 0) {
      const left = deadline - s.now();
      if (left <= 0) break;
      await s.replicas.waitForAppend(g.waitable, left);
      // The bytes gathered so far are read again below; their buffers can be reused.
      for (const { result } of g.out) if (result.records !== null) releaseLease(result.records);
      g = await gather(wanted, maxBytes, replicaId, isolation);
    }
    return g;
  }

  /** Fetch v0-3: each partition's batches as a message set of the version's magic, in place. */
  async function downConvertAll(g: Gathered, version: number): Promise<void> {
    const magic: LegacyMagic = version <= 1 ? 0 : 1;
    for (const entry of g.out) {
      const { wanted, result } = entry;
      if (result.errorCode !== ErrorCode.NONE) continue;
      if (!s.settings.messageDownconversionEnable(wanted.topic)) {
        if (result.records !== null) releaseLease(result.records);
        entry.result = emptyPartition(wanted.partition, ErrorCode.UNSUPPORTED_VERSION);
        continue;
      }
      const stored = result.records;
      if (stored === null || stored.length === 0) continue;
      try {
        result.records = await downConvert(stored, magic, {
          fromOffset: wanted.fetchOffset,
          maxBytes: stored.length,
          decompressedBytesMax: DOWN_CONVERT_DECOMPRESSED_BYTES_MAX,
        });
      } catch (err) {
        if (!(err instanceof CorruptRecordError)) throw err;
        s.logger.error(
          { err, topic: wanted.topic, partition: wanted.partition },
          'stored batch could not be down-converted',
        );
        entry.result = emptyPartition(wanted.partition, ErrorCode.CORRUPT_MESSAGE);
      } finally {
        releaseLease(stored);
      }
    }
  }

  function toResponse(
    g: Gathered,
    version: number,
    sessionId: number,
    errorCode: number,
  ): Response {
    const byTopic = new Map<string, Response['responses'][number]>();
    const responses: Response['responses'] = [];
    for (const { wanted, result } of g.out) {
      const k = version >= TOPIC_IDS_FROM_VERSION ? wanted.topicId : wanted.topic;
      let t = byTopic.get(k);
      if (t === undefined) {
        t = { topic: wanted.topic, topicId: wanted.topicId ?? ZERO_UUID, partitions: [] };
        byTopic.set(k, t);
        responses.push(t);
      }
      t.partitions.push(result);
    }
    return { throttleTimeMs: 0, errorCode, sessionId, responses, nodeEndpoints: [] };
  }

  function updateSession(session: FetchSession, req: Request, wanted: readonly Wanted[]): Wanted[] {
    for (const f of req.forgottenTopicsData) {
      const name = f.topic !== '' ? f.topic : (s.image.topicById(f.topicId)?.name ?? '');
      for (const p of f.partitions) session.partitions.delete(sessionKey(name, p));
    }
    for (const w of wanted) {
      const k = sessionKey(w.topic, w.partition);
      const prev = session.partitions.get(k);
      const entry = {
        topic: w.topic,
        partition: w.partition,
        fetchOffset: w.fetchOffset,
        partitionMaxBytes: w.partitionMaxBytes,
        currentLeaderEpoch: w.currentLeaderEpoch,
        lastHighWatermark: prev?.lastHighWatermark ?? -2,
        lastLogStartOffset: prev?.lastLogStartOffset ?? -2,
        lastErrorCode: prev?.lastErrorCode ?? -2,
      };
      session.partitions.set(k, entry);
    }
    return [...session.partitions.values()].map((p) => ({
      topic: p.topic,
      topicId: s.image.topic(p.topic)?.topicId ?? ZERO_UUID,
      partition: p.partition,
      fetchOffset: p.fetchOffset,
      partitionMaxBytes: p.partitionMaxBytes,
      currentLeaderEpoch: p.currentLeaderEpoch,
      lastFetchedEpoch: -1,
      errorCode:
        s.image.partition(p.topic, p.partition) === undefined
          ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : ErrorCode.NONE,
    }));
  }

  /** Keeps only partitions with news, and remembers what was sent. */
  function filterIncremental(session: FetchSession, g: Gathered): Gathered {
    const out = g.out.filter(({ wanted, result }) => {
      const p = session.partitions.get(sessionKey(wanted.topic, wanted.partition)) as
        | SessionPartition
        | undefined;
      if (p === undefined) return true;
      const news =
        (result.records?.length ?? 0) > 0 ||
        result.highWatermark !== p.lastHighWatermark ||
        result.logStartOffset !== p.lastLogStartOffset ||
        result.errorCode !== p.lastErrorCode;
      p.lastHighWatermark = result.highWatermark;
      p.lastLogStartOffset = result.logStartOffset;
      p.lastErrorCode = result.errorCode;
      return news;
    });
    return { ...g, out };
  }

  /**
   * Kafka's rule: a follower needs ClusterAction on the cluster for every partition, a
   * consumer Read on each topic; refused partitions get TOPIC_AUTHORIZATION_FAILED
   * (an unknown topic id stays UNKNOWN_TOPIC_ID: it names no topic to authorize).
   */
  function authorizeFetch(ctx: RequestContext, replicaId: number) {
    return (wanted: readonly Wanted[]): Wanted[] => {
      const known = wanted.filter((w) => w.errorCode !== ErrorCode.UNKNOWN_TOPIC_ID);
      const allowed =
        replicaId >= 0
          ? s.authorizer.cluster(ctx, 'CLUSTER_ACTION')
            ? new Set(known.map((w) => w.topic))
            : new Set<string>()
          : s.authorizer.allowedNames(
              ctx,
              'READ',
              'TOPIC',
              known.map((w) => w.topic),
            );
      return wanted.map((w) =>
        w.errorCode === ErrorCode.UNKNOWN_TOPIC_ID || allowed.has(w.topic)
          ? w
          : { ...w, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED },
      );
    };
  }

  return {
    api: Fetch,
    minVersion: 0,
    maxVersion: 17,
    async handle(req: Request, ctx: RequestContext): Promise<Response> {
      const version = ctx.apiVersion;
      const wanted = resolveWanted(req, version);
      const lookup =
        version >= 7
          ? sessions.lookup(req.sessionId, req.sessionEpoch, s.now())
          : ({ kind: 'sessionless' } as const);
      if (lookup.kind === 'error') {
        return {
          throttleTimeMs: 0,
          errorCode: lookup.errorCode,
          sessionId: req.sessionId,
          responses: [],
          nodeEndpoints: [],
        };
      }
      // A broker's follower fetch names itself: replica_id before v15, replica_state after.
      const replicaId = version >= 15 ? (req.replicaState?.replicaId ?? -1) : req.replicaId;
      const authorized = authorizeFetch(ctx, replicaId);
      if (lookup.kind === 'sessionless') {
        const g = await fetchWithWait(req, authorized(wanted), replicaId);
        if (version < RECORD_BATCH_FROM_VERSION) await downConvertAll(g, version);
        return toResponse(g, version, 0, ErrorCode.NONE);
      }
      const session = lookup.session;
      if (session === null)
        return toResponse(
          await fetchWithWait(req, authorized(wanted), replicaId),
          version,
          0,
          ErrorCode.NONE,
        );
      const all = updateSession(session, req, wanted);
      const g = await fetchWithWait(req, authorized(all), replicaId);
      const filtered = filterIncremental(session, g);
      if (lookup.kind === 'incremental')
        session.epoch = session.epoch === 0x7fffffff ? 1 : session.epoch + 1;
      return toResponse(lookup.kind === 'new' ? g : filtered, version, session.id, ErrorCode.NONE);
    },
  };
}

/** The offset after the last whole batch in `records`. */
function endOffsetOf(records: Buffer): number {
  let end = -1;
  forEachBatch(records, (at) => {
    const h = readBatchHeader(records, at);
    end = h.baseOffset + h.lastOffsetDelta + 1;
  });
  return end;
}
