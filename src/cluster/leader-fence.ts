// Whether this broker may act as a partition leader on its metadata image right
// now. The image is untrustworthy when: the process stalled (paused with
// SIGSTOP, swapped out, a long GC) long enough that its session may have
// lapsed and leadership moved while it could not see it; it registered again
// after losing its session and the image has not yet caught up with that
// registration; or its session is gone or may be about to go on the store's
// clock (keepalives unconfirmed for nearly the lease TTL, the store answering
// that the lease is gone, or the image showing the registration is not ours).
// The controller may then have elected other leaders, so a broker cut off from
// the store (and perhaps from its peers) stops leading BEFORE its lease can
// expire, as a lease holder must: produce, fetch and offset requests get
// NOT_LEADER_OR_FOLLOWER (retriable) until it has registered again and its image
// has caught up. A broker cannot tell a whole-store outage from being cut off
// alone, so during a store outage longer than that it stops leading partitions
// that another broker could lead; partitions whose only replica is this broker
// keep being served, since nobody else can have been made their leader.

import type { Logger } from '../util/logger.ts';

/** What the fence knows of this broker's session with the metadata store. */
export interface SessionState {
  /**
   * Monotonic time (the fence's clock) until which the store certainly still
   * holds the lease: the send time of the last confirmed keepalive plus the
   * TTL. Null when no live lease is held (not registered yet, or lost and not
   * registered again); Infinity for a store without a network.
   */
  readonly leaseConfirmedUntilMs: number | null;
  /** This registration's incarnation, null before the first. */
  readonly incarnation: string | null;
  /** The incarnation the image has for this broker id; null when it has no registration. */
  readonly imageIncarnation: string | null;
}

/** Everything the decision looks at, time included, so it can be judged without I/O. */
export interface FenceFacts {
  readonly nowMs: number;
  readonly lastTickMs: number;
  readonly stallMsMax: number;
  /** A stall has not yet been followed by a completed catch-up. */
  readonly stallUnresolved: boolean;
  readonly imageRevision: number;
  readonly registeredRevision: number;
  /** Absent: the fence does not consult the session (only stalls and revisions). */
  readonly session?: SessionState;
  /** Stop leading this long before the lease could expire on the store. */
  readonly sessionMarginMs: number;
}

export type FenceReason =
  | 'stalled'
  | 'image-behind-registration'
  | 'session-lost'
  | 'session-lapsing'
  | 'registration-not-ours';

/**
 * Why this broker must not lead a partition now, or null. `othersMayLead` is
 * false for a partition whose only replica is this broker: no other broker can
 * have been made its leader, so a lost or lapsing session alone does not fence it.
 */
export function fenceReason(f: FenceFacts, othersMayLead: boolean): FenceReason | null {
  if (f.nowMs - f.lastTickMs > f.stallMsMax || f.stallUnresolved) return 'stalled';
  if (f.imageRevision < f.registeredRevision) return 'image-behind-registration';
  const s = f.session;
  if (s === undefined || !othersMayLead) return null;
  if (s.leaseConfirmedUntilMs === null) return 'session-lost';
  if (f.nowMs >= s.leaseConfirmedUntilMs - f.sessionMarginMs) return 'session-lapsing';
  if (s.imageIncarnation !== s.incarnation) return 'registration-not-ours';
  return null;
}

/**
 * Reasons that mean leadership has moved or is about to (the store no longer
 * holds this broker's lease, or the image holds another registration): produces
 * waiting for replication are answered NOT_LEADER_OR_FOLLOWER then. The others
 * (a keepalive confirmed late, a stall, an image catching up) are brief and
 * often end with this broker still leading in the same leader epoch: waiting
 * produces keep waiting (the high watermark does not move while fenced), since a
 * batch answered NOT_LEADER_OR_FOLLOWER that then commits is one the client
 * believes unwritten; after any later epoch bump librdkafka renumbers it from
 * sequence 0 and it is stored twice. A leader epoch change fails them anyway.
 */
export function leadershipLost(reason: FenceReason | null): boolean {
  return reason === 'session-lost' || reason === 'registration-not-ours';
}

