import { adminRouter } from "./routers/admin";
import { auditRouter } from "./routers/audit";
import { backupsRouter } from "./routers/backups";
import { codeRouter } from "./routers/code";
import { distfilesRouter } from "./routers/distfiles";
import { farmRouter } from "./routers/farm";
import { farmBuildsRouter } from "./routers/farm-builds";
import { publishedBuildsRouter } from "./routers/published-builds";
import { jobsRouter } from "./routers/jobs";
import { ldapRouter } from "./routers/ldap";
import { meRouter } from "./routers/me";
import { mergeRequestsRouter } from "./routers/merge-requests";
import { mirrorsRouter } from "./routers/mirrors";
import { notificationsRouter } from "./routers/notifications";
import { orgsRouter } from "./routers/orgs";
import { pkiRouter } from "./routers/pki";
import { portageTreeRouter } from "./routers/portage-tree";
import { farmSecurityRouter } from "./routers/farm-security";
import { repoAdminRouter } from "./routers/repo-admin";
import { releasesRouter } from "./routers/releases";
import { reposRouter } from "./routers/repos";
import { runnersRouter } from "./routers/runners";
import { searchRouter } from "./routers/search";
import { setupRouter } from "./routers/setup";
import { tinderboxRouter } from "./routers/tinderbox";
import { webhooksRouter } from "./routers/webhooks";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  setup: setupRouter,
  me: meRouter,
  orgs: orgsRouter,
  notifications: notificationsRouter,
  admin: adminRouter,
  jobs: jobsRouter,
  audit: auditRouter,
  search: searchRouter,
  ldap: ldapRouter,
  repos: reposRouter,
  repoAdmin: repoAdminRouter,
  code: codeRouter,
  webhooks: webhooksRouter,
  tinderbox: tinderboxRouter,
  mirrors: mirrorsRouter,
  backups: backupsRouter,
  farm: farmRouter,
  farmBuilds: farmBuildsRouter,
  publishedBuilds: publishedBuildsRouter,
  portageTree: portageTreeRouter,
  farmSecurity: farmSecurityRouter,
  distfiles: distfilesRouter,
  mergeRequests: mergeRequestsRouter,
  releases: releasesRouter,
  runners: runnersRouter,
  pki: pkiRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
