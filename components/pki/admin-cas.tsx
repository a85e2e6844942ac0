"use client";

import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { fieldErrors, formError, trpc } from "@/components/trpc";
import { Alert, Badge, Button, Card, Field, formatDate, inputClass, Table, td, th } from "@/components/ui";
import type { CaPolicy } from "@/db/schema";
import { download } from "./download";
import { PolicyForm } from "./policy-form";

type Ca = {
  id: string;
  name: string;
  level: "root" | "intermediate" | "sub";
  status: "pending" | "active";
  parentId: string | null;
  subjectDn: string;
  serial: string | null;
  notAfter: Date | null;
  policy: CaPolicy | null;
  hasCsr: boolean;
  crlNextUpdate: Date | null;
};

const levelLabel = { root: "Root (offline)", intermediate: "Level 1 (offline)", sub: "Level 2" };
const textareaClass = `${inputClass} font-mono text-xs`;

/** One small form: a textarea (and extra fields) sent by a mutation, the page refreshed after. */
function PemForm({
  label,
  id,
  hint,
  extra,
  submit,
  mutation,
}: {
  label: string;
  id: string;
  hint?: ReactNode;
  extra?: ReactNode;
  submit: string;
  mutation: { mutate: (pem: string) => void; isPending: boolean; error: unknown; done: boolean };
}) {
  const [pem, setPem] = useState("");
  const errs = fieldErrors(mutation.error);
  return (
    <form
      aria-label={label}
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        mutation.mutate(pem);
      }}
    >
      {formError(mutation.error) && <Alert>{formError(mutation.error)}</Alert>}
      {extra}
      <Field id={id} label={label} hint={typeof hint === "string" ? hint : undefined} error={errs.pem ?? errs.certificate ?? errs.crl}>
        <textarea id={id} rows={6} className={textareaClass} value={pem} onChange={(e) => setPem(e.target.value)} placeholder="-----BEGIN CERTIFICATE-----" />
      </Field>
      <Button type="submit" disabled={mutation.isPending}>
        {mutation.isPending ? "Checking…" : submit}
      </Button>
    </form>
  );
}

function useRefreshing<I>(
  m: { mutate: (i: I, o?: { onSuccess?: () => void }) => void; isPending: boolean; error: unknown; isSuccess: boolean },
  toInput: (pem: string) => I,
) {
  const router = useRouter();
  return {
    mutate: (pem: string) => m.mutate(toInput(pem), { onSuccess: () => router.refresh() }),
    isPending: m.isPending,
    error: m.error,
    done: m.isSuccess,
  } as const;
}

