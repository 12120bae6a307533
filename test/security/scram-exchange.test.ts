// SCRAM-SHA-256/512 server and client: the RFC 7677 test vector proves the arithmetic; the
// exchanges prove the checks a broker must make (nonce, channel binding, proof, one try per
// exchange) and that an unknown user is indistinguishable from a wrong password.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScramClient, startSaslClient } from '../../src/client/sasl-client.ts';
import {
  clientKeyOf,
  hash,
  hmac,
  newCredential,
  SCRAM_ITERATIONS_MIN,
  type ScramCredential,
  type ScramMechanism,
  saltedPassword,
  xor,
} from '../../src/protocol/sasl/scram-crypto.ts';
import type { SaslStep } from '../../src/security/sasl/sasl-mechanism.ts';
import { scramMechanism } from '../../src/security/sasl/scram-server.ts';

function credentials(users: Record<string, string>, mechanism: ScramMechanism) {
  const stored = new Map<string, ScramCredential>();
  for (const [u, p] of Object.entries(users))
    stored.set(u, newCredential(mechanism, p, SCRAM_ITERATIONS_MIN));
  return { get: async (user: string) => stored.get(user) ?? null };
}

function tokenOf(step: SaslStep): Buffer {
  assert.ok(step.kind === 'challenge' || step.kind === 'complete', JSON.stringify(step));
  return step.token;
}

async function exchange(
  mechanism: ScramMechanism,
  user: string,
  password: string,
  users: Record<string, string>,
) {
  const server = scramMechanism(mechanism, credentials(users, mechanism)).start();
  const client = startSaslClient({ mechanism, username: user, password });
  const serverFirst = await server.step(client.first(), 0);
  if (serverFirst.kind !== 'challenge') return { serverFirst, final: null, client: null };
  const clientFinal = client.next(serverFirst.token);
  assert.equal(clientFinal.kind, 'send');
  const final = await server.step(
    clientFinal.kind === 'send' ? clientFinal.token : Buffer.alloc(0),
    0,
  );
  const clientEnd = final.kind === 'complete' ? client.next(final.token) : null;
  return { serverFirst, final, client: clientEnd };
}

