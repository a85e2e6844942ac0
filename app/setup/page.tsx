import { notFound } from "next/navigation";
import { getDb } from "@/db/client";
import { setupDone } from "@/server/users";
import { SetupForm } from "./setup-form";

export const dynamic = "force-dynamic";
export const metadata = { title: "Set up Rookery" };

export default async function SetupPage() {
  if (await setupDone(getDb())) notFound();
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-md">
        <h1 className="mb-1 text-center text-2xl font-semibold">Welcome to Rookery</h1>
        <p className="mb-6 text-center text-sm text-gray-600 dark:text-gray-400">
          Create the first administrator. This local account can sign in even when the directory is down.
        </p>
        <SetupForm />
      </div>
    </main>
  );
}
