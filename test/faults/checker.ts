// The fault campaign's checker: pure. It compares what the clients logged
// (every produce invocation and outcome, every record a group consumer was
// handed, every assignment) and the leader-epoch timeline from the metadata
// store with one final read of every partition after healing (offset, value
// and the partitionLeaderEpoch of the batch that holds it), and counts the
// anomalies the Jepsen audits of Kafka-like systems counted:
// - lost write: acknowledged (acks=all) but not in the final log;
// - duplicate: one produced value at two offsets (idempotence is on);
// - inconsistent offset: two different values seen at one (partition, offset),
//   by an acknowledgement, a consumer or the final read, or an acknowledged
//   value found at another offset than acknowledged;
// - non-monotonic read: within one consumer's assignment of a partition, an
//   offset not after the one before it, or a gap over records the final log has;
// - zombie acknowledgement: an acknowledged record appended by a leader whose
//   epoch the store had already superseded before the record was first sent
//   (the batch's partitionLeaderEpoch is the epoch of the leader that
//   appended it; followers copy batches as they are);
// - epoch regression: a batch in the final log with a lower leader epoch than a
//   batch before it (a deposed leader's append kept after a newer leader's);
// - committed offset lost: a consumer assigned a partition first read it below
//   the group's committed offset as last confirmed (librdkafka's on_commit)
//   before the assignment: the commit was lost or not served. The last
//   confirmation, not the highest: librdkafka retries an older commit after a
//   newer one, and the broker then keeps the older, as Kafka does.
// Each anomaly is charged to the fault whose window (from its start to the
// next fault's start) holds its time.

export interface Invocation {
  readonly value: string;
  readonly partition: number;
  readonly invokedAt: number;
}

export type Outcome =
  | {
      readonly kind: 'ack';
      readonly partition: number;
      readonly offset: number;
      readonly at: number;
    }
  | { readonly kind: 'error'; readonly error: string; readonly at: number };

export interface ConsumerEvent {
  /** `commit`: the broker confirmed the group's committed offset (the next to read). */
  readonly kind: 'assign' | 'revoke' | 'read' | 'commit';
  readonly at: number;
  /** For assign/revoke: the partitions; for read and commit: [partition]. */
  readonly partitions: readonly number[];
  readonly offset?: number;
  readonly value?: string;
}

export interface FinalRecord {
  readonly offset: number;
  readonly value: string;
  readonly leaderEpoch: number;
  /** The producer id and epoch of its batch (when read with them). */
  readonly producerId?: number;
  readonly producerEpoch?: number;
  /** The batch that holds it (offsets, producer id, epoch, base sequence), for diagnosis. */
  readonly batch?: string;
}

export interface EpochChange {
  readonly at: number;
  readonly partition: number;
  readonly leaderEpoch: number;
}

export interface FaultWindow {
  readonly kind: string;
  readonly start: number;
}

export interface History {
  readonly invocations: readonly Invocation[];
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** One event list per consumer process, in the order it logged them. */
  readonly consumers: readonly (readonly ConsumerEvent[])[];
  /** partition -> records in offset order. */
  readonly finalLog: ReadonlyMap<number, readonly FinalRecord[]>;
  readonly epochs: readonly EpochChange[];
  readonly faults: readonly FaultWindow[];
}

export const ANOMALIES = [
  'lost',
  'duplicate',
  'resentAfterEpochBump',
  'inconsistent',
  'nonMonotonic',
  'zombieAck',
  'epochRegression',
  'committedOffsetLost',
] as const;
export type Anomaly = (typeof ANOMALIES)[number];

export interface AnomalyRecord {
  readonly anomaly: Anomaly;
  readonly at: number;
  readonly fault: string;
  readonly detail: string;
}

export interface CheckResult {
  readonly acked: number;
  readonly errors: number;
  readonly unknown: number;
  readonly reads: number;
  /** Assignments whose first read was checked against a commit confirmed before them. */
  readonly assignmentsChecked: number;
  readonly finalRecords: number;
  readonly anomalies: readonly AnomalyRecord[];
  /** fault kind -> anomaly -> count (every kind in `faults` present, with zeros). */
  readonly byFault: Record<string, Record<Anomaly, number>>;
  /** fault kind -> acknowledged writes whose ack fell in its windows. */
  readonly ackedByFault: Record<string, number>;
}

/** Slack for the store's epoch changes reaching the checker's timeline (seconds). */
const EPOCH_SLACK_S = 2;
export const BASELINE = 'none';

function emptyCounts(): Record<Anomaly, number> {
  return Object.fromEntries(ANOMALIES.map((a) => [a, 0])) as Record<Anomaly, number>;
}

