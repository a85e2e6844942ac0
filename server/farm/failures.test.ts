import { describe, expect, it } from "vitest";
import { failureOf } from "./failures";

const section = (n: number, name: string) => `\x1b[0Ksection_start:1700000000:step_${n}\r\x1b[0K\x1b[36;1m$ ${name}\x1b[0m\n`;

describe("finding what broke a build in its log", () => {
  it("names the package of portage's ERROR line and its line number as the job page shows it", () => {
    const text = `${section(1, "Sync")}fetching\n${section(2, "Build")}>>> Emerging (1 of 2) dev-libs/openssl-3.3.2::gentoo\n * ERROR: dev-libs/openssl-3.3.2::gentoo failed (compile phase):\n *   emake failed\n`;
    expect(failureOf([{ attempt: 1, text }])).toEqual({
      package: "dev-libs/openssl-3.3.2",
      line: 5,
      text: "* ERROR: dev-libs/openssl-3.3.2::gentoo failed (compile phase):",
    });
  });

  it("recognises unsatisfiable and masked atoms", () => {
    expect(failureOf([{ attempt: 1, text: 'emerge: there are no ebuilds to satisfy "dev-db/mysql:8.0".\n' }]).package).toBe("dev-db/mysql:8.0");
    expect(failureOf([{ attempt: 1, text: '!!! All ebuilds that could satisfy "=dev-lang/ruby-3.4*" have been masked.\n' }]).package).toBe(
      "=dev-lang/ruby-3.4*",
    );
  });

  it("falls back to the last line of output, counting lines across attempts", () => {
    expect(
      failureOf([
        { attempt: 1, text: "one\n" },
        { attempt: 2, text: "two\nrunner lost\n" },
      ]),
    ).toEqual({ package: null, line: 3, text: "runner lost" });
  });
});
