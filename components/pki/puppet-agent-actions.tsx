"use client";

import { useRouter } from "next/navigation";
import { formError, trpc } from "@/components/trpc";
import { Alert, Button } from "@/components/ui";

/** Sign / Reject a waiting request, Revoke a signed certificate. */
export function PuppetAgentActions({ slug, certname, state }: { slug?: string; certname: string; state: "requested" | "signed" | "revoked" }) {
  const router = useRouter();
  const refresh = { onSuccess: () => router.refresh() };
  const sign = trpc.pki.puppet.sign.useMutation(refresh);
  const reject = trpc.pki.puppet.reject.useMutation(refresh);
  const revoke = trpc.pki.puppet.revoke.useMutation(refresh);
  const busy = sign.isPending || reject.isPending || revoke.isPending;
  const error = formError(sign.error) ?? formError(reject.error) ?? formError(revoke.error);
  return (
    <div className="space-y-2">
      {error && <Alert>{error}</Alert>}
      <div className="flex flex-wrap gap-2">
        {state === "requested" && (
          <>
            <Button type="button" disabled={busy} onClick={() => sign.mutate({ slug, certname })}>
              Sign
            </Button>
            <Button
              type="button"
              variant="secondary"
              disabled={busy}
              onClick={() => window.confirm(`Reject the certificate request of ${certname}?`) && reject.mutate({ slug, certname })}
            >
              Reject
            </Button>
          </>
        )}
        {state === "signed" && (
          <Button
            type="button"
            variant="danger"
            disabled={busy}
            onClick={() =>
              window.confirm(`Revoke the certificate of ${certname}? The agent can no longer talk to puppet.`) &&
              revoke.mutate({ slug, certname, reason: "cessationOfOperation" })
            }
          >
            Revoke
          </Button>
        )}
      </div>
    </div>
  );
}
