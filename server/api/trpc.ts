import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { getDb, type Db } from "@/db/client";
import { recordAudit } from "@/server/audit";
import { PolicyError, type Actor } from "@/server/auth/policy";
import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
import { getSessionUser } from "@/server/auth/session";
import { OrgInputError } from "@/server/orgs";
import { PkiInputError } from "@/server/pki/x509";
import { UserInputError, type User } from "@/server/users";

/** What a mutation tells the audit log beyond who/what/outcome. */
export type AuditNote = { orgId?: string | null; targetType?: string; targetId?: string; details?: Record<string, unknown> };

export type Context = { db: Db; user: User | null; actor: Actor; audit: AuditNote };

export async function createContext(opts: { headers: Headers }): Promise<Context> {
  const db = getDb();
  const viaHeader = await userFromAuthorizationHeader(opts.headers.get("authorization"));
  const user = viaHeader?.user ?? (await getSessionUser());
  const actor: Actor = user ? actorFromUser(user, viaHeader?.scope) : { kind: "anonymous" };
  return { db, user, actor, audit: {} };
}

/** Domain errors carry the field they are about; forms show them next to it. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Errors about one input field, from the domains that say which field (BAD_REQUEST). */
function isInputError(cause: unknown): cause is { field: string; message: string } {
  return cause instanceof FieldError || cause instanceof OrgInputError || cause instanceof UserInputError || cause instanceof PkiInputError;
}

function fieldErrorsOf(cause: unknown): Record<string, string[]> | null {
  if (cause instanceof ZodError) return z.flattenError(cause).fieldErrors as Record<string, string[]>;
  if (isInputError(cause)) return { [cause.field]: [cause.message] };
  return null;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    return { ...shape, data: { ...shape.data, stack: undefined, fieldErrors: fieldErrorsOf(error.cause) } };
  },
});

/** Maps domain and policy errors to tRPC errors a person can act on. */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof PolicyError) throw new TRPCError({ code: cause.code, message: cause.message, cause });
    if (isInputError(cause)) throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  }
  return result;
});

/** Every mutation lands in the audit log with its outcome, whoever calls it. */
const auditMutations = t.middleware(async ({ ctx, type, path, next }) => {
  // A fresh note per call: batched mutations share one request context.
  const note: AuditNote = {};
  const result = await next({ ctx: { audit: note } });
  if (type !== "mutation") return result;
  const code = result.ok ? null : result.error.code;
  const outcome = result.ok ? "success" : code === "FORBIDDEN" || code === "NOT_FOUND" || code === "UNAUTHORIZED" ? "denied" : "failure";
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    action: path,
    orgId: note.orgId,
    targetType: note.targetType,
    targetId: note.targetId,
    outcome,
    details: { ...note.details, ...(result.ok ? {} : { error: result.error.message }) },
  }).catch((e) => console.error("audit write failed:", e instanceof Error ? e.message : e));
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(auditMutations).use(errorMapping);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user || ctx.actor.kind !== "user") throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue" });
  return next({ ctx: { ...ctx, user: ctx.user, actor: ctx.actor } });
});
