// librdkafka consumer groups against Gregor, through kcat and
// python3-confluent-kafka: two `kcat -G` processes share a topic's partitions;
// consumers with auto commit and with manual commits resume where they
// stopped; a member that stops heartbeating (SIGSTOP) is removed after
// session.timeout.ms and its partitions go to the other member; a static
// member (group.instance.id) restarts within its session timeout without a
// rebalance.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DescribeGroups } from '../../src/protocol/apis/describe-groups.ts';
import { FindCoordinator } from '../../src/protocol/apis/find-coordinator.ts';
import { startTestBroker, type TestBroker, uniqueTopic } from '../harness/broker.ts';
import { LineProcess, until } from '../harness/line-process.ts';
import { PYTHON, run } from '../harness/processes.ts';
import { RawClient } from '../harness/raw-client.ts';

const MEMBER_SCRIPT = join(import.meta.dirname, 'python', 'group_member.py');

interface MemberEvent {
  readonly event: string;
  readonly partitions?: number[];
  readonly partition?: number;
  readonly value?: string;
  readonly error?: string;
}

function events(p: LineProcess): MemberEvent[] {
  return p.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as MemberEvent);
}

/** The partitions of the member's latest assignment ([] after a revoke without a new one). */
function assigned(p: LineProcess): number[] {
  let current: number[] = [];
  for (const e of events(p)) {
    if (e.event === 'assign') current = e.partitions ?? [];
    if (e.event === 'revoke') current = [];
  }
  return current;
}

function values(p: LineProcess): string[] {
  return events(p)
    .filter((e) => e.event === 'message')
    .map((e) => e.value ?? '');
}

function pythonMember(
  bootstrap: string,
  topic: string,
  conf: Record<string, string | number | boolean>,
  manualCommit = false,
): LineProcess {
  const full = {
    'bootstrap.servers': bootstrap,
    'auto.offset.reset': 'earliest',
    'heartbeat.interval.ms': 500,
    'session.timeout.ms': 6000,
    ...conf,
  };
  return new LineProcess(PYTHON, [MEMBER_SCRIPT], {
    ...process.env,
    CONF: JSON.stringify(full),
    TOPIC: topic,
    MANUAL_COMMIT: manualCommit ? '1' : '0',
  });
}

/** Produces the lines with kcat, to one partition when given (else librdkafka picks). */
async function produce(
  bootstrap: string,
  topic: string,
  lines: readonly string[],
  partition?: number,
): Promise<void> {
  const target = partition === undefined ? [] : ['-p', String(partition)];
  const r = await run('kcat', ['-b', bootstrap, '-P', '-t', topic, ...target], {
    input: `${lines.join('\n')}\n`,
  });
  assert.equal(r.code, 0, r.stderr);
}

