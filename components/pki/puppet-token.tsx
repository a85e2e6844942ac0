"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Card, Field, formatDate, inputClass, Table, td, th } from "@/components/ui";

export const CSR_ATTRIBUTES_PATH = "/etc/puppetlabs/puppet/csr_attributes.yaml";

/** Pre-authorizes a puppet agent: a one-time challengePassword that autosigns its first CSR. */
export function PuppetTokenForm({ slug, domains }: { slug?: string; domains: string[] }) {
  const router = useRouter();
  const [certname, setCertname] = useState("");
  const [days, setDays] = useState(7);
  const create = trpc.pki.puppet.createToken.useMutation({ onSuccess: () => router.refresh() });
  const hint =
    slug ?
      `The agent's certname, usually its FQDN, inside ${domains.length ? domains.join(", ") : "your organization's domains"}.`
    : "The agent's certname, usually its FQDN.";
  return (
    <Card className="p-4">
      <h3 className="mb-2 font-semibold">Pre-authorize a host</h3>
      <form
        aria-label="Pre-authorize a host"
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ slug, certname, days });
        }}
      >
        {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
        <Field id="puppet-certname" label="Certname" error={fieldErrors(create.error).certname} hint={hint}>
          <input id="puppet-certname" className={inputClass} value={certname} onChange={(e) => setCertname(e.target.value)} />
        </Field>
        <Field id="puppet-days" label="Valid for (days)" error={fieldErrors(create.error).days}>
          <input id="puppet-days" type="number" min={1} max={90} className={inputClass} value={days} onChange={(e) => setDays(Number(e.target.value))} />
        </Field>
        <Button type="submit" disabled={create.isPending}>
          Create one-time token
        </Button>
      </form>
      {create.data && (
        <div className="mt-3">
          <Alert tone="success">
            <p>
              Token for <strong>{create.data.certname}</strong>, valid {create.data.days} days, once. It is shown only now:
            </p>
            <pre aria-label="Autosign token" className="mt-2 overflow-x-auto text-xs">
              {create.data.token}
            </pre>
            <p className="mt-2">
              Put this in <code>{CSR_ATTRIBUTES_PATH}</code> on the host before its first <code>puppet agent</code> run; its certificate is then signed at once:
            </p>
            <pre
              aria-label="csr_attributes.yaml"
              className="mt-2 overflow-x-auto text-xs"
            >{`custom_attributes:\n  1.2.840.113549.1.9.7: "${create.data.token}"\n`}</pre>
            <p className="mt-2 text-xs">
              Trusted facts go under <code>extension_requests:</code> in the same file (e.g. <code>pp_role: web</code>); they are copied into the certificate.
            </p>
          </Alert>
        </div>
      )}
    </Card>
  );
}

type Token = { id: string; certname: string; org: string | null; createdBy: string | null; createdAt: Date; expiresAt: Date };

/** Outstanding tokens, each withdrawable. */
export function PuppetTokens({ slug, tokens }: { slug?: string; tokens: Token[] }) {
  const router = useRouter();
  const revoke = trpc.pki.puppet.revokeToken.useMutation({ onSuccess: () => router.refresh() });
  if (tokens.length === 0) return <p className="text-sm text-gray-600 dark:text-gray-400">No outstanding tokens.</p>;
  return (
    <div className="space-y-2">
      {formError(revoke.error) && <Alert>{formError(revoke.error)}</Alert>}
      <Table label="Outstanding tokens">
        <thead>
          <tr>
            <th className={th}>Certname</th>
            {!slug && <th className={th}>Organization</th>}
            <th className={th}>Created</th>
            <th className={th}>Expires</th>
            <th className={th}>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
          {tokens.map((t) => (
            <tr key={t.id}>
              <td className={td}>{t.certname}</td>
              {!slug && <td className={td}>{t.org ?? "—"}</td>}
              <td className={td}>
                {formatDate(t.createdAt)}
                {t.createdBy ? ` by ${t.createdBy}` : ""}
              </td>
              <td className={td}>{formatDate(t.expiresAt)}</td>
              <td className={td}>
                <Button
                  variant="secondary"
                  type="button"
                  aria-label={`Revoke token for ${t.certname}`}
                  disabled={revoke.isPending}
                  onClick={() => revoke.mutate({ slug, id: t.id })}
                >
                  Revoke token
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </Table>
    </div>
  );
}
