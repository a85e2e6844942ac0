import type { Pusher } from "@/server/auth/policies/push";
import type { OrgRole } from "@/server/auth/policy";

/** A pusher for policy tests: a user with `role` in an org (or none), optionally an administrator. */
export function pusherAs(role: OrgRole | null, opts: { isAdmin?: boolean; archived?: boolean; tokenScope?: "read" | "write" } = {}): Pusher {
  return {
    actor: { kind: "user", id: "00000000-0000-0000-0000-000000000001", username: "someone", isAdmin: opts.isAdmin ?? false, tokenScope: opts.tokenScope },
    scope: { id: "00000000-0000-0000-0000-00000000000a", archived: opts.archived ?? false, role },
  };
}
