import Link from "next/link";
import { notFound } from "next/navigation";
import { Alert, Badge, Breadcrumbs, EmptyState, PageHeader, Table, buttonClass, formatBytes, formatDate, inputClass, td, th } from "@/components/ui";
import { api, orNotFound } from "@/server/api/server";
import { changeText } from "@/lib/package-change";

type Props = {
  params: Promise<{ env: string; arch: string; profile: string }>;
  searchParams: Promise<{ from?: string; to?: string; good?: string; bad?: string }>;
};

export async function generateMetadata({ params }: Props) {
  const { env, arch, profile } = await params;
  return { title: `Published builds · ${profile} · ${env}/${arch}` };
}

const valid = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const num = (s?: string) => (s && /^\d{1,9}$/.test(s) && Number(s) > 0 ? Number(s) : null);

/** A refusal the page shows instead of failing (a removed build, an unknown number). */
async function attempt<T>(p: Promise<T>): Promise<{ ok: T } | { error: string }> {
  try {
    return { ok: await p };
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (e instanceof Error && ["CONFLICT", "NOT_FOUND", "BAD_REQUEST"].includes(code ?? "")) return { error: e.message };
    throw e;
  }
}

const tone = { added: "green", removed: "red", rebuilt: "gray", upgraded: "blue", downgraded: "amber" } as const;

function Changes({ changes, label }: { changes: { package: string; from: string | null; to: string | null; kind: keyof typeof tone }[]; label: string }) {
  if (!changes.length) return <p className="text-sm text-gray-600 dark:text-gray-400">Same packages.</p>;
  return (
    <ul className="space-y-0.5 text-sm" aria-label={label}>
      {changes.map((c) => (
        <li key={`${c.package}-${c.kind}-${c.from}-${c.to}`}>
          <Badge tone={tone[c.kind]}>{c.kind}</Badge> <span className="font-mono">{changeText(c)}</span>
        </li>
      ))}
    </ul>
  );
}

