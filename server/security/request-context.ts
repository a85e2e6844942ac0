import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What one HTTP request carries between the code that decides and the code that renders,
 * where React's per-render cache does not reach (the 403 page renders apart from the page
 * that refused). scripts/start.ts runs every request inside `requestContext.run`.
 */
export type RequestContext = { denial?: string };

// One instance for the start script and the Next.js build, which bundles its own copy of this module.
const shared = globalThis as typeof globalThis & { rookeryRequestContext?: AsyncLocalStorage<RequestContext> };
export const requestContext = (shared.rookeryRequestContext ??= new AsyncLocalStorage<RequestContext>());
