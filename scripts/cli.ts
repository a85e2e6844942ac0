/**
 * `npm run rookery -- <command>`: operators' commands. Arguments are checked before the
 * database is touched; the work itself is done by the domain modules in server/, and every
 * change is written to the audit log as the system actor "cli". Results go to stdout (for
 * `token:create` nothing but the token), logs and errors to stderr.
 */
import { outcomeLine, requestTinderboxRun, runTinderboxNow } from "@/server/tinderbox/run";
import { describeChange, type ModuleChange } from "@/server/tinderbox/resolve";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { closeDb, getDb, type Db } from "@/db/client";
import { recordAudit, type AuditEntry } from "@/server/audit";
import { runBackup } from "@/server/backups";
import { restoreRepo } from "@/server/backups/restore";
import { issueToken } from "@/server/auth/tokens";
import { resetPassword } from "@/server/admin/users";
import { DomainError, InputError } from "@/server/errors";
import { packagesInDir, publishUploadedPackages } from "@/server/farm/upload";
import { runLdapSync } from "@/server/ldap/sync";
import { addMemberWithNotice, createOrg, getOrgBySlug } from "@/server/orgs";
import { boot } from "@/server/runtime/boot";
import { getConfig } from "@/server/config";
import { caNamePattern, caUrls } from "@/server/pki/ca";
import { caCsr, defaultCaName, devBootstrap, offlineCrl, rootInit, signCa } from "@/server/pki/offline";
import { waitForPuppetCa } from "@/server/pki/puppet-listener";
import { normalizeSerial, revocationReasons, type KeySpec, type RevocationReason } from "@/server/pki/x509";
import { createLocalUser, getUserByUsername, normalizeUsername } from "@/server/users";

const actor: AuditEntry["actor"] = { kind: "system", name: "cli" };

/** Bad arguments: exit 2 with one line. */
class UsageError extends Error {}
/** A refusal a person can act on (exit 1, one line). */
class CliError extends Error {}

const required = (flag: string) =>
  z
    .string({ error: `--${flag} is required` })
    .trim()
    .min(1, `--${flag} must not be empty`);
const role = z.enum(["leader", "developer", "reporter"], { error: "--role must be leader, developer or reporter" });
const scope = z.enum(["read", "write"], { error: "--scope must be read or write" });

type Command<S extends z.ZodType> = {
  usage: string;
  summary: string;
  flags: Record<string, { type: "string" | "boolean" }>;
  /** names given to positional arguments, in order (they join the flags for the schema) */
  positionals?: string[];
  schema: S;
  /** runs without a database (the offline key ceremony's commands); `db` is then unusable */
  offline?: boolean;
  run: (db: Db, args: z.infer<S>) => Promise<string | void>;
};

const days = (fallback: number) =>
  z.coerce
    .number({ error: "--days must be a number of days" })
    .int("--days must be whole days")
    .min(1, "--days must be at least 1")
    .max(36500)
    .default(fallback);
const keySpec = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx): KeySpec => {
      const m = /^(rsa):(2048|3072|4096)$|^(ec):(P-256|P-384)$/.exec(v);
      if (!m) {
        ctx.addIssue({ code: "custom", message: "--key must be rsa:2048, rsa:3072, rsa:4096, ec:P-256 or ec:P-384" });
        return z.NEVER;
      }
      return m[1] ? { type: "rsa", bits: Number(m[2]) } : { type: "ec", curve: m[4] as "P-256" | "P-384" };
    });