export function check(h: History): CheckResult {
  const faults = [...h.faults].sort((a, b) => a.start - b.start);
  const faultAt = (t: number): string => {
    let kind = BASELINE;
    for (const f of faults) {
      if (f.start <= t) kind = f.kind;
      else break;
    }
    return kind;
  };
  const anomalies: AnomalyRecord[] = [];
  const add = (anomaly: Anomaly, at: number, detail: string) =>
    anomalies.push({ anomaly, at, fault: faultAt(at), detail });

  // Where each value sits in the final log, and what each offset holds.
  const valueAt = new Map<string, Array<{ partition: number; offset: number }>>();
  const finalAt = new Map<string, FinalRecord>();
  let finalRecords = 0;
  for (const [partition, records] of h.finalLog) {
    let lastEpoch = -1;
    let lastOffset = -1;
    for (const r of records) {
      finalRecords++;
      finalAt.set(`${partition}:${r.offset}`, r);
      const places = valueAt.get(r.value) ?? [];
      places.push({ partition, offset: r.offset });
      valueAt.set(r.value, places);
      if (r.leaderEpoch < lastEpoch) {
        add(
          'epochRegression',
          0,
          `p${partition}@${r.offset} epoch ${r.leaderEpoch} after epoch ${lastEpoch} at @${lastOffset}`,
        );
      }
      lastEpoch = Math.max(lastEpoch, r.leaderEpoch);
      lastOffset = r.offset;
    }
  }
  const invokedAt = new Map(h.invocations.map((i) => [i.value, i.invokedAt]));

  // Duplicates: one value at several offsets. Copies under one producer id and epoch are
  // the broker's failure to deduplicate a retry; a copy under a newer epoch of the same
  // producer id is the client re-sending after bumping its epoch (librdkafka does so for
  // messages of every partition when one partition needs a bump, even those possibly
  // already written), which no broker can deduplicate: counted apart.
  for (const [value, places] of valueAt) {
    if (places.length > 1) {
      const ids = places.map((p) => finalAt.get(`${p.partition}:${p.offset}`));
      const known = ids.every((r) => r?.producerId !== undefined && r.producerEpoch !== undefined);
      const sameSession =
        known && new Set(ids.map((r) => `${r!.producerId}/${r!.producerEpoch}`)).size < ids.length;
      const bumped = known && !sameSession && new Set(ids.map((r) => r!.producerId)).size === 1;
      const where = places
        .map((p) => {
          const b = finalAt.get(`${p.partition}:${p.offset}`)?.batch;
          return `p${p.partition}@${p.offset}${b === undefined ? '' : ` (batch ${b})`}`;
        })
        .join(', ');
      add(
        bumped ? 'resentAfterEpochBump' : 'duplicate',
        invokedAt.get(value) ?? 0,
        `${value} at ${where}`,
      );
    }
  }

  // Epoch timeline per partition: when each epoch was first seen.
  const epochStart = new Map<number, EpochChange[]>();
  for (const e of [...h.epochs].sort((a, b) => a.at - b.at)) {
    const list = epochStart.get(e.partition) ?? [];
    if (list.length === 0 || list[list.length - 1]!.leaderEpoch < e.leaderEpoch) list.push(e);
    epochStart.set(e.partition, list);
  }
  /** The time epoch `epoch` of `partition` was superseded, or null if it was not. */
  const supersededAt = (partition: number, epoch: number): number | null => {
    for (const e of epochStart.get(partition) ?? []) if (e.leaderEpoch > epoch) return e.at;
    return null;
  };

  // Acknowledged writes.
  const seenAt = new Map<string, { value: string; at: number }>();
  /** Offsets already counted inconsistent: one divergence is one anomaly, however seen. */
  const reported = new Set<string>();
  /** `at` 0: the final read, charged to the time of the first observation it contradicts. */
  const observe = (key: string, value: string, at: number, by: string) => {
    const before = seenAt.get(key);
    if (before === undefined) seenAt.set(key, { value, at });
    else if (before.value !== value && !reported.has(key)) {
      reported.add(key);
      add('inconsistent', at || before.at, `p${key} holds ${before.value} and ${value} (${by})`);
    }
  };
  let acked = 0;
  let errors = 0;
  const ackedByFault: Record<string, number> = {};
  for (const [value, outcome] of h.outcomes) {
    if (outcome.kind === 'error') {
      errors++;
      continue;
    }
    acked++;
    const fault = faultAt(outcome.at);
    ackedByFault[fault] = (ackedByFault[fault] ?? 0) + 1;
    const key = `${outcome.partition}:${outcome.offset}`;
    // An acknowledgement without an offset (implied by a later one) says only "written".
    const offsetKnown = outcome.offset >= 0;
    if (offsetKnown) observe(key, value, outcome.at, 'acknowledged');
    const places = valueAt.get(value);
    if (places === undefined) {
      add('lost', outcome.at, `${value} acknowledged at p${key.replace(':', '@')}`);
      continue;
    }
    const first = places[0]!;
    const stored = offsetKnown
      ? finalAt.get(key)
      : first.partition === outcome.partition
        ? finalAt.get(`${first.partition}:${first.offset}`)
        : undefined;
    if (stored === undefined || stored.value !== value) {
      const where = places.map((p) => `p${p.partition}@${p.offset}`).join(', ');
      reported.add(key);
      add('inconsistent', outcome.at, `${value} acknowledged at p${key} but stored at ${where}`);
      continue;
    }
    const invoked = invokedAt.get(value);
    const superseded = supersededAt(outcome.partition, stored.leaderEpoch);
    if (invoked !== undefined && superseded !== null && invoked > superseded + EPOCH_SLACK_S) {
      add(
        'zombieAck',
        outcome.at,
        `${value} at p${key} appended in epoch ${stored.leaderEpoch}, superseded ${(invoked - superseded).toFixed(1)} s before it was sent`,
      );
    }
  }
  const unknown = h.invocations.length - h.outcomes.size;

  // Confirmed commits of the group, every consumer's, by partition in time order.
  const commits = new Map<number, Array<{ at: number; offset: number }>>();
  for (const events of h.consumers) {
    for (const e of events) {
      if (e.kind !== 'commit') continue;
      const list = commits.get(e.partitions[0]!) ?? [];
      list.push({ at: e.at, offset: e.offset! });
      commits.set(e.partitions[0]!, list);
    }
  }
  for (const list of commits.values()) list.sort((a, b) => a.at - b.at || a.offset - b.offset);
  /**
   * The offset of `partition` last confirmed committed before `t`, or -1 (of
   * confirmations at the same instant, the lowest, so as to flag only what is sure).
   */
  const committedBefore = (partition: number, t: number): number => {
    let last: { at: number; offset: number } | null = null;
    for (const c of commits.get(partition) ?? []) {
      if (c.at >= t) break;
      if (last === null || c.at > last.at) last = c;
    }
    return last?.offset ?? -1;
  };

  // Reads: each consumer's assignments, in its own order.
  let reads = 0;
  let assignmentsChecked = 0;
  for (const events of h.consumers) {
    const assigned = new Set<number>();
    const last = new Map<number, number>();
    /** partition -> the assignment time, until its first read. */
    const firstReadDue = new Map<number, number>();
    for (const e of events) {
      if (e.kind === 'commit') continue;
      if (e.kind === 'assign') {
        for (const p of e.partitions) {
          assigned.add(p);
          last.delete(p);
          firstReadDue.set(p, e.at);
        }
        continue;
      }
      if (e.kind === 'revoke') {
        for (const p of e.partitions) {
          assigned.delete(p);
          last.delete(p);
          firstReadDue.delete(p);
        }
        continue;
      }
      reads++;
      const p = e.partitions[0]!;
      const offset = e.offset!;
      observe(`${p}:${offset}`, e.value!, e.at, 'read');
      const assignedAt = firstReadDue.get(p);
      if (assignedAt !== undefined) {
        firstReadDue.delete(p);
        const committed = committedBefore(p, assignedAt);
        if (committed >= 0) {
          assignmentsChecked++;
          if (offset < committed) {
            add(
              'committedOffsetLost',
              e.at,
              `p${p}: assigned at ${assignedAt.toFixed(3)}, first read @${offset}, below offset ${committed} committed before`,
            );
          }
        }
      }
      const before = last.get(p);
      last.set(p, offset);
      if (before === undefined) continue;
      if (offset <= before) {
        add('nonMonotonic', e.at, `p${p}: read @${offset} after @${before}`);
      } else if (offset > before + 1) {
        // A gap is a skip only if the final log has records inside it.
        let skipped = 0;
        for (let o = before + 1; o < offset; o++) if (finalAt.has(`${p}:${o}`)) skipped++;
        if (skipped > 0)
          add('nonMonotonic', e.at, `p${p}: skipped ${skipped} records after @${before}`);
      }
    }
  }
  for (const [key, r] of finalAt) observe(key, r.value, 0, 'final read');

  const byFault: Record<string, Record<Anomaly, number>> = { [BASELINE]: emptyCounts() };
  for (const f of faults) byFault[f.kind] ??= emptyCounts();
  for (const a of anomalies) {
    byFault[a.fault] ??= emptyCounts();
    byFault[a.fault]![a.anomaly]++;
  }
  return {
    acked,
    errors,
    unknown,
    reads,
    assignmentsChecked,
    finalRecords,
    anomalies,
    byFault,
    ackedByFault,
  };
}
