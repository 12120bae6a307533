// Incremental fetch sessions (KIP-227). A client that opens a session sends
// the full partition list once; later fetches name only what changed, and the
// answer carries only partitions with news (records, a moved high watermark or
// log start, or an error). The cache is bounded; when full, new sessions are
// not created and the client simply keeps doing full fetches (session id 0).

import { ErrorCode } from '../protocol/error-codes.ts';

export const FINAL_EPOCH = -1;
export const INITIAL_EPOCH = 0;

export interface SessionPartition {
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** What the client was last told, to decide whether there is news. */
  lastHighWatermark: number;
  lastLogStartOffset: number;
  lastErrorCode: number;
}

export interface FetchSession {
  readonly id: number;
  epoch: number;
  /** Keyed by `${topic}\0${partition}`; insertion order is the response order. */
  readonly partitions: Map<string, SessionPartition & { topic: string; partition: number }>;
  lastUsedMs: number;
}

export type SessionLookup =
  | { readonly kind: 'sessionless' }
  | { readonly kind: 'new'; readonly session: FetchSession | null }
  | { readonly kind: 'incremental'; readonly session: FetchSession }
  | { readonly kind: 'error'; readonly errorCode: number };

export function sessionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private nextId = 1;

  constructor(
    private readonly sessionsMax: number,
    private readonly idleMsMax: number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Decides what kind of fetch this is, per KIP-227's epoch rules. */
  lookup(sessionId: number, sessionEpoch: number, nowMs: number): SessionLookup {
    if (sessionEpoch === FINAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      return { kind: 'sessionless' };
    }
    if (sessionEpoch === INITIAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      return { kind: 'new', session: this.create(nowMs) };
    }
    const session = this.sessions.get(sessionId);
    if (session === undefined)
      return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== sessionEpoch)
      return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    session.lastUsedMs = nowMs;
    return { kind: 'incremental', session };
  }

  private create(nowMs: number): FetchSession | null {
    this.evictIdle(nowMs);
    if (this.sessions.size >= this.sessionsMax) return null;
    let id = this.nextId;
    while (id === 0 || this.sessions.has(id)) id = (id + 1) & 0x7fffffff;
    this.nextId = (id + 1) & 0x7fffffff;
    const session: FetchSession = { id, epoch: 1, partitions: new Map(), lastUsedMs: nowMs };
    this.sessions.set(id, session);
    return session;
  }

  private evictIdle(nowMs: number): void {
    for (const [id, s] of this.sessions) {
      if (nowMs - s.lastUsedMs > this.idleMsMax) this.sessions.delete(id);
    }
  }

  remove(id: number): void {
    this.sessions.delete(id);
  }
}
