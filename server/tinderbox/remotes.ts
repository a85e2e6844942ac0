import os from "node:os";
import type { DbOrTx } from "@/db/client";
import { PolicyError, type Actor } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import { DomainError } from "@/server/errors";
import { openReadableRepo } from "@/server/git/access";
import { runGit } from "@/server/git/plumbing/cli";
import { readTextFile } from "@/server/git/plumbing/read";
import { parseMirrorUrl, redact, remoteArgs, runGitTimed } from "@/server/git/pull-mirror";
import { ModuleResolveError } from "./errors";
import { parseLsRemote, type RemoteReader } from "./resolve";

export const LS_REMOTE_TIMEOUT_MS = 60_000;

/** `org/repo` of a URL that points at this portal's git (PUBLIC_URL or ROOKERY_INTERNAL_URL), else null. */
export function portalRepoOf(url: string): { org: string; repo: string } | null {
  const cfg = getConfig();
  for (const base of [cfg.publicUrl, cfg.internalUrl]) {
    const prefix = `${base.replace(/\/+$/, "")}/git/`;
    if (!url.startsWith(prefix)) continue;
    const m = /^([a-z0-9-]+)\/([A-Za-z0-9][A-Za-z0-9._-]*?)(?:\.git)?\/?$/.exec(url.slice(prefix.length));
    if (m) return { org: m[1], repo: m[2] };
  }
  return null;
}

/**
 * The real remote reader of a run: a module on this portal is read in-process from its bare
 * repository, as the bot (the policy decides: its own organization's repositories, never
 * another's); any other module with `git ls-remote` over http(s):// or git:// (local paths and
 * file:// are refused, as for pull mirrors), credentials in the URL given through a helper.
 */
export function remoteReader(db: DbOrTx, bot: Actor): RemoteReader {
  return async (m) => {
    const local = portalRepoOf(m.git);
    if (local) {
      let dir: string;
      try {
        ({ dir } = await openReadableRepo(db, bot, local.org, local.repo));
      } catch (e) {
        if (e instanceof DomainError || e instanceof PolicyError)
          throw new ModuleResolveError(m.short, `${m.git} does not exist or the tinderbox may not read it`);
        throw e;
      }
      const r = await runGit(["ls-remote", "--symref", dir], { allowFailure: true });
      if (r.code !== 0) throw new ModuleResolveError(m.short, `git ls-remote ${m.git} failed: ${redact(r.stderr, null)}`);
      return { ...parseLsRemote(r.stdout), readFile: (commit, file) => readTextFile(dir, commit, file, 256 * 1024).catch(() => null) };
    }
    let parsed;
    try {
      parsed = parseMirrorUrl(m.git);
    } catch (e) {
      throw new ModuleResolveError(m.short, `${m.git} cannot be read: ${e instanceof Error ? e.message : e}`);
    }
    const { args, env } = remoteArgs(parsed.credentials);
    const r = await runGitTimed([...args, "ls-remote", "--symref", parsed.url], { cwd: os.tmpdir(), env, timeoutMs: LS_REMOTE_TIMEOUT_MS });
    if (r.timedOut) throw new ModuleResolveError(m.short, `${parsed.url} did not answer within ${LS_REMOTE_TIMEOUT_MS / 1000} s`);
    if (r.code !== 0) throw new ModuleResolveError(m.short, `${parsed.url} does not resolve: ${redact(r.stderr, parsed.credentials)}`);
    return parseLsRemote(r.stdout);
  };
}
