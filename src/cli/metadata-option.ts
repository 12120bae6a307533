// The `--metadata <url>` flag of `gregor server`: a short form of
// `--override metadata.store=<url>`. It is checked here, before the broker starts, so a
// typo fails with one line naming the flag and the address rather than deep in start-up.

import { ConfigError } from '../config/config-error.ts';
import { parseMetadataStore } from '../config/metadata-store-location.ts';

export const METADATA_STORE_KEY = 'metadata.store';

const DOTTED_QUAD = /^\d+\.\d+\.\d+\.\d+$/;

/** `256.1.1.1` has the shape of an IPv4 address but is none (a resolver would call it a name). */
function isImpossibleIpv4(host: string): boolean {
  return DOTTED_QUAD.test(host) && host.split('.').some((octet) => Number(octet) > 255);
}

/** The reason `value` is not a usable metadata store address, or null if it is one. */
export function metadataAddressProblem(value: string): string | null {
  const parsed = parseMetadataStore(value);
  if (!parsed.ok) return parsed.reason;
  if (parsed.value.kind === 'etcd') {
    const bad = parsed.value.endpoints.find((endpoint) => isImpossibleIpv4(endpoint.host));
    if (bad !== undefined) return `${bad.host} is not an IPv4 address (each part is 0..255)`;
  }
  return null;
}

/**
 * The overrides with `--metadata` folded in as metadata.store. Throws a ConfigError naming
 * the flag for a malformed address, or when --override metadata.store says otherwise.
 */
export function withMetadataOption(
  overrides: Readonly<Record<string, string>>,
  metadata: string | undefined,
): Record<string, string> {
  if (metadata === undefined) return { ...overrides };
  const problem = metadataAddressProblem(metadata);
  if (problem !== null) {
    throw new ConfigError(
      'GREGOR_ERR_CONFIG_INVALID',
      `Invalid value ${metadata} for --metadata (${METADATA_STORE_KEY}): ${problem}; ` +
        'expected etcd://host:port[,host:port...] or embedded:[path]',
      { key: METADATA_STORE_KEY, where: '--metadata' },
    );
  }
  const overridden = overrides[METADATA_STORE_KEY];
  if (overridden !== undefined && overridden.trim() !== metadata.trim()) {
    throw new ConfigError(
      'GREGOR_ERR_CONFIG_CONFLICT',
      `--metadata ${metadata} contradicts --override ${METADATA_STORE_KEY}=${overridden}; ` +
        'give one of them',
      { key: METADATA_STORE_KEY, where: '--metadata' },
    );
  }
  return { ...overrides, [METADATA_STORE_KEY]: metadata };
}
