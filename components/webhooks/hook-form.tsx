"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";
import { webhookEventLabels, webhookEvents, type WebhookEvent } from "@/server/webhooks/events";
import { hooksPath, type HookTarget } from "./paths";

type Existing = { id: string; url: string; events: WebhookEvent[]; active: boolean; hasSecret: boolean };

function randomSecret() {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Add a webhook (then open it), or edit one; the stored secret is never shown, only replaced or removed. */
export function HookForm({ target, hook }: { target: HookTarget; hook?: Existing }) {
  const router = useRouter();
  const [url, setUrl] = useState(hook?.url ?? "");
  const [events, setEvents] = useState<WebhookEvent[]>(hook?.events ?? ["push", "tag"]);
  const [active, setActive] = useState(hook?.active ?? true);
  // create: the secret typed; edit: null = keep, "" with removing = remove, text = replace
  const [secret, setSecret] = useState("");
  const [changingSecret, setChangingSecret] = useState(!hook);
  const [saved, setSaved] = useState(false);

  const create = trpc.webhooks.create.useMutation({
    onSuccess: (created) => router.push(`${hooksPath(target)}/${created.id}`),
  });
  const update = trpc.webhooks.update.useMutation({
    onSuccess: () => {
      setSaved(true);
      setSecret("");
      setChangingSecret(false);
      router.refresh();
    },
  });
  const mutation = hook ? update : create;
  const errs = fieldErrors(mutation.error);

  function toggle(e: WebhookEvent, on: boolean) {
    setEvents((cur) => (on ? webhookEvents.filter((x) => x === e || cur.includes(x)) : cur.filter((x) => x !== e)));
  }

  return (
    <form
      aria-label={hook ? "Edit webhook" : "Add webhook"}
      className="max-w-2xl space-y-4"
      onSubmit={(ev) => {
        ev.preventDefault();
        setSaved(false);
        if (hook) update.mutate({ ...target, id: hook.id, url, events, active, ...(changingSecret ? { secret: secret || null } : {}) });
        else create.mutate({ ...target, url, events, active, secret: secret || undefined });
      }}
    >
      {formError(mutation.error) && <Alert>{formError(mutation.error)}</Alert>}
      {saved && !update.isPending && <Alert tone="success">Webhook saved.</Alert>}
      <Field id="hook-url" label="URL" error={errs.url} hint="Rookery POSTs a JSON payload here (http:// or https://).">
        <input
          id="hook-url"
          type="url"
          required
          className={inputClass}
          placeholder="https://ci.example.com/hooks/rookery"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      </Field>

      {changingSecret ?
        <Field
          id="hook-secret"
          label={hook?.hasSecret ? "New secret token" : "Secret token"}
          error={errs.secret}
          hint="Used to sign each payload: X-Rookery-Signature: sha256=<HMAC-SHA256 of the body>. Leave empty to send unsigned."
        >
          <div className="flex gap-2">
            <input id="hook-secret" className={inputClass} autoComplete="off" spellCheck={false} value={secret} onChange={(e) => setSecret(e.target.value)} />
            <Button type="button" variant="secondary" onClick={() => setSecret(randomSecret())}>
              Generate
            </Button>
            {hook && (
              <Button type="button" variant="secondary" onClick={() => (setChangingSecret(false), setSecret(""))}>
                Keep current
              </Button>
            )}
          </div>
        </Field>
      : <div className="space-y-1">
          <span className="block text-sm font-medium text-gray-700 dark:text-gray-200">Secret token</span>
          <div className="flex items-center gap-3 text-sm">
            {hook?.hasSecret ?
              <span aria-label="Secret is set" className="font-mono tracking-widest text-gray-600 dark:text-gray-300">
                ••••••••
              </span>
            : <span className="text-gray-600 dark:text-gray-400">None: deliveries are not signed.</span>}
            <Button type="button" variant="secondary" onClick={() => setChangingSecret(true)}>
              {hook?.hasSecret ? "Change secret" : "Add secret"}
            </Button>
          </div>
        </div>
      }

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-gray-700 dark:text-gray-200">Trigger</legend>
        {webhookEvents.map((e) => (
          <div key={e} className="flex items-start gap-2">
            <input
              id={`hook-event-${e}`}
              type="checkbox"
              className="mt-1"
              aria-describedby={`hook-event-${e}-hint`}
              checked={events.includes(e)}
              onChange={(ev) => toggle(e, ev.target.checked)}
            />
            <div className="text-sm">
              <label htmlFor={`hook-event-${e}`}>{webhookEventLabels[e].label}</label>
              <span id={`hook-event-${e}-hint`} className="block text-xs text-gray-500 dark:text-gray-400">
                {webhookEventLabels[e].hint}
              </span>
            </div>
          </div>
        ))}
        {errs.events && <p className="text-sm text-red-600 dark:text-red-400">{errs.events}</p>}
      </fieldset>

      <div className="flex items-center gap-2">
        <input id="hook-active" type="checkbox" aria-describedby="hook-active-hint" checked={active} onChange={(e) => setActive(e.target.checked)} />
        <label htmlFor="hook-active" className="text-sm">
          Active
        </label>
        <span id="hook-active-hint" className="text-xs text-gray-500 dark:text-gray-400">
          (disabled hooks receive nothing)
        </span>
      </div>

      <div className="flex gap-2">
        <Button type="submit" disabled={mutation.isPending}>
          {hook ?
            update.isPending ?
              "Saving…"
            : "Save changes"
          : create.isPending ?
            "Adding…"
          : "Add webhook"}
        </Button>
        {hook?.hasSecret && !changingSecret && (
          <Button
            type="button"
            variant="secondary"
            disabled={update.isPending}
            onClick={() => {
              setSaved(false);
              update.mutate({ ...target, id: hook.id, secret: null });
            }}
          >
            Remove secret
          </Button>
        )}
      </div>
    </form>
  );
}
