import { api, orNotFound } from "@/server/api/server";
import { HooksIndex } from "@/components/webhooks/hook-pages";

type Props = { params: Promise<{ slug: string; repo: string }> };

export async function generateMetadata({ params }: Props) {
  const { repo } = await params;
  return { title: `Webhooks · ${repo}` };
}

export default async function RepoHooksPage({ params }: Props) {
  const { slug, repo } = await params;
  const name = repo;
  const data = await orNotFound((await api()).webhooks.list({ slug, repo: name }));
  return <HooksIndex target={{ slug, repo: name }} data={data} />;
}