function readFile(file: string) {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new CliError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Refusals of the offline PKI (bad CSR, existing files) become one-line CLI errors. */
function cliError(e: unknown): never {
  throw e instanceof Error && !(e instanceof TypeError) && !(e instanceof DomainError) ? new CliError(e.message) : e;
}

function command<S extends z.ZodType>(c: Command<S>) {
  return c;
}

const commands = {
  "user:create": command({
    usage: "user:create --username U --password P [--admin]",
    summary: "Create a local account (--admin makes it a global administrator)",
    flags: { username: { type: "string" }, password: { type: "string" }, admin: { type: "boolean" } },
    schema: z.object({ username: required("username"), password: z.string({ error: "--password is required" }), admin: z.boolean().default(false) }),
    async run(db, a) {
      const user = await db.transaction(async (tx) => {
        const user = await createLocalUser(tx, { username: a.username, password: a.password, isAdmin: a.admin });
        await recordAudit(tx, { actor, action: "user:create", targetType: "user", targetId: user.username, outcome: "success", details: { admin: a.admin } });
        return user;
      });
      return `Created ${user.isAdmin ? "administrator" : "user"} ${user.username}`;
    },
  }),

  "user:passwd": command({
    usage: "user:passwd --username U --password P",
    summary: "Set a local account's password (and lift a login lockout)",
    flags: { username: { type: "string" }, password: { type: "string" } },
    schema: z.object({ username: required("username"), password: z.string({ error: "--password is required" }) }),
    async run(db, a) {
      const user = await getUserByUsername(db, a.username);
      if (!user) throw new InputError("username", `No user named ${normalizeUsername(a.username)}`);
      await resetPassword(db, null, user.id, a.password, (tx) =>
        recordAudit(tx, { actor, action: "user:passwd", targetType: "user", targetId: user.username, outcome: "success" }),
      );
      return `Password of ${user.username} changed`;
    },
  }),

  "org:create": command({
    usage: "org:create --name N [--slug S]",
    summary: "Create a local organization (slug derived from the name unless given)",
    flags: { name: { type: "string" }, slug: { type: "string" } },
    schema: z.object({ name: required("name").pipe(z.string().max(100, "--name must be at most 100 characters")), slug: z.string().trim().optional() }),
    async run(db, a) {
      const org = await createOrg(db, { name: a.name, slug: a.slug, source: "local" }, (tx, org) =>
        recordAudit(tx, { actor, action: "org:create", orgId: org.id, targetType: "org", targetId: org.slug, outcome: "success" }),
      );
      return `Created organization ${org.name} (/orgs/${org.slug})`;
    },
  }),

  "org:add-member": command({
    usage: "org:add-member --org S --user U --role leader|developer|reporter",
    summary: "Add a user to an organization (by its slug) with a role",
    flags: { org: { type: "string" }, user: { type: "string" }, role: { type: "string" } },
    schema: z.object({ org: required("org"), user: required("user"), role }),
    async run(db, a) {
      const org = await getOrgBySlug(db, a.org.toLowerCase());
      if (!org) throw new CliError(`No organization with slug ${a.org}`);
      const user = await addMemberWithNotice(db, { org, username: a.user, role: a.role, by: null }, (tx, user) =>
        recordAudit(tx, {
          actor,
          action: "org:add-member",
          orgId: org.id,
          targetType: "user",
          targetId: user.username,
          outcome: "success",
          details: { role: a.role },
        }),
      );
      return `Added ${user.username} to ${a.org} as ${a.role}`;
    },
  }),

  "token:create": command({
    usage: "token:create --user U --name N --scope read|write [--expires-days D]",
    summary: "Create a personal access token for a user and print only the token",
    flags: { user: { type: "string" }, name: { type: "string" }, scope: { type: "string" }, "expires-days": { type: "string" } },
    schema: z.object({
      user: required("user"),
      name: required("name").pipe(z.string().max(100, "--name must be at most 100 characters")),
      scope,
      "expires-days": z.coerce
        .number({ error: "--expires-days must be a number of days" })
        .int("--expires-days must be a whole number of days")
        .min(1, "--expires-days must be at least 1")
        .max(3650, "--expires-days must be at most 3650")
        .optional(),
    }),
    async run(db, a) {
      const days = a["expires-days"];
      const expiresAt = days ? new Date(Date.now() + days * 86_400_000) : null;
      const user = await getUserByUsername(db, a.user);
      if (!user) throw new InputError("user", `No user named ${normalizeUsername(a.user)}`);
      const created = await issueToken(db, { user, name: a.name, scope: a.scope, expiresAt }, (tx, token) =>
        recordAudit(tx, {
          actor,
          action: "token:create",
          targetType: "token",
          targetId: token.id,
          outcome: "success",
          details: { user: user.username, name: a.name, scope: a.scope, expiresAt: expiresAt?.toISOString() ?? null },
        }),
      );
      return created.token;
    },
  }),

  "ldap:sync": command({
    usage: "ldap:sync",
    summary: "Synchronise users, organizations and memberships from LDAP now",
    flags: {},
    schema: z.object({}),
    async run(db) {
      const run = await runLdapSync(db, { trigger: "cli" });
      if (run.status !== "success") throw new CliError(`LDAP sync failed: ${run.error ?? "unknown error"}`);
      const { orgsAdded, orgsUpdated, orgsArchived, usersAdded, usersUpdated, membersAdded, membersRemoved, membersChanged } = run;
      const counts = { orgsAdded, orgsUpdated, orgsArchived, usersAdded, usersUpdated, membersAdded, membersRemoved, membersChanged };
      await recordAudit(db, { actor, action: "ldap:sync", targetType: "ldap-sync-run", targetId: run.id, outcome: "success", details: counts });
      return [
        "LDAP sync finished:",
        `  organizations  ${run.orgsAdded} added, ${run.orgsUpdated} updated, ${run.orgsArchived} archived`,
        `  users          ${run.usersAdded} added, ${run.usersUpdated} updated`,
        `  memberships    ${run.membersAdded} added, ${run.membersRemoved} removed, ${run.membersChanged} role changes`,
      ].join("\n");
    },
  }),

  "repo:restore": command({
    usage: "repo:restore <org>/<repo> <bundle>",
    summary: "Restore a repository from a git bundle (e.g. DATA_DIR/backups/<date>/<org>/<repo>.bundle); creates it if missing",
    flags: {},
    positionals: ["repo", "bundle"],
    schema: z.object({
      repo: z.string({ error: "<org>/<repo> is required" }).regex(/^[^/\s]+\/[^/\s]+$/, "<org>/<repo> must look like acme/puppet"),
      bundle: z.string({ error: "<bundle> is required: the path of a .bundle file" }).min(1, "<bundle> must not be empty"),
    }),
    async run(db, a) {
      const [orgSlug, name] = a.repo.split("/");
      const r = await restoreRepo(db, { orgSlug, name }, a.bundle);
      await recordAudit(db, {
        actor,
        action: "repo:restore",
        orgId: r.orgId,
        targetType: "repository",
        targetId: a.repo,
        outcome: "success",
        details: { bundle: a.bundle, refs: r.refs, created: r.created, replaced: r.replaced },
      });
      return `Restored ${a.repo} from ${a.bundle}: ${r.refs} refs, default branch ${r.defaultBranch}${r.created ? " (repository created)" : ""}`;
    },
  }),

  "binhost:publish": command({
    usage: "binhost:publish --env E --arch A --profile P DIR",
    summary: "Publish the .gpkg.tar files under DIR (cat/pf-N.gpkg.tar) as the binhost of a profile: verified, signed, replacing its package set",
    flags: { env: { type: "string" }, arch: { type: "string" }, profile: { type: "string" } },
    positionals: ["dir"],
    schema: z.object({
      env: required("env"),
      arch: required("arch"),
      profile: required("profile"),
      dir: z.string({ error: "DIR is required: a directory of .gpkg.tar files" }).min(1, "DIR must not be empty"),
    }),
    async run(db, a) {
      const target = { environment: a.env, arch: a.arch, profile: a.profile };
      const r = await publishUploadedPackages(db, target, packagesInDir(path.resolve(a.dir)));
      await recordAudit(db, {
        actor,
        action: "binhost.publish",
        targetType: "binhost",
        targetId: `${a.env}/${a.arch}/${a.profile}`,
        outcome: "success",
        details: { publication: r.publicationId, packages: r.packages, inherited: r.inherited, bytes: r.bytes, signedBy: r.signedBy, dir: a.dir },
      });
      const signed = r.signedBy ? `, signed by ${r.signedBy}` : "";
      return `Published ${r.packages} packages to ${a.env}/gentoo/${a.arch}/${a.profile} (${r.inherited} already in a parent profile${signed})`;
    },
  }),

  "backup:run": command({
    usage: "backup:run",
    summary: "Back up every repository now (git bundles and a manifest under DATA_DIR/backups/<date>/)",
    flags: {},
    schema: z.object({}),
    async run(db) {
      const run = await runBackup(db, { trigger: "cli" });
      if (!run) throw new CliError("Another backup is running; try again when it has finished");
      const details = {
        status: run.status,
        repos: run.reposTotal,
        backedUp: run.reposBackedUp,
        empty: run.reposEmpty,
        failed: run.reposFailed,
        bytes: run.bytes,
      };
      await recordAudit(db, {
        actor,
        action: "backup:run",
        targetType: "backup-run",
        targetId: run.id,
        outcome: run.status === "failed" ? "failure" : "success",
        details,
      });
      const lines = [
        `Backup ${run.status} in ${run.directory}:`,
        `  ${run.reposBackedUp} bundled (${run.bytes} bytes), ${run.reposEmpty} empty, ${run.reposFailed} failed${run.pruned.length ? `; removed ${run.pruned.join(", ")}` : ""}`,
        ...run.errors.map((e) => `  ${e.repo}: ${e.error}`),
      ];
      if (run.status === "failed") throw new CliError(lines.join("\n"));
      return lines.join("\n");
    },
  }),

  "tinderbox:run": command({
    usage: "tinderbox:run --org S [--wait] [--allow-reset]",
    summary:
      "Run the organization's tinderbox pass (without --wait it is queued for the workers); the last line is the outcome: up to date, merge request !N opened|updated, or failed: <reason>",
    flags: { org: { type: "string" }, wait: { type: "boolean" }, "allow-reset": { type: "boolean" } },
    schema: z.object({ org: required("org"), wait: z.boolean().default(false), "allow-reset": z.boolean().default(false) }),
    async run(db, a) {
      const org = await getOrgBySlug(db, a.org.toLowerCase());
      if (!org) throw new CliError(`No organization with slug ${a.org}`);
      if (!a.wait) {
        const run = await requestTinderboxRun(db, org.id, "cli");
        return `queued: tinderbox run ${run.id} of ${org.slug}`;
      }
      const run = await runTinderboxNow(db, org.slug, { trigger: "cli", allowReset: a["allow-reset"] });
      const changes = (run.changes?.modules ?? []) as ModuleChange[];
      const lines = [...changes.map((c) => describeChange(c)), ...(run.changes?.notes ?? []).map((n) => `note: ${n}`), await outcomeLine(db, run)];
      if (run.status === "failed") throw new CliError(lines.join("\n"));
      return lines.join("\n");
    },
  }),

  "pki:root-init": command({
    usage: "pki:root-init --out DIR [--subject DN] [--days D] [--key rsa:4096|ec:P-384]",
    summary: "Offline: create the root key (DIR/root.key, 0600) and self-signed root certificate (DIR/root.pem); no database",
    flags: { out: { type: "string" }, subject: { type: "string" }, days: { type: "string" }, key: { type: "string" } },
    offline: true,
    schema: z.object({ out: required("out"), subject: z.string().default("CN=Rookery Root CA"), days: days(7300), key: keySpec("rsa:4096") }),
    async run(_db, a) {
      const r = await rootInit(a.out, a.subject, a.days, a.key).catch(cliError);
      return `Root CA ${r.cert.subject} (serial ${r.cert.serialNumber}, valid until ${r.cert.notAfter.toISOString()})\n  key:         ${r.keyFile}  (keep it offline)\n  certificate: ${r.certFile}`;
    },
  }),

  "pki:ca-csr": command({
    usage: "pki:ca-csr --name NAME --subject DN --out DIR [--key rsa:4096|ec:P-384]",
    summary: "Offline: create a CA key (DIR/NAME.key) and its CSR (DIR/NAME.csr), e.g. the level-1 CA",
    flags: { name: { type: "string" }, subject: { type: "string" }, out: { type: "string" }, key: { type: "string" } },
    offline: true,
    schema: z.object({ name: required("name"), subject: required("subject"), out: required("out"), key: keySpec("rsa:4096") }),
    async run(_db, a) {
      const r = await caCsr(a.out, a.name, a.subject, a.key).catch(cliError);
      return `Key ${r.keyFile} (keep it offline)\nCSR ${r.csrFile}`;
    },
  }),

  "pki:sign-ca": command({
    usage: "pki:sign-ca --ca-cert FILE --ca-key FILE --csr FILE --out FILE --portal-url URL [--issuer NAME] [--days D]",
    summary:
      "Offline: sign a subordinate CA's CSR (root → level-1, level-1 → level-2 downloaded from Admin → PKI); the result names where the portal (--portal-url) publishes the signing CA's CRL and certificate (--issuer: its name there, default root for a self-signed CA, else level1)",
    flags: {
      "ca-cert": { type: "string" },
      "ca-key": { type: "string" },
      csr: { type: "string" },
      out: { type: "string" },
      days: { type: "string" },
      "portal-url": { type: "string" },
      issuer: { type: "string" },
    },
    offline: true,
    schema: z.object({
      "ca-cert": required("ca-cert"),
      "ca-key": required("ca-key"),
      csr: required("csr"),
      out: required("out"),
      days: days(1825),
      "portal-url": z.url({ protocol: /^https?$/, error: "--portal-url is required: the portal's public URL (PUBLIC_URL), e.g. https://rookery.example.com" }),
      issuer: z.string().regex(caNamePattern, "--issuer is the signing CA's name in the portal, e.g. root or level1").optional(),
    }),
    async run(_db, a) {
      const caCertPem = readFile(a["ca-cert"]);
      const urls = caUrls(a["portal-url"], a.issuer ?? defaultCaName(caCertPem));
      const pem = await signCa({ caCertPem, caKeyPem: readFile(a["ca-key"]), csrPem: readFile(a.csr), days: a.days, issuerUrls: urls }).catch(cliError);
      fs.writeFileSync(a.out, pem, { flag: "wx" });
      return `Signed CA certificate written to ${a.out}\n  CRL distribution point: ${urls.crl}\n  CA issuers:             ${urls.caIssuers}`;
    },
  }),

  "pki:crl": command({
    usage: "pki:crl --ca-cert FILE --ca-key FILE --out FILE [--days D] [--number N] [--revoke SERIAL[:REASON],…]",
    summary: "Offline: sign a CRL for the root or level-1 CA, listing revoked sub-CAs (upload it in Admin → PKI)",
    flags: {
      "ca-cert": { type: "string" },
      "ca-key": { type: "string" },
      out: { type: "string" },
      days: { type: "string" },
      number: { type: "string" },
      revoke: { type: "string" },
    },
    offline: true,
    schema: z.object({
      "ca-cert": required("ca-cert"),
      "ca-key": required("ca-key"),
      out: required("out"),
      days: days(365),
      number: z.coerce.number({ error: "--number must be a number" }).int().min(1).default(1),
      revoke: z
        .string()
        .default("")
        .transform((list, ctx) =>
          list
            .split(",")
            .filter(Boolean)
            .map((item) => {
              const [serial, reason = "unspecified"] = item.trim().split(":");
              if (!/^(0x)?[0-9a-f:]+$/i.test(serial) || !(reason in revocationReasons))
                ctx.addIssue({
                  code: "custom",
                  message: `--revoke takes SERIAL[:REASON] in hex, REASON one of ${Object.keys(revocationReasons).join(", ")} (got "${item}")`,
                });
              return { serial: normalizeSerial(serial.replace(/^0x/i, "")), reason: reason as RevocationReason };
            }),
        ),
    }),
    async run(_db, a) {
      const pem = await offlineCrl({
        caCertPem: readFile(a["ca-cert"]),
        caKeyPem: readFile(a["ca-key"]),
        days: a.days,
        crlNumber: a.number,
        revoked: a.revoke,
      }).catch(cliError);
      fs.writeFileSync(a.out, pem);
      return `CRL written to ${a.out}${a.revoke.length ? ` (${a.revoke.length} revoked)` : ""}`;
    },
  }),

  "pki:dev-bootstrap": command({
    usage: "pki:dev-bootstrap [--out DIR] [--base DN] [--name ORG]",
    summary:
      "Demo/test instances only: make root and level-1 locally (keys in DIR, default DATA_DIR/pki-offline), import them and create the puppet, user, client and host sub-CAs",
    flags: { out: { type: "string" }, base: { type: "string" }, name: { type: "string" } },
    schema: z.object({ out: z.string().optional(), base: z.string().default("dc=example,dc=com"), name: z.string().default("Rookery") }),
    async run(db, a) {
      const outDir = a.out ?? path.join(getConfig().dataDir, "pki-offline");
      const r = await devBootstrap(db, { outDir, base: a.base, orgName: a.name });
      if (!r.created) return "A root CA is already imported; nothing to do";
      await recordAudit(db, {
        actor,
        action: "pki:dev-bootstrap",
        targetType: "ca",
        targetId: "root",
        outcome: "success",
        details: { cas: r.cas.map((c) => c.name) },
      });
      const portalUp = () =>
        fetch(`${getConfig().internalUrl}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
          (res) => res.ok,
          () => false,
        );
      return [
        `PKI bootstrapped (offline keys in ${outDir}):`,
        ...r.cas.map((c) => `  ${c.level.padEnd(12)} ${c.name.padEnd(8)} ${c.subjectDn}`),
        await waitForPuppetCa(getConfig(), portalUp),
      ].join("\n");
    },
  }),

  "db:migrate": command({
    usage: "db:migrate",
    summary: "Apply pending database migrations (every command does this first)",
    flags: {},
    schema: z.object({}),
    async run(db) {
      // boot() has just applied them under the migration lock.
      await recordAudit(db, { actor, action: "db:migrate", outcome: "success" });
      return "Database schema is up to date";
    },
  }),
} satisfies Record<string, Command<z.ZodType>>;

type Name = keyof typeof commands;

function usage() {
  return [
    "Usage: npm run rookery -- <command> [flags]",
    "",
    "Commands:",
    ...Object.values(commands).flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    "  help",
    "      Show this text",
    "",
    "Uses DATABASE_URL when set, else the embedded PostgreSQL under ROOKERY_DATA_DIR (reused",
    "when the portal is running). Exit codes: 0 done, 1 refused or failed, 2 bad arguments.",
    "In scripts, `npm run -s` keeps npm's banner off stdout:",
    "  TOKEN=$(npm run -s rookery -- token:create --user ci --name deploy --scope read)",
  ].join("\n");
}

function parse(name: Name, argv: string[]) {
  const cmd = commands[name];
  let values: Record<string, unknown>;
  try {
    const names = (cmd as Command<z.ZodType>).positionals ?? [];
    const parsed = parseArgs({ args: argv, options: cmd.flags, strict: true, allowPositionals: names.length > 0 });
    if (parsed.positionals.length > names.length) throw new UsageError(`unexpected argument ${parsed.positionals[names.length]} for ${name}`);
    values = { ...parsed.values, ...Object.fromEntries(parsed.positionals.map((v, i) => [names[i], v])) };
  } catch (e) {
    const err = e as { code?: string; message: string };
    const flag = /'(-[^' ]+)/.exec(err.message)?.[1];
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new UsageError(`unknown flag ${flag} for ${name}`);
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
      throw new UsageError(`${flag} ${flag && cmd.flags[flag.replace(/^-+/, "")]?.type === "boolean" ? "takes no value" : "needs a value"}`);
    if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL")
      throw new UsageError(`unexpected argument ${/'([^']*)'/.exec(err.message)?.[1] ?? ""} for ${name}`);
    throw new UsageError(err.message.split("\n")[0]);
  }
  const parsed = cmd.schema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues[0].message);
  return parsed.data;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    (name ? process.stdout : process.stderr).write(usage() + "\n");
    return name ? 0 : 2;
  }
  if (!Object.hasOwn(commands, name)) throw new UsageError(`unknown command ${name}`);
  const args = parse(name as Name, rest);
  if ((commands[name as Name] as Command<z.ZodType>).offline) {
    const out = await (commands[name as Name].run as (db: Db | null, a: unknown) => Promise<string | void>)(null, args);
    if (out) process.stdout.write(out + "\n");
    return 0;
  }

  const { database } = await boot((line) => process.stderr.write(`[rookery] ${line}\n`));
  try {
    const out = await (commands[name as Name].run as (db: Db, a: unknown) => Promise<string | void>)(getDb(), args).catch(async (e: unknown) => {
      // Like the tRPC mutations, a refused or failed change is audited too.
      const error = e instanceof Error ? e.message : String(e);
      await recordAudit(getDb(), { actor, action: name, outcome: "failure", details: { error } }).catch(() => {});
      throw e;
    });
    if (out) process.stdout.write(out + "\n");
    return 0;
  } finally {
    await closeDb().catch(() => {});
    await database.stop().catch((e) => process.stderr.write(`[rookery] stopping PostgreSQL: ${e.message}\n`));
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof UsageError) {
      process.stderr.write(`rookery: ${message} (see: npm run rookery -- help)\n`);
      process.exit(2);
    }
    const line =
      e instanceof InputError && e.field ? `${e.field}: ${message}`
      : e instanceof DomainError || e instanceof CliError ? message
      : `failed: ${message.split("\n")[0]}`;
    process.stderr.write(`rookery: ${line}\n`);
    process.exit(1);
  },
);
