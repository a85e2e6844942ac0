"use client";

import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Card, Field, inputClass } from "@/components/ui";

/** Pre-authorizes a puppet agent: a one-time challengePassword that autosigns its first CSR. */
export function PuppetTokenForm() {
  const [certname, setCertname] = useState("");
  const create = trpc.pki.puppetToken.useMutation();
  return (
    <Card>
      <h2 className="mb-2 font-semibold">Pre-authorize a puppet agent</h2>
      <form
        aria-label="Pre-authorize a puppet agent"
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ certname });
        }}
      >
        {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
        <Field id="puppet-certname" label="Certname" error={fieldErrors(create.error).certname} hint="The agent's certname, usually its FQDN.">
          <input id="puppet-certname" className={inputClass} value={certname} onChange={(e) => setCertname(e.target.value)} />
        </Field>
        <Button type="submit" disabled={create.isPending}>
          Create one-time token
        </Button>
        {create.data && (
          <Alert tone="success">
            Valid 7 days, once. Put it in the agent&apos;s <code>csr_attributes.yaml</code> before its first run (shown only now):
            <pre className="mt-2 overflow-x-auto text-xs">{`custom_attributes:\n  1.2.840.113549.1.9.7: "${create.data.token}"`}</pre>
          </Alert>
        )}
      </form>
    </Card>
  );
}
