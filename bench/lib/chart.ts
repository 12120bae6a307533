// The run's headline figures as one SVG for the README, written by hand (no chart
// library): grouped bars of producer msgs/s and consumer MB/s per system and message
// size, and p50/p99 end-to-end latency per system on a log scale. Pure: BenchRun in,
// SVG text out; a series with no figure is left out rather than drawn as zero.

import type { BenchRun, LatencyResult, ThroughputResult } from './results.ts';
import { findThroughput, GREGOR, GREGOR_CLUSTER, NATS, REDIS } from './targets.ts';

interface Series {
  readonly label: string;
  readonly color: string;
  readonly pick: (all: readonly ThroughputResult[], bytes: number) => ThroughputResult | null;
}

interface Bar {
  readonly value: number;
  readonly color: string;
  readonly opacity?: number;
  readonly label: string;
}

interface Group {
  readonly label: string;
  /** Smaller lines under the label (a latency run's rate, whether it was overloaded). */
  readonly sublabels?: readonly string[];
  readonly bars: readonly Bar[];
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const COLORS = {
  gregor: '#1f5fa8',
  gregorAll: '#5b8fd0',
  gregorNode: '#9cc0ea',
  cluster: '#6a3d9a',
  redis: '#d62728',
  nats: '#2ca02c',
} as const;

const SIZES = [100, 1024] as const;
const sizeLabel = (bytes: number) => (bytes === 1024 ? '1 KiB messages' : `${bytes} B messages`);

const produced =
  (system: string, client?: string, acks?: string) =>
  (all: readonly ThroughputResult[], bytes: number) =>
    findThroughput(all, {
      system,
      kind: 'produce',
      bytes,
      ...(client === undefined ? {} : { client }),
      ...(acks === undefined ? {} : { acks }),
    });

const consumed =
  (system: string, client?: string) => (all: readonly ThroughputResult[], bytes: number) =>
    findThroughput(all, {
      system,
      kind: 'consume',
      bytes,
      ...(client === undefined ? {} : { client }),
    });

const PRODUCE_SERIES: readonly Series[] = [
  { label: 'Gregor, kcat, acks=1', color: COLORS.gregor, pick: produced(GREGOR, 'kcat', '1') },
  {
    label: 'Gregor, kcat, acks=all',
    color: COLORS.gregorAll,
    pick: produced(GREGOR, 'kcat', 'all'),
  },
  {
    label: 'Gregor, Node client, acks=1',
    color: COLORS.gregorNode,
    pick: produced(GREGOR, '@platformatic/kafka', '1'),
  },
  {
    label: 'Gregor 3 brokers RF=3, kcat, acks=all',
    color: COLORS.cluster,
    pick: produced(GREGOR_CLUSTER, 'kcat', 'all'),
  },
  { label: 'Redis Streams (AOF)', color: COLORS.redis, pick: produced(REDIS) },
  { label: 'NATS JetStream', color: COLORS.nats, pick: produced(NATS) },
];

const CONSUME_SERIES: readonly Series[] = [
  { label: 'Gregor, kcat', color: COLORS.gregor, pick: consumed(GREGOR, 'kcat') },
  {
    label: 'Gregor, Node client',
    color: COLORS.gregorNode,
    pick: consumed(GREGOR, '@platformatic/kafka'),
  },
  { label: 'Redis Streams (AOF)', color: COLORS.redis, pick: consumed(REDIS) },
  { label: 'NATS JetStream', color: COLORS.nats, pick: consumed(NATS) },
];

const LATENCY_SYSTEMS = [
  { system: GREGOR, label: 'Gregor', color: COLORS.gregor },
  { system: GREGOR_CLUSTER, label: 'Gregor ×3', color: COLORS.cluster },
  { system: REDIS, label: 'Redis', color: COLORS.redis },
  { system: NATS, label: 'NATS', color: COLORS.nats },
] as const;

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** 1234 → '1.2k', 1_500_000 → '1.5M', 0.42 → '0.42'. */
export function compactNumber(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  if (n >= 10) return n.toFixed(0);
  if (n >= 1) return n.toFixed(1);
  return n.toPrecision(2);
}

function text(x: number, y: number, body: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(body)}</text>`;
}

interface Scale {
  /** Pixel height of a value from the panel's bottom. */
  readonly height: (value: number) => number;
  readonly ticks: readonly number[];
}

/** A round tick step near max/4: 1, 2, 2.5 or 5 times a power of ten. */
export function tickStep(max: number): number {
  if (!(max > 0)) return 1;
  const rough = max / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  return ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
}

function linearScale(groups: readonly Group[], plotHeight: number): Scale {
  const max = Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => b.value)));
  const step = tickStep(max);
  // Headroom above the tallest bar for its value label.
  const top = Math.max(step, Math.ceil((max * 1.1) / step) * step);
  const ticks: number[] = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push(t);
  return { height: (v) => (v / top) * plotHeight, ticks };
}

function logScale(groups: readonly Group[], plotHeight: number): Scale {
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(...values, 1)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values, 10)));
  const decades = Math.log10(high / low);
  const ticks: number[] = [];
  for (let t = low; t <= high * 1.0001; t *= 10) ticks.push(t);
  return {
    height: (v) => (v <= low ? 0 : (Math.log10(v / low) / decades) * plotHeight),
    ticks,
  };
}

function panel(
  box: Box,
  title: string,
  groups: readonly Group[],
  scale: Scale,
  rotateLabels: boolean,
): string {
  const out: string[] = [];
  const bottom = box.y + box.height;
  out.push(
    text(
      box.x + box.width / 2,
      box.y - 28,
      title,
      'text-anchor="middle" font-size="14" font-weight="bold"',
    ),
  );
  for (const tick of scale.ticks) {
    const y = bottom - scale.height(tick);
    out.push(
      `<line x1="${box.x}" x2="${box.x + box.width}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#ddd"/>`,
    );
    out.push(
      text(box.x - 6, y + 4, compactNumber(tick), 'text-anchor="end" font-size="11" fill="#555"'),
    );
  }
  out.push(
    `<line x1="${box.x}" x2="${box.x + box.width}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`,
  );
  const groupWidth = box.width / Math.max(1, groups.length);
  groups.forEach((group, gi) => {
    const gx = box.x + gi * groupWidth;
    const slots = Math.max(1, group.bars.length);
    const barWidth = Math.min(34, ((groupWidth * 0.8) / slots) * 0.85);
    const start = gx + (groupWidth - slots * (barWidth / 0.85)) / 2;
    group.bars.forEach((bar, bi) => {
      const h = Math.max(1, scale.height(bar.value));
      const x = start + bi * (barWidth / 0.85);
      const y = bottom - h;
      const opacity = bar.opacity === undefined ? '' : ` fill-opacity="${bar.opacity}"`;
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}" fill="${bar.color}"${opacity}>` +
          `<title>${escapeXml(bar.label)}</title></rect>`,
      );
      const cx = x + barWidth / 2;
      const valueText = compactNumber(bar.value);
      out.push(
        rotateLabels
          ? text(
              cx + 4,
              y - 4,
              valueText,
              `font-size="10" transform="rotate(-90 ${(cx + 4).toFixed(1)} ${(y - 4).toFixed(1)})"`,
            )
          : text(cx, y - 4, valueText, 'text-anchor="middle" font-size="10"'),
      );
    });
    out.push(
      text(gx + groupWidth / 2, bottom + 16, group.label, 'text-anchor="middle" font-size="12"'),
    );
    (group.sublabels ?? []).forEach((line, i) => {
      const y = bottom + 29 + i * 12;
      out.push(
        text(gx + groupWidth / 2, y, line, 'text-anchor="middle" font-size="10" fill="#555"'),
      );
    });
  });
  return out.join('\n');
}

