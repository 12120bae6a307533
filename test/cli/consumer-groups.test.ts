// `gregor consumer-groups` against groups of a real client: a `kcat -G`
// member's assignment, offsets and lag in Kafka's --describe table, --members
// and --state, then (with kcat gone) lag after more records, --reset-offsets as
// a dry run and executed, and --delete.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fetchCommittedOffsets } from '../../src/client/admin.ts';
import type { KafkaClient } from '../../src/client/kafka-client.ts';
import { startTestBroker, type TestBroker } from '../harness/broker.ts';
import { LineProcess } from '../harness/line-process.ts';
import { run } from '../harness/processes.ts';
import { CLI_BROKER_CONFIG, clientOf, GREGOR, gregor, ok } from './cli-harness.ts';

let broker: TestBroker;
let client: KafkaClient;

before(async () => {
  broker = await startTestBroker(CLI_BROKER_CONFIG);
  client = clientOf(broker.bootstrap);
});

after(async () => {
  client.close();
  await broker.stop();
});

/** Keyed records, so that murmur2 spreads them over every partition. */
async function produce(topic: string, count: number, from = 0): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `k${from + i}\tr${from + i}`);
  const args = ['console-producer', '--topic', topic, '--property', 'parse.key=true'];
  ok(await gregor(broker.bootstrap, args, { input: `${lines.join('\n')}\n` }), 'produce');
}

/** The data rows of Kafka's --describe table, split into columns. */
function tableRows(stdout: string): string[][] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(1).map((l) => l.trim().split(/\s+/));
}

async function committedTotal(group: string): Promise<number> {
  return (await fetchCommittedOffsets(client, group)).reduce((n, c) => n + c.offset, 0);
}

