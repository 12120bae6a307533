// Kafka's version strings for the deprecated `message.format.version` (topic) and
// `log.message.format.version` (broker): which texts Kafka 3.x accepts. Gregor
// always stores record batch v2, as Kafka 3.x does once inter.broker.protocol.version
// is 3.0 or later, so the value is accepted, stored and reported, and has no effect.

/** Kafka 3.x's default, IBP_3_0_IV1 (ServerLogConfigs.LOG_MESSAGE_FORMAT_VERSION_DEFAULT). */
export const DEFAULT_MESSAGE_FORMAT_VERSION = '3.0-IV1';

/**
 * Kafka 3.9's MetadataVersion list as [release, sub-versions]; an empty sub-version
 * list means the release has one version, named by the release alone (0.8.0..0.9.0).
 */
const RELEASES: readonly (readonly [string, readonly string[]])[] = [
  ['0.8.0', []],
  ['0.8.1', []],
  ['0.8.2', []],
  ['0.9.0', []],
  ['0.10.0', ['IV0', 'IV1']],
  ['0.10.1', ['IV0', 'IV1', 'IV2']],
  ['0.10.2', ['IV0']],
  ['0.11.0', ['IV0', 'IV1', 'IV2']],
  ['1.0', ['IV0']],
  ['1.1', ['IV0']],
  ['2.0', ['IV0', 'IV1']],
  ['2.1', ['IV0', 'IV1', 'IV2']],
  ['2.2', ['IV0', 'IV1']],
  ['2.3', ['IV0', 'IV1']],
  ['2.4', ['IV0', 'IV1']],
  ['2.5', ['IV0']],
  ['2.6', ['IV0']],
  ['2.7', ['IV0', 'IV1', 'IV2']],
  ['2.8', ['IV0', 'IV1']],
  ['3.0', ['IV0', 'IV1']],
  ['3.1', ['IV0']],
  ['3.2', ['IV0']],
  ['3.3', ['IV0', 'IV1', 'IV2', 'IV3']],
  ['3.4', ['IV0']],
  ['3.5', ['IV0', 'IV1', 'IV2']],
  ['3.6', ['IV0', 'IV1', 'IV2']],
  ['3.7', ['IV0', 'IV1', 'IV2', 'IV3', 'IV4']],
  ['3.8', ['IV0']],
  ['3.9', ['IV0']],
  // Not production in 3.9: known by their full name only, not by "4.0".
  ['4.0', ['IV0', 'IV1']],
];
const LATEST_PRODUCTION_RELEASE = '3.9';

const KNOWN: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  let production = true;
  for (const [release, subs] of RELEASES) {
    if (subs.length === 0) names.add(release);
    for (const sub of subs) names.add(`${release}-${sub}`);
    // A release name alone stands for its latest version, if that one is production.
    if (production) names.add(release);
    if (release === LATEST_PRODUCTION_RELEASE) production = false;
  }
  return names;
})();

/**
 * Kafka's MetadataVersion.fromVersionString as a check: "0.x.y" keeps three dotted
 * segments and anything else two, ignoring the rest ("1.0.1" reads as "1.0",
 * "0.10.0.1" as "0.10.0"); the result must name a known version.
 */
export function isKafkaVersionString(text: string): boolean {
  const segments = text.split('.');
  const keep = text.startsWith('0.') ? 3 : 2;
  const key = segments.length <= keep ? text : segments.slice(0, keep).join('.');
  return KNOWN.has(key);
}
