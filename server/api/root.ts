import { meRouter } from "./routers/me";
import { notificationsRouter } from "./routers/notifications";
import { orgsRouter } from "./routers/orgs";
import { setupRouter } from "./routers/setup";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  setup: setupRouter,
  me: meRouter,
  orgs: orgsRouter,
  notifications: notificationsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
