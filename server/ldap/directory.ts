import { AndFilter, EqualityFilter, NoSuchObjectError, OrFilter, SizeLimitExceededError, type Client, type Entry, type SearchOptions } from "ldapts";
import type { OrgRole } from "@/server/auth/policy";
import { allStrings, firstString, toDirectoryUser, withServiceClient, type DirectoryUser, type LdapConfig } from "./client";
import { dnKey, parentDnKey } from "./dn";

/** An organization entry as the directory describes it; members keyed by their DN key. */
export type DirectoryOrg = {
  dn: string;
  key: string;
  name: string;
  description: string;
  members: Map<string, OrgRole>;
};

export type Directory = {
  orgs: DirectoryOrg[];
  /** Every person some group names, by DN key; DNs that are not people (under the people base) are absent. */
  people: Map<string, DirectoryUser>;
};

const rank: Record<OrgRole, number> = { reporter: 1, developer: 2, leader: 3 };

/** Below this many members, looking each up is cheaper than reading the whole people base. */
const LOOKUPS_BEFORE_FULL_SEARCH = 50;
/** Searches in flight at once on the one connection. */
const CONCURRENCY = 8;
const LOOKUP_CONCURRENCY = 16;

export class DirectoryReadError extends Error {
  constructor(
    message: string,
    readonly sizeLimit = false,
  ) {
    super(message);
  }
}

async function search(client: Client, what: string, base: string, options: SearchOptions): Promise<Entry[]> {
  try {
    return (await client.search(base, options)).searchEntries;
  } catch (e) {
    if (e instanceof SizeLimitExceededError)
      throw new DirectoryReadError(
        `LDAP search for ${what} under "${base}" hit the directory's size limit; raise it for the service account (OpenLDAP: limits dn.exact="<bind DN>" size=unlimited)`,
        true,
      );
    const reason = e instanceof Error && e.message.trim() ? e.message.trim() : String((e as { code?: number })?.code ?? e);
    throw new DirectoryReadError(`LDAP search for ${what} under "${base}" failed: ${reason}`);
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The leader/member/reporter group names → roles, and a filter matching those groups. */
function roleGroups(cfg: LdapConfig) {
  const roleByGroup = new Map<string, OrgRole>((Object.entries(cfg.groups) as [OrgRole, string][]).map(([role, name]) => [name.toLowerCase(), role]));
  const byName = new OrFilter({ filters: [...roleByGroup.keys()].map((value) => new EqualityFilter({ attribute: cfg.groupNameAttr, value })) });
  return { roleByGroup, byName, groupFilter: byName.toString() };
}

/**
 * The role one person holds in each organization by group membership (the highest wins),
 * keyed by the organization entry's DN key: what a sign-in needs, without reading everything.
 */
export async function readRolesOf(cfg: LdapConfig, personDn: string): Promise<Map<string, OrgRole>> {
  const { roleByGroup, byName } = roleGroups(cfg);
  const filter = new AndFilter({ filters: [byName, new EqualityFilter({ attribute: cfg.groupMemberAttr, value: personDn })] }).toString();
  return withServiceClient(cfg, async (client) => {
    const roles = new Map<string, OrgRole>();
    for (const g of await search(client, `the groups of ${personDn}`, cfg.orgBase, { scope: "sub", filter, attributes: [cfg.groupNameAttr] })) {
      const role = roleByGroup.get(firstString(g, cfg.groupNameAttr)?.toLowerCase() ?? "");
      const org = parentDnKey(g.dn);
      const had = roles.get(org);
      if (role && (!had || rank[role] > rank[had])) roles.set(org, role);
    }
    return roles;
  });
}

/**
 * Reads the organizations, their leader/member/reporter groups and the people those
 * groups name, with a service bind. Throws (DirectoryUnavailableError / DirectoryReadError)
 * rather than returning a partial picture: a partial read would archive orgs.
 */
export async function readDirectory(cfg: LdapConfig): Promise<Directory> {
  const { roleByGroup, groupFilter } = roleGroups(cfg);

  return withServiceClient(cfg, async (client) => {
    const orgEntries = await search(client, "organizations", cfg.orgBase, {
      scope: "sub",
      filter: cfg.orgFilter,
      attributes: [cfg.orgNameAttr, cfg.orgDescriptionAttr],
      paged: { pageSize: 500 },
    });

    const orgs: DirectoryOrg[] = [];
    for (const e of orgEntries) {
      const name = firstString(e, cfg.orgNameAttr)?.trim();
      if (!name) continue; // nothing to call it by; not an organization for us
      orgs.push({ dn: e.dn, key: dnKey(e.dn), name, description: firstString(e, cfg.orgDescriptionAttr)?.trim() ?? "", members: new Map() });
    }

    // Groups sit directly below their organization entry.
    const memberDns = new Map<string, string>();
    await mapLimit(orgs, CONCURRENCY, async (org) => {
      const groups = await search(client, `the groups of ${org.dn}`, org.dn, {
        scope: "one",
        filter: groupFilter,
        attributes: [cfg.groupNameAttr, cfg.groupMemberAttr],
      });
      for (const g of groups) {
        const role = roleByGroup.get(firstString(g, cfg.groupNameAttr)?.toLowerCase() ?? "");
        if (!role) continue;
        for (const dn of allStrings(g, cfg.groupMemberAttr)) {
          if (!dn.trim()) continue;
          const key = dnKey(dn);
          memberDns.set(key, dn);
          const had = org.members.get(key);
          if (!had || rank[role] > rank[had]) org.members.set(key, role); // several groups: the highest role wins
        }
      }
    });

    const people = await resolvePeople(client, cfg, memberDns);
    return { orgs, people };
  });
}

/**
 * Member DNs → people. One paged search of the people base when the server allows that
 * many entries; otherwise (a size limit, e.g. OpenLDAP's default of 500) a base-scope
 * lookup per member DN, pipelined on the connection: cheap for any server, indexed or not.
 */
async function resolvePeople(client: Client, cfg: LdapConfig, memberDns: Map<string, string>): Promise<Map<string, DirectoryUser>> {
  const people = new Map<string, DirectoryUser>();
  const attributes = [cfg.userAttr, "cn", "displayName", "mail"];
  const take = (entries: Entry[]) => {
    for (const e of entries) {
      const key = dnKey(e.dn);
      if (!memberDns.has(key)) continue;
      const user = toDirectoryUser(cfg, e);
      if (user) people.set(key, user);
    }
  };

  if (memberDns.size > LOOKUPS_BEFORE_FULL_SEARCH) {
    try {
      take(await search(client, "people", cfg.peopleBase, { scope: "sub", filter: cfg.userFilter, attributes, paged: { pageSize: 500 } }));
      return people;
    } catch (e) {
      if (!(e instanceof DirectoryReadError && e.sizeLimit)) throw e;
    }
  }

  const base = dnKey(cfg.peopleBase);
  const underBase = [...memberDns].filter(([key]) => key.endsWith(`,${base}`)).map(([, dn]) => dn);
  await mapLimit(underBase, LOOKUP_CONCURRENCY, async (dn) => {
    try {
      take((await client.search(dn, { scope: "base", filter: cfg.userFilter, attributes })).searchEntries);
    } catch (e) {
      if (e instanceof NoSuchObjectError) return; // a group names someone who is gone
      throw new DirectoryReadError(`LDAP lookup of ${dn} failed: ${e instanceof Error && e.message ? e.message : String(e)}`);
    }
  });
  return people;
}