describe('librdkafka consumer groups', () => {
  let b: TestBroker;
  before(async () => {
    b = await startTestBroker({ 'group.initial.rebalance.delay.ms': '0', 'num.partitions': '4' });
  });
  after(async () => {
    await b.stop();
  });

  test('two `kcat -G` processes share the partitions of a topic', async () => {
    const topic = uniqueTopic('kcat-g');
    const group = uniqueTopic('kcat-group');
    await produce(b.bootstrap, topic, ['warm-up']);
    // -u: unbuffered output; earliest: the assignment line comes before the start offset is
    // resolved, so "latest" could skip messages produced right after it.
    const args = ['-b', b.bootstrap, '-u', '-G', group, '-f', '%p|%s\n'];
    args.push('-X', 'heartbeat.interval.ms=500', '-X', 'auto.offset.reset=earliest');
    const kcats = [
      new LineProcess('kcat', [...args, topic]),
      new LineProcess('kcat', [...args, topic]),
    ];
    const assignedPartitions = (p: LineProcess): number[] => {
      const line = [...p.stderr].reverse().find((l) => /rebalanced/.test(l));
      if (line === undefined || !/assigned:/.test(line)) return [];
      return [...line.matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1])).sort();
    };
    try {
      for (const k of kcats) {
        await k.waitFor('two partitions assigned', () => assignedPartitions(k).length === 2);
      }
      const mine = kcats.map(assignedPartitions);
      assert.deepEqual([...mine[0]!, ...mine[1]!].sort(), [0, 1, 2, 3]);
      const lines = Array.from({ length: 40 }, (_, i) => `shared-${i}`);
      // Ten to each partition: unkeyed messages could all land in one (sticky partitioner).
      for (let p = 0; p < 4; p++)
        await produce(b.bootstrap, topic, lines.slice(p * 10, p * 10 + 10), p);
      const got = () => kcats.flatMap((k) => k.stdout.filter((l) => l.includes('|shared-')));
      await until('all 40 messages between the two', () => got().length >= 40);
      assert.deepEqual(
        got()
          .map((l) => l.split('|')[1])
          .sort(),
        [...lines].sort(),
      );
      kcats.forEach((k, i) => {
        const seen = k.stdout
          .filter((l) => l.includes('|shared-'))
          .map((l) => Number(l.split('|')[0]));
        assert.ok(seen.length > 0, `kcat ${i} consumed some messages`);
        for (const p of seen) assert.ok(mine[i]!.includes(p), `kcat ${i} read only its partitions`);
      });
    } finally {
      await Promise.all(kcats.map((k) => k.stop()));
    }
  });

  for (const mode of ['auto', 'manual'] as const) {
    test(`a consumer with ${mode} commits resumes after its last processed message`, async () => {
      const topic = uniqueTopic(`py-${mode}`);
      const conf = {
        'group.id': uniqueTopic(`py-${mode}-group`),
        'enable.auto.commit': mode === 'auto',
        'auto.commit.interval.ms': 200,
      };
      const round = (r: number) => Array.from({ length: 20 }, (_, i) => `${mode}-${r}-${i}`);
      for (const r of [0, 1]) {
        await produce(b.bootstrap, topic, round(r));
        const m = pythonMember(b.bootstrap, topic, conf, mode === 'manual');
        try {
          await m.waitFor('20 messages', () => values(m).length >= 20);
        } finally {
          await m.stop();
        }
        assert.deepEqual(values(m).sort(), round(r).sort(), `round ${r}: exactly the new messages`);
        assert.deepEqual(
          events(m).filter((e) => e.event === 'commit-error'),
          [],
        );
        assert.ok(events(m).some((e) => e.event === 'closed'));
      }
    });
  }

  test('a member that stops heartbeating loses its partitions after session.timeout.ms', async () => {
    const topic = uniqueTopic('py-stop');
    await produce(b.bootstrap, topic, ['x']);
    const conf = { 'group.id': uniqueTopic('py-stop-group'), 'session.timeout.ms': 6000 };
    const a = pythonMember(b.bootstrap, topic, conf);
    const c = pythonMember(b.bootstrap, topic, conf);
    try {
      await a.waitFor('a: two partitions', () => assigned(a).length === 2);
      await c.waitFor('c: two partitions', () => assigned(c).length === 2);
      c.signal('SIGSTOP');
      const stoppedAt = Date.now();
      await a.waitFor('a: all four partitions', () => assigned(a).length === 4, 20_000);
      const elapsedMs = Date.now() - stoppedAt;
      // Removed by the session timer (less up to one heartbeat interval), not at once.
      assert.ok(elapsedMs >= 5000, `reassigned after ${elapsedMs} ms`);
      assert.ok(elapsedMs < 15_000, `reassigned after ${elapsedMs} ms`);
    } finally {
      c.signal('SIGCONT');
      await Promise.all([a.stop(), c.stop('SIGKILL')]);
    }
  });

  test('a static member restarts within its session timeout without a rebalance', async () => {
    const topic = uniqueTopic('py-static');
    const groupId = uniqueTopic('py-static-group');
    await produce(b.bootstrap, topic, ['x']);
    const conf = (instance: string) => ({
      'group.id': groupId,
      'group.instance.id': instance,
      'session.timeout.ms': 10_000,
    });
    const other = pythonMember(b.bootstrap, topic, conf('static-b'));
    let restarting = pythonMember(b.bootstrap, topic, conf('static-a'));
    const raw = await RawClient.connect(b.bootstrap);
    try {
      await restarting.waitFor('a: two partitions', () => assigned(restarting).length === 2);
      await other.waitFor('b: two partitions', () => assigned(other).length === 2);
      const before = await describeGroup(raw, groupId);
      const aPartitions = assigned(restarting);
      const rebalances = (p: LineProcess) =>
        events(p).filter((e) => e.event === 'assign' || e.event === 'revoke');
      const otherRebalances = rebalances(other).length;

      await restarting.stop();
      restarting = pythonMember(b.bootstrap, topic, conf('static-a'));
      await restarting.waitFor('a again: its partitions', () => assigned(restarting).length === 2);
      assert.deepEqual(assigned(restarting), aPartitions, 'the same partitions come back');
      // Several heartbeat intervals: a rebalance would have reached the other member.
      await new Promise((r) => setTimeout(r, 2000));
      assert.deepEqual(
        rebalances(other).slice(otherRebalances),
        [],
        'the other member saw no rebalance',
      );
      const after = await describeGroup(raw, groupId);
      assert.equal(after.groupState, 'Stable');
      const byInstance = (g: typeof before, id: string) =>
        g.members.find((m) => m.groupInstanceId === id)?.memberId;
      assert.equal(byInstance(after, 'static-b'), byInstance(before, 'static-b'));
      assert.notEqual(
        byInstance(after, 'static-a'),
        byInstance(before, 'static-a'),
        'a new member id',
      );
    } finally {
      raw.close();
      await Promise.all([restarting.stop(), other.stop()]);
    }
  });
});

async function describeGroup(raw: RawClient, groupId: string) {
  const coordinator = await raw.send(FindCoordinator, 3, {
    key: groupId,
    keyType: 0,
    coordinatorKeys: [],
  });
  assert.equal(coordinator.errorCode, 0);
  const r = await raw.send(DescribeGroups, 5, {
    groups: [groupId],
    includeAuthorizedOperations: false,
  });
  const g = r.groups[0]!;
  assert.equal(g.errorCode, 0);
  return g;
}
