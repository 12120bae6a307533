// What the kernel says about a process beyond processes.ts's CPU and RSS readers:
// resident memory at its peak (VmHWM) beside now (VmRSS), and the CPU of this process's
// reaped children (how the runner charges a finished client such as kcat). Parsers are
// pure; the readers return null once a process is gone.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second for /proc times (getconf CLK_TCK; 100 on Linux). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    const parsed = Number(text);
    ticksPerSecond = Number.isFinite(parsed) && parsed > 0 ? parsed : 100;
  }
  return ticksPerSecond;
}

/**
 * The fields of /proc/<pid>/stat after the command name, which may itself hold spaces
 * and parentheses: field 3 (state) is index 0 of the result.
 */
function fieldsAfterName(stat: string): string[] {
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .trim()
    .split(/\s+/);
}

/** cutime + cstime (fields 16 and 17): CPU of children this process has waited for. */
export function parseChildCpuTicks(stat: string): number {
  const f = fieldsAfterName(stat);
  return Number(f[13]) + Number(f[14]);
}

/** A `Name:   1234 kB` line of /proc/<pid>/status, in kB; null when absent. */
export function parseStatusKilobytes(status: string, field: string): number | null {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return match?.[1] === undefined ? null : Number(match[1]);
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** CPU seconds of this process's children that have exited and been reaped. */
export function reapedChildrenCpuSeconds(): number {
  const stat = readOrNull('/proc/self/stat');
  return stat === null ? 0 : parseChildCpuTicks(stat) / clockTicksPerSecond();
}

/** Resident memory of `pid` at its peak so far (VmHWM), MB (10⁶ bytes); null once it exited. */
export function peakRssMegabytes(pid: number): number | null {
  const status = readOrNull(`/proc/${pid}/status`);
  const kilobytes = status === null ? null : parseStatusKilobytes(status, 'VmHWM');
  return kilobytes === null ? null : (kilobytes * 1024) / 1e6;
}
