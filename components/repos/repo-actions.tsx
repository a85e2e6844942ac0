import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { Alert, buttonClass } from "@/components/ui";
import { FlowButtons } from "./flow-buttons";

/** The repository page's actions: git-flow start buttons, new file, settings (each only for who may use it). */
export async function RepoActions({ slug, name, defaultRef }: { slug: string; name: string; defaultRef: string | null }) {
  const { archived, canWrite, canAdmin, suggestions } = await orNotFound((await api()).repoAdmin.flow({ slug, name }));
  const base = `/orgs/${slug}/repos/${encodeURIComponent(name)}`;
  return (
    <>
      {archived && <Alert tone="warning">This repository is archived: it can be cloned and browsed, but pushes and edits are refused.</Alert>}
      {(canWrite || canAdmin) && (
        <div className="flex flex-wrap items-start justify-between gap-3">
          {canWrite ?
            <FlowButtons slug={slug} name={name} suggestions={suggestions} />
          : <span />}
          <div className="flex gap-2">
            {canWrite && defaultRef && (
              <Link href={`${base}/new/${defaultRef.split("/").map(encodeURIComponent).join("/")}`} className={buttonClass.secondary}>
                New file
              </Link>
            )}
            {canAdmin && (
              <Link href={`${base}/settings`} className={buttonClass.secondary}>
                Settings
              </Link>
            )}
          </div>
        </div>
      )}
    </>
  );
}
