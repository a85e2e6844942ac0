import { header } from "./der";
import * as x509 from "./lib";

/**
 * Puppet's certificate extensions (what puppetserver copies from a CSR's extension requests
 * into the agent's certificate): the registered pp_* OIDs (1.3.6.1.4.1.34380.1.1.*), the
 * private arc (1.3.6.1.4.1.34380.1.2.*) and the authorization arc (1.3.6.1.4.1.34380.1.3.*).
 */
const ARCS = ["1.3.6.1.4.1.34380.1.1.", "1.3.6.1.4.1.34380.1.2.", "1.3.6.1.4.1.34380.1.3."];

const registered = [
  "pp_uuid",
  "pp_instance_id",
  "pp_image_name",
  "pp_preshared_key",
  "pp_cost_center",
  "pp_product",
  "pp_project",
  "pp_application",
  "pp_service",
  "pp_employee",
  "pp_created_by",
  "pp_environment",
  "pp_role",
  "pp_software_version",
  "pp_department",
  "pp_cluster",
  "pp_provisioner",
  "pp_region",
  "pp_datacenter",
  "pp_zone",
  "pp_network",
  "pp_securitypolicy",
  "pp_cloudplatform",
  "pp_apptier",
  "pp_hostname",
];

/** OID → short name, as `puppet ssl show` and puppetserver name them. */
export const puppetOidNames: Record<string, string> = {
  ...Object.fromEntries(registered.map((name, i) => [`1.3.6.1.4.1.34380.1.1.${i + 1}`, name])),
  "1.3.6.1.4.1.34380.1.3.1": "pp_authorization",
  "1.3.6.1.4.1.34380.1.3.13": "pp_auth_role",
};

const AUTHORIZATION_ARC = "1.3.6.1.4.1.34380.1.3.";

/**
 * Whether a CSR asks for pp_authorization / pp_auth_role. They grant rights in Puppet's
 * auth.conf, so (as puppetserver with allow-authorization-extensions off) such a request is
 * never autosigned and only an administrator may sign it.
 */
export function requestsAuthorization(requested: readonly x509.Extension[]): boolean {
  return requested.some((e) => isAuthorizationExtension(e.type));
}

export function isAuthorizationExtension(oid: string): boolean {
  return oid.startsWith(AUTHORIZATION_ARC);
}

export function isPuppetExtension(oid: string): boolean {
  return ARCS.some((arc) => oid.startsWith(arc) && /^\d+(\.\d+)*$/.test(oid.slice(arc.length)));
}

/** The CSR's puppet extension requests, copied verbatim and non-critical (the first of each OID). */
export function copyPuppetExtensions(requested: readonly x509.Extension[]): x509.Extension[] {
  const seen = new Set<string>();
  const out: x509.Extension[] = [];
  for (const e of requested) {
    if (!isPuppetExtension(e.type) || seen.has(e.type)) continue;
    seen.add(e.type);
    out.push(new x509.Extension(e.type, false, e.value));
  }
  return out;
}

export type PuppetExtensionView = { oid: string; name: string; value: string };

/** Readable values: puppet writes each as a DER UTF8String; anything else is shown as hex. */
export function describePuppetExtensions(extensions: readonly x509.Extension[]): PuppetExtensionView[] {
  return extensions
    .filter((e) => isPuppetExtension(e.type))
    .map((e) => ({ oid: e.type, name: puppetOidNames[e.type] ?? e.type, value: derString(new Uint8Array(e.value)) }));
}

function derString(b: Uint8Array): string {
  const stringTags = new Set([0x0c, 0x13, 0x16, 0x14, 0x1a]); // UTF8, Printable, IA5, Teletex, Visible
  if (b.length >= 2 && stringTags.has(b[0])) {
    const { contentStart, end } = header(b, 0);
    if (end === b.length) return Buffer.from(b.subarray(contentStart)).toString("utf8");
  }
  return Buffer.from(b).toString("hex");
}
