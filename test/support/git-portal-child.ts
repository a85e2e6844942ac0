import { serveGitHttp } from "./git";

/**
 * A portal process for the push crash suite: smart HTTP and the hooks' internal API, as
 * `serveGitHttp` serves them, with the test's DATABASE_URL, ROOKERY_DATA_DIR, AUTH_SECRET
 * and ROOKERY_CRASH_AT. Prints its URL, then serves until it is killed.
 */
const server = await serveGitHttp();
console.log(server.url);
