"use client";

import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Badge, Button, Card, EmptyState, Field, formatDate, inputClass, Table, td, th } from "@/components/ui";

export type TokenRow = {
  id: string;
  name: string;
  scope: "read" | "write";
  tokenPrefix: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
};

const expiryChoices = [
  { value: "7", label: "7 days" },
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "365 days" },
  { value: "never", label: "Never" },
  { value: "date", label: "On a date…" },
];

function expiryDate(choice: string, date: string): Date | null {
  if (choice === "never") return null;
  if (choice === "date") return new Date(`${date}T00:00:00Z`);
  return new Date(Date.now() + Number(choice) * 86_400_000);
}

function status(t: TokenRow, now: number) {
  if (t.revokedAt) return <Badge tone="red">Revoked</Badge>;
  if (t.expiresAt && new Date(t.expiresAt).getTime() <= now) return <Badge tone="amber">Expired</Badge>;
  return <Badge tone="green">Active</Badge>;
}

function NewToken({ token, onDone }: { token: string; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(token);
    } catch {
      input.current?.select();
      document.execCommand("copy");
    }
    setCopied(true);
  };
  return (
    <section
      aria-label="New personal access token"
      className="space-y-3 rounded-lg border border-green-300 bg-green-50 p-4 dark:border-green-800 dark:bg-green-950"
    >
      <h2 className="font-semibold text-green-900 dark:text-green-100">Your new personal access token</h2>
      <div className="flex gap-2">
        <input ref={input} readOnly aria-label="Token value" value={token} onFocus={(e) => e.currentTarget.select()} className={`${inputClass} font-mono`} />
        <Button type="button" variant="secondary" onClick={copy} className="shrink-0 whitespace-nowrap">
          {copied ? "Copied" : "Copy token"}
        </Button>
      </div>
      <Alert tone="warning">Make sure you copy it now: you won&apos;t see it again. Only its first characters are kept for you to recognise it.</Alert>
      <Button type="button" variant="secondary" onClick={onDone}>
        I have copied it
      </Button>
    </section>
  );
}

