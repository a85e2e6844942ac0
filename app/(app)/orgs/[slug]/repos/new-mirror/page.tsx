import { notFound } from "next/navigation";
import { api, orNotFound } from "@/server/api/server";
import { NewMirrorForm } from "@/components/git/new-mirror-form";

export const metadata = { title: "Mirror an external repository" };

export default async function NewMirrorPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const { canCreate } = await orNotFound((await api()).repos.list({ slug }));
  if (!canCreate) notFound();
  return (
    <div className="space-y-4">
      <h2 className="text-lg font-semibold">Mirror an external repository</h2>
      <p className="max-w-2xl text-sm text-gray-600 dark:text-gray-400">
        Rookery fetches the upstream&apos;s branches and tags on a schedule (and when you press “Sync now”). The mirror is read-only here: branches and tags
        removed upstream disappear here too.
      </p>
      <NewMirrorForm slug={slug} />
    </div>
  );
}