const REASON_TEXT: Record<FenceReason, string> = {
  stalled: 'process stalled',
  'image-behind-registration': 'metadata image has not caught up with this registration',
  'session-lost': 'broker session lost',
  'session-lapsing': 'keepalives unconfirmed for nearly the session timeout',
  'registration-not-ours': 'metadata image does not hold this registration',
};

/** How often requests waiting for a brief fence are checked while there are any. */
const WAITER_POLL_MS = 20;

export interface LeaderFenceOptions {
  /** A monotonic clock (performance.now), so wall-clock steps are not stalls. */
  readonly now: () => number;
  /**
   * The longest stall that cannot have cost the session: under the keepalive
   * margin, e.g. half of broker.session.timeout.ms.
   */
  readonly stallMsMax: number;
  readonly imageRevision: () => number;
  readonly registeredRevision: () => number;
  /** Reads the store's current revision and waits until the image has reached it. */
  readonly catchUp: () => Promise<void>;
  /** The session as it is now; absent, the fence judges stalls and revisions only. */
  readonly session?: () => SessionState;
  /**
   * How long before the lease could expire on the store's clock the broker stops
   * leading (covers a request checked just before and written just after).
   */
  readonly sessionMarginMs?: number;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
  /**
   * The longest a request waits for the fence to lift before it is refused (so a
   * broker cut off for good sends its clients on); default twice stallMsMax.
   */
  readonly waitMsMax?: number;
}

export class LeaderFence {
  private lastTickMs: number;
  /** Stalls seen so far; a catch-up clears the fence only if none began meanwhile. */
  private stalls = 0;
  private caughtUpStalls = 0;
  private catchingUp = false;
  private timer: NodeJS.Timeout | null = null;
  /** The reason seen at the last tick, to log and announce changes once. */
  private lastReason: FenceReason | null = null;
  /** Whether the last tick found leadership lost (see leadershipLost). */
  private lastLost = false;
  private readonly fencedListeners: Array<() => void> = [];
  private closed = false;
  /** Checks the waiters often while there are any. */
  private poll: NodeJS.Timeout | null = null;
  /** Requests waiting for a brief fence to lift, in arrival order (see waitUntilLifted). */
  private waiters: Array<{
    othersMayLead: boolean;
    deadlineMs: number;
    resolve: (lifted: boolean) => void;
  }> = [];

  constructor(private readonly o: LeaderFenceOptions) {
    this.lastTickMs = o.now();
  }

  /** Ticks a few times per stall limit, so a stall is noticed within one tick of waking. */
  start(): void {
    this.lastTickMs = this.o.now();
    const tickMs = Math.max(10, Math.floor(this.o.stallMsMax / 4));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.closed = true;
    if (this.poll !== null) clearInterval(this.poll);
    this.poll = null;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve(false);
  }

  /**
   * Waits while the fence is up; true once it has lifted, false after `timeoutMs`
   * (capped at `waitMsMax`) or at close. A produce read from a socket after a pause
   * must not be refused while the next one from the same producer is taken a moment
   * later: that sequence gap makes librdkafka bump its producer epoch and re-send,
   * renumbered, batches already stored. So even a lost session is waited out: the
   * broker usually registers again within milliseconds of waking, and when the
   * controller could not move leadership meanwhile (this broker was the only in-sync
   * replica) it still leads in the same epoch; the caller judges leadership again on
   * the image the fence lifted with. Waiters are answered in the order they came, so
   * the batches of one producer still reach the log in order.
   */
  waitUntilLifted(othersMayLead: boolean, timeoutMs: number): Promise<boolean> {
    const reason = this.reason(othersMayLead);
    if (reason === null && this.waiters.length === 0) return Promise.resolve(true);
    const waitMs = Math.min(timeoutMs, this.o.waitMsMax ?? this.o.stallMsMax * 2);
    if (waitMs <= 0 || this.closed) return Promise.resolve(false);
    const lifted = new Promise<boolean>((resolve) => {
      this.waiters.push({ othersMayLead, deadlineMs: this.o.now() + waitMs, resolve });
    });
    if (reason === null) this.answerWaiters();
    else if (this.poll === null) {
      // Answered soon after the lift, not only at the next tick (a stall limit's quarter).
      this.poll = setInterval(() => this.answerWaiters(), WAITER_POLL_MS);
      this.poll.unref();
    }
    return lifted;
  }

