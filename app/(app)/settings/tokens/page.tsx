import { api, orNotFound } from "@/server/api/server";
import { TokenManager } from "@/components/settings/token-manager";
import { Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "Access tokens" };

export default async function TokensPage() {
  const tokens = await orNotFound((await api()).me.tokens());
  return (
    <>
      <Breadcrumbs items={[{ label: "Settings", href: "/settings" }, { label: "Access tokens" }]} />
      <PageHeader
        title="Personal access tokens"
        description="Tokens let scripts, git and other tools act as you. They are stored hashed: you see a token only once, when you create it."
      />
      <TokenManager tokens={tokens} />
    </>
  );
}
