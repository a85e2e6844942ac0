import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root";
import { createContext, publicProcedure, router } from "@/server/api/trpc";
import { LoginError } from "@/server/auth/login";
import { RestoreError } from "@/server/backups/restore";
import { FarmInputError } from "@/server/farm/errors";
import { RepoConflictError } from "@/server/git/edit";
import { RepoInputError } from "@/server/git/repos";
import { stopBoss } from "@/server/jobs";
import { MrInputError, MrStateError } from "@/server/mergerequests";
import { UnknownCommitError } from "@/server/mergerequests/statuses";
import { OrgInputError, createOrg } from "@/server/orgs";
import { GpgInputError } from "@/server/pki/gpg";
import { PkiInputError } from "@/server/pki/x509";
import { ChecksumError, StorageFullError, TooLargeError } from "@/server/runners/artifact-store";
import { getPipeline, JobStateError } from "@/server/runners/pipelines";
import { LeaseError, LogOffsetError } from "@/server/runners/queue";
import { RegistrationError } from "@/server/runners/registration";
import { createLocalUser, UserInputError, type User } from "@/server/users";
import { WebhookInputError } from "@/server/webhooks";
import { testDatabase } from "@/test/support/db";
import { callerAs } from "@/test/support/trpc";
import { ConflictError, CredentialsError, DomainError, InputError, NotFoundError, StateError, asField, httpStatusOf } from "./errors";

describe("the domain error hierarchy", () => {
  it("gives every domain error its base class and HTTP status", () => {
    const cases: [DomainError, abstract new (...a: never[]) => DomainError, number][] = [
      [new UserInputError("username", "x"), InputError, 400],
      [new OrgInputError("name", "x"), InputError, 400],
      [new PkiInputError("csr", "x"), InputError, 400],
      [new GpgInputError("armored", "x"), InputError, 400],
      [new RepoInputError("name", "x"), InputError, 400],
      [new WebhookInputError("url", "x"), InputError, 400],
      [new MrInputError("title", "x"), InputError, 400],
      [new FarmInputError("arch", "x"), InputError, 400],
      [new RestoreError("x"), InputError, 400],
      [new ChecksumError("ab"), InputError, 422],
      [new TooLargeError("x"), InputError, 413],
      [new UnknownCommitError("x"), NotFoundError, 404],
      [new RepoConflictError("x"), ConflictError, 409],
      [new LeaseError("x"), ConflictError, 409],
      [new LogOffsetError(42), ConflictError, 416],
      [new MrStateError("x"), StateError, 409],
      [new JobStateError("x"), StateError, 409],
      [new StorageFullError("x"), StateError, 507],
      [new RegistrationError("x"), CredentialsError, 401],
      [new LoginError("x"), CredentialsError, 401],
    ];
    for (const [error, base, status] of cases) {
      expect(error, error.name).toBeInstanceOf(base);
      expect([error.name, error.status, httpStatusOf(error)]).toEqual([error.constructor.name, status, status]);
    }
    expect(new RepoInputError("name", "Name is required").field).toBe("name");
    expect(new InputError(null, "x").field).toBeNull();
  });

  it("answers 500 for anything that is not a domain error", () => {
    expect(httpStatusOf(new Error("boom"))).toBe(500);
    expect(httpStatusOf("boom")).toBe(500);
  });

  it("asField moves input and state refusals to a form field and leaves the rest alone", () => {
    const moved = asField(new RepoInputError("name", "taken"), "newName");
    expect(moved).toBeInstanceOf(InputError);
    expect(moved).toMatchObject({ field: "newName", message: "taken", status: 400 });
    expect(asField(new MrStateError("already released"), "version")).toMatchObject({ field: "version", message: "already released" });
    const conflict = new RepoConflictError("moved");
    expect(asField(conflict, "version")).toBe(conflict);
    const other = new Error("internal");
    expect(asField(other, "version")).toBe(other);
  });
});

describe("tRPC maps domain errors by base class", () => {
  const db = testDatabase();
  let admin: User;
  const boom = router({
    notFound: publicProcedure.mutation(() => {
      throw new UnknownCommitError("No commit abc in acme/app");
    }),
    credentials: publicProcedure.mutation(() => {
      throw new RegistrationError("Unknown or revoked registration token");
    }),
    internal: publicProcedure.mutation(() => {
      throw new Error('Failed query: select "secret" from /var/lib/rookery');
    }),
  });

  /** One mutation over the real fetch handler, so the error formatter shapes the answer as browsers see it. */
  async function post(path: string, input: unknown, as: User | null = admin, r: typeof appRouter | typeof boom = appRouter) {
    const req = new Request(`http://rookery.test/api/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: input }),
    });
    const res = await fetchRequestHandler({
      endpoint: "/api/trpc",
      req,
      router: r,
      createContext: () => createContext({ headers: req.headers, sessionUser: async () => as }),
    });
    const body = (await res.json()) as {
      error?: { json: { message: string; data: { code: string; fieldErrors: Record<string, string[]> | null; requestId?: string } } };
    };
    return { status: res.status, ...body.error!.json };
  }

  beforeAll(async () => {
    admin = await createLocalUser(db(), { username: "err-admin", password: "Sturdy-secret-4-tests", isAdmin: true });
    await createOrg(db(), { name: "errco", source: "local", members: [{ userId: admin.id, role: "leader" }] });
  });
  afterAll(async () => {
    await stopBoss();
  });

  it("InputError: BAD_REQUEST with its field for the form", async () => {
    // RepoInputError, which repo-admin used to map by hand
    const r = await post("repoAdmin.create", { slug: "errco", name: "new" });
    expect(r.status).toBe(400);
    expect(r.data.code).toBe("BAD_REQUEST");
    expect(r.message).toBe('"new" is reserved');
    expect(r.data.fieldErrors).toEqual({ name: ['"new" is reserved'] });
    // an InputError thrown by the router itself
    const y = await post("runners.run", { name: "bad", yaml: "jobs: [" });
    expect([y.status, Object.keys(y.data.fieldErrors ?? {})]).toEqual([400, ["yaml"]]);
  });

  it("StateError: CONFLICT, without field errors", async () => {
    const { id } = await callerAs(db)(admin).runners.run({ name: "twice", yaml: "- {name: only, steps: [x]}" });
    const jobId = (await getPipeline(db(), id))!.jobs[0].id;
    expect(await callerAs(db)(admin).runners.cancelJob({ id: jobId })).toEqual({ result: "canceled" });
    const r = await post("runners.cancelJob", { id: jobId });
    expect([r.status, r.data.code, r.data.fieldErrors]).toEqual([409, "CONFLICT", null]);
    expect(r.message).toMatch(/already ended/);
  });

  it("NotFoundError: NOT_FOUND; CredentialsError: UNAUTHORIZED", async () => {
    const nf = await post("notFound", undefined, null, boom);
    expect([nf.status, nf.data.code, nf.message]).toEqual([404, "NOT_FOUND", "No commit abc in acme/app"]);
    const cr = await post("credentials", undefined, null, boom);
    expect([cr.status, cr.data.code]).toEqual([401, "UNAUTHORIZED"]);
  });

  it("anything else: INTERNAL_SERVER_ERROR with a request id and nothing of the cause", async () => {
    const r = await post("internal", undefined, null, boom);
    expect([r.status, r.data.code, r.data.fieldErrors]).toEqual([500, "INTERNAL_SERVER_ERROR", null]);
    expect(r.data.requestId).toBeTruthy();
    expect(r.message).toContain(r.data.requestId);
    expect(r.message).not.toMatch(/select|secret|\/var/i);
  });
});
