// The tables kafka-consumer-groups.sh prints, as pure functions: --describe's
// offsets (GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID
// HOST CLIENT-ID), --members, --state, and the NEW-OFFSET plan of
// --reset-offsets. Columns are left-aligned to Kafka's widths (at least 15,
// wider for long values) and "-" stands for a missing value; the blank lines
// and trailing spaces are Kafka's too, so scripts that parse its output work.

import type { TopicPartition } from '../client/fetcher.ts';

export const MISSING = '-';

export interface OffsetRow {
  readonly group: string;
  readonly topic: string | null;
  readonly partition: number | null;
  readonly offset: number | null;
  readonly logEndOffset: number | null;
  readonly consumerId: string | null;
  readonly host: string | null;
  readonly clientId: string | null;
}

export interface MemberRow {
  readonly group: string;
  readonly consumerId: string;
  readonly groupInstanceId: string | null;
  readonly host: string;
  readonly clientId: string;
  readonly partitions: number;
}

export interface GroupStateRow {
  readonly group: string;
  readonly coordinator: { readonly host: string; readonly port: number; readonly nodeId: number };
  readonly assignmentStrategy: string;
  readonly state: string;
  readonly members: number;
}

/** Joins cells, each but the last padded to its width and followed by a space. */
function row(cells: readonly string[], widths: readonly number[]): string {
  return cells.map((c, i) => (i < widths.length ? `${c.padEnd(widths[i]!)} ` : c)).join('');
}

const text = (v: string | number | null): string => (v === null ? MISSING : String(v));

/** Lag as Kafka computes it: only when both the committed offset and the log end are known. */
export function lagOf(r: OffsetRow): number | null {
  return r.offset === null || r.offset === -1 || r.logEndOffset === null
    ? null
    : r.logEndOffset - r.offset;
}

export function offsetsTable(rows: readonly OffsetRow[]): string {
  const width = (f: (r: OffsetRow) => string): number =>
    Math.max(15, ...rows.map((r) => f(r).length));
  const widths = [
    width((r) => r.group),
    width((r) => text(r.topic)),
    10,
    15,
    15,
    15,
    width((r) => text(r.consumerId)),
    width((r) => text(r.host)),
  ];
  const header = [
    'GROUP',
    'TOPIC',
    'PARTITION',
    'CURRENT-OFFSET',
    'LOG-END-OFFSET',
    'LAG',
    'CONSUMER-ID',
    'HOST',
    'CLIENT-ID',
  ];
  const lines = rows.map((r) =>
    row(
      [
        r.group,
        text(r.topic),
        text(r.partition),
        text(r.offset),
        text(r.logEndOffset),
        text(lagOf(r)),
        text(r.consumerId),
        text(r.host),
        text(r.clientId),
      ],
      widths,
    ),
  );
  return `\n${row(header, widths)}${lines.map((l) => `\n${l}`).join('')}\n`;
}

export function membersTable(rows: readonly MemberRow[]): string {
  const width = (min: number, f: (r: MemberRow) => string): number =>
    Math.max(min, ...rows.map((r) => f(r).length));
  const withInstance = rows.some((r) => r.groupInstanceId !== null && r.groupInstanceId !== '');
  const cols: { title: string; width: number; value: (r: MemberRow) => string }[] = [
    { title: 'GROUP', width: width(15, (r) => r.group), value: (r) => r.group },
    { title: 'CONSUMER-ID', width: width(15, (r) => r.consumerId), value: (r) => r.consumerId },
    ...(withInstance
      ? [
          {
            title: 'GROUP-INSTANCE-ID',
            width: width(17, (r) => r.groupInstanceId ?? ''),
            value: (r: MemberRow) => r.groupInstanceId ?? '',
          },
        ]
      : []),
    { title: 'HOST', width: width(15, (r) => r.host), value: (r) => r.host },
    { title: 'CLIENT-ID', width: width(15, (r) => r.clientId), value: (r) => r.clientId },
    { title: '#PARTITIONS', width: 15, value: (r) => String(r.partitions) },
  ];
  // Every column, the last included, is padded and followed by a space, as Kafka's format does.
  const line = (cells: string[]): string =>
    cells.map((c, i) => `${c.padEnd(cols[i]!.width)} `).join('');
  const body = rows.map((r) => `${line(cols.map((c) => c.value(r)))}\n`).join('');
  return `\n${line(cols.map((c) => c.title))}\n${body}`;
}

export function stateTable(r: GroupStateRow): string {
  const coordinator = `${r.coordinator.host}:${r.coordinator.port}  (${r.coordinator.nodeId})`;
  const widths = [Math.max(15, r.group.length), Math.max(25, coordinator.length), 20, 20];
  const header = row(
    ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
    widths,
  );
  const strategy = r.assignmentStrategy === '' ? MISSING : r.assignmentStrategy;
  const values = row([r.group, coordinator, strategy, r.state, String(r.members)], widths);
  return `\n${header}\n${values}\n`;
}

export function resetTable(
  group: string,
  offsets: readonly (TopicPartition & { offset: number })[],
): string {
  const widths = [
    Math.max(15, group.length),
    Math.max(15, ...offsets.map((o) => o.topic.length)),
    10,
  ];
  const lines = offsets.map(
    (o) => `\n${row([group, o.topic, String(o.partition), String(o.offset)], widths)}`,
  );
  return `\n${row(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], widths)}${lines.join('')}\n`;
}

/** --list with --state: GROUP and STATE columns, Kafka's widths. */
export function groupListTable(groups: readonly { groupId: string; state: string }[]): string {
  const width = Math.max(15, ...groups.map((g) => g.groupId.length)) + 10;
  const line = (a: string, b: string): string => `${a.padEnd(width)} ${b.padEnd(20)}\n`;
  return line('GROUP', 'STATE') + groups.map((g) => line(g.groupId, g.state)).join('');
}
