// The per-connection SASL state machine, driven with an injected clock: what is admitted
// before, during and after authentication, v0 raw tokens, re-authentication (KIP-368) with
// the same mechanism and principal, and session expiry.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../protocol/error-codes.ts';
import { unsecuredJws } from '../../protocol/sasl/oauthbearer-messages.ts';
import { unsecuredValidator } from './oauth-token-validators.ts';
import { oauthBearerMechanism } from './oauthbearer-server.ts';
import { plainMechanism } from './plain-server.ts';
import { SaslAuthenticator } from './sasl-authenticator.ts';

const users = new Map([
  ['alice', 'alice-pw'],
  ['bob', 'bob-pw'],
]);
const plain = plainMechanism({ passwordOf: async (u) => users.get(u) ?? null });
const oauth = oauthBearerMechanism(
  unsecuredValidator({
    principalClaimName: 'sub',
    scopeClaimName: 'scope',
    requiredScope: [],
    allowableClockSkewMs: 0,
  }),
);
const plainToken = (user: string, pw: string) => Buffer.from(`\u0000${user}\u0000${pw}`);
const bearer = (token: string) => Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`);

function authenticator(reauthMs = 0) {
  return new SaslAuthenticator({
    mechanisms: [plain, oauth],
    reauthMsByMechanism: new Map([['PLAIN', reauthMs]]),
  });
}

describe('SaslAuthenticator', () => {
  it('admits only ApiVersions and SaslHandshake first, then only SaslAuthenticate', () => {
    const a = authenticator();
    assert.deepEqual(a.admit(18, 0), { kind: 'sasl' });
    a.apiVersionsAnswered(true);
    assert.equal(a.admit(18, 0).kind, 'close', 'a second ApiVersions closes, as in Kafka');
    const b = authenticator();
    assert.equal(b.admit(3, 0).kind, 'close', 'Metadata before authentication closes');
    assert.equal(b.admit(3, 0).kind, 'close', 'and stays closed');
    assert.deepEqual(
      b.takeOutcomes().map((o) => o.kind),
      ['failed'],
    );
    const c = authenticator();
    assert.equal(c.handshake(1, 'PLAIN').errorCode, ErrorCode.NONE);
    assert.equal(c.admit(0, 0).kind, 'close', 'Produce between handshake and authenticate closes');
  });

  it('lets an unsupported ApiVersions version be retried (kafkajs steps down v2, v1, v0)', () => {
    const a = authenticator();
    a.apiVersionsAnswered(false);
    assert.deepEqual(a.admit(18, 0), { kind: 'sasl' });
  });

  it('authenticates with PLAIN, then passes requests with the principal set', async () => {
    const a = authenticator();
    assert.deepEqual(a.handshake(1, 'PLAIN').mechanisms, ['PLAIN', 'OAUTHBEARER']);
    assert.equal(a.principal, null);
    assert.deepEqual(a.admit(36, 0), { kind: 'sasl' });
    const answer = await a.authenticate(plainToken('alice', 'alice-pw'), 0);
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.equal(answer.close, null);
    assert.equal(answer.sessionLifetimeMs, 0);
    assert.deepEqual(a.principal, { type: 'User', name: 'alice' });
    assert.deepEqual(a.admit(3, 0), { kind: 'pass' });
    assert.deepEqual(a.takeOutcomes()[0], {
      kind: 'authenticated',
      reauthentication: false,
      principal: { type: 'User', name: 'alice' },
      mechanism: 'PLAIN',
    });
  });

  it('fails a wrong password with SASL_AUTHENTICATION_FAILED and a message, and closes', async () => {
    const a = authenticator();
    a.handshake(1, 'PLAIN');
    const answer = await a.authenticate(plainToken('alice', 'nope'), 0);
    assert.equal(answer.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(answer.errorMessage, 'Authentication failed: Invalid username or password');
    assert.notEqual(answer.close, null);
    const [outcome] = a.takeOutcomes();
    assert.equal(outcome?.kind, 'failed');
    assert.doesNotMatch(JSON.stringify(outcome), /nope/, 'the secret is never in the outcome');
    assert.equal(a.admit(36, 0).kind, 'close');
  });

  it('answers an unknown mechanism with UNSUPPORTED_SASL_MECHANISM and the enabled list', () => {
    const a = authenticator();
    const answer = a.handshake(1, 'GSSAPI');
    assert.equal(answer.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    assert.deepEqual(answer.mechanisms, ['PLAIN', 'OAUTHBEARER']);
    assert.notEqual(answer.close, null);
  });

  it('takes raw tokens after a v0 handshake', async () => {
    const a = authenticator();
    a.handshake(0, 'PLAIN');
    assert.equal(a.expectsRawToken, true);
    assert.equal(a.admit(36, 0).kind, 'close', 'no SaslAuthenticate after a v0 handshake');
    const b = authenticator();
    b.handshake(0, 'PLAIN');
    const answer = await b.authenticate(plainToken('bob', 'bob-pw'), 0);
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.equal(b.expectsRawToken, false);
  });

  it('expires a session after connections.max.reauth.ms unless the client re-authenticates', async () => {
    const a = authenticator(1000);
    a.handshake(1, 'PLAIN');
    const answer = await a.authenticate(plainToken('alice', 'alice-pw'), 10_000);
    assert.equal(answer.sessionLifetimeMs, 1000);
    assert.deepEqual(a.admit(3, 10_999), { kind: 'pass' });
    assert.deepEqual(a.admit(17, 11_000), { kind: 'sasl' }, 'a handshake is still accepted');
    assert.equal(a.handshake(1, 'PLAIN').errorCode, ErrorCode.NONE);
    assert.equal(a.admit(3, 11_000).kind, 'close', 'no other request during re-authentication');

    const b = authenticator(1000);
    b.handshake(1, 'PLAIN');
    await b.authenticate(plainToken('alice', 'alice-pw'), 10_000);
    b.handshake(1, 'PLAIN');
    const again = await b.authenticate(plainToken('alice', 'alice-pw'), 10_900);
    assert.equal(again.errorCode, ErrorCode.NONE);
    assert.deepEqual(b.admit(3, 11_500), { kind: 'pass' }, 'the new session runs from 10.9 s');
    assert.equal(b.admit(3, 11_900).kind, 'close');
    assert.deepEqual(
      b
        .takeOutcomes()
        .map((o) => [o.kind, 'reauthentication' in o ? o.reauthentication : undefined]),
      [
        ['authenticated', false],
        ['authenticated', true],
        ['expired', undefined],
      ],
    );
  });

  it('refuses re-authentication as another principal or with another mechanism', async () => {
    const a = authenticator(1000);
    a.handshake(1, 'PLAIN');
    await a.authenticate(plainToken('alice', 'alice-pw'), 0);
    a.handshake(1, 'PLAIN');
    const answer = await a.authenticate(plainToken('bob', 'bob-pw'), 500);
    assert.equal(answer.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(answer.errorMessage, 'Cannot change principals during re-authentication');

    const b = authenticator(1000);
    b.handshake(1, 'PLAIN');
    await b.authenticate(plainToken('alice', 'alice-pw'), 0);
    assert.equal(b.handshake(1, 'OAUTHBEARER').errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  });

  it('bounds an OAUTHBEARER session by the token expiry', async () => {
    const a = authenticator();
    a.handshake(1, 'OAUTHBEARER');
    const now = 1_700_000_000_000;
    const token = unsecuredJws(new Map([['sub', 'carol']]), 60, now);
    const answer = await a.authenticate(bearer(token), now);
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.equal(answer.sessionLifetimeMs, 60_000);
    assert.deepEqual(a.principal, { type: 'User', name: 'carol' });
    assert.equal(a.admit(3, now + 60_000).kind, 'close');
  });
});
