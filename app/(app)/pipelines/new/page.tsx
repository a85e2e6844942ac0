import { redirect } from "next/navigation";
import { getSessionUser } from "@/server/auth/session";
import { RunPipelineForm } from "@/components/runners/run-pipeline-form";
import { Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "Run pipeline" };

export default async function NewPipelinePage() {
  const user = await getSessionUser();
  if (!user?.isAdmin) redirect("/pipelines");
  return (
    <>
      <Breadcrumbs items={[{ label: "Pipelines", href: "/pipelines" }, { label: "Run pipeline" }]} />
      <PageHeader title="Run pipeline" description="Jobs without needs are queued at once; the others wait for the jobs they need to pass." />
      <RunPipelineForm />
    </>
  );
}
