import { describe, expect, it } from "vitest";
import { dnKey, parseDn } from "./dn";

describe("DN keys", () => {
  it("ignores case and spacing, as directories do when comparing DNs", () => {
    expect(dnKey("uid=Bob,ou=People, dc=rookery,dc=test")).toBe(dnKey("UID=bob, OU=people,DC=Rookery,DC=Test"));
    expect(dnKey("uid=bob,ou=people,dc=rookery,dc=test")).not.toBe(dnKey("uid=bob,ou=staff,dc=rookery,dc=test"));
  });

  it("reads escaped commas and hex escapes as part of the value", () => {
    expect(parseDn("cn=Smith\\, John,o=ACME")).toEqual([[{ attr: "cn", value: "Smith, John" }], [{ attr: "o", value: "ACME" }]]);
    expect(dnKey("cn=Smith\\2C John,o=acme")).toBe(dnKey("cn=smith\\, john,o=ACME"));
    expect(parseDn("cn=J\\C3\\BCrgen,o=x")[0][0].value).toBe("Jürgen");
    expect(dnKey("cn=a\\,b,o=x")).not.toBe(dnKey("cn=a,b=,o=x"));
  });

  it("treats the parts of a multi-valued RDN as a set", () => {
    expect(dnKey("cn=Bob+uid=bob,dc=test")).toBe(dnKey("uid=bob+cn=bob,dc=test"));
  });
});
