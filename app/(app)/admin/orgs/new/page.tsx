import { notFound } from "next/navigation";
import { api, orNotFound } from "@/server/api/server";
import { NewOrgForm } from "@/components/admin/new-org-form";
import { Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "New organization · Admin area" };

export default async function NewOrgPage() {
  const access = await orNotFound((await api()).admin.access());
  if (!access.createOrgs) notFound();
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Organizations", href: "/admin/orgs" }, { label: "New" }]} />
      <PageHeader
        title="New organization"
        description="A local organization, managed here rather than in the directory. You become its first leader and can add members on its page."
      />
      <NewOrgForm />
    </>
  );
}
