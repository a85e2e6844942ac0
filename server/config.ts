import os from "node:os";
import path from "node:path";
import { z } from "zod";

/** Every setting Rookery reads, validated once. README "Configuration" documents each. */
const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .optional()
    .transform((v) => (v === undefined ? fallback : ["true", "1", "yes"].includes(v)));

const ldapUrl = z.string().regex(/^ldaps?:\/\/[^\s/]+(:\d+)?\/?$/, "must look like ldap://host:389 or ldaps://host:636");

const envSchema = z
  .object({
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    PUBLIC_URL: z.string().url().optional(),
    ROOKERY_INTERNAL_URL: z.string().url().optional(),
    ROOKERY_DATA_DIR: z.string().default("./data"),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
      .optional(),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
    WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
    ROOKERY_INPROCESS_WORKERS: z.enum(["true", "false", "1", "0", "yes", "no"]).optional(),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    SESSION_MAX_AGE: z.coerce
      .number()
      .int()
      .min(60)
      .default(8 * 3600),

    LDAP_URL: ldapUrl.optional(),
    LDAP_BIND_DN: z.string().optional(),
    LDAP_BIND_PASSWORD: z.string().optional(),
    LDAP_BASE_DN: z.string().default("dc=example,dc=com"),
    LDAP_PEOPLE_BASE: z.string().optional(),
    LDAP_USER_ATTR: z.string().default("uid"),
    LDAP_USER_FILTER: z.string().default("(objectClass=inetOrgPerson)"),
    LDAP_ORG_BASE: z.string().optional(),
    LDAP_ORG_FILTER: z.string().default("(objectClass=organization)"),
    LDAP_ORG_NAME_ATTR: z.string().default("o"),
    LDAP_ORG_DESCRIPTION_ATTR: z.string().default("description"),
    LDAP_GROUP_LEADERS: z.string().default("leaders"),
    LDAP_GROUP_MEMBERS: z.string().default("members"),
    LDAP_GROUP_REPORTERS: z.string().default("reporters"),
    LDAP_GROUP_NAME_ATTR: z.string().default("cn"),
    LDAP_GROUP_MEMBER_ATTR: z.string().default("member"),
    LDAP_STARTTLS: bool(false),
    LDAP_TLS_CA_FILE: z.string().optional(),
    LDAP_TLS_REJECT_UNAUTHORIZED: bool(true),
    LDAP_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
    LDAP_SYNC_CRON: z.string().default("*/15 * * * *"),

    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .optional(),
    MAIL_FROM: z.string().default("Rookery <rookery@localhost>"),

    BACKUP_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(14),
    BACKUP_CRON: z.string().default("0 2 * * *"),

    BINHOST_KEEP_PUBLICATIONS: z.coerce.number().int().min(1).max(1000).default(5),
    BINHOST_PRUNE_CRON: z.string().default("30 3 * * *"),

    DISTFILES_UPSTREAM_MIRRORS: z
      .string()
      .default("https://distfiles.gentoo.org")
      .refine(
        (v) =>
          v
            .split(/\s+/)
            .filter(Boolean)
            .every((u) => /^https?:\/\/[^\s/]+/.test(u)),
        "must be space-separated http(s):// base URLs",
      ),
    DISTFILES_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).default(90),
    DISTFILES_PRUNE_CRON: z.string().default("15 4 * * *"),

    GIT_MAX_PUSH_MB: z.coerce.number().int().min(1).default(2048),
    GIT_MAX_CONCURRENT: z.coerce.number().int().min(1).default(32),
    GIT_MAX_QUEUED: z.coerce.number().int().min(0).default(256),
    GIT_HOUSEKEEPING_CRON: z.string().default("45 4 * * *"),

    // the portage tree mirror infrastructure/gentoo (server/farm/tree.ts); "" turns syncing off
    PORTAGE_TREE_UPSTREAM: z
      .string()
      .regex(/^$|^(https?|git):\/\/\S+$/, "must be an http(s):// or git:// URL, or empty to turn syncing off")
      .default("https://github.com/gentoo-mirror/gentoo.git"),
    PORTAGE_TREE_UPSTREAM_BRANCH: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, "must be a branch name")
      .default("stable"),
    PORTAGE_TREE_SYNC_CRON: z.string().default("20 */4 * * *"),
    PORTAGE_TREE_TIMEOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
    GLSA_SCAN_CRON: z.string().default("40 5 * * *"),

    RUNNER_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    RUNNER_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(600).default(10),
    RUNNER_MAX_WAIT_SECONDS: z.coerce.number().int().min(1).max(30).default(30),
    RUNNER_LOG_CHUNK_MAX_KB: z.coerce.number().int().min(1).max(65536).default(1024),
    ARTIFACT_RETENTION_DAYS: z.coerce.number().int().min(0).max(36500).default(30),
    ARTIFACT_RETENTION: z
      .string()
      .regex(/^([a-z0-9_-]+=\d+)(,[a-z0-9_-]+=\d+)*$/, "must look like binpkg=90,stage=180,log=14")
      .optional(),
    ROOKERY_EMBEDDED_RUNNER: z.enum(["true", "false", "1", "0", "yes", "no"]).optional(),
    ROOKERY_RUNNER_PORTAGE: z.string().optional(),
    PUPPET_CA_PORT: z.coerce.number().int().min(0).max(65535).default(8140),
    PUPPET_CA_DNS_NAMES: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.LDAP_BIND_DN && env.LDAP_BIND_PASSWORD === undefined) {
      ctx.addIssue({ code: "custom", path: ["LDAP_BIND_PASSWORD"], message: "is required when LDAP_BIND_DN is set" });
    }
  });

