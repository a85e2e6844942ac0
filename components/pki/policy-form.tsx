"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import type { CaPolicy } from "@/db/schema";
import { Alert, Button, Field, inputClass } from "@/components/ui";

const options = {
  sanTypes: ["dns", "ip", "email"],
  ecCurves: ["P-256", "P-384"],
  keyUsage: ["digitalSignature", "keyEncipherment", "nonRepudiation", "keyAgreement"],
  extKeyUsage: ["serverAuth", "clientAuth", "emailProtection", "codeSigning"],
} as const;

function Checks<K extends keyof typeof options>({
  name,
  label,
  value,
  onChange,
}: {
  name: K;
  label: string;
  value: readonly string[];
  onChange: (v: CaPolicy[K]) => void;
}) {
  return (
    <fieldset>
      <legend className="text-sm font-medium">{label}</legend>
      <div className="mt-1 flex flex-wrap gap-3">
        {options[name].map((o) => (
          <label key={o} className="flex items-center gap-1 text-sm">
            <input
              type="checkbox"
              checked={value.includes(o)}
              onChange={(e) => onChange(options[name].filter((x) => (x === o ? e.target.checked : value.includes(x))) as unknown as CaPolicy[K])}
            />
            {o}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A sub-CA's issuing policy, as admins edit it. */
export function PolicyForm({ caId, name, policy }: { caId: string; name: string; policy: CaPolicy }) {
  const router = useRouter();
  const [p, setP] = useState(policy);
  const [domains, setDomains] = useState(policy.sanDomains.join(", "));
  const save = trpc.pki.updatePolicy.useMutation({ onSuccess: () => router.refresh() });
  const errs = fieldErrors(save.error);
  const set =
    <K extends keyof CaPolicy>(k: K) =>
    (v: CaPolicy[K]) =>
      setP((cur) => ({ ...cur, [k]: v }));
  return (
    <form
      aria-label={`Policy of ${name}`}
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({ id: caId, policy: { ...p, sanDomains: domains.split(/[\s,]+/).filter(Boolean) } });
      }}
    >
      {formError(save.error) && <Alert>{formError(save.error)}</Alert>}
      {save.isSuccess && <Alert tone="success">Policy saved.</Alert>}
      <Field id={`${name}-base`} label="Subject base" hint="Issued subjects are CN=<name>,<base>; {org} is the organization's slug." error={errs.policy}>
        <input id={`${name}-base`} className={inputClass} value={p.subjectBase} onChange={(e) => set("subjectBase")(e.target.value)} />
      </Field>
      <Checks name="sanTypes" label="Allowed alternative names" value={p.sanTypes} onChange={set("sanTypes")} />
      <Field id={`${name}-domains`} label="Allowed domains" hint="Names must be one of these or below them; {org} is the organization's slug. Empty: any.">
        <input id={`${name}-domains`} className={inputClass} value={domains} onChange={(e) => setDomains(e.target.value)} />
      </Field>
      <Field id={`${name}-rsa`} label="Smallest RSA key (bits)">
        <input
          id={`${name}-rsa`}
          type="number"
          min={2048}
          step={1024}
          className={inputClass}
          value={p.rsaMinBits}
          onChange={(e) => set("rsaMinBits")(Number(e.target.value))}
        />
      </Field>
      <Checks name="ecCurves" label="Accepted ECDSA curves" value={p.ecCurves} onChange={set("ecCurves")} />
      <Field id={`${name}-days`} label="Longest validity (days)">
        <input
          id={`${name}-days`}
          type="number"
          min={1}
          max={3650}
          className={inputClass}
          value={p.maxValidityDays}
          onChange={(e) => set("maxValidityDays")(Number(e.target.value))}
        />
      </Field>
      <Checks name="keyUsage" label="Key usage" value={p.keyUsage} onChange={set("keyUsage")} />
      <Checks name="extKeyUsage" label="Extended key usage" value={p.extKeyUsage} onChange={set("extKeyUsage")} />
      <Field id={`${name}-who`} label="Who may request">
        <select id={`${name}-who`} className={inputClass} value={p.requesters} onChange={(e) => set("requesters")(e.target.value as CaPolicy["requesters"])}>
          <option value="developer">Organization developers and leaders</option>
          <option value="leader">Organization leaders</option>
          <option value="admin">Administrators only</option>
        </select>
      </Field>
      <Field id={`${name}-approval`} label="Approval">
        <select id={`${name}-approval`} className={inputClass} value={p.approval} onChange={(e) => set("approval")(e.target.value as CaPolicy["approval"])}>
          <option value="auto">Automatic</option>
          <option value="leader">An organization leader</option>
          <option value="admin">An administrator</option>
        </select>
      </Field>
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" className="mt-1" checked={!!p.ocspNonce} onChange={(e) => set("ocspNonce")(e.target.checked)} />
        <span>
          Answer OCSP requests that carry a nonce with a freshly signed response echoing it (RFC 8954). Off: every client gets the pre-signed answer (RFC 5019),
          which is faster and what browsers and <code>openssl ocsp -no_nonce</code> expect.
        </span>
      </label>
      <Button type="submit" disabled={save.isPending}>
        Save policy
      </Button>
    </form>
  );
}
