import Link from "next/link";
import { redirect } from "next/navigation";
import { api, orNotFound } from "@/server/api/server";
import { hrefWith } from "@/components/pager";
import { StartFarmBuild } from "@/components/farm/start-build";
import { Badge, Breadcrumbs, Card, PageHeader, buttonClass } from "@/components/ui";

export const metadata = { title: "Generated build" };

type Search = { branch?: string; profile?: string; arch?: string; variant?: string };

export default async function FarmBuildPreviewPage({ searchParams }: { searchParams: Promise<Search> }) {
  const { branch, profile, arch, variant: v } = await searchParams;
  // The preview is of one profile: without one, the list of profiles is where to pick it.
  if (!branch || !profile || !arch) redirect("/farm");
  const variant = v === "clean" ? "clean" : "incremental";
  const caller = await api();
  const [job, canStart] = await Promise.all([orNotFound(caller.farm.preview({ branch, profile, arch, variant })), caller.farmBuilds.canStart()]);
  const other = variant === "clean" ? "incremental" : "clean";
  return (
    <>
      <Breadcrumbs items={[{ label: "Build farm" }, { label: "Build profiles", href: "/farm" }, { label: `${profile} (${arch})` }]} />
      <PageHeader
        title={`Build of ${profile} for ${arch}`}
        description={
          <>
            What a runner does for this profile from branch <code>{branch}</code> ({job.environment}): the portage configuration written into its clean Gentoo
            rootfs, then the steps in order.{" "}
            {variant === "clean" ? "A clean build starts from an empty package cache." : "An incremental build reuses the previous build's packages."}
          </>
        }
        actions={
          <span className="flex flex-wrap items-start gap-2">
            <Link className={buttonClass.secondary} href={hrefWith("/farm/build", { branch, profile, arch, variant: other })}>
              Show the {other} build
            </Link>
            {canStart && <StartFarmBuild target={{ environment: job.environment, arch, profile, variant }} label={`Run this ${variant} build`} />}
          </span>
        }
      />
      <div className="mb-4 flex flex-wrap gap-2 text-sm">
        <span>Job</span> <code>{job.name}</code>
        {job.tags.map((t) => (
          <Badge key={t}>{t}</Badge>
        ))}
        {job.needs.length > 0 && (
          <span>
            waits for <code>{job.needs.join(", ")}</code>
          </span>
        )}
      </div>
      <section aria-labelledby="files-heading" className="mb-8">
        <h2 id="files-heading" className="mb-2 text-lg font-semibold">
          Portage configuration
        </h2>
        <div className="space-y-3">
          {Object.entries(job.files).map(([file, content]) => (
            <Card key={file} className="overflow-x-auto p-3">
              <h3 className="mb-1 font-mono text-sm font-semibold">{file}</h3>
              <pre className="text-xs">{content}</pre>
            </Card>
          ))}
        </div>
      </section>
      <section aria-labelledby="steps-heading" className="mb-8">
        <h2 id="steps-heading" className="mb-2 text-lg font-semibold">
          Steps
        </h2>
        <ol className="space-y-2">
          {job.steps.map((s, i) => (
            <li key={s.name}>
              <Card className="overflow-x-auto p-3">
                <h3 className="mb-1 text-sm font-semibold">
                  {i + 1}. {s.name}
                </h3>
                <pre className="text-xs">{s.script.join("\n")}</pre>
              </Card>
            </li>
          ))}
        </ol>
      </section>
      <section aria-labelledby="artifacts-heading">
        <h2 id="artifacts-heading" className="mb-2 text-lg font-semibold">
          Artifacts
        </h2>
        <ul className="list-disc pl-5 text-sm">
          {job.artifacts.map((a) => (
            <li key={a.name}>
              <span className="font-medium">{a.name}</span> ({a.when === "always" ? "always" : "when the build succeeds"}): <code>{a.paths.join(", ")}</code>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
