// Parsing of `metadata.store`, the URL that chooses the MetaStore backend: `embedded:` (an
// in-process store in a local file, optionally `embedded:<path>`) or
// `etcd://host:port,host:port` for a real etcd cluster. Only the text is interpreted here;
// metadata/ builds the backend and main.ts chooses it by `kind`.

import type { ParseResult } from './listeners.ts';

export interface EtcdEndpoint {
  readonly host: string;
  readonly port: number;
}

export type MetadataStoreLocation =
  | { readonly kind: 'embedded'; readonly path: string | null }
  | { readonly kind: 'etcd'; readonly endpoints: readonly EtcdEndpoint[] };

const ETCD_PORT_DEFAULT = 2379;
const PORT_MAX = 65535;
const ENDPOINT_PATTERN = /^(\[[0-9A-Fa-f:.%A-Za-z]+\]|[A-Za-z0-9._-]+)(?::(\d+))?$/;

/** `embedded:` has path null: metadata/ keeps the file beside the first log directory. */
export function parseMetadataStore(text: string): ParseResult<MetadataStoreLocation> {
  const trimmed = text.trim();
  if (trimmed.startsWith('embedded:')) {
    const path = trimmed.slice('embedded:'.length);
    return { ok: true, value: { kind: 'embedded', path: path === '' ? null : path } };
  }
  if (trimmed.startsWith('etcd://')) return parseEtcd(trimmed.slice('etcd://'.length));
  return {
    ok: false,
    reason: `'${text}' is neither embedded: nor etcd://host:port[,host:port...]`,
  };
}

function parseEtcd(rest: string): ParseResult<MetadataStoreLocation> {
  const list = rest.endsWith('/') ? rest.slice(0, -1) : rest;
  const endpoints: EtcdEndpoint[] = [];
  for (const item of list.split(',')) {
    const match = ENDPOINT_PATTERN.exec(item.trim());
    if (match === null) return { ok: false, reason: `'${item}' is not an etcd host[:port]` };
    const [, rawHost = '', rawPort] = match;
    const port = rawPort === undefined ? ETCD_PORT_DEFAULT : Number(rawPort);
    if (port < 1 || port > PORT_MAX) {
      return { ok: false, reason: `port ${port} of etcd endpoint '${item}' is outside 1..65535` };
    }
    const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : rawHost;
    endpoints.push({ host, port });
  }
  return { ok: true, value: { kind: 'etcd', endpoints } };
}
