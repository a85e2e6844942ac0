"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Card, Field, inputClass } from "@/components/ui";
import { download } from "./download";

const reasons = [
  ["unspecified", "No particular reason"],
  ["keyCompromise", "The private key was lost or exposed"],
  ["affiliationChanged", "The holder changed organization or role"],
  ["superseded", "Replaced by a new certificate"],
  ["cessationOfOperation", "The host or service is gone"],
  ["privilegeWithdrawn", "The holder may no longer use it"],
] as const;

/** Downloads, approve/reject for approvers, revoke with an RFC 5280 reason. */
export function CertActions(props: {
  slug: string;
  id: string;
  name: string;
  certPem: string | null;
  chainPem: string | null;
  canApprove: boolean;
  canRevoke: boolean;
}) {
  const router = useRouter();
  const refresh = { onSuccess: () => router.refresh() };
  const approve = trpc.pki.approve.useMutation(refresh);
  const reject = trpc.pki.reject.useMutation(refresh);
  const revoke = trpc.pki.revoke.useMutation(refresh);
  const [reason, setReason] = useState("");
  const [revokeReason, setRevokeReason] = useState<(typeof reasons)[number][0]>("unspecified");
  const file = props.name.replace(/[^A-Za-z0-9.@_-]+/g, "_");
  const error = formError(approve.error) ?? formError(reject.error) ?? formError(revoke.error);
  return (
    <div className="space-y-4">
      {error && <Alert>{error}</Alert>}
      {props.certPem && (
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" type="button" onClick={() => download(`${file}.crt.pem`, props.certPem!)}>
            Download certificate
          </Button>
          <Button variant="secondary" type="button" onClick={() => download(`${file}.chain.pem`, props.chainPem!)}>
            Download CA chain
          </Button>
          <Button variant="secondary" type="button" onClick={() => download(`${file}.fullchain.pem`, props.certPem! + props.chainPem!)}>
            Download full PEM bundle
          </Button>
        </div>
      )}
      {props.canApprove && (
        <Card className="p-4">
          <h3 className="mb-2 font-semibold">Decide this request</h3>
          <div className="space-y-3">
            <Button type="button" disabled={approve.isPending} onClick={() => approve.mutate({ slug: props.slug, id: props.id })}>
              Approve and issue
            </Button>
            <form
              aria-label="Reject request"
              className="space-y-2"
              onSubmit={(e) => {
                e.preventDefault();
                reject.mutate({ slug: props.slug, id: props.id, reason });
              }}
            >
              <Field id="reject-reason" label="Reason for rejecting" error={fieldErrors(reject.error).reason}>
                <input id="reject-reason" className={inputClass} value={reason} onChange={(e) => setReason(e.target.value)} />
              </Field>
              <Button type="submit" variant="danger" disabled={reject.isPending}>
                Reject
              </Button>
            </form>
          </div>
        </Card>
      )}
      {props.canRevoke && (
        <Card className="p-4">
          <form
            aria-label="Revoke certificate"
            className="space-y-2"
            onSubmit={(e) => {
              e.preventDefault();
              if (window.confirm(`Revoke ${props.name}? Clients checking CRL or OCSP will refuse it from now on.`))
                revoke.mutate({ slug: props.slug, id: props.id, reason: revokeReason });
            }}
          >
            <h3 className="font-semibold">Revoke</h3>
            <Field id="revoke-reason" label="Reason">
              <select id="revoke-reason" className={inputClass} value={revokeReason} onChange={(e) => setRevokeReason(e.target.value as typeof revokeReason)}>
                {reasons.map(([v, label]) => (
                  <option key={v} value={v}>
                    {label}
                  </option>
                ))}
              </select>
            </Field>
            <Button type="submit" variant="danger" disabled={revoke.isPending}>
              Revoke certificate
            </Button>
          </form>
        </Card>
      )}
    </div>
  );
}
