/**
 * The benchmark's population: N organizations and M users, each user in three orgs (the
 * first N users lead one each, about a fifth of the rest are reporters). The same plan
 * seeds the database directly (page benchmark) and generates an LDAP directory (sync
 * benchmark), so both measure the same shape.
 */
import type { Db } from "@/db/client";
import { memberships, organizations, users } from "@/db/schema";
import type { OrgRole } from "@/server/auth/policy";
import { hashPassword } from "@/server/auth/password";

export type Population = { orgs: number; users: number };

export const username = (i: number) => `user${String(i + 1).padStart(4, "0")}`;
export const orgName = (o: number) => `Org ${String(o + 1).padStart(3, "0")}`;
export const orgSlug = (o: number) => `org-${String(o + 1).padStart(3, "0")}`;

/** The orgs user `i` belongs to, with the role in each. */
export function membershipsOf(i: number, p: Population): { org: number; role: OrgRole }[] {
  const picks = [i % p.orgs, (i * 7 + 3) % p.orgs, (i * 13 + 11) % p.orgs];
  const seen = new Set<number>();
  const out: { org: number; role: OrgRole }[] = [];
  picks.forEach((org, slot) => {
    if (seen.has(org)) return;
    seen.add(org);
    const role: OrgRole =
      slot === 0 && i < p.orgs ? "leader"
      : (i + slot) % 5 === 4 ? "reporter"
      : "developer";
    out.push({ org, role });
  });
  return out;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Inserts the population as local accounts (all with `password`) in batches; returns row counts. */
export async function seed(db: Db, p: Population, password: string) {
  // One scrypt hash for everyone: hashing 5,000 passwords would only time scrypt.
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const orgRows = await tx
      .insert(organizations)
      .values(
        Array.from({ length: p.orgs }, (_, o) => ({
          name: orgName(o),
          slug: orgSlug(o),
          description: `Benchmark organization ${o + 1}`,
          source: "local" as const,
        })),
      )
      .returning({ id: organizations.id });
    const userIds: string[] = [];
    for (const part of chunk(
      Array.from({ length: p.users }, (_, i) => i),
      1000,
    )) {
      const rows = await tx
        .insert(users)
        .values(
          part.map((i) => ({
            username: username(i),
            displayName: `User ${i + 1}`,
            email: `${username(i)}@bench.test`,
            source: "local" as const,
            passwordHash,
          })),
        )
        .returning({ id: users.id });
      userIds.push(...rows.map((r) => r.id));
    }
    const rows = userIds.flatMap((userId, i) => membershipsOf(i, p).map((m) => ({ orgId: orgRows[m.org].id, userId, role: m.role, source: "local" as const })));
    for (const part of chunk(rows, 2000)) await tx.insert(memberships).values(part);
    return { orgs: orgRows.length, users: userIds.length, memberships: rows.length };
  });
}

/**
 * The same population as an LDIF below `base` (whose ou=people and ou=organizations exist):
 * inetOrgPerson people, organization entries with leaders/members/reporters groupOfNames.
 */
export function directoryLdif(p: Population, base: string): string {
  const person = (i: number) => `uid=${username(i)},ou=people,${base}`;
  const out: string[] = [];
  for (let i = 0; i < p.users; i++) {
    out.push(
      [`dn: ${person(i)}`, "objectClass: inetOrgPerson", `uid: ${username(i)}`, `cn: User ${i + 1}`, `sn: ${i + 1}`, `mail: ${username(i)}@bench.test`].join(
        "\n",
      ),
    );
  }
  const groups = Array.from({ length: p.orgs }, () => ({ leader: [] as number[], developer: [] as number[], reporter: [] as number[] }));
  for (let i = 0; i < p.users; i++) for (const m of membershipsOf(i, p)) groups[m.org][m.role].push(i);
  const groupName: Record<OrgRole, string> = { leader: "leaders", developer: "members", reporter: "reporters" };
  for (let o = 0; o < p.orgs; o++) {
    const dn = `o=${orgName(o)},ou=organizations,${base}`;
    out.push([`dn: ${dn}`, "objectClass: organization", `o: ${orgName(o)}`, `description: Benchmark organization ${o + 1}`].join("\n"));
    for (const role of ["leader", "developer", "reporter"] as const) {
      if (!groups[o][role].length) continue;
      out.push(
        [`dn: cn=${groupName[role]},${dn}`, "objectClass: groupOfNames", `cn: ${groupName[role]}`, ...groups[o][role].map((i) => `member: ${person(i)}`)].join(
          "\n",
        ),
      );
    }
  }
  return out.join("\n\n") + "\n";
}
