import { Badge } from "@/components/ui";

export function CertStateBadge({ state, daysLeft }: { state: "pending" | "issued" | "rejected" | "revoked"; daysLeft: number | null }) {
  if (state === "issued" && daysLeft !== null && daysLeft < 0) return <Badge tone="gray">Expired</Badge>;
  if (state === "issued" && daysLeft !== null && daysLeft <= 30) return <Badge tone="amber">Expires in {daysLeft} days</Badge>;
  return {
    pending: <Badge tone="blue">Pending</Badge>,
    issued: <Badge tone="green">Valid</Badge>,
    rejected: <Badge tone="red">Rejected</Badge>,
    revoked: <Badge tone="red">Revoked</Badge>,
  }[state];
}