describe('SCRAM', () => {
  it('matches the RFC 7677 SCRAM-SHA-256 test vector', () => {
    const client = new ScramClient(
      'SCRAM-SHA-256',
      { mechanism: 'SCRAM-SHA-256', username: 'user', password: 'pencil' },
      'rOprNGfwEbeRWgbNEkqO',
    );
    assert.equal(client.first().toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    const serverFirst =
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const final = client.next(Buffer.from(serverFirst));
    assert.equal(final.kind, 'send');
    assert.equal(
      final.kind === 'send' ? final.token.toString() : '',
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    assert.deepEqual(client.next(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=')), {
      kind: 'done',
    });
  });

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism}: the right password authenticates and the client checks the server`, async () => {
      const r = await exchange(mechanism, 'alice', 'alice-secret', { alice: 'alice-secret' });
      assert.equal(r.final?.kind, 'complete');
      assert.equal(r.final?.kind === 'complete' ? r.final.user : '', 'alice');
      assert.deepEqual(r.client, { kind: 'done' });
    });

    it(`${mechanism}: a wrong password and an unknown user fail alike`, async () => {
      const wrong = await exchange(mechanism, 'alice', 'guess', { alice: 'alice-secret' });
      const unknown = await exchange(mechanism, 'mallory', 'guess', { alice: 'alice-secret' });
      assert.equal(wrong.serverFirst.kind, 'challenge');
      assert.equal(unknown.serverFirst.kind, 'challenge', 'an unknown user still gets a salt');
      const expected = `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
      for (const r of [wrong, unknown]) {
        assert.equal(r.final?.kind, 'failed');
        assert.equal(r.final?.kind === 'failed' ? r.final.clientMessage : '', expected);
      }
    });
  }

  it('gives an unknown user the same salt every time (no way to tell it apart)', async () => {
    const m = scramMechanism('SCRAM-SHA-256', credentials({}, 'SCRAM-SHA-256'));
    const salts = await Promise.all(
      [1, 2].map(async () => {
        const text = tokenOf(await m.start().step(Buffer.from('n,,n=ghost,r=abc'), 0)).toString();
        return /s=([^,]+)/.exec(text)?.[1];
      }),
    );
    assert.equal(salts[0], salts[1]);
  });

  it('refuses a client-final replayed from another exchange', async () => {
    const creds = credentials({ alice: 'pw' }, 'SCRAM-SHA-256');
    const m = scramMechanism('SCRAM-SHA-256', creds);
    const first = m.start();
    const client = startSaslClient({
      mechanism: 'SCRAM-SHA-256',
      username: 'alice',
      password: 'pw',
    });
    const clientFirst = client.first();
    const step = client.next(tokenOf(await first.step(clientFirst, 0)));
    const recorded = step.kind === 'send' ? step.token : Buffer.alloc(0);
    assert.equal((await first.step(recorded, 0)).kind, 'complete');
    // An eavesdropper replays both client messages on a new exchange: the server nonce differs.
    const second = m.start();
    assert.equal((await second.step(clientFirst, 0)).kind, 'challenge');
    const replay = await second.step(recorded, 0);
    assert.equal(replay.kind, 'failed');
    assert.match(replay.kind === 'failed' ? replay.logReason : '', /nonce/);
  });

  it('refuses a second attempt on a finished exchange, a changed GS2 header and a forged proof', async () => {
    const m = scramMechanism('SCRAM-SHA-256', credentials({ alice: 'pw' }, 'SCRAM-SHA-256'));
    const ex = m.start();
    const serverFirst = tokenOf(
      await ex.step(Buffer.from('n,,n=alice,r=clientnonce'), 0),
    ).toString();
    const nonce = /r=([^,]+)/.exec(serverFirst)![1];
    const forged = `c=biws,r=${nonce},p=${Buffer.alloc(32, 7).toString('base64')}`;
    assert.equal((await ex.step(Buffer.from(forged), 0)).kind, 'failed');
    assert.equal((await ex.step(Buffer.from(forged), 0)).kind, 'failed', 'no second try');

    const ex2 = m.start();
    const sf2 = tokenOf(await ex2.step(Buffer.from('n,,n=alice,r=clientnonce'), 0)).toString();
    const n2 = /r=([^,]+)/.exec(sf2)![1];
    const badBinding = `c=${Buffer.from('y,,').toString('base64')},r=${n2},p=${Buffer.alloc(32).toString('base64')}`;
    const r = await ex2.step(Buffer.from(badBinding), 0);
    assert.equal(
      r.kind === 'failed' ? r.logReason : '',
      'channel binding differs from the GS2 header',
    );
  });

  it('refuses malformed client-first messages without throwing', async () => {
    const m = scramMechanism('SCRAM-SHA-512', credentials({ a: 'b' }, 'SCRAM-SHA-512'));
    const bad = [
      '',
      'n,,',
      'p=tls-unique,,n=a,r=x',
      'n,,n=a',
      'n,,n=a=b,r=x',
      'n,,r=x,n=a',
      'n,a=b,n=a,r=x',
      'n,,n=a,r=x,tokenauth=true',
      'n,,n=,r=x',
      '\u0000\u0001',
      'n,,n=a,r=x y,',
    ];
    for (const text of bad) {
      const step = await m.start().step(Buffer.from(text), 0);
      assert.equal(step.kind, 'failed', text);
    }
  });

  it("accepts librdkafka 2.0.2's client-final nonce (its own nonce before the combined one)", async () => {
    const m = scramMechanism('SCRAM-SHA-256', credentials({ alice: 'pw' }, 'SCRAM-SHA-256'));
    const ex = m.start();
    const bare = 'n=alice,r=clientnonce';
    const serverFirst = tokenOf(await ex.step(Buffer.from(`n,,${bare}`), 0)).toString();
    const combined = /r=([^,]+)/.exec(serverFirst)![1]!;
    const salt = Buffer.from(/s=([^,]+)/.exec(serverFirst)![1]!, 'base64');
    // The client-final as librdkafka sends it, with a proof over that message.
    const withoutProof = `c=biws,r=clientnonce${combined}`;
    const salted = saltedPassword('SCRAM-SHA-256', 'pw', salt, 4096);
    const clientKey = clientKeyOf('SCRAM-SHA-256', salted);
    const authMessage = `${bare},${serverFirst},${withoutProof}`;
    const proof = xor(
      clientKey,
      hmac('SCRAM-SHA-256', hash('SCRAM-SHA-256', clientKey), authMessage),
    );
    const final = `${withoutProof},p=${proof.toString('base64')}`;
    assert.equal((await ex.step(Buffer.from(final), 0)).kind, 'complete');
  });
});
