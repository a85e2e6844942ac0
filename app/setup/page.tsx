import { notFound } from "next/navigation";
import { Alert, Card } from "@/components/ui";
import { isSetupToken } from "@/server/auth/setup-token";
import { api } from "@/server/api/server";
import { SetupForm } from "./setup-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Set up Rookery" };

export default async function SetupPage({ searchParams }: { searchParams: Promise<{ token?: string }> }) {
  if (!(await (await api()).setup.status()).needsSetup) notFound();
  const { token } = await searchParams;
  const valid = isSetupToken(typeof token === "string" ? token : null);
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md">
        <h1 className="mb-1 text-center text-2xl font-semibold">Welcome to Rookery</h1>
        {valid ?
          <>
            <p className="mb-6 text-center text-sm text-gray-600 dark:text-gray-400">
              Create the first administrator. This local account can sign in even when the directory is down.
            </p>
            <SetupForm token={token!} />
          </>
        : <Card className="space-y-3 p-6 text-sm">
            <p>
              Rookery has no administrator yet. Whoever started it creates the first one with the setup link printed on its console, which looks like{" "}
              <code className="break-all">/setup?token=…</code> (run <code>npm start</code> again to see it).
            </p>
            <p className="text-gray-600 dark:text-gray-400">Until then nobody can sign in, directory (LDAP) users included.</p>
            {token && <Alert>That setup link is not valid: copy it again from the console.</Alert>}
          </Card>
        }
      </div>
    </main>
  );
}
