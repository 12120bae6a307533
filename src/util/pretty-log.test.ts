import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, parseLogFormat } from './logger.ts';
import { formatLogRecord, prettyDestination } from './pretty-log.ts';

const TIME = new Date(2026, 0, 2, 3, 4, 5, 67).getTime();

describe('formatLogRecord', () => {
  it('puts time, level and message first, then the fields as key=value', () => {
    const line = formatLogRecord(
      {
        level: 30,
        time: TIME,
        pid: 1,
        hostname: 'h',
        name: 'gregor',
        msg: 'Gregor broker started',
        nodeId: 0,
        host: '127.0.0.1',
        logDir: '/data/my dir',
        tags: ['a'],
        empty: '',
      },
      { colors: false },
    );
    assert.equal(
      line,
      '03:04:05.067 INFO  Gregor broker started nodeId=0 host=127.0.0.1 logDir="/data/my dir" tags=["a"] empty=""',
    );
  });

  it('shows an error’s stack below the line and another logger’s name in brackets', () => {
    const line = formatLogRecord(
      {
        level: 50,
        time: TIME,
        name: 'etcd',
        msg: 'write failed',
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.ts:1:1)' },
      },
      { colors: false },
    );
    assert.equal(
      line,
      '03:04:05.067 ERROR [etcd] write failed\n    Error: boom\n        at f (x.ts:1:1)',
    );
  });

  it('colours the level only when asked', () => {
    const plain = formatLogRecord({ level: 40, time: TIME, msg: 'm' }, { colors: false });
    const coloured = formatLogRecord({ level: 40, time: TIME, msg: 'm' }, { colors: true });
    assert.ok(!plain.includes('\x1b'), plain);
    assert.ok(coloured.includes('\x1b[33mWARN '), coloured);
  });
});

describe('prettyDestination', () => {
  it('turns each JSON line into a readable line and passes anything else through', () => {
    const written: string[] = [];
    const dest = prettyDestination({ write: (t: string) => written.push(t) }, { colors: false });
    dest.write(`${JSON.stringify({ level: 30, time: TIME, msg: 'hello', a: 1 })}\n`);
    dest.write('not json\n');
    assert.deepEqual(written, ['03:04:05.067 INFO  hello a=1\n', 'not json\n']);
  });
});

describe('createLogger', () => {
  it('refuses a GREGOR_LOG_FORMAT it does not know', () => {
    assert.equal(parseLogFormat(undefined), null);
    assert.equal(parseLogFormat('pretty'), 'pretty');
    assert.throws(
      () => parseLogFormat('yaml'),
      /GREGOR_ERR_CONFIG_INVALID: GREGOR_LOG_FORMAT=yaml/,
    );
    assert.throws(() => createLogger({ env: { GREGOR_LOG_FORMAT: 'text' } }), /GREGOR_LOG_FORMAT/);
  });
});
