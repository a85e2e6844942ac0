import { index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./orgs";
import { users } from "./users";

export const caLevel = pgEnum("ca_level", ["root", "intermediate", "sub"]);
/** pending: a level-2 sub-CA whose key and CSR exist, waiting for its signed certificate */
export const caStatus = pgEnum("ca_status", ["pending", "active"]);

/** What a sub-CA may issue; see server/pki/policy.ts. */
export type CaPolicy = {
  kind: "puppet" | "user" | "client" | "host";
  /** RDNs above the common name, `{org}` → the org's slug, e.g. `OU={org},dc=example,dc=ch` */
  subjectBase: string;
  sanTypes: ("dns" | "ip" | "email")[];
  /** DNS/email domains (and their subdomains) allowed in SANs; `{org}` → the org's slug */
  sanDomains: string[];
  rsaMinBits: number;
  ecCurves: ("P-256" | "P-384")[];
  maxValidityDays: number;
  keyUsage: ("digitalSignature" | "keyEncipherment" | "nonRepudiation" | "keyAgreement")[];
  extKeyUsage: ("serverAuth" | "clientAuth" | "emailProtection" | "codeSigning")[];
  /** lowest org role allowed to request: developer, leader, or admin (instance admins only) */
  requesters: "developer" | "leader" | "admin";
  approval: "auto" | "leader" | "admin";
  /**
   * OCSP requests carrying a nonce get a freshly signed answer echoing it (RFC 8954), for
   * relying parties that insist; otherwise (default) everyone gets the pre-signed answer (RFC 5019).
   */
  ocspNonce?: boolean;
};

/**
 * The CA hierarchy. The root and level-1 are certificate-only (their keys stay offline);
 * level-2 sub-CAs keep their key here, AES-256-GCM encrypted (server/crypto).
 */
export const certificateAuthorities = pgTable("certificate_authorities", {
  id: uuid("id").primaryKey().defaultRandom(),
  /** URL name: /pki/<name>/crl */
  name: text("name").notNull().unique(),
  level: caLevel("level").notNull(),
  status: caStatus("status").notNull(),
  parentId: uuid("parent_id"),
  subjectDn: text("subject_dn").notNull(),
  certPem: text("cert_pem"),
  csrPem: text("csr_pem"),
  keyEncrypted: text("key_encrypted"),
  serial: text("serial"),
  /** hex SHA-1 of the issuer name DER / key, as OCSP CertIDs carry them */
  nameHash: text("name_hash"),
  keyHash: text("key_hash"),
  notBefore: timestamp("not_before", { withTimezone: true }),
  notAfter: timestamp("not_after", { withTimezone: true }),
  policy: jsonb("policy").$type<CaPolicy>(),
  crlPem: text("crl_pem"),
  crlNumber: integer("crl_number").notNull().default(0),
  crlThisUpdate: timestamp("crl_this_update", { withTimezone: true }),
  crlNextUpdate: timestamp("crl_next_update", { withTimezone: true }),
  /** When administrators were told that the published CRL runs out soon (once per CRL). */
  crlStaleWarnedAt: timestamp("crl_stale_warned_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const certState = pgEnum("cert_state", ["pending", "issued", "rejected", "revoked"]);

/** A certificate request and, once issued, its certificate. */
export const certificates = pgTable(
  "certificates",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    caId: uuid("ca_id")
      .notNull()
      .references(() => certificateAuthorities.id),
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    requestedBy: uuid("requested_by").references(() => users.id, { onDelete: "set null" }),
    state: certState("state").notNull(),
    csrPem: text("csr_pem").notNull(),
    subjectDn: text("subject_dn").notNull(),
    commonName: text("common_name").notNull(),
    sans: jsonb("sans").$type<{ type: "dns" | "ip" | "email"; value: string }[]>().notNull(),
    keyDescription: text("key_description").notNull(),
    validityDays: integer("validity_days").notNull(),
    renewalOf: uuid("renewal_of"),
    decidedBy: uuid("decided_by").references(() => users.id, { onDelete: "set null" }),
    decidedAt: timestamp("decided_at", { withTimezone: true }),
    rejectReason: text("reject_reason"),
    serial: text("serial").unique(),
    certPem: text("cert_pem"),
    notBefore: timestamp("not_before", { withTimezone: true }),
    notAfter: timestamp("not_after", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revocationReason: text("revocation_reason"),
    /** pre-signed OCSP response (DER, base64) and when it must be refreshed */
    ocspResponse: text("ocsp_response"),
    ocspNextUpdate: timestamp("ocsp_next_update", { withTimezone: true }),
    /** the last expiry warning sent: 30 or 7 (days before notAfter) */
    expiryWarnedDays: integer("expiry_warned_days"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("certificates_org_idx").on(t.orgId, t.createdAt), index("certificates_ca_state_idx").on(t.caId, t.state)],
);

/**
 * One-time autosign tokens for the Puppet CA: a CSR for `certname` whose challengePassword
 * matches is signed at once. Only the SHA-256 of the token is stored.
 */
export const puppetAutosignTokens = pgTable(
  "puppet_autosign_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    certname: text("certname").notNull(),
    /** the org the agent's certificate will belong to (leaders pre-authorize inside their org's domains) */
    orgId: uuid("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull().unique(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("puppet_autosign_certname_idx").on(t.certname)],
);
