import { isIP } from "node:net";
import * as x509 from "./lib";
import type { CaPolicy } from "@/db/schema";
import { describeKey, PkiInputError, publicKeyInfo } from "./x509";

export type { CaPolicy };
export type CaKind = CaPolicy["kind"];
export type San = { type: "dns" | "ip" | "email"; value: string };

/** The default policy of each kind of sub-CA (created by pki:dev-bootstrap, editable by admins). */
export function defaultPolicy(kind: CaKind, base: string): CaPolicy {
  const common = { rsaMinBits: 2048, ecCurves: ["P-256", "P-384"] as CaPolicy["ecCurves"], sanDomains: ["{org}.example.com"] };
  switch (kind) {
    case "host":
      return {
        ...common,
        kind,
        subjectBase: `OU={org},${base}`,
        sanTypes: ["dns", "ip"],
        maxValidityDays: 397,
        keyUsage: ["digitalSignature", "keyEncipherment"],
        extKeyUsage: ["serverAuth"],
        requesters: "developer",
        approval: "leader",
      };
    case "client":
      return {
        ...common,
        kind,
        subjectBase: `OU={org},${base}`,
        sanTypes: ["dns", "email"],
        maxValidityDays: 397,
        keyUsage: ["digitalSignature", "keyEncipherment"],
        extKeyUsage: ["clientAuth"],
        requesters: "developer",
        approval: "auto",
      };
    case "user":
      return {
        ...common,
        kind,
        subjectBase: `OU={org},${base}`,
        sanTypes: ["email"],
        maxValidityDays: 730,
        keyUsage: ["digitalSignature", "keyEncipherment", "nonRepudiation"],
        extKeyUsage: ["clientAuth", "emailProtection"],
        requesters: "developer",
        approval: "auto",
      };
    case "puppet":
      return {
        ...common,
        kind,
        subjectBase: "",
        sanTypes: ["dns"],
        maxValidityDays: 1825,
        keyUsage: ["digitalSignature", "keyEncipherment"],
        extKeyUsage: ["serverAuth", "clientAuth"],
        requesters: "leader",
        approval: "leader",
      };
  }
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const dnSpecial = /[,=+<>#;"\\\u0000-\u001f]/;
const dnsName = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A sub-CA's allowed SAN domains for one org (`{org}` → its slug), lowercase, without a leading `*.`. */
export function domainsFor(policy: CaPolicy, orgSlug: string) {
  return policy.sanDomains.map((d) => d.replaceAll("{org}", orgSlug).toLowerCase().replace(/^\*\./, ""));
}

/** Whether a name is one of `domains` or below one. */
export function inDomains(name: string, domains: string[]) {
  const n = name.toLowerCase().replace(/^\*\./, "");
  return domains.some((d) => n === d || n.endsWith("." + d));
}

export type CheckedCsr = { commonName: string; subjectDn: string; sans: San[]; keyDescription: string };

/**
 * Checks a parsed, signature-verified CSR against a sub-CA's policy and returns what the
 * certificate will say. Errors speak to people who are not PKI experts.
 */
export function checkCsr(policy: CaPolicy, csr: x509.Pkcs10CertificateRequest, who: { orgSlug: string; email: string | null }): CheckedCsr {
  const key = publicKeyInfo(csr.publicKey.rawData);
  const keyOk = (key.type === "rsa" && key.bits >= policy.rsaMinBits) || (key.type === "ec" && (policy.ecCurves as string[]).includes(key.curve));
  if (!keyOk) {
    const allowed = [`RSA with at least ${policy.rsaMinBits} bits`, ...policy.ecCurves.map((c) => `ECDSA ${c}`)].join(" or ");
    throw new PkiInputError("csr", `The key in this request is ${describeKey(key)}, which is too weak or not accepted here. Make a new key: ${allowed}.`);
  }

  const cns = csr.subjectName.getField("CN");
  if (cns.length !== 1)
    throw new PkiInputError(
      "csr",
      cns.length ?
        "The request has several common names (CN); give exactly one."
      : "The request has no common name (CN). Put the host name or your name in CN.",
    );
  const commonName = cns[0].trim();
  if (!commonName || commonName.length > 64) throw new PkiInputError("csr", "The common name (CN) must be 1 to 64 characters long.");
  if (dnSpecial.test(commonName))
    throw new PkiInputError(
      "csr",
      `The common name “${commonName}” contains characters such as , = + ; or quotes that could smuggle extra name parts into the certificate. Use a plain name (e.g. www.example.com); the CA adds the rest of the subject itself.`,
    );

  const domains = domainsFor(policy, who.orgSlug);
  const sans: San[] = [];
  const sanExt = csr.extensions.find((e): e is x509.SubjectAlternativeNameExtension => e instanceof x509.SubjectAlternativeNameExtension);
  for (const n of sanExt?.names.items ?? []) {
    const type =
      n.type === "dns" ? "dns"
      : n.type === "ip" ? "ip"
      : n.type === "email" ? "email"
      : null;
    if (!type) throw new PkiInputError("csr", `The request asks for a “${n.type}” alternative name; this CA accepts only ${policy.sanTypes.join(", ")} names.`);
    sans.push({ type, value: String(n.value) });
  }
  if (policy.kind === "host" || policy.kind === "puppet") {
    if (!dnsName.test(commonName))
      throw new PkiInputError(
        "csr",
        `For a ${policy.kind} certificate the common name must be a host name such as web1.${domains[0] ?? "example.com"}; “${commonName}” is not one.`,
      );
    if (!sans.some((s) => s.type === "dns" && s.value.toLowerCase() === commonName.toLowerCase()))
      sans.unshift({ type: "dns", value: commonName.toLowerCase() });
  }
  for (const s of sans) {
    if (!policy.sanTypes.includes(s.type))
      throw new PkiInputError("csr", `This CA does not allow ${s.type.toUpperCase()} names (${s.value}); allowed: ${policy.sanTypes.join(", ") || "none"}.`);
    if (s.type === "dns") {
      if (!dnsName.test(s.value)) throw new PkiInputError("csr", `“${s.value}” is not a valid host name.`);
      if (domains.length && !inDomains(s.value, domains))
        throw new PkiInputError("csr", `The name ${s.value} is outside your organization's domains (${domains.join(", ")}).`);
    }
    if (s.type === "ip" && !isIP(s.value)) throw new PkiInputError("csr", `“${s.value}” is not a valid IP address.`);
    if (s.type === "email") {
      const domain = s.value.split("@")[1] ?? "";
      if (policy.kind === "user") {
        if (!who.email || s.value.toLowerCase() !== who.email.toLowerCase())
          throw new PkiInputError("csr", `A user certificate may only carry your own e-mail address${who.email ? ` (${who.email})` : ""}, not ${s.value}.`);
      } else if (domains.length && !inDomains(domain, domains))
        throw new PkiInputError("csr", `The e-mail address ${s.value} is outside your organization's domains (${domains.join(", ")}).`);
    }
  }
  if (policy.kind === "user" && who.email && !sans.some((s) => s.type === "email")) sans.push({ type: "email", value: who.email });

  return { commonName, subjectDn: subjectFor(policy, commonName, who.orgSlug).toString(), sans, keyDescription: describeKey(key) };
}

/** CN first as its own RDN (a JSON value, never parsed), then the configured base. */
export function subjectFor(policy: CaPolicy, commonName: string, orgSlug: string): x509.Name {
  // Attribute types are matched upper-case (dc=example → DC=example).
  const base = policy.subjectBase
    .replaceAll("{org}", orgSlug)
    .trim()
    .replace(/(^|,)\s*([A-Za-z][A-Za-z0-9]*)\s*=/g, (_, sep: string, type: string) => `${sep}${type.length <= 2 ? type.toUpperCase() : type}=`);
  const rdns = base ? new x509.Name(base).toJSON() : [];
  // The base is written LDAP-style, most specific first; DER order is the reverse, CN last.
  return new x509.Name([...rdns.reverse(), { CN: [commonName] }]);
}
