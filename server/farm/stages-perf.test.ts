import { execFile, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase } from "@/test/support/db";
import { ensureFarmDefaults } from "./catalog";
import { generateSigningKey } from "@/server/pki/gpg";
import { packScript, STAGE_ROOT } from "./stage-job";
import { publishStage } from "./stages";

/**
 * Stage packing and publishing stream: memory stays flat whatever the size of the root or
 * the tarball. The job's packing (tar running xz) is measured on two roots eight times apart;
 * the portal's publishing (copy, SHA512 + BLAKE2B, gpg signature) on a 512 MB tarball (its memory does not depend on the size).
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-stages-perf-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, ROOKERY_ENCRYPTION_KEY: crypto.randomBytes(32).toString("base64") });

beforeAll(async () => {
  await ensureFarmDefaults(db());
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const rssKb = (pid: number) => {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0);
  } catch {
    return 0;
  }
};
const children = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

/** Runs the job's pack step (with the workspace and root moved here) and returns the peak RSS of its processes in KB. */
async function packPeak(rootSize: number) {
  const work = fs.mkdtempSync(path.join(dataDir, "pack-"));
  const root = path.join(work, "root");
  fs.mkdirSync(path.join(root, "usr/lib"), { recursive: true });
  fs.writeFileSync(path.join(root, "usr/lib/small"), "x");
  fs.writeFileSync(path.join(root, "usr/lib/big"), "");
  fs.truncateSync(path.join(root, "usr/lib/big"), rootSize);
  const script = packScript("stage.tar.xz")
    .map((l) => l.replaceAll(STAGE_ROOT, root))
    .join("\n");
  const child = spawn("/bin/sh", ["-e", "-c", script], { cwd: work, stdio: "ignore" });
  let peak = 0;
  const timer = setInterval(() => {
    const all = [child.pid!];
    for (let i = 0; i < all.length; i++) all.push(...children(all[i]));
    peak = Math.max(
      peak,
      all.reduce((sum, pid) => sum + rssKb(pid), 0),
    );
  }, 20);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(timer);
  expect(code).toBe(0);
  expect(fs.readFileSync(path.join(work, "artifacts/stage/stage.tar.xz.DIGESTS"), "utf8")).toMatch(
    /^# BLAKE2B HASH\n[0-9a-f]{128} {2}stage\.tar\.xz\n# SHA512 HASH\n/,
  );
  fs.rmSync(work, { recursive: true, force: true });
  return peak;
}

describe("stages stream", () => {
  it("packing a root eight times bigger takes no more memory", { timeout: 120_000 }, async () => {
    const small = await packPeak(32 * 1024 * 1024);
    const big = await packPeak(256 * 1024 * 1024);
    expect(small).toBeGreaterThan(0);
    expect(big).toBeLessThan(small * 1.25 + 16 * 1024);
  });

  it("publishing a 512 MB stage (copy, both digests, signature) keeps the portal's memory flat", { timeout: 180_000 }, async () => {
    await generateSigningKey(db(), "development", null);
    const work = fs.mkdtempSync(path.join(dataDir, "publish-"));
    const name = "stage3-amd64-linux-20261207T000000Z.tar.xz";
    const tarball = path.join(work, name);
    // a sparse 512 MB file with some real bytes: publishing does not care what is inside
    const fd = fs.openSync(tarball, "w");
    for (let i = 0; i < 8; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024), 0, 1024 * 1024, i * 64 * 1024 * 1024);
    fs.ftruncateSync(fd, 512 * 1024 * 1024);
    fs.closeSync(fd);
    // the DIGESTS as the job writes them, with b2sum and sha512sum
    const sum = (tool: string) => new Promise<string>((resolve) => execFile(tool, [name], { cwd: work }, (_e, out) => resolve(out)));
    const [b2, sha] = await Promise.all([sum("b2sum"), sum("sha512sum")]);
    fs.writeFileSync(`${tarball}.DIGESTS`, `# BLAKE2B HASH\n${b2}# SHA512 HASH\n${sha}`);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const row = await publishStage(db(), {
      environment: "development",
      arch: "amd64",
      name: "linux",
      kind: "stage3",
      stamp: "20261207T000000Z",
      tarball,
      digests: `${tarball}.DIGESTS`,
    });
    clearInterval(timer);
    expect(row.bytes).toBe(512 * 1024 * 1024);
    expect(row.signingKey).not.toBeNull();
    expect(peak - before).toBeLessThan(128 * 1024 * 1024);
  });
});