function legend(
  x: number,
  y: number,
  entries: readonly { label: string; color: string; opacity?: number }[],
): string {
  return entries
    .map((e, i) => {
      const ey = y + i * 16;
      const opacity = e.opacity === undefined ? '' : ` fill-opacity="${e.opacity}"`;
      return (
        `<rect x="${x}" y="${ey - 9}" width="10" height="10" fill="${e.color}"${opacity}/>` +
        text(x + 15, ey, e.label, 'font-size="11"')
      );
    })
    .join('\n');
}

function throughputGroups(
  all: readonly ThroughputResult[],
  series: readonly Series[],
  value: (t: ThroughputResult) => number,
): { groups: Group[]; used: Series[] } {
  const used = series.filter((s) => SIZES.some((bytes) => s.pick(all, bytes) !== null));
  const groups = SIZES.map((bytes) => ({
    label: sizeLabel(bytes),
    bars: used.flatMap((s) => {
      const t = s.pick(all, bytes);
      return t === null
        ? []
        : [{ value: value(t), color: s.color, label: `${s.label}: ${compactNumber(value(t))}` }];
    }),
  }));
  return { groups, used };
}

/** Every 1 KiB latency run of each system, in the run's order, labelled with its rate. */
function latencyGroups(all: readonly LatencyResult[]): Group[] {
  return LATENCY_SYSTEMS.flatMap((s) =>
    all
      .filter((l) => l.system === s.system && l.messageBytes === 1024)
      .map((l) => {
        const rate = `${compactNumber(l.ratePerSecond)}/s`;
        return {
          label: s.label,
          sublabels: /overloaded/.test(l.notes ?? '') ? [rate, 'overloaded'] : [rate],
          bars: [
            {
              value: l.p50Ms,
              color: s.color,
              opacity: 0.45,
              label: `${s.label} p50 ${l.p50Ms.toFixed(2)} ms`,
            },
            { value: l.p99Ms, color: s.color, label: `${s.label} p99 ${l.p99Ms.toFixed(2)} ms` },
          ],
        };
      }),
  );
}

