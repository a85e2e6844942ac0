import { api, orNotFound } from "@/server/api/server";
import { DeleteDistfileButton, PageLinks, UploadDistfileForm } from "@/components/farm/distfiles";
import { EmptyState, formatBytes, formatDate, Table, td, th } from "@/components/ui";

export const metadata = { title: "Private distfiles" };

export default async function OrgDistfilesPage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<{ page?: string }> }) {
  const { slug } = await params;
  const page = Math.max(1, Number.parseInt((await searchParams).page ?? "1", 10) || 1);
  const files = await orNotFound((await api()).distfiles.orgList({ org: slug, page }));
  const pages = Math.max(1, Math.ceil(files.total / files.perPage));
  return (
    <>
      <h2 className="mb-2 text-lg font-semibold">Private distfiles</h2>
      <p className="mb-4 text-sm text-gray-600 dark:text-gray-400">
        Sources of fetch-restricted packages (<code>RESTRICT=&quot;fetch&quot;</code>) for this organization&apos;s builds and hosts, served only to its members
        and administrators at the usual mirror paths. Portage fetches such files only from a <code>local</code> mirror: on a host, put{" "}
        <code>local {files.mirror.replace("://", "://USER:TOKEN@")}</code> in <code>/etc/portage/mirrors</code> (a read token of a member). When a Manifest of
        the portage tree or the overlay lists the file, an upload must match it.
      </p>
      {files.canManage && <UploadDistfileForm org={slug} />}
      {files.rows.length === 0 ?
        <EmptyState title="No private distfiles">
          {files.canManage ?
            "Upload a file above, or with curl: curl -T FILE -u USER:TOKEN " + `${files.mirror}/distfiles/orgs/${slug}/FILE`
          : "Leaders of this organization upload them."}
        </EmptyState>
      : <Table label="Private distfiles">
          <thead>
            <tr>
              <th className={th}>File</th>
              <th className={th}>Size</th>
              <th className={th}>Uploaded</th>
              <th className={th}>Last use</th>
              {files.canManage && (
                <th className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
            {files.rows.map((f) => (
              <tr key={f.id}>
                <td className={td}>
                  <a className="font-mono text-xs text-brand-600 underline" href={`/distfiles/orgs/${slug}/${encodeURIComponent(f.filename)}`}>
                    {f.filename}
                  </a>
                </td>
                <td className={td}>{formatBytes(f.size)}</td>
                <td className={td}>{formatDate(f.createdAt)}</td>
                <td className={td}>{formatDate(f.lastUsedAt)}</td>
                {files.canManage && (
                  <td className={`${td} text-right`}>
                    <DeleteDistfileButton id={f.id} filename={f.filename} org={slug} />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </Table>
      }
      <PageLinks path={`/orgs/${slug}/distfiles`} params={{}} page={files.page} pages={pages} />
    </>
  );
}
