import type { DbOrTx } from "@/db/client";
import { authorize, can, type Actor, PolicyError } from "../policy";
import { listOrgsForUser, orgScopeFor } from "@/server/orgs";

/**
 * A pipeline of an org is read by its members and managed (retry/cancel) by its developers;
 * pipelines without an org belong to admins. Non-members get NOT_FOUND.
 */
export async function authorizePipeline(db: DbOrTx, actor: Actor, pipeline: { orgSlug: string | null }, mode: "read" | "manage") {
  if (!pipeline.orgSlug) {
    try {
      authorize(actor, mode === "read" ? "pipelines:read-all" : "pipelines:manage");
    } catch (e) {
      if (e instanceof PolicyError && e.code === "FORBIDDEN" && mode === "read") throw new PolicyError("NOT_FOUND", "Not found");
      throw e;
    }
    return;
  }
  const scoped = await orgScopeFor(db, pipeline.orgSlug, actor);
  authorize(actor, mode === "read" ? "org:builds:read" : "org:builds:manage", scoped?.scope ?? null);
}

/** Which pipelines a list may show: all (admins), or those of the actor's orgs. */
export async function visibleOrgIds(db: DbOrTx, actor: Actor): Promise<string[] | undefined> {
  if (actor.kind !== "user") return [];
  if (can(actor, "pipelines:read-all")) return undefined;
  return (await listOrgsForUser(db, actor.id)).map((o) => o.id);
}

/** Running a pipeline by hand (the "Run pipeline" page and button). */
export function mayRunPipelines(actor: Actor) {
  return can(actor, "pipelines:run");
}
