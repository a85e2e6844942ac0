import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { encodePath } from "@/components/code/urls";
import { StartFarmBuild } from "@/components/farm/start-build";
import { hrefWith } from "@/components/pager";
import { Alert, Badge, Breadcrumbs, buttonClass, Card, EmptyState, PageHeader } from "@/components/ui";

export const metadata = { title: "Build profiles" };

const envTone = { production: "red", staging: "amber", development: "blue" } as const;

function KeyValues({ entries }: { entries: [string, string][] }) {
  if (!entries.length) return <span className="text-gray-500">—</span>;
  return (
    <ul className="font-mono text-xs">
      {entries.map(([k, v]) => (
        <li key={k}>
          {k} <span className="text-gray-600 dark:text-gray-400">{v}</span>
        </li>
      ))}
    </ul>
  );
}

export default async function FarmProfilesPage() {
  const caller = await api();
  const [branches, canBuild] = await Promise.all([orNotFound(caller.farm.profiles()), caller.farmBuilds.canStart()]);
  return (
    <>
      <Breadcrumbs items={[{ label: "Build farm" }, { label: "Build profiles" }]} />
      <PageHeader
        title="Build profiles"
        description={
          <>
            What the farm builds, read from{" "}
            <Link className="text-brand-600 underline" href="/orgs/infrastructure/repos/build-profiles">
              infrastructure/build-profiles
            </Link>{" "}
            at the head of each branch: <code>develop</code> → development, <code>release/*</code> and <code>hotfix/*</code> → staging, <code>master</code> →
            production. Feature branches are shown to check a change before it is merged.
          </>
        }
        actions={
          <span className="flex gap-2">
            <Link className={buttonClass.secondary} href="/farm/builds">
              Build matrix
            </Link>
            <Link className={buttonClass.secondary} href="/farm/schedules">
              Schedules
            </Link>
          </span>
        }
      />
      {branches.length === 0 && <EmptyState title="No build profiles yet">The repository infrastructure/build-profiles has no branches.</EmptyState>}
      {branches.map((b) => (
        <section key={b.branch} aria-label={`Branch ${b.branch}`} className="mb-10">
          <h2 className="mb-2 flex flex-wrap items-center gap-2 text-lg font-semibold">
            <code>{b.branch}</code>
            {b.environment ?
              <Badge tone={envTone[b.environment]}>{b.environment}</Badge>
            : <Badge>proposal</Badge>}
            <span className="font-mono text-xs font-normal text-gray-500">{b.commit.slice(0, 10)}</span>
          </h2>
          {b.errors.length > 0 && (
            <div className="mb-3">
              <Alert>
                <p className="font-medium">
                  {b.errors.length} problem{b.errors.length === 1 ? "" : "s"} in this branch; the profiles affected are not built:
                </p>
                <ul className="mt-1 list-disc pl-5 font-mono text-xs">
                  {b.errors.map((e, i) => (
                    <li key={i}>
                      {e.file}:{e.line}:{e.column}: {e.message}
                    </li>
                  ))}
                </ul>
              </Alert>
            </div>
          )}
          <div className="space-y-2">
            {b.profiles.map((p) => (
              <Card key={p.name} className="p-0">
                <details>
                  <summary className="flex cursor-pointer flex-wrap items-center gap-2 px-4 py-2">
                    <span className="font-semibold">{p.name}</span>
                    <Badge tone={p.kind === "system" ? "purple" : "green"}>{p.kind}</Badge>
                    {p.parents.length > 0 && <span className="text-xs text-gray-600 dark:text-gray-400">inherits {p.parents.join(" → ")}</span>}
                    <span className="text-xs text-gray-600 dark:text-gray-400">
                      {p.portageProfile} · {p.architectures.join(", ")} · {p.packages.length} own package{p.packages.length === 1 ? "" : "s"}
                    </span>
                    {p.description && <span className="text-sm text-gray-700 dark:text-gray-300">— {p.description}</span>}
                  </summary>
                  <div
                    className="grid gap-4 border-t border-gray-200 px-4 py-3 text-sm md:grid-cols-2 dark:border-gray-700"
                    aria-label={`Resolved configuration of ${p.name}`}
                  >
                    <div>
                      <h3 className="mb-1 font-medium">make.conf</h3>
                      <KeyValues entries={Object.entries(p.make).map(([k, v]) => [k, `"${v}"`])} />
                    </div>
                    <div>
                      <h3 className="mb-1 font-medium">Packages (whole chain)</h3>
                      <KeyValues entries={p.allPackages.map((a) => [a, p.packages.includes(a) ? "" : "(inherited)"])} />
                    </div>
                    <div>
                      <h3 className="mb-1 font-medium">package.use</h3>
                      <KeyValues entries={Object.entries(p.use).map(([a, f]) => [a, f.join(" ")])} />
                    </div>
                    <div>
                      <h3 className="mb-1 font-medium">package.accept_keywords</h3>
                      <KeyValues entries={Object.entries(p.acceptKeywords).map(([a, k]) => [a, k.join(" ")])} />
                    </div>
                    <div>
                      <h3 className="mb-1 font-medium">package.mask / unmask</h3>
                      <KeyValues entries={[...p.mask.map((a): [string, string] => [a, "masked"]), ...p.unmask.map((a): [string, string] => [a, "unmasked"])]} />
                    </div>
                    <div>
                      <h3 className="mb-1 font-medium">Generated build</h3>
                      <ul className="space-y-1">
                        {p.architectures.map((arch) => (
                          <li key={arch}>
                            <Link className="text-brand-600 underline" href={hrefWith("/farm/build", { branch: b.branch, profile: p.name, arch })}>
                              {arch}: portage files and steps
                            </Link>
                          </li>
                        ))}
                        {canBuild && (
                          <li>
                            <Link
                              className="text-brand-600 underline"
                              href={`/orgs/infrastructure/repos/build-profiles/edit/${encodePath(b.branch)}/profiles/${p.name}.yaml`}
                            >
                              Edit {p.name}.yaml
                            </Link>{" "}
                            <span className="text-xs text-gray-500">(a commit on a feature branch and a merge request)</span>
                          </li>
                        )}
                      </ul>
                    </div>
                  </div>
                </details>
              </Card>
            ))}
          </div>
          {b.stacks.length > 0 && (
            <div className="mt-3 text-sm">
              <h3 className="font-medium">Stacks</h3>
              <ul className="list-disc pl-5">
                {b.stacks.map((s) => (
                  <li key={s.name}>
                    <span className="font-semibold">{s.name}</span>: {s.profiles.join(" + ")}
                    {s.description && <span className="text-gray-600 dark:text-gray-400"> — {s.description}</span>}
                    {b.environment &&
                      b.profiles
                        .find((p) => p.name === s.system)
                        ?.architectures.map((arch) => (
                          <span key={arch} className="ml-2 text-xs">
                            {arch}:{" "}
                            <a className="text-brand-600 underline" href={`/packages/${b.environment}/stacks/${s.name}/${arch}/binrepos.conf`}>
                              binrepos.conf
                            </a>{" "}
                            <a className="text-brand-600 underline" href={`/packages/${b.environment}/stacks/${s.name}/${arch}/make.conf`}>
                              make.conf
                            </a>
                            {canBuild && b.environment && (
                              <span className="ml-2 inline-block align-middle">
                                <StartFarmBuild
                                  target={{ environment: b.environment, arch, stack: s.name, variant: "incremental" }}
                                  label={`Build stack (${arch})`}
                                />
                              </span>
                            )}
                          </span>
                        ))}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </section>
      ))}
    </>
  );
}
