export type RefUpdate = { ref: string; oldSha: string; newSha: string; forced?: boolean };
export type Protection = { pattern: string; pushAccess: "nobody" | "leaders" | "developers"; allowForcePush: boolean; allowDeletion: boolean };

export const semverTag = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export function matchProtection(branch: string, protections: Protection[]): Protection | null {
  return (
    protections.find((p) => p.pattern === branch) ?? protections.find((p) => p.pattern.endsWith("/*") && branch.startsWith(p.pattern.slice(0, -1))) ?? null
  );
}

/** The environment a git-flow branch deploys to, for badges everywhere. */
export function environmentOf(branch: string): "production" | "staging" | "development" | null {
  if (branch === "master" || branch === "main") return "production";
  if (branch.startsWith("release/") || branch.startsWith("hotfix/")) return "staging";
  if (branch === "develop" || branch.startsWith("feature/")) return "development";
  return null;
}
