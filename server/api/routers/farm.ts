import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize } from "@/server/auth/policy";
import { getConfig } from "@/server/config";
import {
  architectureInput,
  deleteArchitecture,
  deleteEnvironment,
  environmentInput,
  getArchitecture,
  getEnvironment,
  listArchitectures,
  listEnvironments,
  saveArchitecture,
  saveEnvironment,
} from "@/server/farm/catalog";
import { listLive, listPublicationPackages, publicationChanges, searchPackages } from "@/server/farm/binhost";
import { generateBuild } from "@/server/farm/generate";
import { overlayFor } from "@/server/farm";
import { loadBranchProfiles } from "@/server/farm/repo";
import { cloneUrl } from "@/server/git/paths";
import { deleteSigningKey, generateSigningKey, getSigningKey, importInput, importSigningKey, listSigningKeys } from "@/server/pki/gpg";
import { InputError } from "@/server/errors";
import { protectedProcedure, router } from "../trpc";

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/);

export const farmRouter = router({
  /** Every environment branch of infrastructure/build-profiles (and open feature branches) with its resolved profiles and errors. */
  profiles: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "farm:read");
    const branches = await loadBranchProfiles(ctx.db, { includeFeatures: true });
    return branches.map((b) => ({
      branch: b.branch,
      commit: b.commit,
      environment: b.environment,
      profiles: [...b.profiles.values()],
      stacks: [...b.stacks.values()],
      errors: b.errors,
    }));
  }),

  /** The job a build of one profile would run: generated portage files and steps. */
  preview: protectedProcedure
    .input(z.object({ branch: z.string().min(1).max(200), profile: name, arch: name, variant: z.enum(["incremental", "clean"]).default("incremental") }))
    .query(async ({ ctx, input }) => {
      authorize(ctx.actor, "farm:read");
      const branch = (await loadBranchProfiles(ctx.db, { includeFeatures: true })).find((b) => b.branch === input.branch);
      const profile = branch?.profiles.get(input.profile);
      if (!branch || !profile) throw new TRPCError({ code: "NOT_FOUND", message: "No such profile on this branch" });
      const arch = await getArchitecture(ctx.db, input.arch);
      if (!arch) throw new TRPCError({ code: "NOT_FOUND", message: `Architecture ${input.arch} is not defined (Admin → Build farm)` });
      const envName = branch.environment ?? "development";
      const env = await getEnvironment(ctx.db, envName);
      if (!profile.architectures.includes(arch.keyword)) throw new InputError("arch", `${profile.name} is not built for ${arch.keyword}`);
      return generateBuild({
        environment: { name: envName },
        arch,
        profile,
        variant: input.variant,
        // The portage mirror pins a commit per environment; until one is synced the branch head stands in.
        tree: { syncUri: cloneUrl("infrastructure", "gentoo"), commit: env?.portageBranch ?? envName },
        overlay: await overlayFor(ctx.db, envName),
        binhostUrl: `${getConfig().publicUrl}/packages`,
        gentooMirror: getConfig().publicUrl,
        signingKey: await getSigningKey(ctx.db, envName),
      });
    }),

  /** The admin page's records (admins only, unlike the lists below). */
  adminCatalog: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "admin:access");
    const [architectures, environments] = await Promise.all([listArchitectures(ctx.db), listEnvironments(ctx.db)]);
    return { architectures, environments };
  }),

  /** Live binhost publications (one per environment × arch × profile). */
  binhost: protectedProcedure.input(z.object({ environment: z.string().max(32).optional() }).default({})).query(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:read");
    return listLive(ctx.db, input.environment);
  }),

  /** The packages of one live publication, a page at a time. */
  publication: protectedProcedure
    .input(z.object({ environment: z.string().max(32), arch: name, profile: name, page: z.number().int().min(1).max(10_000).default(1) }))
    .query(async ({ ctx, input }) => {
      authorize(ctx.actor, "farm:read");
      const found = await listPublicationPackages(ctx.db, input, { limit: 100, offset: (input.page - 1) * 100 });
      if (!found) throw new TRPCError({ code: "NOT_FOUND", message: "Nothing is published for this profile yet" });
      const { previous, changes } = await publicationChanges(ctx.db, found.publication.id);
      return { ...found, previousAt: previous?.createdAt ?? null, changes };
    }),

  /** Package search across every live binhost. */
  search: protectedProcedure
    .input(z.object({ q: z.string().trim().min(2, "Type at least two characters").max(200), page: z.number().int().min(1).max(1000).default(1) }))
    .query(async ({ ctx, input }) => {
      authorize(ctx.actor, "farm:read");
      return searchPackages(ctx.db, input.q, { limit: 50, offset: (input.page - 1) * 50 });
    }),

  architectures: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "farm:read");
    return listArchitectures(ctx.db);
  }),

  saveArchitecture: protectedProcedure.input(architectureInput.extend({ id: z.uuid().optional() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const { id, ...data } = input;
    const row = await saveArchitecture(ctx.db, data, id);
    Object.assign(ctx.audit, { targetType: "farm_architecture", targetId: row.id, details: data });
    return row;
  }),

  deleteArchitecture: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const row = await deleteArchitecture(ctx.db, input.id);
    if (!row) throw new TRPCError({ code: "NOT_FOUND", message: "This architecture no longer exists" });
    Object.assign(ctx.audit, { targetType: "farm_architecture", targetId: row.id, details: { keyword: row.keyword } });
    return { ok: true };
  }),

  environments: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "farm:read");
    return listEnvironments(ctx.db);
  }),

  saveEnvironment: protectedProcedure.input(environmentInput.extend({ id: z.uuid().optional() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const { id, ...data } = input;
    const row = await saveEnvironment(ctx.db, data, id);
    Object.assign(ctx.audit, { targetType: "farm_environment", targetId: row.id, details: data });
    return row;
  }),

  deleteEnvironment: protectedProcedure.input(z.object({ id: z.uuid() })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const row = await deleteEnvironment(ctx.db, input.id);
    if (!row) throw new TRPCError({ code: "NOT_FOUND", message: "This environment no longer exists" });
    Object.assign(ctx.audit, { targetType: "farm_environment", targetId: row.id, details: { name: row.name } });
    return { ok: true };
  }),

  /** The environments' package signing keys: fingerprints and public keys only. */
  signingKeys: protectedProcedure.query(async ({ ctx }) => {
    authorize(ctx.actor, "farm:manage");
    return listSigningKeys(ctx.db);
  }),

  generateSigningKey: protectedProcedure.input(z.object({ environment: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const key = await generateSigningKey(ctx.db, input.environment, ctx.user.id);
    Object.assign(ctx.audit, {
      targetType: "gpg_signing_key",
      targetId: key.fingerprint,
      details: { environment: key.environment, fingerprint: key.fingerprint, userId: key.userId, source: "generated" },
    });
    return key;
  }),

  /** Imports an armored secret key; the key and passphrase are neither logged nor returned. */
  importSigningKey: protectedProcedure.input(importInput.extend({ environment: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const key = await importSigningKey(ctx.db, input.environment, { armored: input.armored, passphrase: input.passphrase || undefined }, ctx.user.id);
    Object.assign(ctx.audit, {
      targetType: "gpg_signing_key",
      targetId: key.fingerprint,
      details: { environment: key.environment, fingerprint: key.fingerprint, userId: key.userId, source: "imported" },
    });
    return key;
  }),

  deleteSigningKey: protectedProcedure.input(z.object({ environment: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    authorize(ctx.actor, "farm:manage");
    const row = await deleteSigningKey(ctx.db, input.environment);
    if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `Environment ${input.environment} has no signing key` });
    Object.assign(ctx.audit, {
      targetType: "gpg_signing_key",
      targetId: row.fingerprint,
      details: { environment: input.environment, fingerprint: row.fingerprint },
    });
    return { ok: true };
  }),
});
