import { Badge } from "@/components/ui";

export function StateBadge({ state }: { state: "open" | "merged" | "closed" }) {
  const tone = state === "open" ? "green" : state === "merged" ? "purple" : "red";
  return <Badge tone={tone}>{state}</Badge>;
}

export function MergeabilityBadge({ value }: { value: "checking" | "clean" | "conflicts" | "behind" }) {
  const meta = {
    checking: { tone: "gray", label: "checking…" },
    clean: { tone: "green", label: "can be merged" },
    behind: { tone: "blue", label: "can be merged (target moved)" },
    conflicts: { tone: "red", label: "conflicts" },
  } as const;
  return <Badge tone={meta[value].tone}>{meta[value].label}</Badge>;
}

export function StatusBadge({ state }: { state: "pending" | "success" | "failed" | null }) {
  if (!state) return null;
  const tone = state === "success" ? "green" : state === "failed" ? "red" : "amber";
  return <Badge tone={tone}>{state}</Badge>;
}
