// Leader elections on request (ElectLeaders, kafka-leader-election.sh), done
// by the broker that received the request as Gregor does every admin write:
// decide on its own image, write each partition with a compare-and-set on the
// revision decided from, and answer once its image shows the new leaders. A
// lost compare-and-set is retried once after the newer state has arrived.

import type { KeyLayout } from '../metadata/key-layout.ts';
import type { MetaStore } from '../metadata/meta-store.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { Logger } from '../util/logger.ts';
import type { MetadataImage } from './metadata-image.ts';
import type { PartitionDecision } from './partition-leadership.ts';
import { writePartitionDecision } from './partition-write.ts';
import {
  decideElection,
  decideElections,
  type ElectionOutcome,
  type ElectionTypeValue,
  type TopicPartitionRef,
} from './preferred-leader.ts';

/** The longest an ElectLeaders request may wait for its elections to show. */
export const ELECTION_TIMEOUT_MS_MAX = 300_000;

export interface ElectionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface LeaderElectionsOptions {
  readonly store: MetaStore;
  readonly keys: KeyLayout;
  readonly image: MetadataImage;
  readonly waitForRevision: (revision: number) => Promise<void>;
  readonly now: () => number;
  readonly logger: Logger;
}

type Written =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly result: ElectionResult };

export class LeaderElections {
  constructor(private readonly o: LeaderElectionsOptions) {}

  /**
   * Elects leaders for `partitions` (null: every partition) and returns one
   * result per partition, in order. Waits at most `timeoutMs` for the image to
   * show the writes; a partition not seen in time is REQUEST_TIMED_OUT.
   */
  async elect(
    type: ElectionTypeValue,
    partitions: readonly TopicPartitionRef[] | null,
    timeoutMs: number,
  ): Promise<ElectionResult[]> {
    const deadline = this.o.now() + Math.min(Math.max(timeoutMs, 0), ELECTION_TIMEOUT_MS_MAX);
    const outcomes = decideElections(this.o.image, type, partitions);
    const written: Array<Written & { ref: TopicPartitionRef }> = [];
    for (const o of outcomes) {
      const ref = o.kind === 'elect' ? o.decision : o;
      written.push({ ref, ...(await this.write(type, o, deadline)) });
    }
    const last = written.reduce((max, w) => (w.ok && w.revision > max ? w.revision : max), 0);
    const seen = last === 0 || (await this.waitUntil(last, deadline));
    return written.map((w) => {
      if (!w.ok) return w.result;
      if (seen)
        return {
          topic: w.ref.topic,
          partition: w.ref.partition,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
        };
      return timedOut(w.ref, 'The election was written but not yet seen within the timeout.');
    });
  }

  private async write(
    type: ElectionTypeValue,
    first: ElectionOutcome,
    deadline: number,
  ): Promise<Written> {
    let outcome = first;
    for (let attempt = 0; ; attempt++) {
      if (outcome.kind === 'error') return { ok: false, result: resultOf(outcome) };
      const d = outcome.decision;
      const r = await writePartitionDecision({ ...this.o, controllerEpoch: null }, d);
      if (r.written) {
        this.logElection(d);
        return { ok: true, revision: r.revision };
      }
      if (attempt >= 1)
        return {
          ok: false,
          result: timedOut(d, 'The partition kept changing; retry the election.'),
        };
      // The partition changed since this broker's image was read (the controller
      // moved it, or another election won): decide again on the newer state.
      if (!(await this.waitUntil(r.revision, deadline))) {
        return {
          ok: false,
          result: timedOut(d, 'The partition changed and its new state did not arrive in time.'),
        };
      }
      outcome = decideElection(this.o.image, type, d);
    }
  }

  private logElection(d: PartitionDecision): void {
    this.o.logger.info(
      {
        topic: d.topic,
        partition: d.partition,
        leader: d.record.leader,
        leaderEpoch: d.record.leaderEpoch,
      },
      'leader elected on request',
    );
  }

  /** True once the image has reached `revision`, false if the deadline passes first. */
  private async waitUntil(revision: number, deadline: number): Promise<boolean> {
    if (this.o.image.revision >= revision) return true;
    const remainingMs = deadline - this.o.now();
    if (remainingMs <= 0) return false;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), remainingMs);
    });
    try {
      return await Promise.race([
        this.o.waitForRevision(revision).then(() => true as const),
        expired,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function resultOf(o: ElectionOutcome & { kind: 'error' }): ElectionResult {
  return {
    topic: o.topic,
    partition: o.partition,
    errorCode: o.errorCode,
    errorMessage: o.errorMessage,
  };
}

function timedOut(ref: TopicPartitionRef, errorMessage: string): ElectionResult {
  return {
    topic: ref.topic,
    partition: ref.partition,
    errorCode: ErrorCode.REQUEST_TIMED_OUT,
    errorMessage,
  };
}
