import { Badge } from "@/components/ui";

const tones = { production: "red", staging: "amber", development: "blue" } as const;

export function EnvironmentBadge({ environment }: { environment: "production" | "staging" | "development" | null }) {
  if (!environment) return null;
  return <Badge tone={tones[environment]}>{environment}</Badge>;
}
