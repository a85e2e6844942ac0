// Rookery post-receive hook: tells the portal what moved (mirrors, webhooks, events).
import { readFileSync } from "node:fs";

const updates = readFileSync(0, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => {
    const [oldSha, newSha, ref] = line.split(" ");
    return { ref, oldSha, newSha };
  });

try {
  await fetch(`${process.env.ROOKERY_INTERNAL_URL}/api/internal/git/post-receive`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-rookery-ticket": process.env.ROOKERY_PUSH_TICKET ?? "" },
    body: JSON.stringify({ updates }),
  });
} catch (e) {
  process.stderr.write(`Rookery was not told about this push (${e.message}).\n`);
}
