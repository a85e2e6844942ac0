// Rookery pre-receive hook: plain Node, no dependencies. It runs inside git's quarantine
// (new objects visible only here), so it works out force-pushes itself and lets the
// portal decide everything else.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const ZERO = /^0+$/;
const updates = readFileSync(0, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const [oldSha, newSha, ref] = line.split(" ");
    let forced = false;
    if (!ZERO.test(oldSha) && !ZERO.test(newSha)) {
      try {
        execFileSync("git", ["merge-base", "--is-ancestor", oldSha, newSha], { stdio: "ignore" });
      } catch {
        forced = true;
      }
    }
    return { ref, oldSha, newSha, forced };
  });

try {
  const res = await fetch(`${process.env.ROOKERY_INTERNAL_URL}/api/internal/git/pre-receive`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-rookery-ticket": process.env.ROOKERY_PUSH_TICKET ?? "" },
    body: JSON.stringify({ updates }),
  });
  const body = await res.json().catch(() => ({ ok: false, messages: [`Rookery answered ${res.status}`] }));
  for (const m of body.messages ?? []) process.stderr.write(`${m}\n`);
  process.exit(body.ok ? 0 : 1);
} catch (e) {
  process.stderr.write(`Rookery could not check this push (${e.message}); try again.\n`);
  process.exit(1);
}
