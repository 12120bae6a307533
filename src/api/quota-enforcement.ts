// Client quotas on the request path, as Kafka's KafkaApis applies them: a
// Produce counts its request's bytes against producer_byte_rate (as it
// arrives, where Kafka counts after the append), a consumer's
// Fetch its response's bytes against consumer_byte_rate (its max bytes capped
// to what one window allows; a throttled fetch answers no records and takes
// its bytes back), and every request but ApiVersions and SASL counts its time
// against request_percentage. The larger throttle goes into the response's
// throttle_time_ms and the connection stops reading for that long (KIP-219);
// a follower's fetch and other brokers' requests are exempt.
//
// Simplification: request time is the time the handler spends before its
// answer is ready, less a Fetch's long poll and a Produce's wait for replicas
// (both measured as zero), not the thread time Kafka measures.

import { ALL_APIS } from '../protocol/apis/index.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { versionIn } from '../protocol/schema.ts';
import type { ClientQuotaManager } from '../security/client-quota-manager.ts';
import { isLeased, releaseLease } from '../util/buffer-pool.ts';
import type { RegisteredHandler, RequestContext } from './handler.ts';

const PRODUCE = 0;
const FETCH = 1;
/** Never throttled: the handshake a client needs before it can be told anything. */
const EXEMPT = new Set([18, 17, 36]);
/** Rough bytes a fetch response spends per partition besides its records. */
const FETCH_PARTITION_OVERHEAD_BYTES = 64;

const THROTTLE_FIELD_VERSIONS = new Map<number, string>();
for (const api of ALL_APIS) {
  const f = api.response.fields.find((x) => x.name === 'throttleTimeMs');
  if (f !== undefined) THROTTLE_FIELD_VERSIONS.set(api.apiKey, f.versions);
}

interface FetchLike {
  maxBytes: number;
  replicaId: number;
  replicaState?: { replicaId: number } | null;
}

interface FetchResponseLike {
  throttleTimeMs: number;
  errorCode: number;
  responses: Array<{ partitions: Array<{ records: Buffer | null }> }>;
}

function fetchReplicaId(req: FetchLike, version: number): number {
  return version >= 15 ? (req.replicaState?.replicaId ?? -1) : req.replicaId;
}

function fetchBytes(r: FetchResponseLike): number {
  let bytes = 0;
  for (const t of r.responses)
    for (const p of t.partitions)
      bytes += (p.records?.length ?? 0) + FETCH_PARTITION_OVERHEAD_BYTES;
  return bytes;
}

/** A throttled fetch answers nothing (Kafka's getThrottledResponse); leased record buffers go back. */
function emptyFetch(r: FetchResponseLike): void {
  for (const t of r.responses)
    for (const p of t.partitions)
      if (p.records !== null && isLeased(p.records)) releaseLease(p.records);
  r.responses = [];
  r.errorCode = ErrorCode.NONE;
}

export function withClientQuotas(
  quotas: ClientQuotaManager,
  now: () => number = Date.now,
): (h: RegisteredHandler) => RegisteredHandler {
  return (h) => {
    if (EXEMPT.has(h.apiKey)) return h;
    return { ...h, handle: (request, ctx) => handleWithQuotas(h, quotas, now, request, ctx) };
  };
}

async function handleWithQuotas(
  h: RegisteredHandler,
  quotas: ClientQuotaManager,
  now: () => number,
  request: unknown,
  ctx: RequestContext,
): Promise<unknown> {
  const user = ctx.principal.name;
  const clientId = ctx.clientId ?? '';
  const isFetch = h.apiKey === FETCH;
  const fromBroker = isFetch && fetchReplicaId(request as FetchLike, ctx.apiVersion) >= 0;
  if (fromBroker) return h.handle(request, ctx);
  if (isFetch) {
    const f = request as FetchLike;
    const most = quotas.maxValueInWindow('consumer_byte_rate', user, clientId);
    if (most < f.maxBytes) f.maxBytes = Math.max(1, Math.floor(most));
  }
  // A Produce's bytes are counted as it arrives, so a client over its quota is throttled
  // before its next request already read is handled (Kafka handles one request per
  // connection at a time; Gregor several).
  let bandwidthThrottle = 0;
  if (h.apiKey === PRODUCE) {
    const bytes = ctx.requestSizeBytes ?? 0;
    bandwidthThrottle = quotas.record('producer_byte_rate', user, clientId, bytes, now());
    if (bandwidthThrottle > 0) ctx.throttle?.(bandwidthThrottle);
  }
  const startedMs = performance.now();
  const pending = h.handle(request, ctx);
  // A Fetch's long poll and a Produce's wait for replicas are not work: count the call only.
  const waits = isFetch || h.apiKey === PRODUCE;
  let busyMs = performance.now() - startedMs;
  const response = await pending;
  if (!waits) busyMs = performance.now() - startedMs;
  const t = now();
  const requestThrottle = quotas.record('request_percentage', user, clientId, busyMs / 10, t);
  let quota: 'producer_byte_rate' | 'consumer_byte_rate' | null = null;
  if (h.apiKey === PRODUCE) quota = 'producer_byte_rate';
  else if (isFetch && response !== null) {
    quota = 'consumer_byte_rate';
    const bytes = fetchBytes(response as FetchResponseLike);
    bandwidthThrottle = quotas.record(quota, user, clientId, bytes, t);
    if (bandwidthThrottle > 0 || requestThrottle > 0) {
      quotas.unrecord(quota, user, clientId, bytes, t);
      emptyFetch(response as FetchResponseLike);
    }
  }
  const throttleMs = Math.max(requestThrottle, bandwidthThrottle);
  if (throttleMs <= 0) return response;
  if (bandwidthThrottle >= requestThrottle && quota !== null)
    quotas.throttled(quota, user, clientId, bandwidthThrottle, t);
  else quotas.throttled('request_percentage', user, clientId, requestThrottle, t);
  ctx.throttle?.(throttleMs);
  const versions = THROTTLE_FIELD_VERSIONS.get(h.apiKey);
  if (response !== null && versions !== undefined && versionIn(versions, ctx.apiVersion)) {
    const r = response as { throttleTimeMs: number };
    r.throttleTimeMs = Math.max(r.throttleTimeMs, throttleMs);
  }
  return response;
}
