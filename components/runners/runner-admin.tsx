"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Card, Field, inputClass } from "@/components/ui";

/** Creates a registration token and shows it (with the register command) exactly once. */
export function RegistrationTokenForm({ portalUrl }: { portalUrl: string }) {
  const router = useRouter();
  const [description, setDescription] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const create = trpc.runners.createRegistrationToken.useMutation({
    onSuccess: (r) => {
      setCreated(r.token);
      setDescription("");
      router.refresh();
    },
  });
  const errs = fieldErrors(create.error);
  return (
    <Card className="space-y-4 p-5">
      <h2 className="text-lg font-semibold">Register a runner</h2>
      {created && (
        <section
          aria-label="New registration token"
          className="space-y-2 rounded-lg border border-green-300 bg-green-50 p-4 dark:border-green-800 dark:bg-green-950"
        >
          <p className="text-sm">Registration token (shown only now):</p>
          <input readOnly aria-label="Registration token" value={created} onFocus={(e) => e.currentTarget.select()} className={`${inputClass} font-mono`} />
          <p className="text-sm">On the build host:</p>
          <pre className="overflow-x-auto rounded bg-gray-900 p-2 text-xs text-gray-100">
            {`npm run runner -- register --url ${portalUrl} --token ${created} \\\n  --name $(hostname) --arch amd64 --tags gentoo --executor shell --concurrency 2\nnpm run runner -- run`}
          </pre>
          <Alert tone="warning">Copy it now: only its first characters are kept.</Alert>
          <Button type="button" variant="secondary" onClick={() => setCreated(null)}>
            Done
          </Button>
        </section>
      )}
      <form
        aria-label="Create a registration token"
        className="flex max-w-xl items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ description });
        }}
      >
        <div className="flex-1">
          <Field id="reg-description" label="Where it will be used" error={errs.description}>
            <input
              id="reg-description"
              className={inputClass}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
              placeholder="build hosts in rack 3"
            />
          </Field>
        </div>
        <Button type="submit" disabled={create.isPending}>
          Create registration token
        </Button>
      </form>
      {create.error && !errs.description && <Alert>{formError(create.error)}</Alert>}
    </Card>
  );
}

export function RunnerActions({ id, name, paused }: { id: string; name: string; paused: boolean }) {
  const router = useRouter();
  const done = { onSuccess: () => router.refresh() };
  const pause = trpc.runners.setPaused.useMutation(done);
  const remove = trpc.runners.remove.useMutation(done);
  const [confirm, setConfirm] = useState(false);
  return (
    <div className="flex gap-2">
      <Button
        type="button"
        variant="secondary"
        disabled={pause.isPending}
        onClick={() => pause.mutate({ id, paused: !paused })}
        aria-label={`${paused ? "Resume" : "Pause"} ${name}`}
      >
        {paused ? "Resume" : "Pause"}
      </Button>
      {confirm ?
        <Button type="button" variant="danger" onClick={() => remove.mutate({ id })} aria-label={`Confirm removing ${name}`}>
          Really remove
        </Button>
      : <Button type="button" variant="secondary" onClick={() => setConfirm(true)} aria-label={`Remove ${name}`}>
          Remove
        </Button>
      }
    </div>
  );
}

export function RevokeRegistrationToken({ id }: { id: string }) {
  const router = useRouter();
  const revoke = trpc.runners.revokeRegistrationToken.useMutation({ onSuccess: () => router.refresh() });
  return (
    <Button type="button" variant="secondary" disabled={revoke.isPending} onClick={() => revoke.mutate({ id })}>
      Revoke
    </Button>
  );
}
