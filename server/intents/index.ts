import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db, Tx } from "@/db/client";
import { intents, type IntentRefUpdate } from "@/db/schema";
import { runGit } from "@/server/git/plumbing/cli";
import { isAncestor } from "@/server/git/plumbing/merge";
import { queues } from "@/server/jobs";
import { enqueueWith } from "@/server/jobs/transactional";

/**
 * The intent pattern (docs/intents.md): an operation that moves refs and changes rows
 * commits its intent first, moves the refs idempotently second, and commits its
 * completion (with the intent marked done and its after-work enqueued) third.
 */
export type Intent = typeof intents.$inferSelect;
export type { IntentRefUpdate };

export const ZERO_SHA = "0".repeat(40);

/**
 * Test builds die here when ROOKERY_CRASH_AT names this point (the crash suite kills the
 * process exactly between two steps). Never in production.
 */
export function crashPoint(name: string) {
  if (process.env.NODE_ENV === "production" || process.env.ROOKERY_CRASH_AT !== name) return;
  // ROOKERY_CRASH_GROUP: its git children die with it, as in a power cut (a group leader's test process)
  process.kill(process.env.ROOKERY_CRASH_GROUP ? -process.pid : process.pid, "SIGKILL");
}

/** Where a ref points now (the object itself, not peeled), or ZERO_SHA when it does not exist. */
export async function readRef(dir: string, ref: string) {
  const r = await runGit(["rev-parse", "--verify", "--quiet", ref], { cwd: dir, allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : ZERO_SHA;
}

/**
 * Moves every ref of `updates` from its old to its new value in one git transaction (all
 * or none). Idempotent: true when they are all at their new values already.
 */
export async function applyRefUpdates(dir: string, updates: IntentRefUpdate[], reason: string) {
  const atNew = async () => (await Promise.all(updates.map(async (u) => (await readRef(dir, u.ref)) === u.newSha))).every(Boolean);
  if (await atNew()) return true;
  const lines = updates.map((u) => (u.newSha === ZERO_SHA ? `delete ${u.ref} ${u.oldSha}` : `update ${u.ref} ${u.newSha} ${u.oldSha}`));
  const input = ["start", ...lines, "prepare", "commit", ""].join("\n");
  // runGit, not simple-git: stdin-fed plumbing (simple-git has no per-command stdin).
  const r = await runGit(["update-ref", "-m", reason, "--stdin"], { cwd: dir, input, allowFailure: true });
  return r.code === 0 || (await atNew());
}

/** What an operation does at each step; registered in server/intents/operations.ts. */
export type Operation = {
  kind: string;
  /** the completion's rows, inside the transaction that marks the intent done */
  complete: (tx: Tx, intent: Intent) => Promise<void>;
  /** the after-work (webhooks, mirrors, follow-up operations): runs once, after the completion committed */
  afterWork: (db: Db, intent: Intent) => Promise<unknown>;
  /** after the reconciler rolled an intent back (the refs never moved) */
  rolledBack?: (db: Db, intent: Intent) => Promise<void>;
  /** instead of "the primary ref reached its new value": did the operation happen? */
  reached?: (dir: string, intent: Intent) => Promise<boolean>;
  /**
   * Pending intents younger than this are left alone by the reconciler: for operations whose
   * live process holds no row lock between its steps (a push: git moves the refs between
   * two hook calls), only age tells a dead one from one still running.
   */
  settleAfterMs?: number;
};

export class IntentBusyError extends Error {}

/** Step 1: the intent, committed before git is touched. Throws IntentBusyError when one of this kind is pending for the subject. */
export async function recordIntent(db: Db | Tx, values: { kind: string; subjectId: string; repoId: string; updates: IntentRefUpdate[]; data?: object }) {
  try {
    const [row] = await db
      .insert(intents)
      .values({ ...values, data: (values.data ?? {}) as Record<string, unknown> })
      .returning();
    return row;
  } catch (e) {
    const code = (e as { code?: string; cause?: { code?: string } }).cause?.code ?? (e as { code?: string }).code;
    if (code === "23505") throw new IntentBusyError(`another ${values.kind} of this is in progress`);
    throw e;
  }
}

/** Step 3 inside `tx`: the operation's rows, the intent done, the after-work enqueued (it commits with them). */
async function completeIn(tx: Tx, intent: Intent, op: Operation) {
  await op.complete(tx, intent);
  await tx.update(intents).set({ state: "done", finishedAt: new Date() }).where(eq(intents.id, intent.id));
  // The caller runs the after-work right away; the job is the net for a crash before it does.
  await enqueueWith(tx, queues.intentAfterWork, [{ intentId: intent.id }], { startAfter: new Date(Date.now() + 30_000) });
}

async function rollBackIn(tx: Tx, intent: Intent) {
  await tx.update(intents).set({ state: "rolled_back", finishedAt: new Date() }).where(eq(intents.id, intent.id));
}

/** Locks a pending intent (skipping one another process holds) for the rest of `tx`. */
async function lockPending(tx: Tx, id: string, skipLocked: boolean) {
  const [row] = await tx
    .select()
    .from(intents)
    .where(and(eq(intents.id, id), eq(intents.state, "pending")))
    .for("update", skipLocked ? { skipLocked: true } : undefined);
  return row ?? null;
}

/**
 * Steps 2 and 3 for a live operation: with the intent row locked (so the reconciler keeps
 * off it), move the refs, then complete. Returns false, with the intent rolled back, when
 * the refs moved elsewhere meanwhile (the caller may record a new intent and retry); a
 * crash anywhere in here leaves the intent pending for the reconciler.
 */
export async function carryOut(db: Db, dir: string, intent: Intent, op: Operation, reason: string) {
  crashPoint(`${intent.kind}:after-intent`);
  const done = await db.transaction(async (tx) => {
    const row = await lockPending(tx, intent.id, false);
    if (!row) return false; // the reconciler rolled it back between our steps
    if (!(await applyRefUpdates(dir, row.updates, reason))) {
      await rollBackIn(tx, row);
      return false;
    }
    crashPoint(`${intent.kind}:after-ref-move`);
    await completeIn(tx, row, op);
    return true;
  });
  if (done) crashPoint(`${intent.kind}:after-completion`);
  return done;
}

/** Claims the after-work of a done intent: true for exactly one caller. */
export async function claimAfterWork(db: Db, id: string) {
  const rows = await db
    .update(intents)
    .set({ afterWorkAt: new Date() })
    .where(and(eq(intents.id, id), eq(intents.state, "done"), isNull(intents.afterWorkAt)))
    .returning({ id: intents.id });
  return rows.length === 1;
}

/** Did the primary (first) ref reach its new value? A branch that moved on from it still counts. */
export async function reachedNew(dir: string, intent: Intent) {
  const primary = intent.updates[0];
  if (!primary) return true; // nothing to move: only the completion is left
  const now = await readRef(dir, primary.ref);
  if (now === primary.newSha) return true;
  if (primary.newSha === ZERO_SHA || now === ZERO_SHA || now === primary.oldSha) return false;
  return isAncestor(dir, primary.newSha, now);
}

/**
 * The reconciler's decision for one pending intent: completed when its primary ref is at
 * the new value, rolled back otherwise. Skips an intent a live operation holds.
 */
export async function settle(db: Db, dir: string, id: string, op: Operation): Promise<"completed" | "rolled_back" | "busy"> {
  const outcome = await db.transaction(async (tx) => {
    const row = await lockPending(tx, id, true);
    if (!row) return { result: "busy" as const, row };
    if (await (op.reached ?? reachedNew)(dir, row)) {
      await completeIn(tx, row, op);
      return { result: "completed" as const, row };
    }
    await rollBackIn(tx, row);
    return { result: "rolled_back" as const, row };
  });
  if (outcome.row && outcome.result === "rolled_back") await op.rolledBack?.(db, outcome.row);
  return outcome.result;
}

/**
 * Step 3 for an operation whose git change someone else made (git itself, for a push): with
 * the intent found by its subject, narrow its ref moves to `updates` (what really moved)
 * and complete it. Returns the intent's id once it is done (by this call or by the
 * reconciler before it: claimAfterWork then decides who runs the after-work), or null when
 * there is none or it was rolled back (no after-work ran for it).
 */
export async function completeRecorded(db: Db, kind: string, subjectId: string, updates: IntentRefUpdate[], op: Operation) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(intents)
      .where(and(eq(intents.kind, kind), eq(intents.subjectId, subjectId)))
      .orderBy(desc(intents.createdAt))
      .limit(1)
      .for("update");
    if (!row || row.state === "rolled_back") return null;
    if (row.state === "pending") {
      const [narrowed] = await tx.update(intents).set({ updates }).where(eq(intents.id, row.id)).returning();
      await completeIn(tx, narrowed, op);
    }
    return row.id;
  });
}
