import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const eslint = new ESLint({ cwd: root });

async function restrictedImports(file: string, code: string) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.filter((m) => m.ruleId === "@typescript-eslint/no-restricted-imports").map((m) => m.message);
}

describe("layer rules in eslint.config.mjs", () => {
  it("refuse server code importing UI, and pages or components importing the database", async () => {
    expect(await restrictedImports("server/farm/x.ts", 'import { cx } from "@/components/ui";\nexport const y = cx;\n')).toEqual([
      expect.stringMatching(/server code never imports UI/),
    ]);
    expect(await restrictedImports("app/(app)/x/page.tsx", 'import { getDb } from "@/db/client";\nexport const y = getDb;\n')).toEqual([
      expect.stringMatching(/never the database/),
    ]);
    expect(await restrictedImports("server/git/plumbing/x.ts", 'import { getRepo } from "@/server/git/repos";\nexport const y = getRepo;\n')).toEqual([
      expect.stringMatching(/no database, no other domain/),
    ]);
    expect(await restrictedImports("lib/x.ts", 'import { getConfig } from "@/server/config";\nexport const y = getConfig;\n')).toEqual([
      expect.stringMatching(/imports nothing of Rookery's/),
    ]);
  });

  it("allow the right direction and type-only imports of data shapes", async () => {
    expect(await restrictedImports("components/x.tsx", 'import type { CaPolicy } from "@/db/schema";\nexport type P = CaPolicy;\n')).toEqual([]);
    expect(await restrictedImports("server/farm/x.ts", 'import { buildLog } from "@/lib/ansi";\nexport const y = buildLog;\n')).toEqual([]);
  });
});
