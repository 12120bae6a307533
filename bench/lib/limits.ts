// The machine's own limits, measured in the same run as the brokers so every broker
// figure can be read against them: loopback TCP (iperf3, one stream), sequential disk
// writes in the work directory's filesystem (fio: page cache only, fsync at the end,
// fdatasync after every 1 MiB write) and reading a file back from the page cache.

import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../src/cli/loopback-ports.ts';
import { onCleanup, trackChild } from './cleanup.ts';
import { runChecked } from './command.ts';
import { medianBy } from './figures.ts';
import type { MachineResult } from './results.ts';

export interface LimitsOptions {
  readonly workDir: string;
  readonly iperfSeconds: number;
  readonly fioSizeMegabytes: number;
  readonly repeats: number;
  readonly log: (line: string) => void;
}

interface FioJob {
  readonly read?: { readonly bw_bytes?: number };
  readonly write?: { readonly bw_bytes?: number };
}

/** Bytes per second of the first job of fio's JSON output, for 'read' or 'write'. */
export function fioBandwidth(json: string, direction: 'read' | 'write'): number {
  const parsed = JSON.parse(json) as { jobs?: FioJob[] };
  const bw = parsed.jobs?.[0]?.[direction]?.bw_bytes;
  if (typeof bw !== 'number') throw new Error(`no ${direction} bandwidth in fio's output`);
  return bw;
}

/** Received bits per second of iperf3's JSON output (`-J`). */
export function iperfBitsPerSecond(json: string): number {
  const parsed = JSON.parse(json) as { end?: { sum_received?: { bits_per_second?: number } } };
  const bps = parsed.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new Error("no received bandwidth in iperf3's output");
  return bps;
}

async function loopback(options: LimitsOptions): Promise<MachineResult> {
  const port = await freePort();
  // One-off server (-1): it exits after the one test; the cleanup kills it otherwise.
  const server = spawn('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  trackChild(server);
  const stop = onCleanup('iperf3 server', () => {
    server.kill('SIGKILL');
  });
  try {
    let out = '';
    for (let attempt = 0; ; attempt++) {
      try {
        const args = ['-c', '127.0.0.1', '-p', String(port), '-t', String(options.iperfSeconds)];
        out = (await runChecked('iperf3', [...args, '-J'], { timeoutMs: 30_000 })).stdout;
        break;
      } catch (err) {
        // The server may not listen yet; a refused connection is retried briefly.
        if (attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const megabytesPerSecond = iperfBitsPerSecond(out) / 8e6;
    return { name: 'loopback-tcp', megabytesPerSecond, tool: 'iperf3, 1 stream, 127.0.0.1' };
  } finally {
    await stop();
  }
}

function fioArgs(dir: string, sizeMegabytes: number, rw: 'write' | 'read', extra: string[]) {
  return [
    '--name=seq',
    `--directory=${dir}`,
    `--rw=${rw}`,
    '--bs=1M',
    `--size=${sizeMegabytes}M`,
    '--ioengine=psync',
    '--direct=0',
    // Caps a slow disk (fdatasync on every write) without changing what is measured.
    '--runtime=10',
    '--output-format=json',
    ...extra,
  ];
}

async function fio(args: string[]): Promise<string> {
  return (await runChecked('fio', args, { timeoutMs: 120_000 })).stdout;
}

async function disk(options: LimitsOptions): Promise<MachineResult[]> {
  const dir = join(options.workDir, 'fio');
  const size = options.fioSizeMegabytes;
  const results: MachineResult[] = [];
  const fresh = async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
  };
  const tool = (what: string) => `fio, 1 MiB sequential writes, ${size} MiB, ${what}`;
  await fresh();
  const cached = await fio(fioArgs(dir, size, 'write', []));
  results.push({
    name: 'disk-write',
    megabytesPerSecond: fioBandwidth(cached, 'write') / 1e6,
    tool: tool('page cache only'),
  });
  // The file just written is in the page cache: read it back without invalidating it.
  const read = await fio(fioArgs(dir, size, 'read', ['--invalidate=0']));
  results.push({
    name: 'page-cache-read',
    megabytesPerSecond: fioBandwidth(read, 'read') / 1e6,
    tool: `fio, 1 MiB sequential reads of a cached ${size} MiB file`,
  });
  for (const [name, flag, what] of [
    ['disk-write-end-fsync', '--end_fsync=1', 'one fsync at the end'],
    ['disk-write-fdatasync', '--fdatasync=1', 'fdatasync after every write'],
  ] as const) {
    await fresh();
    await runChecked('sync', [], { timeoutMs: 120_000 });
    const out = await fio(fioArgs(dir, size, 'write', [flag]));
    results.push({ name, megabytesPerSecond: fioBandwidth(out, 'write') / 1e6, tool: tool(what) });
  }
  await rm(dir, { recursive: true, force: true });
  // No writeback of these files left to slow the brokers measured next.
  await runChecked('sync', [], { timeoutMs: 120_000 });
  return results;
}

/** Every limit measured `repeats` times; each reported as its median. */
export async function measureLimits(options: LimitsOptions): Promise<MachineResult[]> {
  const runs: MachineResult[][] = [];
  for (let run = 1; run <= options.repeats; run++) {
    options.log(`limits: loopback TCP (iperf3), run ${run} of ${options.repeats}`);
    const results = [await loopback(options)];
    options.log(`limits: disk writes and page-cache read (fio), run ${run} of ${options.repeats}`);
    results.push(...(await disk(options)));
    runs.push(results);
  }
  return (runs[0] ?? []).map((first) => {
    const all = runs.flatMap((r) => r.filter((m) => m.name === first.name));
    const median = medianBy(all, (m) => m.megabytesPerSecond);
    const spread =
      all.length > 1
        ? `; runs: ${all.map((m) => m.megabytesPerSecond.toFixed(0)).join(', ')} MB/s`
        : '';
    return { ...median, tool: `${median.tool}${spread}` };
  });
}
