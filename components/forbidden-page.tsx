import Link from "next/link";

export const GENERIC_DENIAL =
  "You are a member of this organization, but this page needs a higher role (developer or leader). Ask one of its leaders for the role you need.";

/** The 403 page: a member of the organization whose role does not allow the page, and which role it needs. */
export function ForbiddenPage({ reason }: { reason: string }) {
  return (
    <div className="mx-auto max-w-lg px-6 py-24 text-center">
      <p className="text-sm font-semibold text-brand-600">403</p>
      <h1 className="mt-2 text-2xl font-semibold">Your role does not allow this page</h1>
      <p className="mt-2 text-sm text-gray-600 dark:text-gray-400">{reason}</p>
      <Link href="/" className="mt-6 inline-block text-sm font-medium text-brand-600 hover:underline">
        Back to your dashboard
      </Link>
    </div>
  );
}
