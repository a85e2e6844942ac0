import path from "node:path";
import type { Db } from "@/db/client";
import { loadConfig } from "@/server/config";
import { handleDistfilesRequest } from "@/server/farm/distfiles-serve";
import { serveBinhost } from "@/server/farm/serve";
import { serveStages } from "@/server/farm/stages-serve";
import { handleGitHttp } from "@/server/git/smart-http";
import { handleRunnerApi } from "@/server/runners/http";
import { createRegistrationToken } from "@/server/runners/registration";
import { createLocalUser } from "@/server/users";
import { serveFetch, type FetchServer } from "./fetch-server";
import { freePort } from "./ports";
import { registerRunnerCli, startRunnerProcess, type RunnerProcess } from "./runner";

/**
 * The portal routes a gentoo runner's jobs use — runner API, git (the tree and overlay, with
 * the job token), binhost, distfiles, stages — on a free port that PUBLIC_URL names, so the URLs in
 * generated jobs reach it.
 */
export async function serveFarmPortal(): Promise<FetchServer> {
  const port = await freePort();
  Object.assign(process.env, { PORT: String(port), HOST: "127.0.0.1", PUBLIC_URL: `http://127.0.0.1:${port}` });
  loadConfig();
  return serveFetch(async (req) => {
    const p = new URL(req.url).pathname;
    const rest = (prefix: string) => p.slice(prefix.length).split("/");
    if (p.startsWith("/api/runner/v1/")) return handleRunnerApi(req, rest("/api/runner/v1/"));
    if (p.startsWith("/packages/")) return serveBinhost(req, { kind: "anonymous" }, rest("/packages/"));
    if (p.startsWith("/stages/")) return serveStages(req, { kind: "anonymous" }, rest("/stages/"));
    if (p.startsWith("/distfiles/")) return handleDistfilesRequest(req, rest("/distfiles/").filter(Boolean), async () => null);
    const git = p.match(/^\/git\/([^/]+)\/([^/]+)\/(.+)$/);
    if (git) return handleGitHttp(req, { org: git[1], repo: git[2], rest: git[3].split("/") });
    return new Response("not found", { status: 404 });
  }, port);
}

/** A build host on this machine: a runner with the gentoo executor (portage from source), registered through the real CLI, running. */
export async function startGentooRunner(db: Db, portal: FetchServer, portage: string, work: string): Promise<RunnerProcess> {
  const admin = await createLocalUser(db, { username: "gentoo-runner-admin", password: "Admin-password-1", isAdmin: true });
  const { token } = await createRegistrationToken(db, { description: "gentoo runner for a test", createdBy: admin.id });
  const config = path.join(work, "runner.json");
  const reg = await registerRunnerCli([
    ...["--url", portal.url, "--token", token, "--name", "debian-gentoo", "--arch", "amd64", "--tags", "gentoo"],
    ...["--executor", "gentoo", "--portage", portage, "--config", config, "--builds-dir", path.join(work, "builds")],
  ]);
  if (reg.status !== 0) throw new Error(`registering the gentoo runner failed: ${reg.stderr}`);
  return startRunnerProcess(config);
}
