import { OrgCertTabs } from "@/components/pki/pki-tabs";
import { PuppetAgents } from "@/components/pki/puppet-agents";

export const metadata = { title: "Puppet agents" };

export default async function OrgPuppetPage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ q?: string; state?: string; page?: string }>;
}) {
  const { slug } = await params;
  return (
    <div>
      <OrgCertTabs slug={slug} active="puppet" />
      <PuppetAgents slug={slug} path={`/orgs/${slug}/certificates/puppet`} searchParams={await searchParams} />
    </div>
  );
}
