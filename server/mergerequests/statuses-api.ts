import { z } from "zod";
import { getDb } from "@/db/client";
import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
import { authorize, PolicyError, policyResponse, type Actor } from "@/server/auth/policy";
import { getSessionUser } from "@/server/auth/session";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo } from "@/server/git/repos";
import { recordAudit } from "@/server/audit";
import { orgScopeFor } from "@/server/orgs";
import { controlCharMessage, controlCharPath } from "@/server/security/input";
import { setCommitStatus, statusesOf, UnknownCommitError } from "./statuses";
import { clientAddress } from "@/server/security/front-door";

/**
 * `POST /api/v1/repos/<org>/<repo>/statuses/<sha>` for CI and builds (token: Bearer or
 * Basic with a personal access token), and `GET` of the same URL to read them back.
 */

const body = z.object({
  state: z.enum(["pending", "success", "failed"]),
  context: z.string().trim().min(1).max(255).default("default"),
  description: z.string().max(1000).default(""),
  target_url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .nullish(),
});

type Params = { org: string; repo: string; sha: string };

const json = (status: number, data: object) => Response.json(data, { status, headers: { "cache-control": "no-store" } });

const presented = (s: Awaited<ReturnType<typeof setCommitStatus>>) => ({
  id: s.id,
  sha: s.sha,
  state: s.state,
  context: s.context,
  description: s.description,
  target_url: s.targetUrl,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

async function open(req: Request, params: Params, action: "repo:read" | "statuses:write") {
  const header = req.headers.get("authorization");
  const viaHeader = header ? await userFromAuthorizationHeader(header, clientAddress(req.headers)) : null;
  if (header && !viaHeader) return { error: json(401, { message: "Invalid credentials" }) };
  const user = viaHeader?.user ?? (action === "repo:read" ? await getSessionUser() : null);
  const actor: Actor = user ? actorFromUser(user, viaHeader?.scope) : { kind: "anonymous" };
  const db = getDb();
  try {
    const found = /^[a-z0-9-]{1,63}$/.test(params.org) ? await orgScopeFor(db, params.org, actor) : null;
    authorize(actor, action, found?.scope ?? null);
    const repo = await getRepo(db, params.org, params.repo);
    if (!repo) throw new PolicyError("NOT_FOUND", "Not found");
    return { db, user: user!, actor, repo, dir: await ensureRepoOnDisk(db, repo) };
  } catch (e) {
    return { error: policyResponse(e, "json") };
  }
}

export async function postStatus(req: Request, params: Params): Promise<Response> {
  const opened = await open(req, params, "statuses:write");
  if (opened.error) return opened.error;
  const sha = params.sha.toLowerCase();
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) return json(404, { message: "Give the full commit id (40 hex digits)" });
  const raw: unknown = await req.json().catch(() => null);
  const badField = controlCharPath(raw);
  if (badField !== null) return json(400, { message: controlCharMessage(badField) });
  const parsed = body.safeParse(raw);
  if (!parsed.success) return json(400, { message: "Invalid status", errors: z.flattenError(parsed.error).fieldErrors });
  const { repo, dir, db, user, actor } = opened;
  try {
    const s = await setCommitStatus(
      db,
      repo,
      dir,
      sha,
      { state: parsed.data.state, context: parsed.data.context, description: parsed.data.description, targetUrl: parsed.data.target_url ?? null },
      user.id,
    );
    await recordAudit(db, {
      actor,
      action: "statuses.set",
      orgId: repo.orgId,
      targetType: "commit",
      targetId: `${repo.orgSlug}/${repo.name}@${sha}`,
      outcome: "success",
      details: { context: s.context, state: s.state },
    });
    return json(201, presented(s));
  } catch (e) {
    if (e instanceof UnknownCommitError) return json(404, { message: e.message });
    throw e;
  }
}

export async function getStatuses(req: Request, params: Params): Promise<Response> {
  const opened = await open(req, params, "repo:read");
  if (opened.error) return opened.error;
  const sha = params.sha.toLowerCase();
  const list = (await statusesOf(opened.db, opened.repo.id, [sha])).get(sha) ?? [];
  return json(200, { sha, statuses: list.map(presented) });
}
