import { notFound } from "next/navigation";
import { api, orNotFound } from "@/server/api/server";
import { HookDetail } from "@/components/webhooks/hook-pages";

export const metadata = { title: "Webhook" };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function OrgHookPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string; id: string }>;
  searchParams: Promise<{ cursor?: string }>;
}) {
  const [{ slug, id }, { cursor }] = await Promise.all([params, searchParams]);
  if (!uuid.test(id) || (cursor && !uuid.test(cursor))) notFound();
  const data = await orNotFound((await api()).webhooks.get({ slug, id, cursor: cursor || undefined }));
  return <HookDetail target={{ slug }} data={data} atFirstPage={!cursor} />;
}
