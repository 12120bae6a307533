// The principal of a TLS client certificate, as Kafka's DefaultKafkaPrincipalBuilder makes
// it: the subject as an RFC 2253 distinguished name (`CN=alice,OU=eng,O=Example,C=US`, most
// specific first), passed through `ssl.principal.mapping.rules` (the first rule that matches
// wins; DEFAULT keeps the name; no match is an authentication failure).

import type { X509Certificate } from 'node:crypto';
import type { PrincipalMappingRule } from '../../config/principal-mapping-rules.ts';

/** OIDs Java prints for attributes without an RFC 2253 keyword, with their DER string tag. */
const OID_ATTRIBUTES: Readonly<Record<string, { oid: string; tag: number }>> = {
  emailAddress: { oid: '1.2.840.113549.1.9.1', tag: 0x16 },
};

function hexValue(tag: number, value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > 127) return value;
  return `#${Buffer.concat([Buffer.from([tag, bytes.length]), bytes]).toString('hex')}`;
}

function javaAttribute(part: string): string {
  const eq = part.indexOf('=');
  const name = part.slice(0, eq);
  const mapped = OID_ATTRIBUTES[name];
  return mapped === undefined ? part : `${mapped.oid}=${hexValue(mapped.tag, part.slice(eq + 1))}`;
}

/**
 * Node prints a subject one RDN per line in certificate order, values already escaped as RFC
 * 2253 asks; RFC 2253 lists the RDNs in reverse order, comma-separated.
 */
export function rfc2253Subject(certificate: X509Certificate): string {
  return certificate.subject
    .split('\n')
    .filter((line) => line !== '')
    .reverse()
    .map((rdn) => rdn.split(' + ').map(javaAttribute).join('+'))
    .join(',');
}

/** Java's replacement syntax: `$n` a group (longest valid number), `\x` a literal x. */
function expandReplacement(replacement: string, groups: readonly (string | undefined)[]): string {
  const groupCount = groups.length - 1;
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\' && i + 1 < replacement.length) {
      out += replacement[++i];
    } else if (c === '$' && /[0-9]/.test(replacement[i + 1] ?? '')) {
      let n = Number(replacement[++i]);
      if (n > groupCount) {
        out += `$${n}`;
        continue;
      }
      while (
        /[0-9]/.test(replacement[i + 1] ?? '') &&
        n * 10 + Number(replacement[i + 1]) <= groupCount
      ) {
        n = n * 10 + Number(replacement[++i]);
      }
      out += groups[n] ?? '';
    } else {
      out += c;
    }
  }
  return out;
}

function applyRule(rule: PrincipalMappingRule, name: string): string | null {
  if (rule.kind === 'default') return name;
  if (!new RegExp(`^(?:${rule.pattern})$`).test(name)) return null;
  // An alternation with the empty string always matches, and its length counts the groups.
  const groupCount = new RegExp(`${rule.pattern}|`).exec('')!.length - 1;
  const result = name.replace(new RegExp(rule.pattern, 'g'), (...args: unknown[]) => {
    const groups = args.slice(0, groupCount + 1) as (string | undefined)[];
    return expandReplacement(rule.replacement, groups);
  });
  if (rule.caseChange === 'lower') return result.toLowerCase();
  if (rule.caseChange === 'upper') return result.toUpperCase();
  return result;
}

/** The mapped principal name, or null when no rule applies (Kafka refuses the client). */
export function mapPrincipalName(
  rules: readonly PrincipalMappingRule[],
  distinguishedName: string,
): string | null {
  for (const rule of rules) {
    const name = applyRule(rule, distinguishedName);
    if (name !== null) return name;
  }
  return null;
}
