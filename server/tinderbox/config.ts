import cronParser from "cron-parser";
import semver from "semver";
import { z } from "zod";
import { parseYaml } from "@/server/farm/profiles";
import { TinderboxFileError } from "./errors";

/** Where a puppet repository configures its tinderbox (optional: defaults apply without it). */
export const CONFIG_FILE = ".rookery/tinderbox.yaml";

const moduleName = z.string().regex(/^[A-Za-z0-9_]+$/, "a module name (the part after the author, e.g. apache)");

const range = z.string().refine((r) => semver.validRange(r) !== null, { message: "not a semver range (e.g. ^1.2, ~2.0.1, >=1.0 <3)" });

const schedule = z
  .string()
  .refine(
    (s) => {
      if (["off", "hourly", "daily", "weekly"].includes(s)) return true;
      if (s.trim().split(/\s+/).length !== 5) return false;
      try {
        cronParser.parseExpression(s, { tz: "UTC" });
        return true;
      } catch {
        return false;
      }
    },
    { message: "off, hourly, daily, weekly or a five-field cron expression (UTC)" },
  )
  .default("daily");

export const tinderboxConfigSchema = z.strictObject({
  /** how often the scheduled pass runs */
  schedule,
  /** allowed versions of modules that follow tags (npm semver ranges; a leading v on tags is ignored) */
  constraints: z.record(moduleName, range).default({}),
  /** versions never proposed, per module */
  ignore: z
    .record(moduleName, z.array(z.string().refine((v) => semver.valid(semver.clean(v) ?? v) !== null, { message: "a version such as 1.3.0" })))
    .default({}),
  /**
   * Modules updated together in their own merge request; modules outside every group go to
   * the default merge request.
   */
  groups: z
    .array(
      z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, "lower-case letters, digits and dashes"), modules: z.array(moduleName).min(1) }),
    )
    .default([])
    .superRefine((groups, ctx) => {
      const seen = new Map<string, string>();
      groups.forEach((g, i) => {
        g.modules.forEach((m, j) => {
          const other = seen.get(m);
          if (other) ctx.addIssue({ code: "custom", path: [i, "modules", j], message: `module ${m} is already in group ${other}` });
          else seen.set(m, g.name);
        });
      });
    }),
});

export type TinderboxConfig = z.output<typeof tinderboxConfigSchema>;

export const defaultConfig: TinderboxConfig = tinderboxConfigSchema.parse({});

/** Parses `.rookery/tinderbox.yaml` (null: the file does not exist → defaults). Problems throw with file:line:column. */
export function parseTinderboxConfig(text: string | null): TinderboxConfig {
  if (text === null) return defaultConfig;
  const r = parseYaml(CONFIG_FILE, text, tinderboxConfigSchema);
  if (!r.value) throw new TinderboxFileError(r.errors);
  return r.value;
}

/** The range a tag-following module may move in: its configured constraint, else the current version's major (`^current`). */
export function constraintFor(config: TinderboxConfig, module: string, current: string | null): string | null {
  const configured = config.constraints[module];
  if (configured) return configured;
  return current ? `^${current}` : null;
}

export function isIgnored(config: TinderboxConfig, module: string, version: string) {
  return (config.ignore[module] ?? []).some((v) => semver.eq(semver.clean(v) ?? v, version));
}