  /** Answers, in arrival order, the waiters whose fence lifted or whose wait ran out. */
  private answerWaiters(): void {
    if (this.waiters.length === 0) return;
    const now = this.o.now();
    const waiting: typeof this.waiters = [];
    const answers: Array<[(lifted: boolean) => void, boolean]> = [];
    for (const w of this.waiters) {
      const reason = this.reason(w.othersMayLead);
      if (reason === null) answers.push([w.resolve, true]);
      else if (now >= w.deadlineMs) answers.push([w.resolve, false]);
      else waiting.push(w);
    }
    this.waiters = waiting;
    if (waiting.length === 0 && this.poll !== null) {
      clearInterval(this.poll);
      this.poll = null;
    }
    for (const [resolve, lifted] of answers) resolve(lifted);
  }

  /**
   * Called at the tick that finds leadership lost (see leadershipLost) after it
   * was not: produces waiting for the high watermark are answered then.
   */
  onFenced(listener: () => void): void {
    this.fencedListeners.push(listener);
  }

  /**
   * True while acting as leader must be refused; `othersMayLead` false for a
   * partition only this broker replicates (see fenceReason). Judged by the
   * clock at the call: after a pause, a request read from a socket may be
   * handled before any timer has run, and must already see the stall.
   */
  isFenced(othersMayLead = true): boolean {
    // Requests still waiting for the fence to lift go first, so a producer's next batch
    // cannot overtake the one before it in the moment between the lift and their answer.
    return this.reason(othersMayLead) !== null || this.waiters.length > 0;
  }

  reason(othersMayLead = true): FenceReason | null {
    return fenceReason(this.facts(this.o.now()), othersMayLead);
  }

  private facts(nowMs: number): FenceFacts {
    return {
      nowMs,
      lastTickMs: this.lastTickMs,
      stallMsMax: this.o.stallMsMax,
      stallUnresolved: this.caughtUpStalls < this.stalls,
      imageRevision: this.o.imageRevision(),
      registeredRevision: this.o.registeredRevision(),
      ...(this.o.session === undefined ? {} : { session: this.o.session() }),
      sessionMarginMs: this.o.sessionMarginMs ?? 0,
    };
  }

  /** Notes the time; after a stall, catches the image up with the store before leading again. */
  tick(): void {
    const t = this.o.now();
    const stalledMs = t - this.lastTickMs;
    if (stalledMs > this.o.stallMsMax) {
      this.stalls += 1;
      this.o.logger.warn(
        { stalledMs: Math.round(stalledMs) },
        'process stalled; not leading partitions until the metadata image has caught up with the store',
      );
    }
    const reason = this.reason();
    this.lastTickMs = t;
    if (reason !== this.lastReason) {
      const was = this.lastReason;
      this.lastReason = reason;
      // Waiting for the image after (re-)registering is routine: not a warning.
      if (reason === 'image-behind-registration') {
        this.o.logger.info({ reason }, `${REASON_TEXT[reason]}; not leading partitions yet`);
      } else if (reason !== null && reason !== 'stalled') {
        this.o.logger.warn(
          { reason },
          `${REASON_TEXT[reason]}; not leading partitions another broker could lead`,
        );
      } else if (reason === null && was !== null && was !== 'stalled') {
        this.o.logger.info({}, 'session and metadata image current; leading partitions again');
      }
    }
    const lost = leadershipLost(reason);
    if (lost && !this.lastLost) for (const l of this.fencedListeners) l();
    this.lastLost = lost;
    if (this.caughtUpStalls < this.stalls && !this.catchingUp) void this.catchUp();
    this.answerWaiters();
  }

  private async catchUp(): Promise<void> {
    this.catchingUp = true;
    const stalls = this.stalls;
    try {
      // The revision is read after the stall, so the image then holds every
      // change made while this process could not see them.
      await this.o.catchUp();
      this.caughtUpStalls = stalls;
      this.o.logger.info({}, 'metadata image caught up after a stall; leading partitions again');
      this.answerWaiters();
    } catch (err) {
      this.o.logger.warn({ err }, 'cannot reach the metadata store after a stall; will retry');
    } finally {
      this.catchingUp = false;
    }
  }
}
