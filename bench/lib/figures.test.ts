import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trimProfile } from './cpu-profile.ts';
import { medianBy, toThroughput } from './figures.ts';
import { fioBandwidth, iperfBitsPerSecond } from './limits.ts';
import { parseOptions } from './options.ts';
import { parseChildCpuTicks, parseStatusKilobytes } from './proc-stats.ts';

describe('figures', () => {
  it('takes the median run as a whole, not a mix of runs', () => {
    const runs = [
      { messages: 100, seconds: 1, serverCpuSeconds: 0.5, clientCpuSeconds: 1 },
      { messages: 100, seconds: 4, serverCpuSeconds: 2, clientCpuSeconds: 1 },
      { messages: 100, seconds: 2, serverCpuSeconds: 0.1, clientCpuSeconds: 1 },
    ];
    const label = {
      kind: 'produce',
      system: 'gregor',
      client: 'kcat',
      messageBytes: 1000,
      acks: '1',
    } as const;
    const t = toThroughput(label, runs);
    assert.equal(t.seconds, 2);
    assert.equal(t.messagesPerSecond, 50);
    assert.equal(t.megabytesPerSecond, 0.05);
    assert.equal(t.serverCpuSeconds, 0.1);
    assert.equal(t.serverCpuMicrosPerMessage, 1000);
    assert.match(t.notes ?? '', /median of 3 runs: 100, 25, 50 msgs\/s/);
  });

  it('picks the lower middle of an even count and refuses none', () => {
    assert.equal(
      medianBy([4, 1, 3, 2], (n) => n),
      2,
    );
    assert.throws(() => medianBy([], (n: number) => n), RangeError);
  });
});

describe('/proc and tool output parsers', () => {
  it('reads children CPU after a command name holding spaces and parentheses', () => {
    const stat = '42 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18';
    // fields after the name: S=3, ... utime=14 is 11, stime 12, cutime 13, cstime 14
    assert.equal(parseChildCpuTicks(stat), 13 + 14);
  });

  it('reads kB lines of /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
    assert.equal(parseStatusKilobytes(status, 'VmHWM'), 204800);
    assert.equal(parseStatusKilobytes(status, 'VmRSS'), 102400);
    assert.equal(parseStatusKilobytes(status, 'VmSwap'), null);
  });

  it("reads fio's and iperf3's JSON", () => {
    const fio = JSON.stringify({ jobs: [{ read: { bw_bytes: 0 }, write: { bw_bytes: 5e8 } }] });
    assert.equal(fioBandwidth(fio, 'write'), 5e8);
    assert.equal(fioBandwidth(fio, 'read'), 0);
    assert.throws(() => fioBandwidth('{"jobs":[]}', 'write'));
    assert.equal(
      iperfBitsPerSecond(JSON.stringify({ end: { sum_received: { bits_per_second: 8e9 } } })),
      8e9,
    );
  });
});

describe('options', () => {
  it('parses sections, quick mode and the work directory', () => {
    const o = parseOptions(['--quick', '--only', 'gregor,cluster', '--profile'], {}, '/repo');
    assert.deepEqual([...o.sections], ['gregor', 'cluster']);
    assert.equal(o.quick, true);
    assert.equal(o.profile, true);
    assert.equal(o.workDir, '/repo/.tmp/bench');
    assert.ok(o.kcatMessages[1024] < parseOptions([], {}, '/repo').kcatMessages[1024]);
    assert.equal(parseOptions([], { BENCH_DIR: '/x' }, '/repo').workDir, '/x');
  });

  it('refuses unknown sections and arguments', () => {
    assert.throws(() => parseOptions(['--only', 'kafka'], {}, '/repo'), /unknown section kafka/);
    assert.throws(() => parseOptions(['--fast'], {}, '/repo'), /unknown argument/);
  });
});

describe('cpu profile window', () => {
  it('keeps only the samples inside the window, with deltas from its start', () => {
    const profile = {
      nodes: [],
      startTime: 1000,
      endTime: 2000,
      samples: [1, 2, 3, 4, 5],
      // Samples at 1100, 1300, 1600, 1700, 1900.
      timeDeltas: [100, 200, 300, 100, 200],
    };
    const cut = trimProfile(profile, 1250, 1750);
    assert.deepEqual(cut.samples, [2, 3, 4]);
    assert.deepEqual(cut.timeDeltas, [50, 300, 100]);
    assert.equal(cut.startTime, 1250);
    assert.equal(cut.endTime, 1750);
  });
});
