import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compactNumber, escapeXml, renderChart, tickStep } from './chart.ts';
import { formatReport, latencyKept, table } from './report.ts';
import type { BenchRun, ThroughputResult } from './results.ts';

function t(
  system: string,
  client: string,
  acks: string,
  bytes: number,
  rate: number,
): ThroughputResult {
  return {
    kind: 'produce',
    system,
    client,
    messageBytes: bytes,
    acks,
    messages: rate,
    seconds: 1,
    messagesPerSecond: rate,
    megabytesPerSecond: (rate * bytes) / 1e6,
    serverCpuSeconds: 1,
    serverCpuMicrosPerMessage: 1e6 / rate,
  };
}

const RUN: BenchRun = {
  startedAt: '2026-11-22T05:00:00.000Z',
  machine: { cpus: 2, memoryGigabytes: 24, loadAverage: [1, 1, 1], node: 'v20.20.2' },
  limits: [{ name: 'loopback-tcp', megabytesPerSecond: 1500, tool: 'iperf3 <1 stream>' }],
  throughput: [
    t('gregor', 'kcat', '1', 1024, 300_000),
    t('gregor', 'kcat', '1', 100, 600_000),
    t('redis-streams', 'redis-benchmark', 'aof-everysec', 1024, 150_000),
  ],
  latency: [
    {
      system: 'gregor',
      client: 'p',
      messageBytes: 1024,
      acks: '1',
      ratePerSecond: 150_000,
      messages: 9,
      p50Ms: 0.8,
      p99Ms: 12,
      p999Ms: 20,
      maxMs: 30,
    },
  ],
  processes: [],
  notes: [],
};

describe('chart', () => {
  const svg = renderChart(RUN);

  it('draws one bar per figure, none for missing ones', () => {
    // Produce: gregor kcat acks=1 at both sizes, Redis at 1 KiB; latency: p50 and p99.
    assert.equal((svg.match(/<rect x=/g) ?? []).length - legendSwatches(svg), 5);
    assert.doesNotMatch(svg, /NATS/);
    assert.match(svg, /<title>Gregor, kcat, acks=1: 300k<\/title>/);
  });

  it('is one well-formed svg element with escaped text', () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
    assert.equal(escapeXml('a<b & "c">'), 'a&lt;b &amp; &quot;c&quot;&gt;');
  });

  it('scales bars to a round axis maximum', () => {
    assert.equal(tickStep(600_000), 200_000);
    assert.equal(tickStep(300_000), 100_000);
    assert.equal(tickStep(150), 50);
    assert.equal(tickStep(1000), 250);
    assert.equal(compactNumber(1_500_000), '1.5M');
    assert.equal(compactNumber(299_123), '299k');
    assert.equal(compactNumber(0.42), '0.42');
    // The tallest produce bar (600k) on a 0-800k axis in steps of 200k: 3/4 of 250 px.
    assert.match(svg, /height="187.5" fill="#1f5fa8"/);
    assert.match(svg, />200k<\/text>/);
  });
});

/** Legend swatches are 10×10 rects; the bars are the other `<rect x=` elements. */
function legendSwatches(svg: string): number {
  return (svg.match(/<rect x="[\d.]+" y="[\d.]+" width="10" height="10"/g) ?? []).length;
}

describe('report', () => {
  it('shows the rate a latency run kept and whether it was overloaded', () => {
    assert.equal(latencyKept('x; achieved 4996 msgs/s, mean 7.52 ms'), '4,996');
    assert.equal(latencyKept('overloaded: ...; achieved 120 msgs/s'), '120 (overloaded)');
    assert.equal(latencyKept(undefined), '');
  });

  it('pads markdown tables and right-aligns numbers', () => {
    const text = table(
      ['a', 'n'],
      [
        ['x', '1'],
        ['yy', '100'],
      ],
      ['l', 'r'],
    );
    assert.equal(text, '| a  |   n |\n|----|----:|\n| x  |   1 |\n| yy | 100 |');
  });

  it("shows Gregor's ratio to each comparison and the targets' status", () => {
    const report = formatReport(RUN);
    assert.match(report, /redis-streams .*\|\s+2\.00× \|/);
    assert.match(
      report,
      /producer 1 KiB acks=1 \(kcat\) \/ Redis Streams, msgs\/s\s+\|\s+2\.00× \| >= 1× +\| met/,
    );
    assert.match(report, /NATS JetStream, msgs\/s\s+\|\s+n\/a \| >= 1\.5×\s+\| not measured/);
  });
});