export function renderChart(run: BenchRun): string {
  const width = 1260;
  const height = 510;
  const plot = { y: 104, height: 250 };
  const boxes: Box[] = [0, 1, 2].map((i) => ({
    x: 70 + i * 410,
    y: plot.y,
    width: 330,
    height: plot.height,
  }));
  const produce = throughputGroups(run.throughput, PRODUCE_SERIES, (t) => t.messagesPerSecond);
  const consume = throughputGroups(run.throughput, CONSUME_SERIES, (t) => t.megabytesPerSecond);
  const latency = latencyGroups(run.latency);
  const [a, b, c] = boxes as [Box, Box, Box];
  const legendY = plot.y + plot.height + 66;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    text(
      width / 2,
      26,
      `Gregor and the alternatives, one run on one machine (${run.startedAt.slice(0, 10)}, ${run.machine.cpus} cores)`,
      'text-anchor="middle" font-size="16" font-weight="bold"',
    ),
    text(
      width / 2,
      46,
      `npm run bench${run.notes.some((n) => n.startsWith('mode: quick')) ? ' -- --quick' : ''}, ` +
        `${run.startedAt.slice(11, 16)} UTC, load average at the start ` +
        `${run.machine.loadAverage[0]?.toFixed(1) ?? 'n/a'}; a missing figure has no bar`,
      'text-anchor="middle" font-size="11" fill="#555"',
    ),
    panel(a, 'Produce, messages/s', produce.groups, linearScale(produce.groups, plot.height), true),
    panel(
      b,
      'Consume from the start, MB/s',
      consume.groups,
      linearScale(consume.groups, plot.height),
      false,
    ),
    panel(
      c,
      'End-to-end latency, 1 KiB, ms (log; rate under each)',
      latency,
      logScale(latency, plot.height),
      false,
    ),
    legend(a.x, legendY, produce.used),
    legend(b.x, legendY, consume.used),
    legend(c.x, legendY, [
      { label: 'p50 (light)', color: '#555', opacity: 0.45 },
      { label: 'p99 (dark)', color: '#555' },
    ]),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}
