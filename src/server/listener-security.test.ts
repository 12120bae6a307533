// The refusal of secured listeners without their TLS/SASL protection: it names the listener
// and its protocol, and nothing is created for such a listener.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../config/config-error.ts';
import type { Listener } from '../config/listeners.ts';
import { createListenerServer, refuseUnservedListeners } from './listener-security.ts';

const plaintext: Listener = {
  name: 'PLAINTEXT',
  host: '127.0.0.1',
  port: 0,
  securityProtocol: 'PLAINTEXT',
};

function refused(error: unknown, fragments: readonly string[]): boolean {
  assert.ok(error instanceof ConfigError);
  assert.equal(error.code, 'GREGOR_ERR_CONFIG_UNSUPPORTED');
  assert.equal(error.key, 'listeners');
  for (const f of fragments) assert.ok(error.message.includes(f), `${error.message} lacks ${f}`);
  return true;
}

describe('listener security', () => {
  it('accepts PLAINTEXT listeners, also under another name', () => {
    refuseUnservedListeners([plaintext, { ...plaintext, name: 'INTERNAL', port: 1 }], new Map());
    const server = createListenerServer(plaintext, null, () => undefined);
    assert.equal(server.listening, false);
  });

  for (const protocol of ['SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const) {
    it(`refuses a ${protocol} listener without protection, naming it and its protocol`, () => {
      const secure: Listener = { ...plaintext, name: 'EXTERNAL', securityProtocol: protocol };
      assert.throws(
        () => refuseUnservedListeners([plaintext, secure], new Map()),
        (e: unknown) => refused(e, ['EXTERNAL', protocol]),
      );
      assert.throws(
        () => createListenerServer(secure, null, () => undefined),
        (e: unknown) => refused(e, ['EXTERNAL', protocol]),
      );
    });
  }
});
