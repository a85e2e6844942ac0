"use client";

import { useEffect, useState } from "react";
import { Alert, Button, Card, Field, inputClass } from "@/components/ui";
import { download } from "./download";
import { forgetKey, keptKey, type KeptKey } from "./key-store";

/**
 * On a certificate's page: the private key this browser made and kept while the request
 * waited (key-store.ts). Once the certificate is issued, the passphrase chosen then opens it
 * and the browser builds the PKCS#12 — the key still never leaves this computer.
 */
export function KeptKeyCard({
  id,
  name,
  state,
  certPem,
  chainPem,
}: {
  id: string;
  name: string;
  state: string;
  certPem: string | null;
  chainPem: string | null;
}) {
  const [kept, setKept] = useState<KeptKey | null>(null);
  const [passphrase, setPassphrase] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    void keptKey(id).then(setKept);
  }, [id]);
  if (!kept) return null;

  const remove = async () => {
    if (!window.confirm(`Remove the private key of ${name} from this browser? Without a PKCS#12 or key file you cannot use the certificate.`)) return;
    await forgetKey(id);
    setKept(null);
  };
  const buildPkcs12 = async () => {
    setError(null);
    const code = await import("./browser-key");
    const key = code.decryptKeyPem(kept.encryptedKeyPem, passphrase);
    if (!key) return setError("This passphrase does not open the key: use the one you chose when you requested the certificate.");
    download(`${name.replace(/[^A-Za-z0-9.@_-]+/g, "_") || "certificate"}.p12`, code.pkcs12(key, certPem!, chainPem, passphrase, name), "application/x-pkcs12");
    setDone(true);
  };

  return (
    <Card className="space-y-3 p-4">
      <h2 className="font-semibold">Private key kept by this browser</h2>
      {state === "pending" ?
        <p className="text-sm text-gray-700 dark:text-gray-300">
          This browser keeps the key of this request, encrypted with your passphrase. Once the request is approved, download the PKCS#12 here.
        </p>
      : certPem && state === "issued" ?
        <form
          aria-label="Download PKCS#12"
          className="space-y-3"
          onSubmit={(e) => {
            e.preventDefault();
            void buildPkcs12();
          }}
        >
          <p className="text-sm text-gray-700 dark:text-gray-300">
            Saved {new Date(kept.savedAt).toLocaleString()}, encrypted with the passphrase you chose when you requested the certificate. Your browser joins it
            with the certificate into a PKCS#12 file protected by that passphrase.
          </p>
          {error && <Alert>{error}</Alert>}
          {done && <Alert tone="success">PKCS#12 downloaded. Keep it safe; you may now remove the key from this browser.</Alert>}
          <Field id="kept-pass" label="Passphrase">
            <input
              id="kept-pass"
              type="password"
              autoComplete="current-password"
              className={inputClass}
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </Field>
          <Button type="submit" disabled={!passphrase}>
            Download PKCS#12
          </Button>
        </form>
      : <p className="text-sm text-gray-700 dark:text-gray-300">This certificate is {state}: its key is of no further use.</p>}
      {state !== "pending" && (
        <Button type="button" variant="secondary" onClick={() => void remove()}>
          Remove the key from this browser
        </Button>
      )}
    </Card>
  );
}
