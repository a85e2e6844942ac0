import { redirect } from "next/navigation";
import { mayRunPipelines } from "@/server/auth/policies/pipeline";
import { pageActor } from "@/server/api/server";
import { RunPipelineForm } from "@/components/runners/run-pipeline-form";
import { Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "Run pipeline" };

export default async function NewPipelinePage() {
  if (!mayRunPipelines(await pageActor())) redirect("/pipelines");
  return (
    <>
      <Breadcrumbs items={[{ label: "Pipelines", href: "/pipelines" }, { label: "Run pipeline" }]} />
      <PageHeader title="Run pipeline" description="Jobs without needs are queued at once; the others wait for the jobs they need to pass." />
      <RunPipelineForm />
    </>
  );
}
