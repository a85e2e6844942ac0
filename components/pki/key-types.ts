/** Key types and names for the browser-made key: small, loaded with the request form. */
export type KeyChoice = { type: "ec"; curve: "P-256" | "P-384" } | { type: "rsa"; bits: number };
export type KeyOption = { value: string; label: string; choice: KeyChoice };

const rsaSizes = [2048, 3072, 4096];

/** What the browser can make that a sub-CA policy accepts: its ECDSA curves first, then RSA sizes. */
export function keyOptions(policy: { rsaMinBits: number; ecCurves: ("P-256" | "P-384")[] }): KeyOption[] {
  return [
    ...(["P-256", "P-384"] as const)
      .filter((c) => policy.ecCurves.includes(c))
      .map((curve) => ({ value: `ec:${curve}`, label: `ECDSA ${curve}`, choice: { type: "ec", curve } as KeyChoice })),
    ...rsaSizes
      .filter((b) => b >= policy.rsaMinBits)
      .map((bits) => ({ value: `rsa:${bits}`, label: `RSA ${bits}`, choice: { type: "rsa", bits } as KeyChoice })),
  ];
}

export type SanInput = { type: "dns" | "ip" | "email"; value: string };

/** Splits "www.example.com, 10.0.0.1, me@example.com" into typed alternative names. */
export function parseSans(text: string): SanInput[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((value) => ({
      type:
        value.includes("@") ? "email"
        : /^[0-9.]+$|:/.test(value) ? "ip"
        : "dns",
      value,
    }));
}
