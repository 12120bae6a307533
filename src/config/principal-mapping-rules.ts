// Parsing of Kafka's `ssl.principal.mapping.rules`: a comma-separated list of `DEFAULT` and
// `RULE:pattern/replacement/` entries, each optionally followed by `L` or `U` (lower- or
// upper-case the result). A pattern may itself contain commas (`RULE:^CN=(.*?),OU=x$/$1/`);
// `\` escapes a `/` or another character. Pure text-to-value, so config-def can use it as a
// validator; security/ applies the parsed rules to certificate subjects.

export type PrincipalMappingRule =
  | { readonly kind: 'default' }
  | {
      readonly kind: 'rule';
      /** The pattern as written (Java regex syntax; the common subset is also JavaScript's). */
      readonly pattern: string;
      /** The replacement as written: `$n` group references, `\x` a literal x. */
      readonly replacement: string;
      readonly caseChange: 'lower' | 'upper' | 'none';
    };

export type RulesResult =
  | { readonly ok: true; readonly value: readonly PrincipalMappingRule[] }
  | { readonly ok: false; readonly reason: string };

/** One rule: DEFAULT, RULE:p/r/[LU], or anything else (which is then refused). */
const RULE_SOURCE = String.raw`(DEFAULT)|RULE:((?:\\.|[^\\/])*)/((?:\\.|[^\\/])*)/([LU]?).*?|(.*?)`;
const RULE_SPLITTER = new RegExp(String.raw`\s*(${RULE_SOURCE})\s*(?:,\s*|$)`, 'gy');
const STRICT_RULE = /^RULE:((?:\\.|[^\\/])*)\/((?:\\.|[^\\/])*)\/([LU]?)$/;

function splitRules(text: string): string[] {
  const rules: string[] = [];
  const trimmed = text.trim();
  RULE_SPLITTER.lastIndex = 0;
  while (RULE_SPLITTER.lastIndex < trimmed.length) {
    const match = RULE_SPLITTER.exec(trimmed);
    if (match === null) break;
    rules.push(match[1] ?? '');
    if (match[0] === '') RULE_SPLITTER.lastIndex++;
  }
  return rules;
}

/** Parses the rules; an empty text means DEFAULT (Kafka's default value). */
export function parsePrincipalMappingRules(text: string): RulesResult {
  const source = text.trim() === '' ? 'DEFAULT' : text;
  const rules: PrincipalMappingRule[] = [];
  for (const rule of splitRules(source)) {
    if (rule === '') continue;
    if (rule === 'DEFAULT') {
      rules.push({ kind: 'default' });
      continue;
    }
    const match = STRICT_RULE.exec(rule);
    if (match === null) return { ok: false, reason: `invalid rule '${rule}'` };
    const pattern = match[1] ?? '';
    try {
      new RegExp(pattern);
    } catch {
      return { ok: false, reason: `invalid pattern '${pattern}' in rule '${rule}'` };
    }
    const flag = match[3];
    rules.push({
      kind: 'rule',
      pattern,
      replacement: match[2] ?? '',
      caseChange: flag === 'L' ? 'lower' : flag === 'U' ? 'upper' : 'none',
    });
  }
  return { ok: true, value: rules };
}