export function AdminCas({ cas, portalUrl }: { cas: Ca[]; portalUrl: string }) {
  const root = cas.find((c) => c.level === "root");
  const intermediates = cas.filter((c) => c.level === "intermediate");
  const importRoot = trpc.pki.importRoot.useMutation();
  const importL1 = trpc.pki.importIntermediate.useMutation();
  const [l1Name, setL1Name] = useState("level1");
  const rootForm = useRefreshing(importRoot, (pem) => ({ pem }));
  const l1Form = useRefreshing(importL1, (pem) => ({ pem, name: l1Name }));
  return (
    <div className="space-y-8">
      <section aria-labelledby="ca-list">
        <h2 id="ca-list" className="mb-2 text-lg font-semibold">
          Certificate authorities
        </h2>
        {cas.length === 0 ?
          <Alert tone="info">
            No CA yet. Run the key ceremony offline (<code>npm run rookery -- pki:root-init --out DIR</code>, then <code>pki:ca-csr</code> and{" "}
            <code>pki:sign-ca</code> for the level-1 CA) and import both certificates below. For a demo instance,{" "}
            <code>npm run rookery -- pki:dev-bootstrap</code> does all of it.
          </Alert>
        : <Table label="Certificate authorities">
            <thead>
              <tr>
                <th className={th}>Name</th>
                <th className={th}>Level</th>
                <th className={th}>Subject</th>
                <th className={th}>Status</th>
                <th className={th}>Valid until</th>
                <th className={th}>CRL</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-gray-200 dark:divide-gray-700">
              {cas.map((c) => (
                <tr key={c.id} className="align-top">
                  <td className={td}>
                    <strong>{c.name}</strong>
                    {c.policy && (
                      <div className="text-xs text-gray-500">
                        {c.policy.kind} · approval {c.policy.approval}
                      </div>
                    )}
                  </td>
                  <td className={td}>{levelLabel[c.level]}</td>
                  <td className={td}>
                    <code className="text-xs">{c.subjectDn}</code>
                  </td>
                  <td className={td}>
                    {c.status === "active" ?
                      <Badge tone="green">Active</Badge>
                    : <Badge tone="amber">Waiting for its certificate</Badge>}
                  </td>
                  <td className={td}>{c.notAfter ? formatDate(c.notAfter) : "—"}</td>
                  <td className={td}>
                    {c.crlNextUpdate ?
                      <a className="text-brand-600 hover:underline" href={`/pki/${c.name}/crl.pem`}>
                        next update {formatDate(c.crlNextUpdate)}
                      </a>
                    : "none yet"}
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        }
      </section>

      {cas
        .filter((c) => c.status === "pending")
        .map((c) => (
          <PendingSubCa key={c.id} ca={c} parent={cas.find((p) => p.id === c.parentId)?.name ?? "level1"} portalUrl={portalUrl} />
        ))}

      {cas.some((c) => c.policy) && (
        <section aria-labelledby="policies-heading">
          <h2 id="policies-heading" className="mb-2 text-lg font-semibold">
            Sub-CA policies
          </h2>
          <div className="space-y-2">
            {cas
              .filter((c) => c.policy)
              .map((c) => (
                <details key={c.id} className="rounded-md border border-gray-200 p-3 dark:border-gray-700">
                  <summary className="cursor-pointer font-medium">
                    {c.name} — {c.policy!.kind}, approval {c.policy!.approval}, at most {c.policy!.maxValidityDays} days
                  </summary>
                  <div className="mt-3">
                    <PolicyForm caId={c.id} name={c.name} policy={c.policy!} />
                  </div>
                </details>
              ))}
          </div>
        </section>
      )}

      <div className="grid gap-6 lg:grid-cols-2">
        {!root && (
          <Card className="p-4">
            <h2 className="mb-2 font-semibold">Import the root certificate</h2>
            <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">Certificate only: the root key stays on the offline machine.</p>
            <PemForm label="Root certificate (PEM)" id="root-pem" submit="Import root" mutation={rootForm} />
          </Card>
        )}
        {root && (
          <Card className="p-4">
            <h2 className="mb-2 font-semibold">Import a level-1 certificate</h2>
            <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">
              Signed offline by the root (<code>pki:sign-ca</code>); its key stays offline too.
            </p>
            <PemForm
              label="Level-1 certificate (PEM)"
              id="l1-pem"
              submit="Import level-1"
              extra={
                <Field id="l1-name" label="Name" error={fieldErrors(importL1.error).name}>
                  <input id="l1-name" className={inputClass} value={l1Name} onChange={(e) => setL1Name(e.target.value)} />
                </Field>
              }
              mutation={l1Form}
            />
          </Card>
        )}
        {intermediates.length > 0 && <CreateSubCa parents={intermediates} />}
        {cas
          .filter((c) => c.level !== "sub")
          .map((c) => (
            <UploadCrl key={c.id} ca={c} />
          ))}
      </div>
    </div>
  );
}

function UploadCrl({ ca }: { ca: Ca }) {
  const upload = useRefreshing(trpc.pki.uploadCrl.useMutation(), (pem) => ({ id: ca.id, pem }));
  return (
    <Card className="p-4">
      <h2 className="mb-2 font-semibold">Publish the CRL of {ca.name}</h2>
      <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">
        Signed offline (<code>pki:crl</code>); served at <code>/pki/{ca.name}/crl</code>.
      </p>
      <PemForm label={`CRL of ${ca.name} (PEM)`} id={`crl-${ca.name}`} submit="Publish CRL" mutation={upload} />
    </Card>
  );
}

function PendingSubCa({ ca, parent, portalUrl }: { ca: Ca; parent: string; portalUrl: string }) {
  const utils = trpc.useUtils();
  const install = useRefreshing(trpc.pki.installCertificate.useMutation(), (pem) => ({ id: ca.id, pem }));
  return (
    <Card className="p-4">
      <h2 className="mb-2 font-semibold">Sub-CA {ca.name}: sign its CSR offline</h2>
      <ol className="mb-3 list-decimal space-y-1 pl-5 text-sm text-gray-700 dark:text-gray-300">
        <li>
          <Button
            variant="secondary"
            type="button"
            onClick={async () => {
              const { csrPem, name } = await utils.pki.caCsr.fetch({ id: ca.id });
              download(`${name}.csr`, csrPem);
            }}
          >
            Download CSR
          </Button>
        </li>
        <li>
          On the offline machine:{" "}
          <code>
            npm run rookery -- pki:sign-ca --ca-cert {parent}.pem --ca-key {parent}.key --csr {ca.name}.csr --out {ca.name}.pem --portal-url {portalUrl}{" "}
            --issuer {parent}
          </code>
        </li>
        <li>Paste the signed certificate here. Rookery checks that it chains to the root and matches this sub-CA&apos;s key.</li>
      </ol>
      <PemForm label={`Signed certificate of ${ca.name} (PEM)`} id={`install-${ca.name}`} submit="Install certificate" mutation={install} />
    </Card>
  );
}

function CreateSubCa({ parents }: { parents: Ca[] }) {
  const router = useRouter();
  const create = trpc.pki.createSubCa.useMutation({ onSuccess: () => router.refresh() });
  const [name, setName] = useState("");
  const [subject, setSubject] = useState("");
  const [parentId, setParentId] = useState(parents[0].id);
  const [kind, setKind] = useState<"host" | "client" | "user" | "puppet">("host");
  const [base, setBase] = useState("dc=example,dc=com");
  const [key, setKey] = useState<"rsa:3072" | "rsa:4096" | "ec:P-256" | "ec:P-384">("rsa:3072");
  const errs = fieldErrors(create.error);
  return (
    <Card className="p-4">
      <h2 className="mb-2 font-semibold">Create a level-2 sub-CA</h2>
      <form
        aria-label="Create sub-CA"
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ name, subject, parentId, kind, base, key });
        }}
      >
        {formError(create.error) && <Alert>{formError(create.error)}</Alert>}
        <Field id="sub-name" label="Name" error={errs.name} hint="Short, lowercase: it appears in the CRL URL (/pki/<name>/crl).">
          <input id="sub-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field id="sub-subject" label="Subject" error={errs.subject} hint="e.g. CN=Example Host CA,O=Example">
          <input id="sub-subject" className={inputClass} value={subject} onChange={(e) => setSubject(e.target.value)} />
        </Field>
        <Field id="sub-parent" label="Signed by" error={errs.parentId}>
          <select id="sub-parent" className={inputClass} value={parentId} onChange={(e) => setParentId(e.target.value)}>
            {parents.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} — {p.subjectDn}
              </option>
            ))}
          </select>
        </Field>
        <Field id="sub-kind" label="Kind (default policy)" error={errs.kind}>
          <select id="sub-kind" className={inputClass} value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="host">host — TLS servers (serverAuth), leader approval</option>
            <option value="client">client — TLS clients (clientAuth), automatic</option>
            <option value="user">user — people (clientAuth + e-mail), automatic</option>
            <option value="puppet">puppet — robot CA for puppet agents</option>
          </select>
        </Field>
        <Field id="sub-base" label="Subject base of issued certificates" error={errs.base} hint="Issued subjects are CN=<name>,OU=<org>,<base>.">
          <input id="sub-base" className={inputClass} value={base} onChange={(e) => setBase(e.target.value)} />
        </Field>
        <Field id="sub-key" label="Key" error={errs.key}>
          <select id="sub-key" className={inputClass} value={key} onChange={(e) => setKey(e.target.value as typeof key)}>
            <option value="rsa:3072">RSA 3072</option>
            <option value="rsa:4096">RSA 4096</option>
            <option value="ec:P-256">ECDSA P-256</option>
            <option value="ec:P-384">ECDSA P-384</option>
          </select>
        </Field>
        <Button type="submit" disabled={create.isPending}>
          {create.isPending ? "Generating key…" : "Create key and CSR"}
        </Button>
      </form>
    </Card>
  );
}
