// A listener's security is checked at start-up: what cannot work refuses to start, naming
// the listener and the setting, instead of serving something weaker.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildBrokerConfig } from '../config/broker-config.ts';
import { ConfigError } from '../config/config-error.ts';
import { EmbeddedMetaStore } from '../metadata/embedded-store.ts';
import { KeyLayout } from '../metadata/key-layout.ts';
import { silentLogger } from '../util/logger.ts';
import { openListenerAuth } from './listener-auth.ts';
import { ScramCredentialStore } from './scram-credential-store.ts';

const deps = {
  scramCredentials: new ScramCredentialStore(EmbeddedMetaStore.inMemory(), new KeyLayout('c')),
  logger: silentLogger(),
};
const PLAIN_JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="pw";';

async function open(overrides: Record<string, string>) {
  const config = buildBrokerConfig({
    overrides: {
      listeners: 'SASL_PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0',
      'inter.broker.listener.name': 'SASL_PLAINTEXT',
      'log.dirs': '/tmp/unused',
      ...overrides,
    },
  });
  return openListenerAuth(config, config.listeners[0]!, deps);
}

const refusal = (pattern: RegExp) => (err: unknown) =>
  err instanceof ConfigError && pattern.test(err.message);

describe('openListenerAuth', () => {
  it('builds the enabled mechanisms of a SASL listener', async () => {
    const auth = await open({
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': PLAIN_JAAS,
    });
    assert.deepEqual(
      auth.sasl?.mechanisms.map((m) => m.mechanism),
      ['PLAIN', 'SCRAM-SHA-512'],
    );
    assert.equal(auth.tls, null);
    assert.equal(auth.sasl?.receiveSizeBytesMax, 524288);
  });

  it('uses a broker-wide JAAS entry for the mechanism it names only', async () => {
    const auth = await open({
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256',
      'sasl.jaas.config': PLAIN_JAAS,
    });
    assert.equal(auth.sasl?.mechanisms.length, 2);
  });

  it('refuses PLAIN without users', async () => {
    await assert.rejects(
      open({ 'sasl.enabled.mechanisms': 'PLAIN' }),
      refusal(/SASL_PLAINTEXT: PLAIN has no users/),
    );
  });

  it("refuses a mechanism's JAAS entry naming another login module", async () => {
    await assert.rejects(
      open({
        'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
        'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': PLAIN_JAAS,
      }),
      refusal(/does not serve SCRAM-SHA-256/),
    );
  });

  it('refuses the JWKS validator class without a JWKS URL', async () => {
    await assert.rejects(
      open({
        'sasl.enabled.mechanisms': 'OAUTHBEARER',
        'listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class':
          'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler',
      }),
      refusal(/needs sasl\.oauthbearer\.jwks\.endpoint\.url/),
    );
  });

  it('refuses a TLS listener without a keystore', async () => {
    const config = buildBrokerConfig({
      overrides: {
        listeners: 'SSL://127.0.0.1:0',
        'inter.broker.listener.name': 'SSL',
        'log.dirs': '/tmp/unused',
      },
    });
    await assert.rejects(
      openListenerAuth(config, config.listeners[0]!, deps),
      refusal(/needs a keystore/),
    );
  });
});
