import { Badge } from "@/components/ui";

export function StateBadge({ state }: { state: "open" | "merged" | "closed" }) {
  const tone =
    state === "open" ? "green"
    : state === "merged" ? "purple"
    : "red";
  return <Badge tone={tone}>{state}</Badge>;
}

/**
 * What git says about merging. Lists know only that; the merge request's own page passes
 * `blockers` (the merge rules' reasons) so the badge says what still blocks the merge.
 */
export function MergeabilityBadge({ value, blockers }: { value: "checking" | "clean" | "conflicts" | "behind"; blockers?: string[] }) {
  const meta = {
    checking: { tone: "gray", label: "checking…" },
    clean: { tone: blockers ? "green" : "blue", label: blockers ? "ready to merge" : "no conflicts" },
    behind: { tone: "blue", label: blockers ? "ready to merge (target moved)" : "no conflicts (target moved)" },
    conflicts: { tone: "red", label: "conflicts" },
  } as const;
  if (blockers?.length && (value === "clean" || value === "behind")) return <Badge tone="amber">{`blocked: ${blockers.join("; ")}`}</Badge>;
  return <Badge tone={meta[value].tone}>{meta[value].label}</Badge>;
}

export function StatusBadge({ state }: { state: "pending" | "success" | "failed" | null }) {
  if (!state) return null;
  const tone =
    state === "success" ? "green"
    : state === "failed" ? "red"
    : "amber";
  return <Badge tone={tone}>{state}</Badge>;
}
