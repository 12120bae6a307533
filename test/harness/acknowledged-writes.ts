// The audit of replication tests: every write the producer saw acknowledged
// (`ACK <partition> <offset> <value>` lines from test/cluster/python's
// producer) compared with one full read of the topic through kcat. Counts what
// is missing, what sits at its offset with another value, and values stored twice.

import { run } from './processes.ts';

export interface AcknowledgedAudit {
  readonly acked: number;
  readonly lost: number;
  readonly inconsistent: number;
  readonly duplicates: number;
  /** The values the read found more than once. */
  readonly duplicatedValues: readonly string[];
}

/** Parses the producer's ACK lines into partition:offset -> value. */
export function acknowledgedWrites(producerOutput: string): Map<string, string> {
  const acked = new Map<string, string>();
  for (const line of producerOutput.split('\n')) {
    const m = /^ACK (\d+) (\d+) (\d+)$/.exec(line);
    if (m !== null) acked.set(`${m[1]}:${m[2]}`, m[3]!);
  }
  return acked;
}

export async function auditAcknowledged(
  acked: ReadonlyMap<string, string>,
  bootstrap: string,
  topic: string,
): Promise<AcknowledgedAudit> {
  const c = await run(
    'kcat',
    ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%p:%o %s\n'],
    {
      timeoutMs: 120_000,
    },
  );
  if (c.code !== 0) throw new Error(`kcat read failed: ${c.stderr}`);
  const read = new Map<string, string>();
  const seen = new Map<string, number>();
  for (const line of c.stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const value = line.slice(sp + 1);
    read.set(line.slice(0, sp), value);
    seen.set(value, (seen.get(value) ?? 0) + 1);
  }
  let lost = 0;
  let inconsistent = 0;
  for (const [at, value] of acked) {
    const got = read.get(at);
    if (got === undefined) lost++;
    else if (got !== value) inconsistent++;
  }
  const duplicatedValues = [...seen].filter(([, n]) => n > 1).map(([v]) => v);
  return {
    acked: acked.size,
    lost,
    inconsistent,
    duplicates: duplicatedValues.length,
    duplicatedValues,
  };
}
