import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { branchProtections } from "@/db/schema";
import type { RepoWithOrg } from "@/server/git/repos";
import { MrInputError } from "./index";

/**
 * The merge rules a protected branch carries (set by leaders on the repository settings):
 * approvals required, whether the author's own approval counts, Signed-off-by on every
 * commit, and the status contexts that must be green.
 */
export type MergeRules = {
  requiredApprovals: number;
  authorsCannotApprove: boolean;
  requireSignoff: boolean;
  requireResolvedThreads?: boolean;
  requiredContexts: string[];
};

const context = /^[A-Za-z0-9][A-Za-z0-9._:/ -]{0,254}$/;

export async function setMergeRules(db: DbOrTx, repo: RepoWithOrg, protectionId: string, rules: MergeRules) {
  if (!Number.isInteger(rules.requiredApprovals) || rules.requiredApprovals < 0 || rules.requiredApprovals > 20)
    throw new MrInputError("requiredApprovals", "Between 0 and 20 approvals");
  const contexts = [...new Set(rules.requiredContexts.map((c) => c.trim()).filter(Boolean))];
  const bad = contexts.find((c) => !context.test(c));
  if (bad) throw new MrInputError("requiredContexts", `"${bad}" is not a status context name (letters, digits, . _ : / - and spaces)`);
  if (contexts.length > 20) throw new MrInputError("requiredContexts", "At most 20 required contexts");
  const [row] = await db
    .update(branchProtections)
    .set({
      requiredApprovals: rules.requiredApprovals,
      authorsCannotApprove: rules.authorsCannotApprove,
      requireSignoff: rules.requireSignoff,
      requireResolvedThreads: rules.requireResolvedThreads ?? false,
      requiredContexts: contexts,
    })
    .where(and(eq(branchProtections.id, protectionId), eq(branchProtections.repoId, repo.id)))
    .returning();
  if (!row) throw new MrInputError("requiredApprovals", "This rule no longer exists: reload the page");
  return row;
}
