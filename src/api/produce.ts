// Produce handler (key 0), versions 0-11 advertised, 3-11 served.
// Behaviour: each partition's record set is validated as Kafka's log
// validator does (protocol/batch-validation.ts: one magic-2 batch, CRC32C,
// max.message.bytes, counts, every record, timestamps against the topic's
// bounds, keys on compacted topics; CORRUPT_MESSAGE, INVALID_RECORD with
// record errors, INVALID_TIMESTAMP, MESSAGE_TOO_LARGE), recompressed when the
// topic's compression.type names another codec, and appended with offsets
// assigned in place. acks=0 gets no response; acks=1 is answered after the
// leader's append; acks=-1 once the high watermark passes the batch (every ISR
// member has it), or NOT_ENOUGH_REPLICAS when the ISR is smaller than
// min.insync.replicas, REQUEST_TIMED_OUT after the request's timeout,
// NOT_LEADER_OR_FOLLOWER if leadership moves while it waits, or this broker is
// fenced (cluster/leader-fence.ts: stalled, session lost or lapsing, image
// behind its registration) before appending and the fence does not lift within
// the request's timeout or the session timeout (the fence is waited out, in
// arrival order, and leadership judged again on the image it lifted with), or
// loses its session while the batch waits (a brief fence keeps it waiting: see
// leadershipLost). Idempotent producers are checked per partition: a
// retried batch is acknowledged with its original offset and stored once, a
// sequence gap gets OUT_OF_ORDER_SEQUENCE_NUMBER. Transactional batches need
// the request's transactional id, and one that opens its producer's
// transaction on a partition is first verified with the coordinator (KIP-890;
// see produce-transactions.ts).
// Versions 0-2 (message sets v0/v1) are advertised only because librdkafka
// (before 2.10) compresses only when the broker lists Produce v0 (KAFKA-18659);
// as in Kafka 4, such a request stores nothing: every partition gets
// UNSUPPORTED_VERSION, and with acks=0, which has no response to carry it, the
// connection is closed.
// Authorization (as Kafka's KafkaApis): Write on each topic
// (TOPIC_AUTHORIZATION_FAILED per partition, before the topic is looked up);
// Write on the transactional id when there is one
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
// Version notes: v3 transactional id and record batch v2; v5 log start
// offset; v7 zstd allowed; v8 record errors and error message; v9 flexible;
// v10 current leader and node endpoints (KIP-951); v11 TRANSACTION_ABORTABLE.

import { Produce } from '../protocol/apis/produce.ts';
import { ErrorCode, KafkaError } from '../protocol/error-codes.ts';
import type { Partition } from '../replication/partition.ts';
import { ackRefusal, unreplicatedAnswer } from '../replication/produce-ack.ts';
import type { BrokerServices } from './broker-services.ts';
import type { ApiHandler, RequestContext, RequestOf, ResponseOf } from './handler.ts';
import { partitionFailure } from './partition-failure.ts';
import { checkTransactionalAppend } from './produce-transactions.ts';

type Response = ResponseOf<typeof Produce>;
type PartitionOut = Response['responses'][number]['partitionResponses'][number];

const VALID_ACKS = new Set([-1, 0, 1]);
const FENCED_MESSAGE = 'this broker is not leading until its session and metadata are current';
/** The first version whose records are record batches v2, the only format stored. */
const FIRST_SERVED_VERSION = 3;

function partitionError(
  index: number,
  errorCode: number,
  errorMessage: string | null,
): PartitionOut {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage,
    currentLeader: null,
  } as PartitionOut;
}

