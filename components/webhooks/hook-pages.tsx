import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, Card, EmptyState } from "@/components/ui";
import type { PublicHook } from "@/server/webhooks";
import { DeleteHookButton, RefreshWhilePending, TestHookButton } from "./hook-actions";
import { HookForm } from "./hook-form";
import { hooksPath, type HookTarget } from "./paths";
import { DeliveryLog, EventList, HookTable } from "./hook-views";

function Title({ target, children }: { target: HookTarget; children?: ReactNode }) {
  return (
    <h2 className="text-xl font-semibold">
      {target.repo ?
        <>
          <Link href={`/orgs/${target.slug}/repos/${encodeURIComponent(target.repo)}`} className="hover:underline">
            {target.repo}
          </Link>{" "}
          <span className="font-normal text-gray-500">·</span>{" "}
        </>
      : null}
      <Link href={hooksPath(target)} className="hover:underline">
        Webhooks
      </Link>
      {children}
    </h2>
  );
}

function About({ target }: { target: HookTarget }) {
  return (
    <p className="max-w-3xl text-sm text-gray-600 dark:text-gray-400">
      {target.repo ?
        "Rookery POSTs a GitLab-shaped JSON payload to each URL when this repository changes."
      : "Organization webhooks fire for every repository of this organization, in addition to each repository's own."}{" "}
      Headers: <code>X-Rookery-Event</code> (push, tag, merge_request, merge, build), <code>X-Rookery-Delivery</code> (a unique id) and, with a secret,{" "}
      <code>X-Rookery-Signature: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</code>. Failed deliveries (no 2xx within 10 s) are retried 4 more times with
      growing delays.
    </p>
  );
}

type ListData = { canManage: boolean; hooks: Parameters<typeof HookTable>[0]["hooks"] };

export function HooksIndex({ target, data }: { target: HookTarget; data: ListData }) {
  return (
    <div className="space-y-6">
      <Title target={target} />
      <About target={target} />
      {!data.canManage ?
        <EmptyState title="Only leaders manage webhooks">
          Ask a leader of this organization to add or change {target.repo ? "this repository's" : "the organization's"} webhooks.
        </EmptyState>
      : <>
          <HookTable target={target} hooks={data.hooks} />
          <section aria-labelledby="add-hook-heading">
            <Card className="p-4">
              <h3 id="add-hook-heading" className="mb-3 font-semibold">
                Add webhook
              </h3>
              <HookForm target={target} />
            </Card>
          </section>
        </>
      }
    </div>
  );
}

type DetailData = {
  hook: PublicHook;
  pending: boolean;
  deliveries: { items: Parameters<typeof DeliveryLog>[0]["deliveries"]; nextCursor: string | null };
};

export function HookDetail({ target, data, atFirstPage }: { target: HookTarget; data: DetailData; atFirstPage: boolean }) {
  const { hook } = data;
  return (
    <div className="space-y-6">
      <Title target={target}>
        <span className="font-normal text-gray-500"> · </span>
        <span className="break-all font-mono text-base font-normal">{hook.url}</span>
      </Title>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex flex-wrap items-center gap-2 text-sm">
          {hook.active ?
            <Badge tone="green">Active</Badge>
          : <Badge>Disabled</Badge>}
          <EventList events={hook.events} />
          {hook.hasSecret ?
            <span className="text-gray-600 dark:text-gray-400">signed</span>
          : <span className="text-gray-500">unsigned</span>}
        </div>
        <div className="flex items-start gap-2">
          <TestHookButton target={target} id={hook.id} />
          <DeleteHookButton target={target} id={hook.id} />
        </div>
      </div>
      <section aria-labelledby="deliveries-heading">
        <div className="mb-2 flex items-center gap-3">
          <h3 id="deliveries-heading" className="font-semibold">
            Recent deliveries
          </h3>
          <RefreshWhilePending pending={data.pending} />
        </div>
        <DeliveryLog target={target} hookId={hook.id} deliveries={data.deliveries.items} nextCursor={data.deliveries.nextCursor} atFirstPage={atFirstPage} />
      </section>
      <section aria-labelledby="edit-hook-heading">
        <Card className="p-4">
          <h3 id="edit-hook-heading" className="mb-3 font-semibold">
            Settings
          </h3>
          <HookForm target={target} hook={hook} />
        </Card>
      </section>
    </div>
  );
}
