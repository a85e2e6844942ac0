import { redirect } from "next/navigation";
import { getSessionUser } from "@/server/auth/session";
import { api } from "@/server/api/server";
import { LoginForm } from "./login-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string }> }) {
  if ((await (await api()).setup.status()).needsSetup) redirect("/setup");
  if (await getSessionUser()) redirect("/");
  const { callbackUrl } = await searchParams;
  // Only same-site paths, never an open redirect.
  const next = callbackUrl && callbackUrl.startsWith("/") && !callbackUrl.startsWith("//") ? callbackUrl : "/";
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm">
        <h1 className="mb-1 text-center text-2xl font-semibold">Sign in to Rookery</h1>
        <p className="mb-6 text-center text-sm text-gray-600 dark:text-gray-400">Use your directory (LDAP) or local account.</p>
        <LoginForm next={next} />
      </div>
    </main>
  );
}
