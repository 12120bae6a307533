import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOperatingError, isOperatingError } from './operating-error.ts';

test('system call failures and coded errors are operating errors; anything else is a bug', () => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
  const meta = Object.assign(new Error('GREGOR_ERR_METADATA_TIMEOUT: x'), {
    code: 'GREGOR_ERR_METADATA_TIMEOUT',
  });
  const kafka = Object.assign(new Error('not coordinator'), { code: 16 });
  const log = Object.assign(new Error('offline'), { errorCode: 56 });
  for (const e of [enospc, meta, kafka, log]) assert.equal(isOperatingError(e), true, e.message);
  assert.equal(
    isOperatingError(new TypeError("Cannot read properties of undefined (reading 'x')")),
    false,
  );
  assert.equal(isOperatingError(new Error('segment ends at 3 after appending up to 4')), false);
  assert.equal(isOperatingError(Object.assign(new Error('odd'), { code: 'weird' })), false);
  assert.equal(isOperatingError('a string'), false);
  assert.deepEqual(describeOperatingError(enospc), {
    reason: 'ENOSPC: no space left on device',
    code: 'ENOSPC',
  });
  assert.deepEqual(describeOperatingError(log), { reason: 'offline', code: 56 });
});
