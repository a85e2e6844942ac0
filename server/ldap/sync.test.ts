import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { auditEvents, ldapSyncRuns, memberships, organizations, repositories, users } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { createOrg } from "@/server/orgs";
import { createLocalUser } from "@/server/users";
import { testDatabase } from "@/test/support/db";
import { LDAP_ADMIN_DN, LDAP_ADMIN_PASSWORD, LDAP_BASE, ldapModify, startSlapd, type Slapd } from "@/test/support/slapd";
import { listSyncRuns } from "./runs";
import { authenticate } from "@/server/auth/login";
import { getBoss, stopBoss } from "@/server/jobs";
import { runLdapSync } from "./sync";

const db = testDatabase();

/** Members of an org as "username:role:source", sorted. */
async function membersOf(slug: string) {
  const rows = await db()
    .select({ username: users.username, role: memberships.role, source: memberships.source })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(eq(organizations.slug, slug));
  return rows.map((r) => `${r.username}:${r.role}:${r.source}`).sort();
}

async function orgBySlug(slug: string) {
  return (await db().select().from(organizations).where(eq(organizations.slug, slug)))[0];
}

/** Everything the sync could change, to prove a failed run changed nothing. */
async function snapshot() {
  const d = db();
  return {
    users: await d.select().from(users).orderBy(users.username),
    orgs: await d.select().from(organizations).orderBy(organizations.slug),
    memberships: (await d.select().from(memberships)).map((m) => `${m.orgId}:${m.userId}:${m.role}:${m.source}`).sort(),
    audit: (await d.select({ n: count() }).from(auditEvents).where(eq(auditEvents.action, "ldap.sync")))[0].n,
  };
}

function withEnv(vars: Record<string, string | undefined>) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  loadConfig();
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    loadConfig();
  };
}

afterAll(stopBoss);

describe("LDAP sync of the fixture directory", () => {
  it("creates acme, globex and initech with the groups' roles and the people's profiles", async () => {
    const run = await runLdapSync(db(), { trigger: "manual" });
    expect(run.status, run.error ?? "").toBe("success");
    expect(run.finishedAt).not.toBeNull();
    expect(run.orgsAdded).toBeGreaterThanOrEqual(3);

    expect(await membersOf("acme")).toEqual(["alice:leader:ldap", "bob:developer:ldap", "carol:developer:ldap"]);
    expect(await membersOf("globex")).toEqual(["carol:developer:ldap", "dave:leader:ldap"]);
    expect(await membersOf("initech")).toEqual(["bob:reporter:ldap", "frank:leader:ldap"]);
    // Each new org gets its project in the same transaction.
    const acmeRepos = await db()
      .select({ name: repositories.name, kind: repositories.kind })
      .from(repositories)
      .innerJoin(organizations, eq(organizations.id, repositories.orgId))
      .where(eq(organizations.slug, "acme"));
    expect(acmeRepos.map((r) => `${r.name}:${r.kind}`).sort()).toEqual(["profile:module-mirror", "puppet:standard", "role:module-mirror"]);

    const acme = await orgBySlug("acme");
    expect(acme).toMatchObject({ name: "acme", description: "ACME Corporation", source: "ldap", archivedAt: null });
    expect(acme.ldapDn?.toLowerCase()).toBe(`o=acme,ou=organizations,${LDAP_BASE}`);

    const [bob] = await db().select().from(users).where(eq(users.username, "bob"));
    expect(bob).toMatchObject({ displayName: "Bob Brown", email: "bob@acme.test", source: "ldap", passwordHash: null });
    // erin is in no organization: the sync has no reason to create her.
    expect(await db().select().from(users).where(eq(users.username, "erin"))).toEqual([]);

    const { items } = await listSyncRuns(db(), { limit: 10 });
    expect(items[0]).toMatchObject({ id: run.id, status: "success", trigger: "manual" });
  });
});