export function TokenManager({ tokens }: { tokens: TokenRow[] }) {
  const router = useRouter();
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"read" | "write">("read");
  const [expiry, setExpiry] = useState("30");
  const [date, setDate] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [dateError, setDateError] = useState<string | null>(null);
  const [now] = useState(() => Date.now());

  const create = trpc.me.createToken.useMutation({
    onSuccess: (res) => {
      setCreated(res.token);
      setName("");
      router.refresh();
    },
  });
  const revoke = trpc.me.revokeToken.useMutation({
    onSuccess: () => {
      setConfirming(null);
      router.refresh();
    },
  });
  const errs = fieldErrors(create.error);
  const tomorrow = new Date(now + 86_400_000).toISOString().slice(0, 10);

  return (
    <div className="space-y-8">
      {created && <NewToken token={created} onDone={() => setCreated(null)} />}

      <Card className="p-5">
        <h2 className="mb-4 text-lg font-semibold">Create a token</h2>
        <form
          aria-label="Create a token"
          className="max-w-xl space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            setDateError(null);
            if (expiry === "date" && !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
              setDateError("Choose the day the token expires");
              return;
            }
            create.mutate({ name, scope, expiresAt: expiryDate(expiry, date) });
          }}
        >
          {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
          <Field id="token-name" label="Token name" error={errs.name} hint="What the token is for, e.g. “laptop git” or “CI deploy”.">
            <input id="token-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
          </Field>
          <fieldset className="space-y-1">
            <legend className="text-sm font-medium text-gray-700 dark:text-gray-200">Scope</legend>
            <label className="flex items-start gap-2 text-sm">
              <input type="radio" name="scope" value="read" checked={scope === "read"} onChange={() => setScope("read")} className="mt-1" />
              <span>
                <span className="font-medium">read</span> <span className="text-gray-600 dark:text-gray-400">— read the API, clone and fetch</span>
              </span>
            </label>
            <label className="flex items-start gap-2 text-sm">
              <input type="radio" name="scope" value="write" checked={scope === "write"} onChange={() => setScope("write")} className="mt-1" />
              <span>
                <span className="font-medium">write</span>{" "}
                <span className="text-gray-600 dark:text-gray-400">— everything you can do, including push and changes</span>
              </span>
            </label>
            {errs.scope && <p className="text-sm text-red-600">{errs.scope}</p>}
          </fieldset>
          <div className="flex flex-wrap gap-4">
            <Field id="token-expiry" label="Expires" error={expiry === "date" ? undefined : errs.expiresAt}>
              <select id="token-expiry" className={inputClass} value={expiry} onChange={(e) => setExpiry(e.target.value)}>
                {expiryChoices.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
            </Field>
            {expiry === "date" && (
              <Field id="token-expiry-date" label="Expiry date" error={dateError ?? errs.expiresAt} hint="The token stops working at 00:00 UTC on this day.">
                <input id="token-expiry-date" type="date" min={tomorrow} className={inputClass} value={date} onChange={(e) => setDate(e.target.value)} />
              </Field>
            )}
          </div>
          {expiry === "never" && <Alert tone="warning">A token that never expires stays valid until you revoke it.</Alert>}
          <Button type="submit" disabled={create.isPending}>
            Create token
          </Button>
        </form>
      </Card>

      <section aria-labelledby="tokens-heading" className="space-y-3">
        <h2 id="tokens-heading" className="text-lg font-semibold">
          Your tokens
        </h2>
        {formError(revoke.error) && <Alert>{formError(revoke.error)}</Alert>}
        {tokens.length === 0 ?
          <EmptyState title="You have no personal access tokens">
            Create one above to use git over HTTPS or the API: send it as <code>Authorization: Bearer &lt;token&gt;</code>, or as the password with your
            username.
          </EmptyState>
        : <Table label="Personal access tokens">
            <thead>
              <tr>
                <th className={th}>Name</th>
                <th className={th}>Scope</th>
                <th className={th}>Token</th>
                <th className={th}>Created</th>
                <th className={th}>Expires</th>
                <th className={th}>Last used</th>
                <th className={th}>Status</th>
                <th className={th}>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 bg-white dark:divide-gray-700 dark:bg-gray-800">
              {tokens.map((t) => {
                const active = !t.revokedAt && !(t.expiresAt && new Date(t.expiresAt).getTime() <= now);
                return (
                  <tr key={t.id} aria-label={t.name}>
                    <td className={`${td} font-medium`}>{t.name}</td>
                    <td className={td}>
                      <Badge tone={t.scope === "write" ? "amber" : "gray"}>{t.scope}</Badge>
                    </td>
                    <td className={`${td} font-mono text-xs`}>{t.tokenPrefix}…</td>
                    <td className={td}>{formatDate(t.createdAt)}</td>
                    <td className={td}>{t.expiresAt ? formatDate(t.expiresAt) : "Never"}</td>
                    <td className={td}>{t.lastUsedAt ? formatDate(t.lastUsedAt) : "Never used"}</td>
                    <td className={td}>
                      {status(t, now)}
                      {t.revokedAt && <div className="text-xs text-gray-500">{formatDate(t.revokedAt)}</div>}
                    </td>
                    <td className={`${td} whitespace-nowrap text-right`}>
                      {active &&
                        (confirming === t.id ?
                          <span role="group" aria-label={`Confirm revoking ${t.name}`} className="inline-flex items-center gap-2">
                            <span className="text-xs text-gray-600 dark:text-gray-300">Anything using it stops working.</span>
                            <Button variant="danger" disabled={revoke.isPending} onClick={() => revoke.mutate({ id: t.id })}>
                              Yes, revoke
                            </Button>
                            <Button variant="secondary" onClick={() => setConfirming(null)}>
                              Cancel
                            </Button>
                          </span>
                        : <Button variant="secondary" aria-label={`Revoke ${t.name}`} onClick={() => setConfirming(t.id)}>
                            Revoke
                          </Button>)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </Table>
        }
      </section>
    </div>
  );
}
