import fs from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { Client, EqualityFilter, InvalidCredentialsError, type Entry } from "ldapts";
import type { Config } from "@/server/config";

export type LdapConfig = NonNullable<Config["ldap"]>;

/** The directory could not be reached or refused the service account: not the user's fault. */
export class DirectoryUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Directory unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

function tlsOptions(cfg: LdapConfig): ConnectionOptions {
  return {
    rejectUnauthorized: cfg.tlsRejectUnauthorized,
    ...(cfg.tlsCaFile ? { ca: fs.readFileSync(cfg.tlsCaFile) } : {}),
  };
}

function newClient(cfg: LdapConfig) {
  // ldapts starts TLS on connect whenever tlsOptions are given, so only pass them for ldaps://.
  const secure = cfg.url.startsWith("ldaps:");
  return new Client({
    url: cfg.url,
    timeout: cfg.timeoutMs,
    connectTimeout: cfg.timeoutMs,
    ...(secure ? { tlsOptions: tlsOptions(cfg) } : {}),
  });
}

/** A connected client, StartTLS applied, bound as the service account (or anonymous). */
export async function withServiceClient<T>(cfg: LdapConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = newClient(cfg);
  try {
    try {
      if (cfg.startTls) await client.startTLS(tlsOptions(cfg));
      if (cfg.bindDn) await client.bind(cfg.bindDn, cfg.bindPassword ?? "");
    } catch (e) {
      throw new DirectoryUnavailableError(e);
    }
    return await fn(client);
  } finally {
    await client.unbind().catch(() => {});
  }
}

export function userFilter(cfg: LdapConfig, username: string): string {
  return `(&${cfg.userFilter}${new EqualityFilter({ attribute: cfg.userAttr, value: username }).toString()})`;
}

export function firstString(entry: Entry, attr: string): string | undefined {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attr.toLowerCase());
  const v = key ? entry[key] : undefined;
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  return Buffer.isBuffer(first) ? first.toString("utf8") : String(first);
}

export function allStrings(entry: Entry, attr: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attr.toLowerCase());
  const v = key ? entry[key] : undefined;
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString("utf8") : String(x)));
}

export type DirectoryUser = { dn: string; username: string; displayName: string; email: string | null };

export function toDirectoryUser(cfg: LdapConfig, entry: Entry): DirectoryUser | null {
  const username = firstString(entry, cfg.userAttr)?.toLowerCase();
  if (!username) return null;
  return {
    dn: entry.dn,
    username,
    displayName: firstString(entry, "cn") ?? firstString(entry, "displayName") ?? username,
    email: firstString(entry, "mail") ?? null,
  };
}

/**
 * Service bind, search the user by uid under the people base, then bind as that DN.
 * Returns null for unknown user or wrong password; throws DirectoryUnavailableError otherwise.
 */
export async function ldapAuthenticate(cfg: LdapConfig, username: string, password: string): Promise<DirectoryUser | null> {
  if (!password) return null; // an empty password would be an anonymous bind that "succeeds"
  const found = await withServiceClient(cfg, async (client) => {
    try {
      const { searchEntries } = await client.search(cfg.peopleBase, {
        scope: "sub",
        filter: userFilter(cfg, username),
        attributes: [cfg.userAttr, "cn", "displayName", "mail"],
        sizeLimit: 2,
      });
      return searchEntries.length === 1 ? toDirectoryUser(cfg, searchEntries[0]) : null;
    } catch (e) {
      throw new DirectoryUnavailableError(e);
    }
  });
  if (!found) return null;
  const userClient = newClient(cfg);
  try {
    if (cfg.startTls) await userClient.startTLS(tlsOptions(cfg));
    await userClient.bind(found.dn, password);
    return found;
  } catch (e) {
    if (e instanceof InvalidCredentialsError) return null;
    throw new DirectoryUnavailableError(e);
  } finally {
    await userClient.unbind().catch(() => {});
  }
}
