"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Badge, Button, Field, inputClass, Table, td, th } from "@/components/ui";

export type SigningKeyRow = {
  environment: string;
  key: { fingerprint: string; userId: string; algorithm: string; publicKey: string; source: string; createdAt: string } | null;
};

const grouped = (fpr: string) => fpr.replace(/(.{4})/g, "$1 ").trim();

/** Per environment: the key that signs its packages (generate, import, remove) and its public half. */
export function SigningKeys({ rows, baseUrl }: { rows: SigningKeyRow[]; baseUrl: string }) {
  const router = useRouter();
  const done = { onSuccess: () => (setImporting(null), router.refresh()) };
  const generate = trpc.farm.generateSigningKey.useMutation(done);
  const importKey = trpc.farm.importSigningKey.useMutation(done);
  const remove = trpc.farm.deleteSigningKey.useMutation(done);
  const [importing, setImporting] = useState<string | null>(null);
  const [armored, setArmored] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const errs = fieldErrors(importKey.error as never);
  const busy = generate.isPending || importKey.isPending || remove.isPending;
  return (
    <div className="space-y-4">
      <Table label="Package signing keys">
        <thead>
          <tr>
            <th className={th}>Environment</th>
            <th className={th}>Key</th>
            <th className={th}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
          {rows.map(({ environment, key }) => (
            <tr key={environment}>
              <td className={`${td} align-top`}>
                <code>{environment}</code>
              </td>
              <td className={td}>
                {key ?
                  <div className="space-y-1">
                    <div>
                      <code className="text-xs" aria-label={`Fingerprint of ${environment}`}>
                        {grouped(key.fingerprint)}
                      </code>{" "}
                      <Badge tone={key.source === "generated" ? "blue" : "purple"}>{key.source}</Badge>
                    </div>
                    <div className="text-xs text-gray-600 dark:text-gray-400">
                      {key.userId} · {key.algorithm} · since {new Date(key.createdAt).toISOString().slice(0, 10)}
                    </div>
                    <div className="text-xs">
                      <a className="text-brand-600 underline" href={`${baseUrl}/${environment}/gentoo/signing-key.asc`}>
                        {`${baseUrl}/${environment}/gentoo/signing-key.asc`}
                      </a>
                    </div>
                    <details>
                      <summary className="cursor-pointer text-xs">Public key</summary>
                      <pre className="mt-1 max-w-2xl overflow-x-auto text-xs">{key.publicKey}</pre>
                    </details>
                  </div>
                : <span className="text-gray-600 dark:text-gray-400">No key: packages of {environment} are published unsigned</span>}
              </td>
              <td className={`${td} whitespace-nowrap text-right align-top`}>
                <Button
                  variant="secondary"
                  type="button"
                  disabled={busy}
                  aria-label={`${key ? "Replace" : "Generate"} the key of ${environment}`}
                  onClick={() =>
                    (!key || confirm(`Replace the key of ${environment}? Hosts must import the new public key before they accept new packages.`)) &&
                    generate.mutate({ environment })
                  }
                >
                  {key ? "New key" : "Generate key"}
                </Button>{" "}
                <Button
                  variant="secondary"
                  type="button"
                  disabled={busy}
                  aria-label={`Import a key for ${environment}`}
                  onClick={() => (importKey.reset(), setArmored(""), setPassphrase(""), setImporting(environment))}
                >
                  Import…
                </Button>{" "}
                {key && (
                  <Button
                    variant="danger"
                    type="button"
                    disabled={busy}
                    aria-label={`Remove the key of ${environment}`}
                    onClick={() => confirm(`Remove the key of ${environment}? Its next packages are published unsigned.`) && remove.mutate({ environment })}
                  >
                    Remove
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
      {generate.isPending && <Alert tone="info">Generating the key…</Alert>}
      {formError(generate.error as never) && <Alert>{formError(generate.error as never)}</Alert>}
      {formError(remove.error as never) && <Alert>{formError(remove.error as never)}</Alert>}
      {importing && (
        <form
          aria-label={`Import a key for ${importing}`}
          className="max-w-2xl space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            importKey.mutate({ environment: importing, armored, passphrase: passphrase || undefined });
          }}
        >
          <h3 className="font-semibold">Import a signing key for {importing}</h3>
          {formError(importKey.error as never) && <Alert>{formError(importKey.error as never)}</Alert>}
          <Field
            id="gpg-armored"
            label="Secret key (ASCII-armored)"
            hint="The output of gpg --armor --export-secret-keys KEYID; it is stored encrypted and never shown again"
            error={errs.armored}
          >
            <textarea
              id="gpg-armored"
              className={`${inputClass} font-mono text-xs`}
              rows={8}
              value={armored}
              aria-invalid={!!errs.armored}
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setArmored(e.target.value)}
            />
          </Field>
          <Field id="gpg-passphrase" label="Passphrase" hint="Only if the key has one" error={errs.passphrase}>
            <input
              id="gpg-passphrase"
              type="password"
              autoComplete="off"
              className={inputClass}
              value={passphrase}
              aria-invalid={!!errs.passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </Field>
          <div className="flex gap-2">
            <Button type="submit" disabled={importKey.isPending}>
              Import key
            </Button>
            <Button type="button" variant="secondary" onClick={() => setImporting(null)}>
              Cancel
            </Button>
          </div>
        </form>
      )}
    </div>
  );
}
