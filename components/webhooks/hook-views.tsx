import Link from "next/link";
import { Badge, EmptyState, formatDate, Table, td, th } from "@/components/ui";
import { Pager } from "@/components/pager";
import { webhookEventLabels, type WebhookEvent } from "@/server/webhooks/events";
import { RedeliverButton } from "./hook-actions";
import { hooksPath, type HookTarget } from "./paths";

type DeliveryStatus = "pending" | "success" | "failed";

export function DeliveryBadge({ status, code }: { status: DeliveryStatus; code: number | null }) {
  const tone =
    status === "success" ? "green"
    : status === "failed" ? "red"
    : "blue";
  const label =
    status === "pending" ? "pending"
    : code !== null ? String(code)
    : "error";
  return <Badge tone={tone}>{label}</Badge>;
}

export function EventList({ events }: { events: WebhookEvent[] }) {
  return (
    <span className="flex flex-wrap gap-1">
      {events.map((e) => (
        <Badge key={e}>{webhookEventLabels[e].label.replace(/ events$/, "")}</Badge>
      ))}
    </span>
  );
}

type HookRow = {
  id: string;
  url: string;
  events: WebhookEvent[];
  active: boolean;
  hasSecret: boolean;
  lastDelivery: { status: DeliveryStatus; responseStatus: number | null; createdAt: Date } | null;
};

export function HookTable({ target, hooks }: { target: HookTarget; hooks: HookRow[] }) {
  if (!hooks.length)
    return (
      <EmptyState title="No webhooks yet">
        Add one below to notify a CI server or chat bot when {target.repo ? "this repository" : "any repository of this organization"} changes.
      </EmptyState>
    );
  return (
    <Table label="Webhooks">
      <thead>
        <tr>
          <th className={th}>URL</th>
          <th className={th}>Trigger</th>
          <th className={th}>Status</th>
          <th className={th}>Last delivery</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
        {hooks.map((h) => (
          <tr key={h.id}>
            <td className={td}>
              <Link href={`${hooksPath(target)}/${h.id}`} className="break-all font-mono text-xs text-brand-700 hover:underline dark:text-brand-100">
                {h.url}
              </Link>
              {h.hasSecret && <span className="ml-2 text-xs text-gray-500">signed</span>}
            </td>
            <td className={td}>
              <EventList events={h.events} />
            </td>
            <td className={td}>
              {h.active ?
                <Badge tone="green">Active</Badge>
              : <Badge>Disabled</Badge>}
            </td>
            <td className={td}>
              {h.lastDelivery ?
                <span className="flex items-center gap-2">
                  <DeliveryBadge status={h.lastDelivery.status} code={h.lastDelivery.responseStatus} /> {formatDate(h.lastDelivery.createdAt)}
                </span>
              : <span className="text-gray-500">never</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

type Attempt = {
  id: string;
  attempt: number;
  startedAt: Date;
  durationMs: number;
  responseStatus: number | null;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  error: string | null;
};
type DeliveryRow = {
  id: string;
  event: string;
  trigger: string;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  createdAt: Date;
  requestHeaders: Record<string, string>;
  requestBody: string;
  attemptLog: Attempt[];
};

function pretty(body: string) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function Headers({ headers }: { headers: Record<string, string> }) {
  return (
    <pre className="overflow-x-auto rounded bg-gray-50 p-2 text-xs dark:bg-gray-900">
      {Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join("\n")}
    </pre>
  );
}

const triggerLabel: Record<string, string> = { event: "", test: "test", redeliver: "redelivery" };

/** The delivery log: newest first, each expandable to its request and every attempt's response. */
export function DeliveryLog({
  target,
  hookId,
  deliveries,
  nextCursor,
  atFirstPage,
}: {
  target: HookTarget;
  hookId: string;
  deliveries: DeliveryRow[];
  nextCursor: string | null;
  atFirstPage: boolean;
}) {
  const path = `${hooksPath(target)}/${hookId}`;
  if (!deliveries.length)
    return (
      <EmptyState title="Nothing delivered yet">Press “Test” to send a sample push, or push to {target.repo ? "the repository" : "a repository"}.</EmptyState>
    );
  return (
    <>
      <ul aria-label="Deliveries" className="divide-y divide-gray-200 rounded-lg border border-gray-200 dark:divide-gray-700 dark:border-gray-700">
        {deliveries.map((d) => (
          <li key={d.id} aria-label={`Delivery ${d.id}`}>
            <details className="group">
              <summary className="flex cursor-pointer flex-wrap items-center gap-3 px-3 py-2 text-sm hover:bg-gray-50 dark:hover:bg-gray-800">
                <DeliveryBadge status={d.status} code={d.responseStatus} />
                <span className="font-medium">{d.event}</span>
                {triggerLabel[d.trigger] && <Badge tone="purple">{triggerLabel[d.trigger]}</Badge>}
                <span className="text-gray-600 dark:text-gray-400">{formatDate(d.createdAt)}</span>
                {d.durationMs !== null && <span className="text-gray-500">{d.durationMs} ms</span>}
                <span className="text-gray-500">
                  {d.attempts} of {d.maxAttempts} attempt{d.maxAttempts === 1 ? "" : "s"}
                </span>
                <span className="ml-auto font-mono text-xs text-gray-400">{d.id}</span>
              </summary>
              <div className="space-y-3 px-3 pb-3 text-sm">
                <div className="flex justify-end">
                  <RedeliverButton target={target} id={hookId} deliveryId={d.id} />
                </div>
                <section>
                  <h4 className="mb-1 font-semibold">Request</h4>
                  <Headers headers={d.requestHeaders} />
                  <pre className="mt-1 max-h-96 overflow-auto rounded bg-gray-50 p-2 text-xs dark:bg-gray-900">{pretty(d.requestBody)}</pre>
                </section>
                {d.attemptLog.map((a) => (
                  <section key={a.id} aria-label={`Attempt ${a.attempt}`}>
                    <h4 className="mb-1 font-semibold">
                      Attempt {a.attempt} · {formatDate(a.startedAt)} · {a.durationMs} ms ·{" "}
                      {a.responseStatus !== null ? `HTTP ${a.responseStatus}` : <span className="text-red-700 dark:text-red-400">{a.error}</span>}
                    </h4>
                    {a.responseStatus !== null && a.error && <p className="text-red-700 dark:text-red-400">{a.error}</p>}
                    {a.responseHeaders && <Headers headers={a.responseHeaders} />}
                    {a.responseBody ?
                      <pre className="mt-1 max-h-64 overflow-auto rounded bg-gray-50 p-2 text-xs dark:bg-gray-900">{a.responseBody}</pre>
                    : a.responseStatus !== null && <p className="text-gray-500">Empty response body</p>}
                  </section>
                ))}
                {d.status === "pending" && <p className="text-gray-500">{d.attempts ? "Waiting to retry…" : "Queued…"}</p>}
              </div>
            </details>
          </li>
        ))}
      </ul>
      <Pager path={path} params={{}} atFirstPage={atFirstPage} nextCursor={nextCursor} nextLabel="Older deliveries" firstLabel="Newest deliveries" />
    </>
  );
}
