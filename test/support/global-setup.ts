import type { TestProject } from "vitest/node";
import { createTemplate, dropDatabase, testPostgres } from "./postgres";
import { ldapEnv, startSlapd } from "./slapd";

/**
 * Vitest global setup: a migrated template database and a private slapd, unless the
 * orchestrator (scripts/test.ts) already provided them through the environment.
 */
export default async function setup(project: TestProject) {
  const cleanups: (() => Promise<void>)[] = [];
  let adminUrl = process.env.ROOKERY_TEST_ADMIN_URL;
  if (!adminUrl) {
    const pg = await testPostgres();
    adminUrl = pg.adminUrl;
    cleanups.push(pg.stop);
  }
  const template = await createTemplate(adminUrl);
  cleanups.unshift(() => dropDatabase(adminUrl!, template));
  let ldapUrl = process.env.ROOKERY_TEST_LDAP_URL;
  if (!ldapUrl) {
    const slapd = await startSlapd();
    ldapUrl = slapd.url;
    cleanups.push(slapd.stop);
  }
  project.provide("adminUrl", adminUrl);
  project.provide("template", template);
  project.provide("ldapUrl", ldapUrl);
  return async () => {
    for (const c of cleanups) await c().catch(() => {});
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    adminUrl: string;
    template: string;
    ldapUrl: string;
  }
}

export { ldapEnv };
