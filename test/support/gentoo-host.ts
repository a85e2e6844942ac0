import fs from "node:fs";
import path from "node:path";
import { gentooSandbox } from "@/runner/gentoo";
import { testTreeFiles, TEST_PORTAGE_PROFILE } from "./gentoo-tree";
import { portageSource } from "./portage";

/**
 * A Gentoo host that takes binary packages from one binhost: a gentoo sandbox (real portage
 * from source, ROOT=/target) with the test tree and a binrepos.conf naming `binhost`. Its state
 * (installed packages, the cached binhost index) lasts across the scripts it runs, like a
 * real host between two `emerge` runs.
 */
export function binhostClient(work: string, binhost: string) {
  const jobRoot = fs.mkdtempSync(path.join(work, "host-"));
  const workspace = path.join(jobRoot, "workspace");
  fs.mkdirSync(workspace);
  const spawnStep = gentooSandbox({ jobRoot, workspace, portage: portageSource() });
  const files: Record<string, string> = {
    ...Object.fromEntries(Object.entries(testTreeFiles()).map(([f, c]) => [`var/db/repos/gentoo/${f}`, c])),
    "etc-portage/make.conf": 'FEATURES="-news"\nBINPKG_FORMAT="gpkg"\n',
    "etc-portage/repos.conf/gentoo.conf": "[DEFAULT]\nmain-repo = gentoo\n[gentoo]\nlocation = /var/db/repos/gentoo\n",
    "etc-portage/binrepos.conf/rookery.conf": `[rookery]\npriority = 10\nsync-uri = ${binhost}\nverify-signature = false\n`,
  };
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(jobRoot, file)), { recursive: true });
    fs.writeFileSync(path.join(jobRoot, file), content);
  }
  return (script: string) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawnStep([`ln -sfn ../../var/db/repos/gentoo/profiles/${TEST_PORTAGE_PROFILE} /etc/portage/make.profile`, script].join("\n"), {});
      let output = "";
      child.stdout!.on("data", (d) => (output += d));
      child.stderr!.on("data", (d) => (output += d));
      child.on("close", (code) => resolve({ code, output }));
    });
}
