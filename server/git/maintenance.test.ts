import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { createOrg } from "@/server/orgs";
import { maintainRepo } from "./events";
import { ensureInfrastructureOrg } from "./infrastructure";
import { ensureRepoOnDisk } from "./materialize";
import { getRepo } from "./repos";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-maint-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir });

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe("git maintenance job", () => {
  it("writes a commit-graph with changed-path filters for the pushed repository", async () => {
    await ensureInfrastructureOrg(db());
    await createOrg(db(), { name: "maint", source: "local" });
    const repo = (await getRepo(db(), "maint", "puppet"))!;
    const dir = await ensureRepoOnDisk(db(), repo);
    const graphs = path.join(dir, "objects/info/commit-graphs");
    expect(fs.existsSync(graphs)).toBe(false);
    await maintainRepo({ repoId: repo.id });
    expect(fs.readdirSync(graphs).some((f) => f.endsWith(".graph"))).toBe(true);
    await expect(maintainRepo({ repoId: "00000000-0000-0000-0000-000000000000" })).resolves.toBeUndefined();
  });
});