describe("LDAP sync of a changing directory", () => {
  // A private subtree, so other test files that share this slapd never see these entries.
  const r = randomBytes(3).toString("hex");
  const root = `ou=synctest-${r},${LDAP_BASE}`;
  const peopleBase = `ou=people,${root}`;
  const orgBase = `ou=orgs,${root}`;
  const uid = (name: string) => `st${r}-${name}`;
  const personDn = (name: string) => `uid=${uid(name)},${peopleBase}`;
  const slug = (name: string) => `${name}-${r}`;
  let restoreEnv: () => void = () => {};

  const entry = (dn: string, lines: string[]) => [`dn: ${dn}`, "changetype: add", ...lines, ""].join("\n");
  const person = (name: string, cn: string) =>
    entry(personDn(name), ["objectClass: inetOrgPerson", `uid: ${uid(name)}`, `cn: ${cn}`, "sn: Test", `mail: ${uid(name)}@sync.test`]);
  const org = (name: string, groups: Partial<Record<"leaders" | "members" | "reporters", string[]>>) => {
    const dn = `o=${slug(name)},${orgBase}`;
    return [
      entry(dn, ["objectClass: organization", `o: ${slug(name)}`, `description: The ${name} organization`]),
      ...Object.entries(groups).map(([cn, people]) =>
        entry(`cn=${cn},${dn}`, ["objectClass: groupOfNames", `cn: ${cn}`, ...people.map((p) => `member: ${p.includes("=") ? p : personDn(p)}`)]),
      ),
    ].join("\n");
  };
  const deleteTree = (dn: string) => {
    const res = spawnSync("ldapdelete", ["-x", "-H", inject("ldapUrl"), "-D", LDAP_ADMIN_DN, "-w", LDAP_ADMIN_PASSWORD, "-r", dn], {
      encoding: "utf8",
    });
    if (res.status !== 0 && !/No such object/.test(res.stderr)) throw new Error(`ldapdelete failed: ${res.stderr}`);
  };

  beforeAll(async () => {
    ldapModify(
      inject("ldapUrl"),
      [
        entry(root, ["objectClass: organizationalUnit", `ou: synctest-${r}`]),
        entry(peopleBase, ["objectClass: organizationalUnit", "ou: people"]),
        entry(orgBase, ["objectClass: organizationalUnit", "ou: orgs"]),
        person("ann", "Ann Archer"),
        person("ben", "Ben Baker"),
        person("cid", "Cid Carter"),
        person("dan", "Dan Drake"),
        // ann is in both groups of alpha: she gets the higher role. The member DN's case differs on purpose.
        org("alpha", { leaders: [personDn("ann").replace("uid=", "UID=").replace("ou=people,", "OU=People, ")], members: ["ann", "ben", "cid"] }),
        org("beta", { leaders: ["ben"], reporters: ["cid", "dan"] }),
      ].join("\n"),
    );
    restoreEnv = withEnv({ LDAP_ORG_BASE: orgBase, LDAP_PEOPLE_BASE: peopleBase });
    // The fixture orgs of the first describe are not under this base; start from a clean slate.
    // eslint-disable-next-line drizzle/enforce-delete-with-where -- emptying the table is the point
    await db().delete(organizations);
    // dan already has a local account here: the directory must not take it over.
    await createLocalUser(db(), { username: uid("dan"), password: "local-dan-password-1", displayName: "Local Dan" });
  });

  afterAll(() => {
    restoreEnv();
    deleteTree(root);
  });

  it("imports the orgs, gives a person in two groups the higher role and leaves a same-named local account alone", async () => {
    const run = await runLdapSync(db(), { trigger: "schedule" });
    expect(run.status, run.error ?? "").toBe("success");
    expect(run).toMatchObject({ orgsAdded: 2, orgsUpdated: 0, orgsArchived: 0, usersAdded: 3, usersUpdated: 0, membersAdded: 5 });
    expect(await membersOf(slug("alpha"))).toEqual([`${uid("ann")}:leader:ldap`, `${uid("ben")}:developer:ldap`, `${uid("cid")}:developer:ldap`]);
    expect(await membersOf(slug("beta"))).toEqual([`${uid("ben")}:leader:ldap`, `${uid("cid")}:reporter:ldap`]);
    const [dan] = await db()
      .select()
      .from(users)
      .where(eq(users.username, uid("dan")));
    expect(dan).toMatchObject({ source: "local", displayName: "Local Dan", ldapDn: null });

    // Leaders see what the sync did in their org's audit log.
    const alpha = await orgBySlug(slug("alpha"));
    const [audit] = await db()
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "ldap.sync"), eq(auditEvents.orgId, alpha.id)));
    expect(audit).toMatchObject({ actorName: "ldap-sync", outcome: "success" });
    expect(audit.details).toMatchObject({ org: "added", added: expect.arrayContaining([{ user: uid("ann"), role: "leader" }]) });
  });

  it("changes nothing on a second run over the same directory", async () => {
    const before = await snapshot();
    const run = await runLdapSync(db(), { trigger: "schedule" });
    expect(run.status, run.error ?? "").toBe("success");
    expect(run).toMatchObject({
      orgsAdded: 0,
      orgsUpdated: 0,
      orgsArchived: 0,
      usersAdded: 0,
      usersUpdated: 0,
      membersAdded: 0,
      membersRemoved: 0,
      membersChanged: 0,
    });
    expect(await snapshot()).toEqual(before);
  });

  it("gives a newcomer their organizations at sign-in, not at the next sync; an org not imported yet queues a sync", async () => {
    const alphaDn = `o=${slug("alpha")},${orgBase}`;
    const epsilonDn = `o=${slug("epsilon")},${orgBase}`;
    ldapModify(
      inject("ldapUrl"),
      [
        entry(personDn("fay"), ["objectClass: inetOrgPerson", `uid: ${uid("fay")}`, "cn: Fay Early", "sn: Test", "userPassword: fay-password-1"]),
        `dn: cn=members,${alphaDn}\nchangetype: modify\nadd: member\nmember: ${personDn("fay")}\n`,
        org("epsilon", { leaders: ["fay"] }),
      ].join("\n"),
    );
    await getBoss(); // creates the job tables
    const queued = async () =>
      (await db().execute<{ n: number }>(sql`select count(*)::int as n from pgboss.job where name = 'ldap-sync' and data->>'trigger' = 'login'`))[0].n;
    const before = await queued();
    try {
      const fay = await authenticate(db(), uid("fay"), "fay-password-1", "192.0.2.9");
      expect(await membersOf(slug("alpha"))).toContain(`${uid("fay")}:developer:ldap`);
      const [audit] = await db()
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "ldap.sync"), sql`${auditEvents.details}->>'signIn' = ${fay.username}`));
      expect(audit.details).toMatchObject({ added: [{ user: fay.username, role: "developer" }] });
      expect(await queued()).toBe(before + 1); // epsilon is not imported yet: a full sync will create it

      // Out of the group, out of the org at the next sign-in.
      ldapModify(inject("ldapUrl"), `dn: cn=members,${alphaDn}\nchangetype: modify\ndelete: member\nmember: ${personDn("fay")}\n`);
      await authenticate(db(), uid("fay"), "fay-password-1", "192.0.2.9");
      expect(await membersOf(slug("alpha"))).not.toContain(`${uid("fay")}:developer:ldap`);
    } finally {
      deleteTree(epsilonDn);
      await db().execute(sql`delete from pgboss.job where name = 'ldap-sync' and data->>'trigger' = 'login'`);
    }
  });

  it("follows the directory: a new org, a removed member, a changed role and a renamed person; local memberships stay", async () => {
    const alpha = await orgBySlug(slug("alpha"));
    const local = await createLocalUser(db(), { username: `local-${r}`, password: "local-user-password-1" });
    const [cid] = await db()
      .select()
      .from(users)
      .where(eq(users.username, uid("cid")));
    await db()
      .insert(memberships)
      .values([{ orgId: alpha.id, userId: local.id, role: "developer", source: "local" }]);
    const beta = await orgBySlug(slug("beta"));
    // A hand-made membership of a directory user in an org whose groups do not list him.
    await db()
      .update(memberships)
      .set({ source: "local" })
      .where(and(eq(memberships.orgId, beta.id), eq(memberships.userId, cid.id)));

    const alphaDn = `o=${slug("alpha")},${orgBase}`;
    ldapModify(
      inject("ldapUrl"),
      [
        org("gamma", { leaders: ["ann", "cid"], members: ["ben"] }),
        `dn: cn=members,${alphaDn}\nchangetype: modify\ndelete: member\nmember: ${personDn("cid")}\n`,
        `dn: cn=leaders,${alphaDn}\nchangetype: modify\nadd: member\nmember: ${personDn("ben")}\n`,
        `dn: cn=reporters,o=${slug("beta")},${orgBase}\nchangetype: modify\ndelete: member\nmember: ${personDn("cid")}\n`,
        `dn: ${personDn("ann")}\nchangetype: modify\nreplace: cn\ncn: Ann Archer-Smith\n`,
      ].join("\n"),
    );

    const run = await runLdapSync(db(), { trigger: "manual" });
    expect(run.status, run.error ?? "").toBe("success");
    expect(run).toMatchObject({ orgsAdded: 1, orgsArchived: 0, usersAdded: 0, usersUpdated: 1, membersAdded: 3, membersRemoved: 1, membersChanged: 1 });
    expect(await membersOf(slug("alpha"))).toEqual([`local-${r}:developer:local`, `${uid("ann")}:leader:ldap`, `${uid("ben")}:leader:ldap`]);
    expect(await membersOf(slug("beta"))).toEqual([`${uid("ben")}:leader:ldap`, `${uid("cid")}:reporter:local`]);
    expect(await membersOf(slug("gamma"))).toEqual([`${uid("ann")}:leader:ldap`, `${uid("ben")}:developer:ldap`, `${uid("cid")}:leader:ldap`]);
    const [ann] = await db()
      .select()
      .from(users)
      .where(eq(users.username, uid("ann")));
    expect(ann.displayName).toBe("Ann Archer-Smith");
  });

  it("archives an org removed from the directory, keeps its data, and restores it when it comes back", async () => {
    const gammaDn = `o=${slug("gamma")},${orgBase}`;
    deleteTree(gammaDn);
    const run = await runLdapSync(db(), { trigger: "manual" });
    expect(run.status, run.error ?? "").toBe("success");
    expect(run).toMatchObject({ orgsAdded: 0, orgsArchived: 1, membersRemoved: 0 });
    const gamma = await orgBySlug(slug("gamma"));
    expect(gamma.archivedAt).not.toBeNull();
    expect(await membersOf(slug("gamma"))).toHaveLength(3);

    // Still gone: stays archived, nothing counted twice.
    expect(await runLdapSync(db(), { trigger: "manual" })).toMatchObject({ status: "success", orgsArchived: 0 });

    ldapModify(inject("ldapUrl"), org("gamma", { leaders: ["ann"] }));
    const back = await runLdapSync(db(), { trigger: "manual" });
    expect(back).toMatchObject({ status: "success", orgsAdded: 0, orgsUpdated: 1, membersRemoved: 2 });
    const restored = await orgBySlug(slug("gamma"));
    expect(restored.id).toBe(gamma.id);
    expect(restored.archivedAt).toBeNull();
    expect(await membersOf(slug("gamma"))).toEqual([`${uid("ann")}:leader:ldap`]);
  });

  it("changes nothing when an org's URL name is taken by a local org, and says why", async () => {
    await createOrg(db(), { name: `Delta ${r}`, slug: slug("delta"), source: "local" });
    ldapModify(inject("ldapUrl"), [person("eve", "Eve Evans"), org("delta", { leaders: ["eve"] }), org("omega", { leaders: ["ann"] })].join("\n"));
    const before = await snapshot();

    const run = await runLdapSync(db(), { trigger: "manual" });
    expect(run.status).toBe("failed");
    expect(run.error).toContain(`the URL name "${slug("delta")}" is already used by the local organization "Delta ${r}"`);
    expect(run).toMatchObject({ orgsAdded: 0, usersAdded: 0, membersAdded: 0 });
    expect(run.finishedAt).not.toBeNull();
    // eve was inserted before the clash was found: the rollback took her out again.
    expect(await snapshot()).toEqual(before);

    deleteTree(`o=${slug("delta")},${orgBase}`);
    const fixed = await runLdapSync(db(), { trigger: "manual" });
    expect(fixed).toMatchObject({ status: "success", orgsAdded: 1, usersAdded: 0 });
    deleteTree(`o=${slug("omega")},${orgBase}`);
  });

  it("changes nothing when the directory cannot be reached", async () => {
    const before = await snapshot();
    deleteTree(`cn=members,o=${slug("alpha")},${orgBase}`); // would remove ben's membership, if the sync got that far
    const restore = withEnv({ LDAP_URL: "ldap://127.0.0.1:9" });
    try {
      const run = await runLdapSync(db(), { trigger: "schedule" });
      expect(run.status).toBe("failed");
      expect(run.error).toMatch(/^Directory unavailable/);
    } finally {
      restore();
    }
    expect(await snapshot()).toEqual(before);
  });

  it("records a failed run when LDAP is not configured", async () => {
    const restore = withEnv({ LDAP_URL: undefined });
    try {
      const run = await runLdapSync(db(), { trigger: "cli" });
      expect(run).toMatchObject({ status: "failed", trigger: "cli", error: "LDAP is not configured: set LDAP_URL" });
    } finally {
      restore();
    }
  });

  it("runs one sync at a time and marks runs of a dead process as interrupted", async () => {
    const [stale] = await db()
      .insert(ldapSyncRuns)
      .values({ trigger: "schedule", startedAt: new Date(Date.now() - 3600_000) })
      .returning();
    ldapModify(inject("ldapUrl"), org("zeta", { leaders: ["ben"] }));
    const [a, b] = await Promise.all([runLdapSync(db(), { trigger: "manual" }), runLdapSync(db(), { trigger: "schedule" })]);
    expect([a.status, b.status]).toEqual(["success", "success"]);
    // Serialised: had they overlapped, both would have inserted zeta and one would have failed.
    const [first, second] = [a, b].sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
    expect([first.orgsAdded, second.orgsAdded]).toEqual([1, 0]);

    const [after] = await db().select().from(ldapSyncRuns).where(eq(ldapSyncRuns.id, stale.id));
    expect(after).toMatchObject({ status: "failed", error: expect.stringMatching(/^Interrupted/) });

    const page1 = await listSyncRuns(db(), { limit: 2 });
    expect(page1.items.map((x) => x.id)).toEqual([second.id, first.id]);
    const page2 = await listSyncRuns(db(), { limit: 2, cursor: page1.nextCursor! });
    expect(page2.items).toHaveLength(2);
    expect(page2.items.map((x) => x.id)).not.toContain(first.id);
  });

  it("never deletes: every org it ever imported is still there", async () => {
    const slugs = ["alpha", "beta", "gamma", "omega", "zeta"].map(slug);
    const rows = await db().select({ slug: organizations.slug }).from(organizations).where(inArray(organizations.slug, slugs));
    expect(rows.map((x) => x.slug).sort()).toEqual([...slugs].sort());
  });
});

