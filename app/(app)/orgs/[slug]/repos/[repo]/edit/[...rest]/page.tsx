import { decodeUrlSegments } from "@/server/git/plumbing/browse";
import { FileEditorPage } from "@/components/repos/file-editor-page";

type Props = { params: Promise<{ slug: string; repo: string; rest: string[] }> };

export async function generateMetadata({ params }: Props) {
  const { repo, rest } = await params;
  return { title: `Edit ${decodeUrlSegments(rest)?.at(-1) ?? "file"} · ${repo}` };
}

export default async function EditFilePage({ params }: Props) {
  const { slug, repo, rest } = await params;
  return <FileEditorPage slug={slug} name={repo} rest={rest} mode="edit" />;
}
