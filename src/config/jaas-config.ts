// Parsing of Kafka's `sasl.jaas.config` values: one JAAS login module entry,
// `<class> <flag> key="value" key2=value2;`. Only the option map and the module class matter
// to Gregor: the class says which mechanism the entry is for (PLAIN, SCRAM, OAUTHBEARER), the
// options carry users (`user_<name>`), client credentials (`username`, `password`) and the
// OAUTHBEARER settings. Errors name the position, never an option's value (values are secrets).

import type { SaslMechanism } from './config-def.ts';

export interface JaasEntry {
  readonly loginModule: string;
  readonly flag: 'required' | 'requisite' | 'sufficient' | 'optional';
  readonly options: ReadonlyMap<string, string>;
}

export type JaasResult =
  | { readonly ok: true; readonly value: JaasEntry }
  | { readonly ok: false; readonly reason: string };

const FLAGS = ['required', 'requisite', 'sufficient', 'optional'] as const;

/** The login module class Kafka uses for each mechanism. */
export const LOGIN_MODULES: Readonly<Record<SaslMechanism, string>> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  OAUTHBEARER: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
};

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'quoted'; readonly text: string; readonly at: number }
  | { readonly kind: 'symbol'; readonly text: '=' | ';'; readonly at: number };

const WORD = /[A-Za-z0-9_$.\-/:@+]/;

class JaasSyntaxError extends Error {}

function skipSpaceAndComments(text: string, from: number): number {
  let i = from;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new JaasSyntaxError(`unterminated comment at ${i}`);
      i = end + 2;
    } else {
      return i;
    }
  }
}

function readQuoted(text: string, start: number): { text: string; end: number } {
  let out = '';
  let i = start + 1;
  while (i < text.length && text[i] !== '"') {
    if (text[i] === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
      i += 2;
    } else {
      out += text[i];
      i++;
    }
  }
  if (i >= text.length) throw new JaasSyntaxError(`unterminated quoted value at ${start}`);
  return { text: out, end: i + 1 };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = skipSpaceAndComments(text, 0);
  while (i < text.length) {
    const c = text[i]!;
    if (c === '=' || c === ';') {
      tokens.push({ kind: 'symbol', text: c, at: i });
      i++;
    } else if (c === '"') {
      const quoted = readQuoted(text, i);
      tokens.push({ kind: 'quoted', text: quoted.text, at: i });
      i = quoted.end;
    } else if (WORD.test(c)) {
      let end = i;
      while (end < text.length && WORD.test(text[end]!)) end++;
      tokens.push({ kind: 'word', text: text.slice(i, end), at: i });
      i = end;
    } else {
      throw new JaasSyntaxError(`unexpected character at ${i}`);
    }
    i = skipSpaceAndComments(text, i);
  }
  return tokens;
}

function parseEntries(tokens: readonly Token[]): JaasEntry[] {
  const entries: JaasEntry[] = [];
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  while (i < tokens.length) {
    const module = next();
    if (module?.kind !== 'word') throw new JaasSyntaxError('expected a login module class');
    const flag = next();
    if (flag?.kind !== 'word' || !(FLAGS as readonly string[]).includes(flag.text)) {
      throw new JaasSyntaxError(`expected one of ${FLAGS.join(', ')} after ${module.text}`);
    }
    const options = new Map<string, string>();
    for (;;) {
      const t = next();
      if (t === undefined) throw new JaasSyntaxError(`the entry for ${module.text} lacks ';'`);
      if (t.kind === 'symbol' && t.text === ';') break;
      if (t.kind !== 'word') throw new JaasSyntaxError(`expected an option name at ${t.at}`);
      const eq = next();
      if (eq?.kind !== 'symbol' || eq.text !== '=') {
        throw new JaasSyntaxError(`option ${t.text} has no value`);
      }
      const value = next();
      if (value === undefined || value.kind === 'symbol') {
        throw new JaasSyntaxError(`option ${t.text} has no value`);
      }
      options.set(t.text, value.text);
    }
    entries.push({
      loginModule: module.text,
      flag: flag.text as JaasEntry['flag'],
      options,
    });
  }
  return entries;
}

/** Parses a `sasl.jaas.config` value, which Kafka requires to hold exactly one entry. */
export function parseJaasConfig(text: string): JaasResult {
  let entries: JaasEntry[];
  try {
    entries = parseEntries(tokenize(text));
  } catch (err) {
    if (!(err instanceof JaasSyntaxError)) throw err;
    return { ok: false, reason: `JAAS config: ${err.message}` };
  }
  if (entries.length !== 1) {
    return {
      ok: false,
      reason: `JAAS config must contain exactly one login module, found ${entries.length}`,
    };
  }
  return { ok: true, value: entries[0]! };
}

/** Checks that an entry's login module is the one Kafka uses for `mechanism`. */
export function checkLoginModule(entry: JaasEntry, mechanism: SaslMechanism): string | null {
  const expected = LOGIN_MODULES[mechanism];
  return entry.loginModule === expected
    ? null
    : `JAAS login module ${entry.loginModule} does not serve ${mechanism} (expected ${expected})`;
}