export function produceHandler(s: BrokerServices): ApiHandler<typeof Produce> {
  /**
   * An append that threw: a log error is the partition's answer (a full disk is
   * KAFKA_STORAGE_ERROR, which clients retry) and a rate-limited line; anything
   * else is our bug and is logged with its stack, rate-limited too.
   */
  function appendFailure(topic: string, index: number, err: unknown): PartitionOut {
    const failure = partitionFailure(err, s.logger, { api: 'produce', topic, partition: index });
    return partitionError(index, failure.errorCode, failure.message);
  }

  async function appendOne(
    topic: string,
    index: number,
    records: Buffer | null,
    acks: number,
    timeoutMs: number,
    transactionalId: string | null,
    apiVersion: number,
  ): Promise<PartitionOut> {
    if (s.image.topic(topic) === undefined || s.image.partition(topic, index) === undefined) {
      return partitionError(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
    }
    let partition: Partition | undefined;
    try {
      partition = await s.replicas.acquire(topic, index);
    } catch (err) {
      return appendFailure(topic, index, err);
    }
    let state = s.image.partition(topic, index);
    if (partition === undefined || state === undefined || state.leader !== s.nodeId) {
      return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, null);
    }
    // Lost or lapsing session, stall, or an image behind our registration: the
    // controller may have moved leadership, and our producer state is stale. The
    // fence is waited out (for at most the session timeout) and leadership judged
    // again on the image it lifted with: refusing this batch and then taking the
    // producer's next one, in flight behind it, is a sequence gap for which
    // librdkafka bumps its epoch and re-sends batches already stored under new
    // sequence numbers.
    if (s.replicas.isFencedFor(state)) {
      const before = state;
      if (!(await s.replicas.waitUntilUnfencedFor(before, Math.max(timeoutMs, 0)))) {
        return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, FENCED_MESSAGE);
      }
      state = s.image.partition(topic, index);
      if (
        state === undefined ||
        state.leader !== s.nodeId ||
        state.leaderEpoch !== before.leaderEpoch ||
        s.replicas.partition(topic, index) !== partition
      ) {
        return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, null);
      }
    }
    if (records === null || records.length === 0) {
      return partitionError(index, ErrorCode.CORRUPT_MESSAGE, 'empty record set');
    }
    const minInsync = s.settings.minInsyncReplicas(topic);
    const refusal = acks === -1 ? ackRefusal(state.isr.length, minInsync) : null;
    if (refusal !== null) {
      const message = `ISR ${state.isr.length} < min.insync.replicas ${minInsync}`;
      return partitionError(index, refusal, message);
    }
    const txn = await checkTransactionalAppend(s, transactionalId, topic, partition, records);
    if (!txn.ok) return partitionError(index, txn.errorCode, txn.errorMessage);
    try {
      const validation = { ...s.settings.produceValidation(topic), nowMs: s.now(), apiVersion };
      const r = await partition.appendAsLeader(
        records,
        validation.messageBytesMax,
        validation,
        txn.verification,
      );
      if (acks === -1 && r.errorCode === ErrorCode.NONE) {
        // acks=all: answered once every ISR member has the batch, i.e. once
        // the high watermark has passed its last offset.
        const reached = await partition.waitForHighWatermark(
          r.lastOffset + 1,
          Math.max(timeoutMs, 1),
        );
        if (!reached) {
          const now = s.image.partition(topic, index);
          // Fenced while the batch waited: this broker may no longer lead it.
          if (s.replicas.isFencedFor(now)) {
            return partitionError(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, FENCED_MESSAGE);
          }
          const answer = unreplicatedAnswer(now, {
            nodeId: s.nodeId,
            appendedLeaderEpoch: state.leaderEpoch,
            minInsync,
          });
          return partitionError(index, answer.errorCode, answer.message);
        }
      }
      return {
        index,
        errorCode: r.errorCode,
        baseOffset: r.baseOffset,
        logAppendTimeMs: r.logAppendTimeMs,
        logStartOffset: r.logStartOffset,
        recordErrors: r.recordErrors,
        errorMessage: r.errorMessage,
        currentLeader: null,
      } as PartitionOut;
    } catch (err) {
      return appendFailure(topic, index, err);
    }
  }

  return {
    api: Produce,
    minVersion: 0,
    maxVersion: 11,
    async handle(req: RequestOf<typeof Produce>, ctx: RequestContext): Promise<Response | null> {
      if (ctx.apiVersion < FIRST_SERVED_VERSION) return refuseOldVersion(req, ctx.apiVersion);
      // Authorization as Kafka's KafkaApis: Write on the transactional id for
      // transactional requests, Write on each topic (before it is looked up).
      const writable = s.authorizer.allowedNames(
        ctx,
        'WRITE',
        'TOPIC',
        req.topicData.map((t) => t.name),
      );
      let topLevelError: number = ErrorCode.NONE;
      if (!VALID_ACKS.has(req.acks)) topLevelError = ErrorCode.INVALID_REQUIRED_ACKS;
      else if (
        req.transactionalId !== null &&
        !s.authorizer.allowed(ctx, 'WRITE', 'TRANSACTIONAL_ID', req.transactionalId)
      )
        topLevelError = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
      const responses = await Promise.all(
        req.topicData.map(async (t) => ({
          name: t.name,
          partitionResponses: await Promise.all(
            t.partitionData.map((p) =>
              topLevelError !== ErrorCode.NONE
                ? Promise.resolve(partitionError(p.index, topLevelError, null))
                : !writable.has(t.name)
                  ? Promise.resolve(
                      partitionError(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED, null),
                    )
                  : appendOne(
                      t.name,
                      p.index,
                      p.records,
                      req.acks,
                      req.timeoutMs,
                      req.transactionalId,
                      ctx.apiVersion,
                    ),
            ),
          ),
        })),
      );
      if (req.acks === 0) return null;
      return { responses, throttleTimeMs: 0, nodeEndpoints: [] } as Response;
    },
  };
}

/** Produce v0-2: nothing is stored; each partition is told UNSUPPORTED_VERSION. */
function refuseOldVersion(req: RequestOf<typeof Produce>, version: number): Response {
  if (req.acks === 0) {
    // No response reaches an acks=0 producer: closing is the only way to tell it. A Kafka
    // error, so the connection logs it as the client's doing, not as a bug with a stack.
    throw new KafkaError(
      ErrorCode.UNSUPPORTED_VERSION,
      `Produce v${version} with acks=0: message format v0/v1 is not supported`,
    );
  }
  const responses = req.topicData.map((t) => ({
    name: t.name,
    partitionResponses: t.partitionData.map((p) =>
      partitionError(p.index, ErrorCode.UNSUPPORTED_VERSION, null),
    ),
  }));
  return { responses, throttleTimeMs: 0, nodeEndpoints: [] } as Response;
}
