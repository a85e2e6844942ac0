import { api, orNotFound } from "@/server/api/server";
import { HooksIndex } from "@/components/webhooks/hook-pages";

export const metadata = { title: "Webhooks" };

export default async function OrgHooksPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const data = await orNotFound((await api()).webhooks.list({ slug }));
  return <HooksIndex target={{ slug }} data={data} />;
}
