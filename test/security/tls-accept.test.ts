// TLS on a listener, below the broker: the listener's material from Kafka-named settings
// (PEM file, inline PEM, PKCS12), client certificates under ssl.client.auth none, requested
// and required, the principal from ssl.principal.mapping.rules, and a certificate replaced on
// disk served to the next connection while the open one keeps its own.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import {
  type DevCertificates,
  issueCertificate,
  makeDevCertificates,
  pkcs12Keystore,
} from '../../src/cli/dev-certificates.ts';
import { readSslSettings } from '../../src/config/ssl-settings.ts';
import type { KafkaPrincipal } from '../../src/security/principal.ts';
import { TlsContextSource } from '../../src/security/tls/tls-context.ts';
import { TlsAcceptor } from '../../src/server/tls-accept.ts';

let dir = '';
let certs: DevCertificates;

function source(settings: Record<string, string>): TlsContextSource {
  const ssl = readSslSettings((name) => {
    const v = settings[name];
    if (name === 'ssl.enabled.protocols') return (v ?? 'TLSv1.2,TLSv1.3').split(',');
    if (name === 'ssl.cipher.suites') return v === undefined ? [] : v.split(',');
    return v ?? null;
  }, 'test listener');
  return new TlsContextSource(ssl, 'test listener', true, { onReloadError: () => {} });
}

/** A listener that records each accepted connection's principal or refusal. */
async function listen(
  tls: TlsContextSource,
): Promise<{ server: Server; port: number; results: (KafkaPrincipal | string)[] }> {
  await tls.start();
  const results: (KafkaPrincipal | string)[] = [];
  const acceptor = new TlsAcceptor(tls);
  const server = createServer({ pauseOnConnect: true }, (raw) => {
    void acceptor.accept(raw).then((r) => {
      results.push(r.ok ? r.principal : r.reason);
      if (r.ok) r.socket.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address !== null ? address.port : 0,
    results,
  };
}

async function dial(
  port: number,
  extra: Record<string, unknown> = {},
): Promise<{ ok: boolean; cert: string }> {
  const socket: TLSSocket = connect({
    host: '127.0.0.1',
    port,
    ca: await readFile(certs.caCert),
    servername: 'localhost',
    ...extra,
  });
  return new Promise((resolve) => {
    let data = '';
    socket.on('data', (d) => {
      data += d.toString();
    });
    socket.on('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.on('close', () => resolve({ ok: data === 'ok', cert: fingerprint }));
    });
    socket.on('error', () => resolve({ ok: false, cert: '' }));
  });
}

async function waitFor<T>(f: () => T | undefined): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const v = f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gregor-tls-'));
  certs = await makeDevCertificates(dir, '/C=US/O=Example/OU=ServiceUsers/CN=orders');
});
after(() => rm(dir, { recursive: true, force: true }));

describe('TLS listener', () => {
  it('serves a PEM keystore file; no client certificate means ANONYMOUS', async () => {
    const l = await listen(source({ 'ssl.keystore.location': certs.brokerKeystore }));
    assert.equal((await dial(l.port)).ok, true);
    assert.deepEqual(await waitFor(() => l.results[0]), { type: 'User', name: 'ANONYMOUS' });
    l.server.close();
  });

  it('serves inline PEM with its line breaks lost, and a PKCS12 keystore', async () => {
    const flat = (await readFile(certs.brokerKeystore, 'utf8')).replace(/\n/g, ' ');
    const key = flat.slice(0, flat.indexOf('-----BEGIN CERTIFICATE'));
    const chain = flat.slice(flat.indexOf('-----BEGIN CERTIFICATE'));
    const inline = await listen(
      source({ 'ssl.keystore.key': key, 'ssl.keystore.certificate.chain': chain }),
    );
    assert.equal((await dial(inline.port)).ok, true);
    inline.server.close();
    const p12 = await pkcs12Keystore(
      dir,
      join(dir, 'broker.key'),
      join(dir, 'broker.crt'),
      'store-pw',
    );
    const pkcs = await listen(
      source({
        'ssl.keystore.type': 'PKCS12',
        'ssl.keystore.location': p12,
        'ssl.keystore.password': 'store-pw',
      }),
    );
    assert.equal((await dial(pkcs.port)).ok, true);
    pkcs.server.close();
  });

  it('requires a client certificate when ssl.client.auth=required, and maps its subject', async () => {
    const l = await listen(
      source({
        'ssl.keystore.location': certs.brokerKeystore,
        'ssl.truststore.location': certs.caCert,
        'ssl.client.auth': 'required',
        'ssl.principal.mapping.rules': 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,DEFAULT',
      }),
    );
    assert.equal((await dial(l.port)).ok, false, 'no certificate: refused');
    const withCert = await dial(l.port, {
      key: await readFile(certs.clientKey),
      cert: await readFile(certs.clientCert),
    });
    assert.equal(withCert.ok, true, JSON.stringify(l.results));
    assert.ok(
      l.results.some((r) => typeof r === 'object' && r.name === 'orders'),
      JSON.stringify(l.results),
    );
    l.server.close();
  });

  it('with ssl.client.auth=requested takes clients with and without a certificate, not an untrusted one', async () => {
    const l = await listen(
      source({
        'ssl.keystore.location': certs.brokerKeystore,
        'ssl.truststore.location': certs.caCert,
        'ssl.client.auth': 'requested',
      }),
    );
    assert.equal((await dial(l.port)).ok, true);
    const withCert = await dial(l.port, {
      key: await readFile(certs.clientKey),
      cert: await readFile(certs.clientCert),
    });
    assert.equal(withCert.ok, true);
    const mapped = await waitFor(() =>
      l.results.find((r) => typeof r === 'object' && r.name !== 'ANONYMOUS'),
    );
    assert.deepEqual(mapped, { type: 'User', name: 'CN=orders,OU=ServiceUsers,O=Example,C=US' });
    // A certificate from another CA: the handshake completes (requested), then the broker refuses it.
    const other = await mkdtemp(join(tmpdir(), 'gregor-tls-other-'));
    const foreign = await makeDevCertificates(other, '/CN=intruder');
    const intruder = await dial(l.port, {
      key: await readFile(foreign.clientKey),
      cert: await readFile(foreign.clientCert),
    });
    assert.equal(intruder.ok, false);
    await rm(other, { recursive: true, force: true });
    l.server.close();
  });

  it('serves a certificate replaced on disk to the next connection', async () => {
    const keystore = join(dir, 'rotating.pem');
    await copyFile(certs.brokerKeystore, keystore);
    const l = await listen(source({ 'ssl.keystore.location': keystore }));
    const first = await dial(l.port);
    const renewed = await issueCertificate(dir, 'renewed', '/CN=localhost/O=renewed', [
      'DNS:localhost',
      'IP:127.0.0.1',
    ]);
    const pem = (await readFile(renewed.key, 'utf8')) + (await readFile(renewed.cert, 'utf8'));
    await import('node:fs/promises')
      .then((fs) => fs.writeFile(`${keystore}.tmp`, pem))
      .then(() => import('node:fs/promises'))
      .then((fs) => fs.rename(`${keystore}.tmp`, keystore));
    const second = await dial(l.port);
    assert.equal(second.ok, true);
    assert.notEqual(second.cert, first.cert, 'the next connection got the renewed certificate');
    l.server.close();
  });
});
