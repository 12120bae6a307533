import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogRateLimiter, RateLimitedLog } from './log-rate-limiter.ts';

test('allows linesMax lines per window and reports the suppressed count when the window closes', () => {
  let now = 1000;
  const limiter = new LogRateLimiter(3, 1000, () => now);
  const reports: number[] = [];
  const allowed = Array.from({ length: 10 }, () => limiter.allow((n) => reports.push(n)));
  assert.deepEqual(allowed, [true, true, true, false, false, false, false, false, false, false]);
  assert.equal(reports.length, 0);
  now += 1000;
  assert.equal(
    limiter.allow((n) => reports.push(n)),
    true,
  );
  assert.deepEqual(reports, [7]);
});

test('RateLimitedLog writes linesMax lines per kind per window and then one summary with the count', () => {
  let now = 0;
  const timers: Array<() => void> = [];
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  const sink = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  const log = new RateLimitedLog(
    { debug: sink('debug'), info: sink('info'), warn: sink('warn'), error: sink('error') },
    { linesMax: 2, windowMs: 1000, now: () => now, setTimer: (_ms, run) => timers.push(run) },
  );
  for (let i = 0; i < 50; i++) log.log('warn', 'bad-frame', { i }, 'closing connection');
  for (let i = 0; i < 3; i++) log.log('error', 'bug', { i }, 'request failed');
  assert.equal(lines.filter((l) => l.fields['kind'] === 'bad-frame').length, 2);
  assert.equal(lines.filter((l) => l.fields['kind'] === 'bug').length, 2, 'kinds have own budgets');
  assert.equal(timers.length, 2, 'one summary armed per kind with drops');
  now += 1000;
  for (const run of timers) run();
  const summaries = lines.filter((l) => l.fields['suppressed'] !== undefined);
  assert.deepEqual(
    summaries.map((l) => [l.level, l.fields['kind'], l.fields['suppressed']]),
    [
      ['warn', 'bad-frame', 48],
      ['error', 'bug', 1],
    ],
  );
  assert.match(summaries[0]!.message, /^suppressed 48 more log lines like: closing connection$/);
  log.log('warn', 'bad-frame', {}, 'closing connection');
  assert.equal(lines.at(-1)?.fields['suppressed'], undefined, 'a new window writes again');
});