describe('gregor consumer-groups', { concurrency: true }, () => {
  test("describes a kcat group's assignment and lag, then resets and deletes it", async () => {
    ok(
      await gregor(broker.bootstrap, [
        'topics',
        '--create',
        '--topic',
        'clicks',
        '--partitions',
        '2',
      ]),
      'create',
    );
    await produce('clicks', 20);
    const kcat = new LineProcess('kcat', [
      '-b',
      broker.bootstrap,
      '-u',
      '-G',
      'dashboards',
      '-X',
      'auto.offset.reset=earliest',
      '-X',
      'auto.commit.interval.ms=100',
      '-X',
      'client.id=kcat-dash',
      '-f',
      '%s\n',
      'clicks',
    ]);
    try {
      await kcat.waitFor('20 records', () => kcat.stdout.length >= 20, 20_000);
      const deadline = Date.now() + 10_000;
      while ((await committedTotal('dashboards')) < 20 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));

      const [described, members, state, list] = await Promise.all([
        gregor(broker.bootstrap, ['consumer-groups', '--describe', '--group', 'dashboards']),
        gregor(broker.bootstrap, [
          'consumer-groups',
          '--describe',
          '--group',
          'dashboards',
          '--members',
        ]),
        gregor(broker.bootstrap, [
          'consumer-groups',
          '--describe',
          '--group',
          'dashboards',
          '--state',
        ]),
        gregor(broker.bootstrap, ['consumer-groups', '--list']),
      ]);
      const text = ok(described, 'describe').stdout;
      assert.match(
        text,
        /^\nGROUP {11}TOPIC {11}PARTITION {2}CURRENT-OFFSET {2}LOG-END-OFFSET {2}LAG {13}CONSUMER-ID +HOST +CLIENT-ID\n/,
      );
      const rows = tableRows(text);
      assert.equal(rows.length, 2);
      for (const [i, row] of rows.entries()) {
        const [group, topic, partition, current, end, lag, consumerId, , clientId] = row;
        assert.deepEqual([group, topic, partition], ['dashboards', 'clicks', String(i)]);
        assert.equal(current, end, 'kcat committed everything it read');
        assert.equal(lag, '0');
        assert.match(consumerId!, /^kcat-dash-/);
        assert.equal(clientId, 'kcat-dash');
      }
      assert.equal(
        rows.reduce((n, r) => n + Number(r[4]), 0),
        20,
      );
      const memberRows = tableRows(ok(members, 'members').stdout);
      assert.equal(memberRows.length, 1);
      assert.equal(memberRows[0]?.[3], 'kcat-dash');
      assert.equal(memberRows[0]?.[4], '2', '#PARTITIONS');
      assert.match(
        ok(state, 'state').stdout,
        /\ndashboards +127\.0\.0\.1:\d+ {2}\(\d+\) +range +Stable +1\n/,
      );
      assert.ok(ok(list, 'list').stdout.split('\n').includes('dashboards'));

      const busy = await gregor(broker.bootstrap, [
        'consumer-groups',
        '--reset-offsets',
        '--group',
        'dashboards',
        '--topic',
        'clicks',
        '--to-earliest',
        '--execute',
      ]);
      assert.equal(busy.code, 1);
      assert.equal(
        busy.stderr,
        "Error: Assignments can only be reset if the group 'dashboards' is inactive, but the current state is Stable.\n",
      );
    } finally {
      await kcat.stop();
    }

    await produce('clicks', 6, 20);
    const lagging = ok(
      await gregor(broker.bootstrap, ['consumer-groups', '--describe', '--group', 'dashboards']),
      'describe empty',
    );
    assert.match(lagging.stderr, /Consumer group 'dashboards' has no active members\./);
    const lagRows = tableRows(lagging.stdout);
    assert.equal(
      lagRows.reduce((n, r) => n + Number(r[5]), 0),
      6,
      'total lag is the records produced since',
    );
    for (const r of lagRows) assert.deepEqual(r.slice(6), ['-', '-', '-']);

    const [dryRun, json] = await Promise.all([
      gregor(broker.bootstrap, [
        'consumer-groups',
        '--reset-offsets',
        '--group',
        'dashboards',
        '--topic',
        'clicks:0',
        '--to-offset',
        '1',
        '--dry-run',
      ]),
      gregor(broker.bootstrap, [
        'consumer-groups',
        '--describe',
        '--group',
        'dashboards',
        '--output',
        'json',
      ]),
    ]);
    assert.equal(
      ok(dryRun, 'dry run').stdout,
      '\nGROUP           TOPIC           PARTITION  NEW-OFFSET\ndashboards      clicks          0          1\n',
    );
    assert.equal(await committedTotal('dashboards'), 20, 'a dry run commits nothing');
    const parsed = JSON.parse(ok(json, 'json').stdout) as { offsets: { lag: number }[] }[];
    assert.equal(
      parsed[0]?.offsets.reduce((n, o) => n + o.lag, 0),
      6,
    );

    ok(
      await gregor(broker.bootstrap, [
        'consumer-groups',
        '--reset-offsets',
        '--group',
        'dashboards',
        '--topic',
        'clicks',
        '--shift-by',
        '-2',
        '--execute',
      ]),
      'shift',
    );
    assert.equal(await committedTotal('dashboards'), 16);
    ok(
      await gregor(broker.bootstrap, [
        'consumer-groups',
        '--reset-offsets',
        '--group',
        'dashboards',
        '--all-topics',
        '--to-latest',
        '--execute',
      ]),
      'latest',
    );
    assert.equal(await committedTotal('dashboards'), 26);
    const since = new Date(Date.now() - 3_600_000).toISOString().replace(/Z$/, 'Z');
    ok(
      await gregor(broker.bootstrap, [
        'consumer-groups',
        '--reset-offsets',
        '--group',
        'dashboards',
        '--all-topics',
        '--to-datetime',
        since,
        '--execute',
      ]),
      'datetime',
    );
    assert.equal(await committedTotal('dashboards'), 0, 'every record is newer than an hour ago');

    const deleted = ok(
      await gregor(broker.bootstrap, ['consumer-groups', '--delete', '--group', 'dashboards']),
      'delete',
    );
    assert.equal(
      deleted.stdout,
      "Deletion of requested consumer groups ('dashboards') was successful.\n",
    );
    const gone = await gregor(broker.bootstrap, [
      'consumer-groups',
      '--describe',
      '--group',
      'dashboards',
    ]);
    assert.equal(gone.code, 1);
    assert.equal(gone.stderr, "Error: Consumer group 'dashboards' does not exist.\n");
  });

  test('a group read by our console consumer shows our member while it runs', async () => {
    ok(
      await gregor(broker.bootstrap, [
        'topics',
        '--create',
        '--topic',
        'views',
        '--partitions',
        '3',
      ]),
      'create',
    );
    await produce('views', 9);
    const member = run(
      GREGOR,
      [
        'console-consumer',
        '--topic',
        'views',
        '--group',
        'viewers',
        '--from-beginning',
        // Long enough to be seen by the describe loop below on a loaded machine.
        '--timeout-ms',
        '12000',
        '--bootstrap-server',
        broker.bootstrap,
      ],
      { timeoutMs: 60_000 },
    );
    let membersText: string | null = null;
    const deadline = Date.now() + 25_000;
    while (Date.now() < deadline) {
      const r = await gregor(broker.bootstrap, [
        'consumer-groups',
        '--describe',
        '--group',
        'viewers',
        '--members',
      ]);
      // While the group rebalances the member is listed with no partitions yet.
      const assigned =
        r.code === 0 &&
        tableRows(r.stdout).some((row) => row[3] === 'console-consumer' && row[4] !== '0');
      if (assigned) {
        membersText = r.stdout;
        break;
      }
      await new Promise((res) => setTimeout(res, 200));
    }
    const done = await member;
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.stdout.trimEnd().split('\n').length, 9);
    assert.ok(membersText !== null, 'our member was seen in the group');
    const row = tableRows(membersText)[0]!;
    assert.equal(row[0], 'viewers');
    assert.equal(row[3], 'console-consumer');
    assert.equal(row[4], '3');
  });
});
