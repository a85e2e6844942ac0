import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import nextPlugin from "@next/eslint-plugin-next";
import globals from "globals";
import drizzle from "eslint-plugin-drizzle";

/** Forbids `from` importing `banned` (type-only imports of data shapes stay allowed); tests may cross layers. */
function layer(from, banned, message) {
  return [
    {
      files: from.flatMap((f) => [`${f}/*.ts`, `${f}/*.tsx`]),
      ignores: ["**/*.test.ts"],
      rules: {
        "@typescript-eslint/no-restricted-imports": ["error", { patterns: [{ group: banned, message, allowTypeImports: true }] }],
      },
    },
  ];
}

export default tseslint.config(
  {
    ignores: ["node_modules/**", ".next/**", ".next-*/**", "data/**", "db/migrations/**", "test-results/**", "playwright-report/**", "next-env.d.ts", "tmp/**"],
  },
  js.configs.recommended,
  { files: ["**/*.mjs"], languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommended,
  {
    plugins: { "react-hooks": reactHooks, "@next/next": nextPlugin },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...nextPlugin.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "react-hooks/set-state-in-effect": "off",
    },
  },
  // Layers (README "Code layout"): lib imports nobody of ours; server never renders UI; pages and
  // components reach data only through server/ (tRPC or server functions), never the database.
  ...layer(["lib/**"], ["@/server/*", "@/components/*", "@/app/*", "@/db/*"], "lib/ is shared plain code: it imports nothing of Rookery's"),
  ...layer(
    ["server/**", "workers/**", "runner/**", "scripts/**", "db/**"],
    ["@/components/*", "@/app/*"],
    "server code never imports UI; shared code belongs in lib/",
  ),
  ...layer(
    ["server/git/plumbing/**"],
    ["@/db/*", "@/server/*/*", "../*", "!../protection"],
    "server/git/plumbing is plain git (spawn, read, diff, merge, commit): no database, no other domain",
  ),
  ...layer(["app/**", "components/**"], ["@/db/*"], "pages and components reach data through server/ (tRPC or a server function), never the database"),
  {
    // As create-t3-app ships it: an update or delete without .where() touches every row.
    plugins: { drizzle },
    rules: {
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
    },
  },
  {
    // Runners run on other machines: they know the portal only through runner/protocol.ts.
    files: ["runner/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/*", "../*"], message: "runner/ imports only runner/ and packages (it runs apart from the portal)" }] },
      ],
    },
  },
);
