// The run's figures as text for stdout (markdown tables, so they paste into the README):
// the machine's limits, every throughput figure with Gregor's ratio to it, latency
// percentiles, process figures, and the issue's targets with the measured ratio and
// whether each is met. Pure: it formats a BenchRun, nothing else.

import type { BenchRun, ThroughputResult } from './results.ts';
import { checkTargets, findThroughput, GREGOR, isMet, type TargetCheck } from './targets.ts';

type Align = 'l' | 'r';

/** A markdown table padded to column width; `align` per column. */
export function table(
  header: readonly string[],
  rows: readonly string[][],
  align: readonly Align[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) =>
    align[i] === 'r' ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => cell(c, i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'r' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function num(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

const size = (bytes: number) => (bytes === 1024 ? '1 KiB' : `${bytes} B`);

/** Gregor's kcat figure of the same kind and size (acks=1 for produce), the yardstick of a row. */
function gregorYardstick(
  all: readonly ThroughputResult[],
  t: ThroughputResult,
): ThroughputResult | null {
  const acks = t.kind === 'produce' ? '1' : undefined;
  return findThroughput(all, {
    system: GREGOR,
    kind: t.kind,
    bytes: t.messageBytes,
    client: 'kcat',
    ...(acks === undefined ? {} : { acks }),
  });
}

function throughputTable(run: BenchRun): string {
  const rows = run.throughput.map((t) => {
    // Gregor's own variants (acks=all, the Node client) are compared in the targets instead.
    const g = t.system === GREGOR ? null : gregorYardstick(run.throughput, t);
    const ratio = g === null ? '' : `${num(g.messagesPerSecond / t.messagesPerSecond, 2)}×`;
    return [
      t.system,
      t.client,
      t.kind,
      size(t.messageBytes),
      t.acks,
      num(t.messagesPerSecond),
      num(t.megabytesPerSecond, 1),
      num(t.serverCpuMicrosPerMessage, 2),
      ratio,
    ];
  });
  const header = [
    'system',
    'client',
    'kind',
    'size',
    'acks',
    'msgs/s',
    'MB/s',
    'server µs/msg',
    'Gregor (kcat) / it',
  ];
  return table(header, rows, ['l', 'l', 'l', 'r', 'l', 'r', 'r', 'r', 'r']);
}

/**
 * What the latency method says in a result's notes about the rate it really kept:
 * "achieved N msgs/s", and "overloaded" when the receiver fell behind and sending stopped.
 */
export function latencyKept(notes: string | undefined): string {
  const achieved = /achieved (\d+) msgs\/s/.exec(notes ?? '')?.[1];
  const overloaded = /overloaded/.test(notes ?? '') ? ' (overloaded)' : '';
  return achieved === undefined ? overloaded.trim() : `${num(Number(achieved))}${overloaded}`;
}

function latencyTable(run: BenchRun): string {
  const rows = run.latency.map((l) => [
    l.system,
    l.client,
    size(l.messageBytes),
    l.acks,
    num(l.ratePerSecond),
    latencyKept(l.notes),
    num(l.p50Ms, 2),
    num(l.p99Ms, 2),
    num(l.p999Ms, 2),
    num(l.maxMs, 2),
  ]);
  const header = [
    'system',
    'client',
    'size',
    'acks',
    'rate msgs/s',
    'achieved',
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'max ms',
  ];
  return table(header, rows, ['l', 'l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r']);
}

function processTable(run: BenchRun): string {
  const rows = run.processes.map((p) => [
    p.system,
    num(p.startToFirstProduceMs),
    num(p.idleRssMegabytes),
    num(p.loadRssMegabytes),
  ]);
  return table(
    ['system', 'start → first produce ms', 'idle RSS MB', 'peak RSS under load MB'],
    rows,
    ['l', 'r', 'r', 'r'],
  );
}

export function targetRow(t: TargetCheck): string[] {
  const met = isMet(t);
  const value =
    t.value === null ? 'n/a' : t.unit === '×' ? `${num(t.value, 2)}×` : `${num(t.value)} ${t.unit}`;
  const bound = `${t.comparator} ${t.threshold}${t.unit === '×' ? '×' : ` ${t.unit}`}`;
  return [t.name, value, bound, met === null ? 'not measured' : met ? 'met' : 'short', t.detail];
}

function targetsTable(run: BenchRun): string {
  const rows = checkTargets(run).map(targetRow);
  return table(['target', 'measured', 'goal', '', 'figures'], rows, ['l', 'r', 'l', 'l', 'l']);
}

export function formatReport(run: BenchRun): string {
  const m = run.machine;
  const load = m.loadAverage.map((n) => n.toFixed(2)).join(' ');
  const parts = [
    `Gregor benchmark, ${run.startedAt}: ${m.cpus} cores, ${num(m.memoryGigabytes)} GB, ` +
      `node ${m.node}, load average at start ${load}`,
    '',
    'Machine limits',
    table(
      ['what', 'MB/s', 'how'],
      run.limits.map((l) => [l.name, num(l.megabytesPerSecond), l.tool]),
      ['l', 'r', 'l'],
    ),
    '',
    'Throughput (the median run of each)',
    throughputTable(run),
    '',
    'End-to-end latency at fixed rates (the common rate first, then half-peak rows)',
    latencyTable(run),
    '',
    'Processes',
    processTable(run),
    '',
    'Targets of issue #7 (ratios within this run)',
    targetsTable(run),
  ];
  if (run.notes.length > 0) parts.push('', 'Notes', ...run.notes.map((n) => `- ${n}`));
  return `${parts.join('\n')}\n`;
}
