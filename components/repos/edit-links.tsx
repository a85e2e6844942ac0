import Link from "next/link";
import { api } from "@/server/api/server";
import { buttonClass } from "@/components/ui";
import { encodeSegments } from "./load";

const base = (slug: string, name: string) => `/orgs/${slug}/repos/${encodeURIComponent(name)}`;

async function canWrite(slug: string, name: string) {
  return (await (await api()).repoAdmin.access({ slug, name }).catch(() => null))?.canWrite ?? false;
}

/** "Edit" on a file view of a branch, for those who may write (the editor decides the target branch). */
export async function EditFileLink({ slug, name, branch, path }: { slug: string; name: string; branch: string; path: string }) {
  if (!(await canWrite(slug, name))) return null;
  return (
    <Link href={`${base(slug, name)}/edit/${encodeSegments(branch)}/${encodeSegments(path)}`} className={buttonClass.secondary}>
      Edit
    </Link>
  );
}

/** "New file" in a directory of a branch. */
export async function NewFileLink({ slug, name, branch, dir }: { slug: string; name: string; branch: string; dir: string }) {
  if (!(await canWrite(slug, name))) return null;
  return (
    <Link href={`${base(slug, name)}/new/${encodeSegments(branch)}${dir ? `/${encodeSegments(dir)}` : ""}`} className={buttonClass.secondary}>
      New file
    </Link>
  );
}
