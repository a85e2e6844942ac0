import { FileEditorPage } from "@/components/repos/file-editor-page";

type Props = { params: Promise<{ slug: string; repo: string; rest: string[] }> };

export async function generateMetadata({ params }: Props) {
  const { repo } = await params;
  return { title: `New file · ${repo}` };
}

/** /new/<branch>[/<directory>]: add a file on a branch (or a feature branch made from it). */
export default async function NewFilePage({ params }: Props) {
  const { slug, repo, rest } = await params;
  return <FileEditorPage slug={slug} name={repo} rest={rest} mode="new" />;
}
