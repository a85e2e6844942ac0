import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export type Secrets = { authSecret: string; pgPassword: string; encryptionKey: string };

/** Generated once per data directory (mode 0600) so a fresh install needs no configuration. */
export function ensureSecrets(dataDir: string): Secrets {
  const file = path.join(dataDir, "secrets.json");
  fs.mkdirSync(dataDir, { recursive: true });
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as Secrets;
  const secrets: Secrets = {
    authSecret: randomBytes(32).toString("base64url"),
    pgPassword: randomBytes(24).toString("base64url"),
    encryptionKey: randomBytes(32).toString("base64"),
  };
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: "wx" });
  return secrets;
}
