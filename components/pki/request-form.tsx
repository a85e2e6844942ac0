"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Button, Field, inputClass } from "@/components/ui";
import type { BrowserKey } from "./browser-key";
import { keyOptions, parseSans } from "./key-types";
import { download } from "./download";
import { keepKey } from "./key-store";

type CaOption = {
  id: string;
  name: string;
  subjectDn: string;
  willApprove: string;
  policy: { kind: string; maxValidityDays: number; sanTypes: string[]; sanDomains: string[]; rsaMinBits: number; ecCurves: ("P-256" | "P-384")[] };
};
type Renewal = { id: string; caId: string; commonName: string; sans: string };

/**
 * "Request certificate": the browser makes the key (never sent) and the CSR, or the user pastes
 * a CSR. Issued at once → PKCS#12 download; waiting for approval → the encrypted key to keep.
 */
/** `myEmail`: the signed-in user's profile address, the only one a user certificate may carry. */
export function RequestForm({ slug, cas, renewal, myEmail }: { slug: string; cas: CaOption[]; renewal?: Renewal; myEmail: string | null }) {
  const router = useRouter();
  const [caId, setCaId] = useState(renewal?.caId ?? cas[0]?.id ?? "");
  const ca = cas.find((c) => c.id === caId);
  const [mode, setMode] = useState<"browser" | "csr">("browser");
  const [commonName, setCommonName] = useState(renewal?.commonName ?? "");
  const [sans, setSans] = useState(renewal?.sans ?? "");
  const [keyType, setKeyType] = useState("");
  const [csrPem, setCsrPem] = useState("");
  const [validityDays, setValidityDays] = useState(Math.min(365, ca?.policy.maxValidityDays ?? 365));
  const [passphrase, setPassphrase] = useState("");
  const [confirm, setConfirm] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState<BrowserKey | null>(null);
  const [result, setResult] = useState<{ id: string; state: string; p12?: boolean; kept?: boolean } | null>(null);
  const [keyDownloaded, setKeyDownloaded] = useState(false);
  // A key that is neither kept by the browser nor downloaded is lost when the page goes.
  const keyAtRisk = result?.state === "pending" && !!key && !result.kept && !keyDownloaded;
  useEffect(() => {
    if (!keyAtRisk) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [keyAtRisk]);
  const request = trpc.pki.request.useMutation();
  const errs = fieldErrors(request.error);
  // The key types this CA accepts; the first (ECDSA P-256 where allowed) unless the user chose another.
  const keyTypes = ca ? keyOptions(ca.policy) : [];
  const keyChoice = keyTypes.find((o) => o.value === keyType) ?? keyTypes[0];

  if (cas.length === 0) return <Alert tone="info">No certificate authority accepts requests from you in this organization yet.</Alert>;

  async function submit() {
    setLocalError(null);
    setResult(null);
    let pem = csrPem;
    let made: { key: BrowserKey; code: typeof import("./browser-key") } | null = null;
    if (mode === "browser") {
      if (!commonName.trim()) return setLocalError("Enter the common name: the host name (e.g. www.example.com) or your name.");
      if (passphrase.length < 8) return setLocalError("Choose a passphrase of at least 8 characters: it protects the key file you download.");
      if (passphrase !== confirm) return setLocalError("The two passphrases differ.");
      if (!keyChoice) return setLocalError("Your browser cannot make a key this certificate authority accepts; make one elsewhere and paste its CSR.");
      setBusy(true);
      try {
        // The key code (forge, x509) loads only when the browser makes a key.
        const code = await import("./browser-key");
        const key = await code.generateKey(keyChoice.choice);
        pem = await code.createCsrPem(key, commonName.trim(), parseSans(sans));
        made = { key, code };
      } catch (e) {
        setBusy(false);
        return setLocalError(`Your browser could not make a key: ${e instanceof Error ? e.message : String(e)}`);
      }
      setKey(made.key);
    }
    const browser = made;
    request.mutate(
      { slug, caId, csrPem: pem, validityDays, renewalOf: renewal?.id },
      {
        onSuccess: async (r) => {
          const name = commonName.trim().replace(/[^A-Za-z0-9.@_-]+/g, "_") || "certificate";
          if (browser && r.certPem) {
            download(`${name}.p12`, browser.code.pkcs12(browser.key, r.certPem, r.chainPem, passphrase, commonName.trim()), "application/x-pkcs12");
            setResult({ id: r.id, state: r.state, p12: true });
          } else if (browser && r.state === "pending") {
            // Waiting for approval: the browser keeps the key, encrypted with the passphrase, for the certificate page.
            const encrypted = browser.code.encryptedKeyPem(browser.key, passphrase);
            const kept = await keepKey(r.id, { encryptedKeyPem: encrypted, commonName: commonName.trim(), savedAt: new Date().toISOString() });
            setResult({ id: r.id, state: r.state, kept });
          } else setResult({ id: r.id, state: r.state });
          setBusy(false);
          router.refresh();
        },
        onError: () => setBusy(false),
      },
    );
  }

  return (
    <form
      aria-label="Request certificate"
      className="max-w-2xl space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      {renewal && <Alert tone="info">Renewing {renewal.commonName}: the new certificate keeps its subject. A new key is recommended.</Alert>}
      {(localError || formError(request.error)) && <Alert>{localError ?? formError(request.error)}</Alert>}
      {result?.state === "issued" && (
        <Alert tone="success">
          Certificate issued.{" "}
          {result.p12 ? "Your browser saved it with its key as a PKCS#12 file protected by your passphrase." : "Download it from the certificate's page."}{" "}
          <a className="underline" href={`/orgs/${slug}/certificates/${result.id}`}>
            Open the certificate
          </a>
        </Alert>
      )}
      {result?.state === "pending" && (
        <Alert tone={keyAtRisk ? "warning" : "info"}>
          Request sent; it waits for approval {ca?.willApprove}.{" "}
          {key &&
            (result.kept ?
              <>
                This browser keeps your private key, encrypted with your passphrase, until the certificate is issued: then open{" "}
                <a className="underline" href={`/orgs/${slug}/certificates/${result.id}`}>
                  the certificate&apos;s page
                </a>{" "}
                in this browser and download the PKCS#12 with the same passphrase. To have the key elsewhere too:{" "}
              </>
            : <>
                <strong>This browser could not keep your private key</strong> (a private window?): download it now, or the certificate will be of no use when it
                is issued.{" "}
              </>)}
          {key && (
            <Button
              type="button"
              variant="secondary"
              onClick={() =>
                void import("./browser-key").then((c) => {
                  download(`${commonName.trim() || "key"}.key.pem`, c.encryptedKeyPem(key, passphrase));
                  setKeyDownloaded(true);
                })
              }
            >
              Download encrypted private key
            </Button>
          )}
        </Alert>
      )}
      <Field id="req-ca" label="Certificate authority" error={errs.caId}>
        <select id="req-ca" className={inputClass} value={caId} disabled={!!renewal} onChange={(e) => setCaId(e.target.value)}>
          {cas.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.policy.kind}) — approved {c.willApprove}
            </option>
          ))}
        </select>
      </Field>
      {ca && ca.policy.kind === "user" && (
        <p className="text-sm text-gray-600 dark:text-gray-400">
          {myEmail ?
            <>
              Allowed name: your own e-mail address, <strong>{myEmail}</strong> (added for you when the request names none); at most {ca.policy.maxValidityDays}{" "}
              days.
            </>
          : <>
              A user certificate may carry only your own e-mail address, and your profile has none:{" "}
              <Link href="/settings" className="text-brand-600 underline">
                set it in Settings
              </Link>{" "}
              to have it in the certificate; at most {ca.policy.maxValidityDays} days.
            </>
          }
        </p>
      )}
      {ca && ca.policy.kind !== "user" && (
        <p className="text-sm text-gray-600 dark:text-gray-400">
          Allowed names: {ca.policy.sanTypes.join(", ") || "none"}
          {ca.policy.sanDomains.length > 0 && <> within {ca.policy.sanDomains.map((d) => d.replaceAll("{org}", slug)).join(", ")}</>}; at most{" "}
          {ca.policy.maxValidityDays} days.
        </p>
      )}
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">Key</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="mode" checked={mode === "browser"} onChange={() => setMode("browser")} /> Generate the key in my browser (it never leaves
          this computer)
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="mode" checked={mode === "csr"} onChange={() => setMode("csr")} /> I have a certificate signing request (CSR)
        </label>
      </fieldset>
      {mode === "browser" ?
        <>
          <Field id="req-cn" label="Common name" hint="The host name (www.example.com) or, for a personal certificate, your name.">
            <input id="req-cn" className={inputClass} value={commonName} disabled={!!renewal} onChange={(e) => setCommonName(e.target.value)} />
          </Field>
          <Field id="req-sans" label="Other names (optional)" hint="Host names, IP addresses or e-mail addresses, separated by commas.">
            <input id="req-sans" className={inputClass} value={sans} onChange={(e) => setSans(e.target.value)} />
          </Field>
          <Field
            id="req-key"
            label="Key type"
            hint={
              keyTypes.length ?
                "The types this certificate authority accepts. ECDSA keys are small and fast; choose RSA for old software."
              : "This certificate authority accepts no key your browser can make: paste a CSR instead."
            }
          >
            <select id="req-key" className={inputClass} value={keyChoice?.value ?? ""} onChange={(e) => setKeyType(e.target.value)}>
              {keyTypes.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="req-pass"
            label="Passphrase for the downloaded file"
            hint="At least 8 characters. You need it to import the PKCS#12 file; Rookery never sees it."
          >
            <input
              id="req-pass"
              type="password"
              autoComplete="new-password"
              className={inputClass}
              value={passphrase}
              onChange={(e) => setPassphrase(e.target.value)}
            />
          </Field>
          <Field id="req-pass2" label="Repeat the passphrase">
            <input
              id="req-pass2"
              type="password"
              autoComplete="new-password"
              className={inputClass}
              value={confirm}
              onChange={(e) => setConfirm(e.target.value)}
            />
          </Field>
        </>
      : <Field
          id="req-csr"
          label="Certificate signing request (PEM)"
          error={errs.csr ?? errs.csrPem}
          hint="e.g. from: openssl req -new -newkey rsa:3072 -nodes -keyout my.key -subj /CN=www.example.com -out my.csr"
        >
          <textarea
            id="req-csr"
            rows={8}
            className={`${inputClass} font-mono text-xs`}
            value={csrPem}
            onChange={(e) => setCsrPem(e.target.value)}
            placeholder="-----BEGIN CERTIFICATE REQUEST-----"
          />
        </Field>
      }
      {mode === "browser" && errs.csr && <Alert>{errs.csr}</Alert>}
      <Field id="req-days" label="Valid for (days)" error={errs.validityDays}>
        <input
          id="req-days"
          type="number"
          min={1}
          max={ca?.policy.maxValidityDays}
          className={inputClass}
          value={validityDays}
          onChange={(e) => setValidityDays(Number(e.target.value))}
        />
      </Field>
      <Button type="submit" disabled={busy || request.isPending}>
        {busy || request.isPending ?
          "Working…"
        : renewal ?
          "Request renewal"
        : "Request certificate"}
      </Button>
    </form>
  );
}
