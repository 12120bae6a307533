// The users PLAIN accepts on one listener: `user_<name>="<password>"` options of the JAAS
// config (Kafka's PlainLoginModule form) and, so that secrets need not sit in the broker's
// properties, a users file (`sasl.plain.users.file`, `name=password` lines in properties
// syntax) read again whenever it changes. A name in both takes the file's password.

import { readFile } from 'node:fs/promises';
import { parseProperties } from '../../config/properties.ts';
import { Reloading } from '../file-watch.ts';
import type { PlainUsers } from './plain-server.ts';

const USER_OPTION_PREFIX = 'user_';

export function usersFromJaasOptions(options: ReadonlyMap<string, string>): Map<string, string> {
  const users = new Map<string, string>();
  for (const [key, value] of options) {
    if (key.startsWith(USER_OPTION_PREFIX) && key.length > USER_OPTION_PREFIX.length) {
      users.set(key.slice(USER_OPTION_PREFIX.length), value);
    }
  }
  return users;
}

export function parseUsersFile(text: string, path: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const entry of parseProperties(text, path)) users.set(entry.key, entry.value);
  return users;
}

export interface PlainUsersOptions {
  readonly jaasUsers: ReadonlyMap<string, string>;
  readonly usersFile: string | null;
  readonly onReloadError: (err: unknown) => void;
}

/** Builds the user source; reads the users file once so a bad file fails start-up. */
export async function openPlainUsers(
  o: PlainUsersOptions,
): Promise<PlainUsers & { count(): number }> {
  const path = o.usersFile;
  if (path === null) {
    return {
      passwordOf: async (user) => o.jaasUsers.get(user) ?? null,
      count: () => o.jaasUsers.size,
    };
  }
  const file = new Reloading({
    paths: [path],
    load: async () => parseUsersFile(await readFile(path, 'utf8'), path),
    onReloadError: o.onReloadError,
  });
  let fileUsers = await file.start();
  return {
    async passwordOf(user) {
      fileUsers = await file.get();
      return fileUsers.get(user) ?? o.jaasUsers.get(user) ?? null;
    },
    count: () => new Set([...o.jaasUsers.keys(), ...fileUsers.keys()]).size,
  };
}
