import { authorize, can, PolicyError, type Actor, type OrgAction, type OrgScope } from "../policy";

/**
 * Who may do what with one merge request. The page's buttons and the mutations both ask
 * `mergeRequestAbilities`/`authorizeOnMergeRequest`, so a button never shows where the
 * mutation refuses.
 */
export type MergeRequestFacts = {
  authorId: string | null;
  /** the target branch's protection, when it is protected */
  protection: { authorsCannotApprove: boolean } | null;
  targetBranch: string;
};

export type MergeRequestAbility = "comment" | "update" | "approve" | "merge";

/**
 * The author is the account that opened the merge request. Merge requests Rookery opens on
 * a person's behalf for the portage tree ("Promote", "Cherry-pick": upstream's commits, or
 * commits already merged on development) are authored by the tree bot
 * (server/farm/tree-bot.ts), so the administrator who pressed the button is not their author
 * and may approve them, which a lone administrator must be able to do. The bot itself has no
 * session and no membership: it approves and merges nothing.
 */
function isAuthor(actor: Actor, mr: MergeRequestFacts) {
  return actor.kind === "user" && mr.authorId === actor.id;
}

/** null when allowed; else the table rule that refuses, or the reason of a rule about this merge request. */
function denial(actor: Actor, ability: MergeRequestAbility, scope: OrgScope, mr: MergeRequestFacts): { rule: OrgAction } | { reason: string } | null {
  const rule = (action: OrgAction) => (can(actor, action, scope) ? null : { rule: action });
  switch (ability) {
    case "comment":
      return rule("mr:comment");
    case "update":
      // authors keep editing their own merge request for as long as they may comment on it
      return isAuthor(actor, mr) && can(actor, "mr:comment", scope) ? null : rule("mr:update");
    case "approve":
      if (mr.protection?.authorsCannotApprove && isAuthor(actor, mr) && can(actor, "mr:approve", scope))
        return { reason: `Authors cannot approve their own merge request into ${mr.targetBranch}: ask a reviewer` };
      return rule("mr:approve");
    case "merge":
      return rule(mergeAction(mr));
  }
}

/** Merging into a protected branch is for leaders; into any other branch for developers. */
function mergeAction(mr: MergeRequestFacts) {
  return mr.protection ? ("mr:merge-protected" as const) : ("mr:merge" as const);
}

export function mergeRequestAbilities(actor: Actor, scope: OrgScope, mr: MergeRequestFacts): Record<MergeRequestAbility, boolean> {
  return {
    comment: denial(actor, "comment", scope, mr) === null,
    update: denial(actor, "update", scope, mr) === null,
    approve: denial(actor, "approve", scope, mr) === null,
    merge: denial(actor, "merge", scope, mr) === null,
  };
}

export function authorizeOnMergeRequest(actor: Actor, ability: MergeRequestAbility, scope: OrgScope, mr: MergeRequestFacts): void {
  const why = denial(actor, ability, scope, mr);
  if (why === null) return;
  // a rule of the table explains itself: 404 for outsiders, the role needed for members
  if ("rule" in why) authorize(actor, why.rule, scope);
  else throw new PolicyError("FORBIDDEN", why.reason);
}