export type Config = ReturnType<typeof buildConfig>;

export class ConfigError extends Error {}

function buildConfig(env: Record<string, string | undefined>) {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid configuration: ${String(issue.path[0])} ${issue.message}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.ROOKERY_DATA_DIR);
  const retention: Record<string, number> = Object.fromEntries(
    (e.ARTIFACT_RETENTION ?? "")
      .split(",")
      .filter(Boolean)
      .map((kv) => [kv.split("=")[0], Number(kv.split("=")[1])]),
  );
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    /** How processes on this host (git hooks) reach the portal. */
    internalUrl: (e.ROOKERY_INTERNAL_URL ?? `http://${["0.0.0.0", "::", "localhost"].includes(e.HOST) ? "127.0.0.1" : e.HOST}:${e.PORT}`).replace(/\/$/, ""),
    dataDir,
    databaseUrl: e.DATABASE_URL,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    inProcessWorkers: e.ROOKERY_INPROCESS_WORKERS === undefined ? !e.DATABASE_URL : ["true", "1", "yes"].includes(e.ROOKERY_INPROCESS_WORKERS),
    /** Web server processes sharing the port (like Puma workers); one per core by default, at most 4. */
    webConcurrency: e.WEB_CONCURRENCY ?? Math.max(1, Math.min(os.availableParallelism(), 4)),
    authSecret: e.AUTH_SECRET,
    sessionMaxAge: e.SESSION_MAX_AGE,
    ldap:
      e.LDAP_URL ?
        {
          url: e.LDAP_URL,
          bindDn: e.LDAP_BIND_DN,
          bindPassword: e.LDAP_BIND_PASSWORD,
          peopleBase: e.LDAP_PEOPLE_BASE ?? `ou=people,${e.LDAP_BASE_DN}`,
          userAttr: e.LDAP_USER_ATTR,
          userFilter: e.LDAP_USER_FILTER,
          orgBase: e.LDAP_ORG_BASE ?? `ou=organizations,${e.LDAP_BASE_DN}`,
          orgFilter: e.LDAP_ORG_FILTER,
          orgNameAttr: e.LDAP_ORG_NAME_ATTR,
          orgDescriptionAttr: e.LDAP_ORG_DESCRIPTION_ATTR,
          groups: { leader: e.LDAP_GROUP_LEADERS, developer: e.LDAP_GROUP_MEMBERS, reporter: e.LDAP_GROUP_REPORTERS },
          groupNameAttr: e.LDAP_GROUP_NAME_ATTR,
          groupMemberAttr: e.LDAP_GROUP_MEMBER_ATTR,
          startTls: e.LDAP_STARTTLS,
          tlsCaFile: e.LDAP_TLS_CA_FILE,
          tlsRejectUnauthorized: e.LDAP_TLS_REJECT_UNAUTHORIZED,
          timeoutMs: e.LDAP_TIMEOUT_MS,
          syncCron: e.LDAP_SYNC_CRON,
        }
      : null,
    smtp: { url: e.SMTP_URL, from: e.MAIL_FROM },
    git: {
      maxPushBytes: e.GIT_MAX_PUSH_MB * 1024 * 1024,
      maxConcurrent: e.GIT_MAX_CONCURRENT,
      maxQueued: e.GIT_MAX_QUEUED,
      housekeepingCron: e.GIT_HOUSEKEEPING_CRON,
    },
    runners: {
      leaseSeconds: e.RUNNER_LEASE_SECONDS,
      heartbeatSeconds: e.RUNNER_HEARTBEAT_SECONDS,
      maxWaitSeconds: e.RUNNER_MAX_WAIT_SECONDS,
      logChunkMaxBytes: e.RUNNER_LOG_CHUNK_MAX_KB * 1024,
      artifactsDir: path.join(dataDir, "artifacts"),
      /** days an artifact is kept, per kind (0 = forever) */
      artifactRetentionDays: (kind: string) => retention[kind] ?? e.ARTIFACT_RETENTION_DAYS,
      /** the in-process shell runner of `npm start`: on by default with the embedded database */
      embedded: e.ROOKERY_EMBEDDED_RUNNER === undefined ? !e.DATABASE_URL : ["true", "1", "yes"].includes(e.ROOKERY_EMBEDDED_RUNNER),
      /** a portage source tree: the embedded runner then runs real farm builds with the gentoo executor */
      embeddedPortage: e.ROOKERY_RUNNER_PORTAGE ? path.resolve(e.ROOKERY_RUNNER_PORTAGE) : null,
    },
    backups: { dir: path.join(dataDir, "backups"), retentionDays: e.BACKUP_RETENTION_DAYS, cron: e.BACKUP_CRON },
    portageTree: {
      upstream: e.PORTAGE_TREE_UPSTREAM || null,
      branch: e.PORTAGE_TREE_UPSTREAM_BRANCH,
      cron: e.PORTAGE_TREE_SYNC_CRON,
      timeoutMs: e.PORTAGE_TREE_TIMEOUT_MINUTES * 60_000,
      /** the daily GLSA scan (also after every publication and tree sync) */
      glsaScanCron: e.GLSA_SCAN_CRON,
    },
    binhost: { dir: path.join(dataDir, "binhost"), keep: e.BINHOST_KEEP_PUBLICATIONS, pruneCron: e.BINHOST_PRUNE_CRON },
    /** the distfiles mirror: upstream base URLs (as in GENTOO_MIRRORS, without /distfiles), retention by last use */
    distfiles: {
      dir: path.join(dataDir, "distfiles"),
      upstreams: e.DISTFILES_UPSTREAM_MIRRORS.split(/\s+/)
        .filter(Boolean)
        .map((u) => u.replace(/\/+$/, "")),
      retentionDays: e.DISTFILES_RETENTION_DAYS,
      pruneCron: e.DISTFILES_PRUNE_CRON,
    },
    /** the Puppet CA API's own TLS listener (port 0: off); SANs of its certificate */
    puppetCa: {
      port: e.PUPPET_CA_PORT,
      dnsNames: (e.PUPPET_CA_DNS_NAMES ?? `${os.hostname()},localhost,127.0.0.1`)
        .split(",")
        .map((n) => n.trim().toLowerCase())
        .filter(Boolean),
    },
  };
}

let cached: Config | undefined;

export function getConfig(): Config {
  cached ??= buildConfig(process.env);
  return cached;
}

/** For tests and the start script, which change the environment before first use. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  cached = buildConfig(env);
  return cached;
}
