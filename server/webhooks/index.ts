/** Webhooks: hooks per repo and per org, GitLab-shaped payloads, signed and retried deliveries. */
export { webhookEvents, webhookEventLabels, type WebhookEvent } from "./events";
export {
  createHook,
  deleteHook,
  getHook,
  listHooks,
  normalizeHookUrl,
  publicHook,
  updateHook,
  WebhookInputError,
  type HookScope,
  type PublicHook,
  type Webhook,
} from "./hooks";
export { emitRepoEvent, redeliver, sendTestDelivery, listDeliveries, hasPendingDeliveries, signBody, deliverWebhookJob } from "./deliver";
export { emitPushEvents } from "./push";
