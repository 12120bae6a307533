// Turns SslSettings into Node TLS options and keeps them current: the keystore (PEM file,
// inline PEM, or PKCS12), the truststore (PEM file or inline PEM), TLS versions and cipher
// suites. Files are read again when they change on disk (checked at each new connection,
// see file-watch.ts), so a certificate renewed by cert-manager is served to the next client
// without a restart; connections already open keep the certificate they started with.

import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls';
import { ConfigError } from '../../config/config-error.ts';
import type { SslSettings } from '../../config/ssl-settings.ts';
import { loadTlsOptions, tlsFiles } from '../../util/tls-files.ts';
import { Reloading } from '../file-watch.ts';

export interface TlsMaterial {
  readonly options: SecureContextOptions;
  readonly context: SecureContext;
}

function unusable(where: string, reason: string): ConfigError {
  return new ConfigError('GREGOR_ERR_CONFIG_INVALID', `${where}: ${reason}`, { where });
}

/** Reads the files and builds a context; throws ConfigError or OpenSSL's error when unusable. */
export async function loadTlsMaterial(
  s: SslSettings,
  where: string,
  needKeystore: boolean,
): Promise<TlsMaterial> {
  try {
    const options = await loadTlsOptions(s, needKeystore);
    return { options, context: createSecureContext(options) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw unusable(where, `TLS material is not usable: ${reason}`);
  }
}

/** The current TLS material of one listener or client, re-read when its files change. */
export class TlsContextSource {
  private readonly reloading: Reloading<TlsMaterial>;

  constructor(
    private readonly settings: SslSettings,
    where: string,
    needKeystore: boolean,
    hooks: { onReloadError(err: unknown): void; onReloaded?(): void },
  ) {
    this.reloading = new Reloading({
      paths: tlsFiles(settings),
      load: () => loadTlsMaterial(settings, where, needKeystore),
      onReloadError: hooks.onReloadError,
      ...(hooks.onReloaded === undefined ? {} : { onReloaded: () => hooks.onReloaded?.() }),
    });
  }

  get ssl(): SslSettings {
    return this.settings;
  }

  /** Loads once; throws when the material is unusable (the broker must not start). */
  start(): Promise<TlsMaterial> {
    return this.reloading.start();
  }

  /** The material for a new connection. */
  current(): Promise<TlsMaterial> {
    return this.reloading.get();
  }
}