/** The numbered builds of a binhost (GBP's view): what each changed, tags, and compare / bisect between any two. */
export default async function PublishedBuildsPage({ params, searchParams }: Props) {
  const { env, arch, profile } = await params;
  if (![env, arch, profile].every((s) => valid.test(s))) notFound();
  const sp = await searchParams;
  const t = { environment: env, arch, profile };
  const caller = await api();
  const { builds, tags } = await orNotFound(caller.publishedBuilds.list(t));
  const [from, to, good, bad] = [num(sp.from), num(sp.to), num(sp.good), num(sp.bad)];
  const compared = from && to ? await attempt(caller.publishedBuilds.compare({ ...t, from, to })) : null;
  const bisected = good && bad ? await attempt(caller.publishedBuilds.bisect({ ...t, good, bad })) : null;
  const base = `/farm/builds/${env}/${arch}/${profile}/published`;
  const feed = `/packages/${env}/gentoo/${arch}/${profile}/builds.atom`;
  return (
    <>
      <Breadcrumbs
        items={[
          { label: "Build farm", href: "/farm" },
          { label: "Build matrix", href: "/farm/builds" },
          { label: `${profile} · ${env}/${arch}`, href: `/farm/builds/${env}/${arch}/${profile}` },
          { label: "Published builds" },
        ]}
      />
      <PageHeader
        title={`Published builds of ${profile} (${env}, ${arch})`}
        description={
          <>
            Every publication of this binhost is a numbered build. Tagged builds are served at{" "}
            <code>
              /packages/{env}/gentoo/{arch}/{profile}@TAG/
            </code>{" "}
            and retention never deletes them.
            {tags.length > 0 && (
              <>
                {" "}
                Tags:{" "}
                {tags.map((x) => (
                  <span key={x.name} className="mr-1">
                    <Badge tone="purple">@{x.name}</Badge> → {x.number ?? "?"}
                  </span>
                ))}
              </>
            )}
          </>
        }
        actions={
          <a className={buttonClass.secondary} href={feed}>
            Atom feed
          </a>
        }
      />
      {builds.length === 0 ?
        <EmptyState title="Nothing published">No build of this target has been published yet.</EmptyState>
      : <>
          <Table label="Published builds">
            <thead>
              <tr>
                <th className={th}>Build</th>
                <th className={th}>Published</th>
                <th className={th}>Packages</th>
                <th className={th}>Changes</th>
                <th className={th}>Job</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {builds.map((b) => (
                <tr key={b.id}>
                  <td className={td}>
                    <Link className="font-semibold text-brand-600 hover:underline" href={`${base}/${b.number}`}>
                      Build {b.number}
                    </Link>{" "}
                    {b.live && <Badge tone="green">live</Badge>} {b.removedAt && <Badge tone="red">removed</Badge>}{" "}
                    {b.tags.map((x) => (
                      <Badge key={x} tone="purple">
                        @{x}
                      </Badge>
                    ))}
                  </td>
                  <td className={td}>{formatDate(b.createdAt)}</td>
                  <td className={td}>
                    {b.packageCount} · {formatBytes(b.bytes)}
                  </td>
                  <td className={td}>
                    {b.changes ?
                      <span className="text-sm">
                        vs {b.previousNumber}:{" "}
                        {Object.entries(b.changes)
                          .filter(([, n]) => n > 0)
                          .map(([k, n]) => `${n} ${k}`)
                          .join(", ") || "same packages"}
                      </span>
                    : <span className="text-gray-500">—</span>}
                  </td>
                  <td className={td}>
                    {b.jobId ?
                      <Link className="text-brand-600 hover:underline" href={`/jobs/${b.jobId}`}>
                        log
                      </Link>
                    : <span className="text-gray-500">uploaded</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>

          <div className="mt-8 grid gap-8 md:grid-cols-2">
            <section aria-labelledby="compare-heading">
              <h2 id="compare-heading" className="mb-2 text-lg font-semibold">
                Compare two builds
              </h2>
              <form method="get" action={base} className="mb-3 flex items-end gap-2">
                <label className="text-sm">
                  From build
                  <input name="from" type="number" min={1} defaultValue={from ?? ""} className={`${inputClass} w-24`} />
                </label>
                <label className="text-sm">
                  To build
                  <input name="to" type="number" min={1} defaultValue={to ?? ""} className={`${inputClass} w-24`} />
                </label>
                <button className={buttonClass.secondary} type="submit">
                  Compare
                </button>
              </form>
              {compared && "error" in compared && <Alert>{compared.error}</Alert>}
              {compared && "ok" in compared && (
                <>
                  <p className="mb-1 text-sm">
                    From build {compared.ok.from.number} to build {compared.ok.to.number}:
                  </p>
                  <Changes changes={compared.ok.changes} label={`Changes from build ${compared.ok.from.number} to build ${compared.ok.to.number}`} />
                </>
              )}
            </section>
            <section aria-labelledby="bisect-heading">
              <h2 id="bisect-heading" className="mb-2 text-lg font-semibold">
                Bisect
              </h2>
              <form method="get" action={base} className="mb-3 flex items-end gap-2">
                <label className="text-sm">
                  Good build
                  <input name="good" type="number" min={1} defaultValue={good ?? ""} className={`${inputClass} w-24`} />
                </label>
                <label className="text-sm">
                  Bad build
                  <input name="bad" type="number" min={1} defaultValue={bad ?? ""} className={`${inputClass} w-24`} />
                </label>
                <button className={buttonClass.secondary} type="submit">
                  Bisect
                </button>
              </form>
              {bisected && "error" in bisected && <Alert>{bisected.error}</Alert>}
              {bisected && "ok" in bisected && (
                <ol className="space-y-3" aria-label="Bisect steps">
                  {bisected.ok.skipped.length > 0 && (
                    <li className="text-sm text-gray-600 dark:text-gray-400">
                      Removed by retention (their changes show in the next step): {bisected.ok.skipped.join(", ")}
                    </li>
                  )}
                  {bisected.ok.steps.map((s) => (
                    <li key={s.to.id}>
                      <h3 className="text-sm font-semibold">
                        Build {s.from.number} → build {s.to.number}
                      </h3>
                      <Changes changes={s.changes} label={`Changes from build ${s.from.number} to build ${s.to.number}`} />
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </div>
        </>
      }
    </>
  );
}
