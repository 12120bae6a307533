// ApiVersions negotiation: for every API, the version to speak is the highest
// one that both our definitions and the broker's ApiVersions answer allow.
// Pure functions over version ranges; the connection asks once per connection.

import type { ApiDef } from '../protocol/schema.ts';
import { parseVersions } from '../protocol/schema.ts';

export interface VersionRange {
  readonly minVersion: number;
  readonly maxVersion: number;
}

/** The broker's ranges by API key, as its ApiVersions response lists them. */
export type BrokerVersions = ReadonlyMap<number, VersionRange>;

/** Highest version in both ranges, or null when they do not overlap. */
export function highestCommonVersion(ours: VersionRange, theirs: VersionRange): number | null {
  const max = Math.min(ours.maxVersion, theirs.maxVersion);
  const min = Math.max(ours.minVersion, theirs.minVersion);
  return max >= min ? max : null;
}

/** The version range our definition of an API covers. */
export function ourVersions(api: ApiDef): VersionRange {
  const range = parseVersions(api.request.validVersions);
  return { minVersion: range.min, maxVersion: range.max };
}

/** The version to use for `api` against a broker, or null when none fits. */
export function versionFor(api: ApiDef, broker: BrokerVersions): number | null {
  const theirs = broker.get(api.apiKey);
  if (theirs === undefined) return null;
  return highestCommonVersion(ourVersions(api), theirs);
}

export function brokerVersionsFrom(
  apiKeys: readonly { apiKey: number; minVersion: number; maxVersion: number }[],
): BrokerVersions {
  return new Map(
    apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]),
  );
}
