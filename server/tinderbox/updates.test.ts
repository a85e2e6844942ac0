import { describe, expect, it } from "vitest";
import type { ModuleChange } from "./resolve";
import { moduleUpdates, releaseBump } from "./updates";

const sha = (c: string) => c.repeat(40);
const tag = (module: string, from: string | null, to: string): ModuleChange => ({
  module,
  remote: `https://rookery.test/git/acme/${module}.git`,
  type: "tag",
  from: from ? { ref: `v${from}`, sha: sha("a"), version: from } : null,
  to: { ref: `v${to}`, sha: sha("b"), version: to },
});
const branch: ModuleChange = {
  module: "role",
  remote: "https://rookery.test/git/acme/role.git",
  type: "branch",
  from: { ref: "develop", sha: sha("1"), version: null },
  to: { ref: "develop", sha: sha("2"), version: null },
};

describe("the Updates card", () => {
  it("bakes a minor release when a module moved to another major or minor version or is new, else a patch release", () => {
    expect(releaseBump([tag("nginx", "1.0.0", "1.1.0")])).toBe("minor");
    expect(releaseBump([tag("nginx", "1.9.3", "2.0.0")])).toBe("minor");
    expect(releaseBump([tag("nginx", "1.0.0", "1.0.1"), branch])).toBe("patch");
    expect(releaseBump([tag("ntp", null, "1.0.0")])).toBe("minor");
    expect(releaseBump([])).toBe("patch");
  });
  it("groups the changes by module with old → new and the changelog", () => {
    const rows = moduleUpdates([{ ...tag("nginx", "1.0.0", "1.1.0"), changelog: "## 1.1.0\n- http/3" }, branch]);
    expect(rows).toEqual([
      { module: "nginx", type: "tag", from: "v1.0.0", to: "v1.1.0", changelog: "## 1.1.0\n- http/3" },
      { module: "role", type: "branch", from: `develop ${sha("1").slice(0, 12)}`, to: `develop ${sha("2").slice(0, 12)}`, changelog: null },
    ]);
  });
});
