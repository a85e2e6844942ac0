import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { getDb, type Db } from "@/db/client";
import { recordAudit } from "@/server/audit";
import { PolicyError, type Actor } from "@/server/auth/policy";
import { ConflictError, CredentialsError, DomainError, InputError, NotFoundError, StateError } from "@/server/errors";
import { actorFromUser, userFromAuthorizationHeader } from "@/server/auth/credentials";
import { getSessionUser } from "@/server/auth/session";
import { controlCharMessage, controlCharPath } from "@/server/security/input";
import { internalErrorMessage, logInternalError, newRequestId } from "@/server/security/errors";
import type { User } from "@/server/users";
import { clientAddress } from "@/server/security/front-door";

/** What a mutation tells the audit log beyond who/what/outcome. */
export type AuditNote = { orgId?: string | null; targetType?: string; targetId?: string; details?: Record<string, unknown> };

export type Context = { db: Db; user: User | null; actor: Actor; audit: AuditNote };

/** `sessionUser`: how to read the browser session; tests that serve the router outside Next pass their own. */
export async function createContext(opts: { headers: Headers; sessionUser?: () => Promise<User | null> }): Promise<Context> {
  const db = getDb();
  const viaHeader = await userFromAuthorizationHeader(opts.headers.get("authorization"), clientAddress(opts.headers));
  const user = viaHeader?.user ?? (await (opts.sessionUser ?? getSessionUser)());
  const actor: Actor = user ? actorFromUser(user, viaHeader?.scope) : { kind: "anonymous" };
  return { db, user, actor, audit: {} };
}

/** The one mapping of domain errors (server/errors.ts) to tRPC codes, by base class. */
function trpcCodeOf(error: DomainError): TRPCError["code"] {
  if (error instanceof InputError) return "BAD_REQUEST";
  if (error instanceof NotFoundError) return "NOT_FOUND";
  if (error instanceof ConflictError || error instanceof StateError) return "CONFLICT";
  if (error instanceof CredentialsError) return "UNAUTHORIZED";
  return "INTERNAL_SERVER_ERROR";
}

function fieldErrorsOf(cause: unknown): Record<string, string[]> | null {
  if (cause instanceof ZodError) return z.flattenError(cause).fieldErrors as Record<string, string[]>;
  if (cause instanceof InputError && cause.field) return { [cause.field]: [cause.message] };
  return null;
}

/** "name: must be at least 1 character" for the first zod issue, instead of zod's JSON dump. */
function firstIssue(error: ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}` : "Invalid input";
}

/**
 * The one error formatter: unexpected errors become a generic message with a request id (the
 * detail goes to the server log only); expected ones keep their message and field errors.
 */
export function formatError<S extends { message: string; data: object }>({ shape, error, path }: { shape: S; error: TRPCError; path?: string }) {
  if (error.code === "INTERNAL_SERVER_ERROR") {
    const requestId = newRequestId();
    logInternalError(requestId, `tRPC ${path ?? "?"}`, error.cause ?? error);
    return { ...shape, message: internalErrorMessage(requestId), data: { ...shape.data, stack: undefined, fieldErrors: null, requestId } };
  }
  const message = error.cause instanceof ZodError ? firstIssue(error.cause) : shape.message;
  return { ...shape, message, data: { ...shape.data, stack: undefined, fieldErrors: fieldErrorsOf(error.cause), requestId: undefined } };
}

const t = initTRPC.context<Context>().create({ transformer: superjson, errorFormatter: formatError });

/** The boundary rule (server/security/input.ts), before any schema or query sees the input. */
const refuseControlChars = t.middleware(async ({ getRawInput, next }) => {
  const field = controlCharPath(await getRawInput());
  if (field !== null) {
    const message = controlCharMessage(field);
    throw new TRPCError({ code: "BAD_REQUEST", message, cause: new InputError(field || "input", message) });
  }
  return next();
});

const LARGE_TEXT = 64 * 1024;

/** Maps domain and policy errors to tRPC errors a person can act on. */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof PolicyError) throw new TRPCError({ code: cause.code, message: cause.message, cause });
    if (cause instanceof DomainError) throw new TRPCError({ code: trpcCodeOf(cause), message: cause.message, cause });
    // A text beyond a large limit (files, CSRs, descriptions) is too large rather than malformed: 413.
    if (cause instanceof ZodError && cause.issues.some((i) => i.code === "too_big" && i.origin === "string" && Number(i.maximum) >= LARGE_TEXT))
      throw new TRPCError({ code: "PAYLOAD_TOO_LARGE", message: firstIssue(cause), cause });
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
  const outcome =
    result.ok ? "success"
    : code === "FORBIDDEN" || code === "NOT_FOUND" || code === "UNAUTHORIZED" ? "denied"
    : "failure";
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    action: path,
    orgId: note.orgId,
    targetType: note.targetType,
    targetId: note.targetId,
    outcome,
    // An internal error's text (SQL, paths) stays in the server log, not in the audit log leaders read.
    details: { ...note.details, ...(result.ok ? {} : { error: code === "INTERNAL_SERVER_ERROR" ? "internal error" : result.error.message }) },
  }).catch((e) => console.error("audit write failed:", e instanceof Error ? e.message : e));
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(auditMutations).use(refuseControlChars).use(errorMapping);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user || ctx.actor.kind !== "user") throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue" });
  return next({ ctx: { ...ctx, user: ctx.user, actor: ctx.actor } });
});
