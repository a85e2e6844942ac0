import { defineConfig } from "@playwright/test";

/** Run through `npm test`, which starts the portal and sets ROOKERY_E2E_URL. */
export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // each test is a whole user story (often several pages, pushes and background jobs)
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["json", { outputFile: process.env.PW_JSON || "test-results/playwright.json" }]],
  use: {
    baseURL: process.env.ROOKERY_E2E_URL,
    trace: "off",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-quic",
      ],
    },
  },
  projects: [
    { name: "first-admin", testMatch: /first-admin\.spec\.ts/ },
    { name: "stories", testIgnore: /first-admin\.spec\.ts/, dependencies: ["first-admin"] },
  ],
});