describe("LDAP sync at scale", () => {
  const root = `ou=syncbench,${LDAP_BASE}`;
  const peopleBase = `ou=people,${root}`;
  const orgBase = `ou=orgs,${root}`;
  const ORGS = 200;
  const PEOPLE = 5000;
  let slapd: Slapd | null = null;
  let restoreEnv: () => void = () => {};

  beforeAll(async () => {
    const lines: string[] = [];
    const add = (dn: string, attrs: string[]) => lines.push(`dn: ${dn}`, ...attrs, "");
    add(root, ["objectClass: organizationalUnit", "ou: syncbench"]);
    add(peopleBase, ["objectClass: organizationalUnit", "ou: people"]);
    add(orgBase, ["objectClass: organizationalUnit", "ou: orgs"]);
    const dn = (i: number) => `uid=sb-${i},${peopleBase}`;
    for (let i = 0; i < PEOPLE; i++) add(dn(i), ["objectClass: inetOrgPerson", `uid: sb-${i}`, `cn: Person ${i}`, "sn: Bench", `mail: p${i}@bench.test`]);
    // Every person in one org (25 each); one person per org also leads the next org.
    for (let o = 0; o < ORGS; o++) {
      const odn = `o=bench-${o},${orgBase}`;
      add(odn, ["objectClass: organization", `o: bench-${o}`]);
      const members = Array.from({ length: PEOPLE / ORGS }, (_, k) => o * (PEOPLE / ORGS) + k);
      add(`cn=leaders,${odn}`, [
        "objectClass: groupOfNames",
        "cn: leaders",
        `member: ${dn(members[0])}`,
        `member: ${dn((((o + 1) % ORGS) * PEOPLE) / ORGS + 1)}`,
      ]);
      add(`cn=members,${odn}`, ["objectClass: groupOfNames", "cn: members", ...members.slice(1, 20).map((m) => `member: ${dn(m)}`)]);
      add(`cn=reporters,${odn}`, ["objectClass: groupOfNames", "cn: reporters", ...members.slice(20).map((m) => `member: ${dn(m)}`)]);
    }
    // A private slapd (loaded offline with slapadd, which is fast): adding 5,000 entries online is not.
    slapd = await startSlapd({ extraLdif: lines.join("\n") });
    restoreEnv = withEnv({ LDAP_URL: slapd.url, LDAP_ORG_BASE: orgBase, LDAP_PEOPLE_BASE: peopleBase });
  }, 120_000);

  afterAll(async () => {
    restoreEnv();
    await slapd?.stop();
  });

  it("imports 200 orgs and 5,000 people in under 10 seconds, then finds nothing to change", async () => {
    let t = Date.now();
    const run = await runLdapSync(db(), { trigger: "manual" });
    const first = Date.now() - t;
    expect(run.status, run.error ?? "").toBe("success");
    expect(run).toMatchObject({ orgsAdded: ORGS, usersAdded: PEOPLE, membersAdded: PEOPLE + ORGS });
    t = Date.now();
    const again = await runLdapSync(db(), { trigger: "manual" });
    const second = Date.now() - t;
    expect(again).toMatchObject({
      status: "success",
      orgsAdded: 0,
      orgsUpdated: 0,
      usersAdded: 0,
      usersUpdated: 0,
      membersAdded: 0,
      membersRemoved: 0,
      membersChanged: 0,
    });
    console.log(`LDAP sync of ${ORGS} orgs / ${PEOPLE} people: first ${first} ms, again ${second} ms`);
    expect(first).toBeLessThan(10_000);
  }, 60_000);
});
