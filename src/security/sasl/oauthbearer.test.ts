// OAUTHBEARER on the broker: the RFC 7628 client message, Kafka's unsecured JWS checks, and
// signed JWTs verified against a JWKS file (issuer, audience, expiry, skew, subject claim),
// including a key rotation written to the file.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  parseClientInitialResponse,
  unsecuredJws,
} from '../../protocol/sasl/oauthbearer-messages.ts';
import { jwksValidator, unsecuredJwsCheck } from './oauth-token-validators.ts';
import { oauthBearerMechanism } from './oauthbearer-server.ts';

const NOW = 1_700_000_000_000;
const unsecured = {
  principalClaimName: 'sub',
  scopeClaimName: 'scope',
  requiredScope: [],
  allowableClockSkewMs: 0,
};

describe('OAUTHBEARER client initial response', () => {
  it('parses the token, the authzid and extensions', () => {
    const r = parseClientInitialResponse(
      Buffer.from('n,a=alice,\u0001auth=Bearer abc.def.\u0001traceId=42\u0001\u0001'),
    );
    assert.deepEqual(r && { ...r, extensions: Object.fromEntries(r.extensions) }, {
      authorizationId: 'alice',
      token: 'abc.def.',
      extensions: { traceId: '42' },
    });
  });

  it('refuses malformed messages', () => {
    for (const bad of [
      '',
      '\u0001',
      'n,,\u0001\u0001',
      'n,,\u0001auth=Basic x\u0001\u0001',
      'n,,auth=Bearer x\u0001\u0001',
      'p=x,,\u0001auth=Bearer x\u0001\u0001',
      'n,,\u0001auth=Bearer x\u0001',
    ]) {
      assert.equal(parseClientInitialResponse(Buffer.from(bad)), null, JSON.stringify(bad));
    }
  });
});

describe('unsecured JWS (development mode)', () => {
  it('accepts a fresh token and names its subject', () => {
    const token = unsecuredJws(new Map([['sub', 'admin']]), 3600, NOW);
    assert.deepEqual(unsecuredJwsCheck(token, NOW, unsecured), {
      ok: true,
      user: 'admin',
      expiresAtMs: NOW + 3_600_000,
    });
  });

  it('refuses expired, subject-less, signed-looking and scope-lacking tokens', () => {
    const expired = unsecuredJws(new Map([['sub', 'a']]), 10, NOW - 20_000);
    assert.equal(unsecuredJwsCheck(expired, NOW, unsecured).ok, false);
    assert.equal(
      unsecuredJwsCheck(expired, NOW, { ...unsecured, allowableClockSkewMs: 15_000 }).ok,
      true,
    );
    assert.equal(unsecuredJwsCheck(unsecuredJws(new Map(), 10, NOW), NOW, unsecured).ok, false);
    const withSig = `${unsecuredJws(new Map([['sub', 'a']]), 10, NOW)}c2ln`;
    assert.equal(unsecuredJwsCheck(withSig, NOW, unsecured).ok, false);
    const scoped = unsecuredJws(
      new Map([
        ['sub', 'a'],
        ['scope', 'read'],
      ]),
      10,
      NOW,
    );
    assert.equal(
      unsecuredJwsCheck(scoped, NOW, { ...unsecured, requiredScope: ['read'] }).ok,
      true,
    );
    assert.equal(
      unsecuredJwsCheck(scoped, NOW, { ...unsecured, requiredScope: ['write'] }).ok,
      false,
    );
  });
});

describe('signed JWTs against a JWKS file', () => {
  let dir = '';
  let jwksPath = '';
  const keys: { kid: string; privateKey: CryptoKey }[] = [];

  async function writeJwks(count: number): Promise<void> {
    while (keys.length < count) {
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
      const kid = `k${keys.length}`;
      keys.push({ kid, privateKey });
      (keys[keys.length - 1] as { pub?: object }).pub = {
        ...(await exportJWK(publicKey)),
        kid,
        alg: 'RS256',
        use: 'sig',
      };
    }
    const jwks = { keys: keys.slice(0, count).map((k) => (k as { pub?: object }).pub) };
    await writeFile(jwksPath, JSON.stringify(jwks));
  }

  function sign(keyIndex: number, claims: Record<string, unknown>, expSeconds = NOW / 1000 + 600) {
    const k = keys[keyIndex]!;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: k.kid })
      .setIssuedAt(NOW / 1000)
      .setExpirationTime(expSeconds)
      .sign(k.privateKey);
  }

  const options = () => ({
    jwksUrl: pathToFileURL(jwksPath).href,
    expectedAudience: ['gregor'],
    expectedIssuer: 'https://issuer.example',
    subClaimName: 'client_id',
    scopeClaimName: 'scope',
    clockSkewSeconds: 30,
    refreshMs: 3_600_000,
    retryBackoffMs: 100,
    requestTimeoutMs: 1000,
  });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gregor-jwks-'));
    jwksPath = join(dir, 'jwks.json');
    await writeJwks(1);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('accepts a valid token, the configured subject claim is the user', async () => {
    const v = jwksValidator(options());
    const token = await sign(0, {
      iss: 'https://issuer.example',
      aud: 'gregor',
      client_id: 'svc-orders',
    });
    assert.deepEqual(await v.validate(token, NOW), {
      ok: true,
      user: 'svc-orders',
      expiresAtMs: NOW + 600_000,
    });
    const m = oauthBearerMechanism(v).start();
    const step = await m.step(Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`), NOW);
    assert.equal(step.kind, 'complete');
  });

  it('refuses a wrong issuer, audience, an expired token beyond the skew, and a missing subject', async () => {
    const v = jwksValidator(options());
    const base = { iss: 'https://issuer.example', aud: 'gregor', client_id: 'x' };
    const cases = [
      await sign(0, { ...base, iss: 'https://evil.example' }),
      await sign(0, { ...base, aud: 'other' }),
      await sign(0, base, NOW / 1000 - 31),
      await sign(0, { iss: base.iss, aud: base.aud }),
    ];
    for (const token of cases) assert.equal((await v.validate(token, NOW)).ok, false);
    assert.equal(
      (await v.validate(await sign(0, base, NOW / 1000 - 29), NOW)).ok,
      true,
      'within skew',
    );
  });

  it('refuses unsigned and tampered tokens', async () => {
    const v = jwksValidator(options());
    const unsigned = unsecuredJws(
      new Map([
        ['client_id', 'x'],
        ['iss', 'https://issuer.example'],
        ['aud', 'gregor'],
      ]),
      60,
      NOW,
    );
    assert.equal((await v.validate(unsigned, NOW)).ok, false);
    const token = await sign(0, { iss: 'https://issuer.example', aud: 'gregor', client_id: 'x' });
    const [h, p, s] = token.split('.');
    const forged = Buffer.from(p!, 'base64url').toString().replace('"x"', '"admin"');
    assert.equal(
      (await v.validate(`${h}.${Buffer.from(forged).toString('base64url')}.${s}`, NOW)).ok,
      false,
    );
  });

  it('picks up a key added to the JWKS file', async () => {
    const v = jwksValidator(options());
    await writeJwks(2);
    const token = await sign(1, { iss: 'https://issuer.example', aud: 'gregor', client_id: 'new' });
    assert.deepEqual(await v.validate(token, NOW), {
      ok: true,
      user: 'new',
      expiresAtMs: NOW + 600_000,
    });
  });
});
