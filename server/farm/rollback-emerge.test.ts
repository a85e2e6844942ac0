import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { testDatabase } from "@/test/support/db";
import type { FetchServer } from "@/test/support/fetch-server";
import { serveFarmPortal } from "@/test/support/gentoo-farm";
import { binhostClient } from "@/test/support/gentoo-host";
import { TEST_PORTAGE_PROFILE } from "@/test/support/gentoo-tree";
import { makeGpkg } from "@/test/support/gpkg";
import { portageMissing } from "@/test/support/portage";
import { publishBuild } from "./binhost";
import { rollbackTo, tagBuild } from "./builds";
import { ensureFarmDefaults } from "./catalog";

/**
 * A rollback as a host sees it, with real portage: a host installs app-misc/demo 2.0 from the
 * binhost, an admin rolls the binhost back to build 1, and the same host's next
 * `emerge --getbinpkgonly` (its cached index is the newer build's) installs 1.0; a host whose
 * binrepo is …/linux@stable installs the tagged build.
 */
const skip = portageMissing();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-rollback-emerge-"));
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-rollback-emerge-work-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir });
let portal: FetchServer;

beforeAll(async () => {
  if (skip) return;
  portal = await serveFarmPortal();
  await ensureInfrastructureOrg(db());
  await ensureFarmDefaults(db());
});
afterAll(async () => {
  await portal?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const target = { environment: "development", arch: "amd64", profile: "linux" };

describe.skipIf(skip)("rolling back a binhost, seen by a host", () => {
  it(
    "the host's next emerge --getbinpkgonly installs the older package; a host on <profile>@stable installs the tagged build",
    { timeout: 300_000 },
    async () => {
      const publish = (version: string) =>
        publishBuild(db(), {
          ...target,
          parents: [],
          chost: "x86_64-pc-linux-gnu",
          portageProfile: TEST_PORTAGE_PROFILE,
          baseUrl: `${portal.url}/packages`,
          files: [makeGpkg(work, { category: "app-misc", pf: `demo-${version}`, buildId: 1, payload: version, installable: true })],
        });
      expect((await publish("1.0")).number).toBe(1);
      expect((await publish("2.0")).number).toBe(2);
      const run = binhostClient(work, `${portal.url}/packages/development/gentoo/amd64/linux`);
      const first = await run("emerge --getbinpkgonly --color=n app-misc/demo && ls /target/usr/bin");
      expect(first.code, first.output.slice(-4000)).toBe(0);
      expect(first.output).toContain(">>> Emerging binary (1 of 1) app-misc/demo-2.0::gentoo");
      expect(first.output).toMatch(/^demo-2\.0$/m);

      await rollbackTo(db(), target, 1);
      const second = await run("emerge --getbinpkgonly --color=n app-misc/demo && ls /target/usr/bin");
      expect(second.code, second.output.slice(-4000)).toBe(0);
      expect(second.output).toContain(">>> Emerging binary (1 of 1) app-misc/demo-1.0::gentoo");
      // the host now has 1.0 in place of 2.0
      expect(second.output).toMatch(/^demo-1\.0$/m);
      expect(second.output).not.toMatch(/^demo-2\.0$/m);

      // A host pinned to a tag keeps build 2 while the live binhost serves build 1.
      await tagBuild(db(), target, 2, "stable", null);
      const pinned = binhostClient(work, `${portal.url}/packages/development/gentoo/amd64/linux@stable`);
      const third = await pinned("emerge --getbinpkgonly --color=n app-misc/demo && ls /target/usr/bin");
      expect(third.code, third.output.slice(-4000)).toBe(0);
      expect(third.output).toContain("/packages/development/gentoo/amd64/linux@stable/app-misc/demo/demo-2.0-1.gpkg.tar");
      expect(third.output).toMatch(/^demo-2\.0$/m);
    },
  );
});
