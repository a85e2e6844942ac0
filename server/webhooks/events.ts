/** What webhooks can subscribe to; the value of X-Rookery-Event. */
export const webhookEvents = ["push", "tag", "merge_request", "merge", "build"] as const;
export type WebhookEvent = (typeof webhookEvents)[number];

export const webhookEventLabels: Record<WebhookEvent, { label: string; hint: string }> = {
  push: { label: "Push events", hint: "Branches created, updated or deleted" },
  tag: { label: "Tag push events", hint: "Tags created or deleted" },
  merge_request: { label: "Merge request events", hint: "Merge requests opened, updated or closed" },
  merge: { label: "Merge events", hint: "A merge request was merged" },
  build: { label: "Build events", hint: "A build started, succeeded or failed" },
};

export const ZERO_SHA = "0000000000000000000000000000000000000000";
export const isZeroSha = (sha: string) => /^0+$/.test(sha);
