import { asc, count, eq } from "drizzle-orm";
import { z } from "zod";
import type { DbOrTx } from "@/db/client";
import { farmArchitectures, farmEnvironments } from "@/db/schema";
import { FarmInputError } from "./errors";

export type Architecture = typeof farmArchitectures.$inferSelect;
export type Environment = typeof farmEnvironments.$inferSelect;

export const architectureInput = z.object({
  keyword: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]{1,32}$/, "Use the portage keyword, for example amd64 or arm64"),
  chost: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]+(-[a-z0-9_.]+){2,3}$/, "Use a target triple such as x86_64-pc-linux-gnu"),
  cflags: z.string().trim().min(1, "Give the default CFLAGS, for example -O2 -pipe -march=x86-64").max(500),
  description: z.string().trim().max(500).default(""),
});

export const environmentInput = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, "Use lower-case letters, digits and dashes, for example staging"),
  description: z.string().trim().max(500).default(""),
  portageBranch: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/, "Name the portage tree branch, for example production"),
});

/** What a fresh instance starts with; admins edit from there. */
const defaultArchitectures: z.input<typeof architectureInput>[] = [
  { keyword: "amd64", chost: "x86_64-pc-linux-gnu", cflags: "-O2 -pipe -march=x86-64", description: "64-bit x86" },
  { keyword: "x86", chost: "i686-pc-linux-gnu", cflags: "-O2 -pipe -march=i686", description: "32-bit x86" },
  { keyword: "arm64", chost: "aarch64-unknown-linux-gnu", cflags: "-O2 -pipe", description: "64-bit ARM" },
];

const defaultEnvironments: z.input<typeof environmentInput>[] = [
  { name: "development", portageBranch: "development", description: "Branch develop of build-profiles; rebuilt daily" },
  { name: "staging", portageBranch: "staging", description: "Branches release/* and hotfix/* of build-profiles" },
  { name: "production", portageBranch: "production", description: "Branch master of build-profiles" },
];

/** Seeds the defaults once, into empty tables only (a deleted default stays deleted). */
export async function ensureFarmDefaults(db: DbOrTx) {
  const [{ n: archs }] = await db.select({ n: count() }).from(farmArchitectures);
  if (archs === 0)
    await db
      .insert(farmArchitectures)
      .values(defaultArchitectures.map((a) => architectureInput.parse(a)))
      .onConflictDoNothing();
  const [{ n: envs }] = await db.select({ n: count() }).from(farmEnvironments);
  if (envs === 0)
    await db
      .insert(farmEnvironments)
      .values(defaultEnvironments.map((e) => environmentInput.parse(e)))
      .onConflictDoNothing();
}

export async function listArchitectures(db: DbOrTx) {
  return db.select().from(farmArchitectures).orderBy(asc(farmArchitectures.keyword));
}

export async function getArchitecture(db: DbOrTx, keyword: string) {
  return (await db.select().from(farmArchitectures).where(eq(farmArchitectures.keyword, keyword)).limit(1))[0] ?? null;
}

export async function saveArchitecture(db: DbOrTx, raw: z.input<typeof architectureInput>, id?: string) {
  const input = architectureInput.parse(raw);
  if (id) {
    const [row] = await db.update(farmArchitectures).set(input).where(eq(farmArchitectures.id, id)).returning().catch(duplicate("keyword", input.keyword));
    if (!row) throw new FarmInputError("keyword", "This architecture no longer exists");
    return row;
  }
  const [row] = await db.insert(farmArchitectures).values(input).onConflictDoNothing().returning();
  if (!row) throw new FarmInputError("keyword", `Architecture ${input.keyword} already exists`);
  return row;
}

export async function deleteArchitecture(db: DbOrTx, id: string) {
  const [row] = await db.delete(farmArchitectures).where(eq(farmArchitectures.id, id)).returning();
  return row ?? null;
}

export async function listEnvironments(db: DbOrTx) {
  const rows = await db.select().from(farmEnvironments);
  const order = ["development", "staging", "production"];
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  return rows.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

export async function getEnvironment(db: DbOrTx, name: string) {
  return (await db.select().from(farmEnvironments).where(eq(farmEnvironments.name, name)).limit(1))[0] ?? null;
}

export async function saveEnvironment(db: DbOrTx, raw: z.input<typeof environmentInput>, id?: string) {
  const input = environmentInput.parse(raw);
  if (id) {
    const [row] = await db.update(farmEnvironments).set(input).where(eq(farmEnvironments.id, id)).returning().catch(duplicate("name", input.name));
    if (!row) throw new FarmInputError("name", "This environment no longer exists");
    return row;
  }
  const [row] = await db.insert(farmEnvironments).values(input).onConflictDoNothing().returning();
  if (!row) throw new FarmInputError("name", `Environment ${input.name} already exists`);
  return row;
}

export async function deleteEnvironment(db: DbOrTx, id: string) {
  const [row] = await db.delete(farmEnvironments).where(eq(farmEnvironments.id, id)).returning();
  return row ?? null;
}

function duplicate(field: string, value: string) {
  return (e: unknown): never => {
    if ((e as { code?: string })?.code === "23505" || (e as { cause?: { code?: string } })?.cause?.code === "23505")
      throw new FarmInputError(field, `${value} already exists`);
    throw e;
  };
}
