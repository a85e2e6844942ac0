/**
 * The runner API alone (the same handler the Next route calls) on 127.0.0.1, as its own
 * process so the bench can measure its memory. Prints "listening <port>".
 */
import { loadConfig } from "@/server/config";
import { handleRunnerApi } from "@/server/runners/http";
import { serveFetch } from "@/test/support/fetch-server";

loadConfig();
const server = await serveFetch(async (req) => {
  const p = new URL(req.url).pathname;
  if (!p.startsWith("/api/runner/v1/")) return new Response("not found", { status: 404 });
  return handleRunnerApi(req, p.slice("/api/runner/v1/".length).split("/"));
});
console.log(`listening ${server.port}`);
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
