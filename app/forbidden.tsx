import Link from "next/link";
import { denialReason } from "@/server/api/server";

/** 403: a member of the organization whose role does not allow the page; says which role it needs. */
export default async function Forbidden() {
  const reason = await denialReason();
  return (
    <main className="mx-auto max-w-lg px-6 py-24 text-center">
      <p className="text-sm font-semibold text-brand-600">403</p>
      <h1 className="mt-2 text-2xl font-semibold">Your role does not allow this page</h1>
      <p className="mt-2 text-sm text-gray-600 dark:text-gray-400">{reason ?? "Ask a leader of the organization for a role that allows it."}</p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
        Back to your dashboard
      </Link>
    </main>
  );
}
