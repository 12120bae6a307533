// A simulated broker's followers, as replication/replica-fetcher.ts runs them:
// one loop per leader broker carrying every partition it leads for us, each
// fetch naming our log end offset, last fetched epoch and the leader epoch we
// know; the answer is turned into an append, a truncation or a pause by
// replication/fetch-epochs.ts's followerFetchAction, the function the real
// fetcher uses. Requests travel the simulated network and time out there.

import type { MetadataImage } from '../cluster/metadata-image.ts';
import { followerFetchAction } from '../replication/fetch-epochs.ts';
import type { Partition } from '../replication/partition.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import {
  type SimContext,
  type SimFetchAnswer,
  type SimFetchPartition,
  tpKey,
} from './sim-context.ts';
import { TIMEOUT } from './sim-network.ts';

const BACKOFF_MS = 200;

interface FetchLoop {
  partitions: Partition[];
  running: boolean;
}

export class SimFetchers {
  private readonly loops = new Map<number, FetchLoop>();

  constructor(
    private readonly ctx: SimContext,
    private readonly nodeId: number,
    private readonly image: MetadataImage,
    private readonly replicas: ReplicaManager,
  ) {}

  /** Re-plans the loops after a leadership change. */
  update(): void {
    const plan = new Map<number, Partition[]>();
    for (const p of this.replicas.all()) {
      const st = this.image.partition(p.topic, p.index);
      if (st === undefined || st.leader === this.nodeId || st.leader < 0) continue;
      plan.set(st.leader, [...(plan.get(st.leader) ?? []), p]);
    }
    for (const [leader, loop] of this.loops) {
      if (!plan.has(leader)) {
        loop.running = false;
        this.loops.delete(leader);
      }
    }
    for (const [leader, partitions] of plan) {
      let loop = this.loops.get(leader);
      if (loop === undefined) {
        loop = { partitions, running: true };
        this.loops.set(leader, loop);
        void this.run(leader, loop);
      }
      loop.partitions = partitions;
    }
  }

  private sleep(ms: number): Promise<void> {
    return this.ctx.scheduler.sleep(ms, this.nodeId);
  }

  private async run(leader: number, loop: FetchLoop): Promise<void> {
    const { ctx } = this;
    while (loop.running) {
      const wanted = this.request(leader, loop);
      if (wanted.length === 0) {
        await this.sleep(BACKOFF_MS);
        continue;
      }
      const target = ctx.broker(leader);
      let answer: SimFetchAnswer[] | typeof TIMEOUT;
      try {
        answer = await ctx.network.request(
          this.nodeId,
          leader,
          `fetch ${this.nodeId}<-${leader}`,
          () => target?.handleFetch(this.nodeId, wanted) ?? Promise.reject(new Error('no broker')),
          ctx.settings.requestTimeoutMs,
        );
      } catch {
        answer = TIMEOUT;
      }
      if (!loop.running) return;
      if (answer === TIMEOUT) {
        await this.sleep(BACKOFF_MS);
        continue;
      }
      let outcome: { healthy: boolean; bytes: number };
      try {
        outcome = await this.apply(loop, answer);
      } catch {
        // Our own log refused what the leader sent (a full or failing disk).
        outcome = { healthy: false, bytes: 0 };
      }
      if (!outcome.healthy) await this.sleep(BACKOFF_MS);
      else if (outcome.bytes === 0) await this.sleep(ctx.settings.fetchIdleMs);
    }
  }

  private hosted(p: Partition): boolean {
    return this.replicas.partition(p.topic, p.index) === p;
  }

  private request(leader: number, loop: FetchLoop): SimFetchPartition[] {
    const wanted: SimFetchPartition[] = [];
    for (const p of loop.partitions) {
      const st = this.image.partition(p.topic, p.index);
      if (st === undefined || st.leader !== leader || !this.hosted(p)) continue;
      wanted.push({
        topic: p.topic,
        partition: p.index,
        currentLeaderEpoch: st.leaderEpoch,
        fetchOffset: p.log.logEndOffset,
        lastFetchedEpoch: p.epochs.latestEpoch(),
      });
    }
    return wanted;
  }

  private async apply(
    loop: FetchLoop,
    answers: readonly SimFetchAnswer[],
  ): Promise<{ healthy: boolean; bytes: number }> {
    let healthy = true;
    let bytes = 0;
    for (const r of answers) {
      const p = loop.partitions.find((x) => x.topic === r.topic && x.index === r.partition);
      if (p === undefined || !this.hosted(p)) continue;
      const action = followerFetchAction(r, {
        logEndOffset: p.log.logEndOffset,
        logStartOffset: p.log.logStartOffset,
        highWatermark: p.log.highWatermark,
        endOffsetFor: (epoch) => p.epochs.endOffsetFor(epoch, p.log.logEndOffset),
      });
      if (action.kind === 'retry') {
        healthy = false;
        continue;
      }
      if (action.kind === 'truncate') {
        const tp = tpKey(p.topic, p.index);
        this.ctx.trace.add(
          this.ctx.scheduler.nowMs,
          `broker ${this.nodeId} truncates ${tp} to ${action.offset} (${action.reason})`,
        );
        await p.truncateTo(action.offset);
        this.ctx.observer.onTruncate(tp, this.nodeId, p.log.logEndOffset);
        continue;
      }
      bytes += r.records?.length ?? 0;
      await p.appendAsFollower(r.records ?? Buffer.alloc(0), r.highWatermark);
    }
    return { healthy, bytes };
  }
}
