import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distfiles } from "@/db/schema";
import { actorFromUser } from "@/server/auth/credentials";
import type { Actor } from "@/server/auth/policy";
import { loadConfig } from "@/server/config";
import { commitFiles } from "@/server/git/plumbing/commit";
import { branchHead } from "@/server/git/plumbing/merge";
import { ensureInfrastructureOrg } from "@/server/git/infrastructure";
import { ensureRepoOnDisk } from "@/server/git/materialize";
import { getRepo, INFRASTRUCTURE_ORG, insertRepo } from "@/server/git/repos";
import { addMember, createOrg, getOrgBySlug } from "@/server/orgs";
import { createLocalUser, type User } from "@/server/users";
import { callerAs, trpcCode } from "@/test/support/trpc";
import { testDatabase } from "@/test/support/db";
import { deleteDistfile, distfileStatsSummary, layoutPath, parseMirrorLayoutConf, pruneDistfiles, storePath } from "./distfiles";
import { handleDistfilesRequest, serveDistfiles } from "./distfiles-serve";
import { execFile } from "node:child_process";
import { createToken } from "@/server/auth/tokens";
import { serveFetch } from "@/test/support/fetch-server";
import { portageMissing, portageSource } from "@/test/support/portage";

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-distfiles-"));
const db = testDatabase({ ROOKERY_DATA_DIR: dataDir, PUBLIC_URL: "http://rookery.test" });
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const anon: Actor = { kind: "anonymous" };
const get = (url: string, actor: Actor = anon, init: RequestInit = {}) => {
  const segments = new URL(url, "http://x").pathname.split("/").filter(Boolean).slice(1).map(decodeURIComponent);
  return serveDistfiles(new Request(`http://rookery.test${url}`, init), actor, segments);
};

const bytes = (n: number) => randomBytes(n);
const files = {
  "hello-2.12.tar.gz": bytes(300_000),
  "bad-1.0.tar.gz": bytes(5000),
  "slow-1.0.tar.gz": bytes(100_000),
  "srconly-3.0.tar.xz": bytes(7000),
  "overlaid-0.1.tar.gz": bytes(1234),
  "secret-1.0.tar.gz": bytes(4321),
  "viaportage-1.0.tar.gz": bytes(20_000),
};
type Name = keyof typeof files;
const dist = (name: Name, content: Buffer = files[name]) =>
  `DIST ${name} ${content.length} BLAKE2B ${createHash("blake2b512").update(content).digest("hex")} SHA512 ${createHash("sha512").update(content).digest("hex")}`;

/** The upstream mirror: Gentoo's layout (filename-hash BLAKE2B 8 only), a request counter per path, and SRC_URI files under /src/. */
const requests = new Map<string, number>();
let upstream: http.Server;
let upstreamUrl = "";
const onMirror: Name[] = ["hello-2.12.tar.gz", "bad-1.0.tar.gz", "slow-1.0.tar.gz", "overlaid-0.1.tar.gz", "viaportage-1.0.tar.gz"];

let leader: Actor, reporter: Actor, developer: Actor, outsider: Actor, admin: Actor;
const people: Record<string, User> = {};
const as = callerAs(db);

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? "");
    requests.set(url, (requests.get(url) ?? 0) + 1);
    if (url === "/distfiles/layout.conf") return void res.end("[structure]\n0=filename-hash BLAKE2B 8\n");
    const name = path.basename(url) as Name;
    const served = (url === `/distfiles/${layoutPath(name)}` && onMirror.includes(name)) || url === `/src/${name}`;
    if (!served) return void res.writeHead(404).end();
    // the mirror's copy of bad-1.0 is not what the Manifest says (a corrupted or re-rolled tarball)
    const body = name === "bad-1.0.tar.gz" ? bytes(5000) : files[name];
    setTimeout(() => res.end(body), name === "slow-1.0.tar.gz" ? 300 : 0);
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // An unreachable first mirror: its failure is skipped, the next one answers.
  Object.assign(process.env, { DISTFILES_UPSTREAM_MIRRORS: `http://127.0.0.1:9 ${upstreamUrl}/`, DISTFILES_RETENTION_DAYS: "30" });
  loadConfig();

  await ensureInfrastructureOrg(db());
  const infra = (await getOrgBySlug(db(), INFRASTRUCTURE_ORG))!;
  const treeRepo = async (name: string) => {
    const row = (await getRepo(db(), INFRASTRUCTURE_ORG, name)) ?? (await insertRepo(db(), infra, { name }), (await getRepo(db(), INFRASTRUCTURE_ORG, name))!);
    return ensureRepoOnDisk(db(), row);
  };
  // The portage tree mirror: only a development branch (staging and production missing).
  await commitFiles(await treeRepo("gentoo"), {
    branch: "development",
    message: "tree",
    files: {
      "app-misc/hello/Manifest": `${dist("hello-2.12.tar.gz")}\n${dist("slow-1.0.tar.gz")}\n`,
      "app-misc/bad/Manifest": `${dist("bad-1.0.tar.gz")}\n`,
      "dev-libs/srconly/Manifest": `${dist("srconly-3.0.tar.xz")}\n`,
      "metadata/md5-cache/dev-libs/srconly-3.0": `DEFINED_PHASES=install\nEAPI=8\nSRC_URI=https://nowhere.invalid/v3.tar.xz -> other.tar.xz ssl? ( ${upstreamUrl}/src/srconly-3.0.tar.xz )\n`,
      "app-misc/secret/Manifest": `${dist("secret-1.0.tar.gz")}\n`,
      "app-misc/viaportage/Manifest": `${dist("viaportage-1.0.tar.gz")}\n`,
    },
  });
  // Our overlay (its template is on every branch): one more Manifest on production.
  const overlay = await treeRepo("overlay");
  await commitFiles(overlay, {
    branch: "production",
    parent: (await branchHead(overlay, "production")) ?? undefined,
    message: "overlay",
    files: { "app-misc/overlaid/Manifest": `${dist("overlaid-0.1.tar.gz")}\n` },
  });

  const acme = await createOrg(db(), { name: "acme", source: "local" });
  await createOrg(db(), { name: "other", source: "local" });
  const user = async (username: string, role: "leader" | "developer" | "reporter" | null, isAdmin = false) => {
    const u = await createLocalUser(db(), { username, password: "correct horse battery", isAdmin });
    people[username] = u;
    if (role) await addMember(db(), acme.id, username, role);
    return actorFromUser(u);
  };
  leader = await user("lea", "leader");
  developer = await user("dev", "developer");
  reporter = await user("rep", "reporter");
  outsider = await user("out", null);
  admin = await user("root", null, true);
});

afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

const upstreamFetches = (name: Name) => requests.get(`/distfiles/${layoutPath(name)}`) ?? 0;

describe("the distfiles mirror", () => {
  it("serves layout.conf and hashes names exactly as portage's FilenameHashLayout('BLAKE2B', '8')", async () => {
    const res = await get("/distfiles/layout.conf");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("[structure]\n0=filename-hash BLAKE2B 8\n1=flat\n");
    // values printed by portage's own code (lib/portage/package/ebuild/fetch.py)
    expect(layoutPath("hello-2.12.tar.gz")).toBe("56/hello-2.12.tar.gz");
    expect(layoutPath("secret-1.0.tar.gz")).toBe("cd/secret-1.0.tar.gz");
    expect(parseMirrorLayoutConf("[structure]\n0=content-hash SHA512 8:8:8\n1=filename-hash BLAKE2B 8\n2=flat\n")).toEqual([
      { kind: "filename-hash", algo: "BLAKE2B", cutoffs: [8] },
      { kind: "flat" },
    ]);
  });

  it("fetches a miss once from upstream, verified against the Manifest, then serves it from the store", async () => {
    const first = await get("/distfiles/56/hello-2.12.tar.gz");
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).equals(files["hello-2.12.tar.gz"])).toBe(true);
    expect(upstreamFetches("hello-2.12.tar.gz")).toBe(1);
    const [row] = await db().select().from(distfiles).where(eq(distfiles.filename, "hello-2.12.tar.gz"));
    expect(row).toMatchObject({ orgId: null, size: 300_000, source: `${upstreamUrl}/distfiles/56/hello-2.12.tar.gz` });
    expect(fs.readFileSync(storePath(row.blake2b)).equals(files["hello-2.12.tar.gz"])).toBe(true);

    // the flat path names the same file; the store answers, upstream is not asked again
    const second = await get("/distfiles/hello-2.12.tar.gz");
    expect(second.status).toBe(200);
    expect(Buffer.from(await second.arrayBuffer()).equals(files["hello-2.12.tar.gz"])).toBe(true);
    expect(upstreamFetches("hello-2.12.tar.gz")).toBe(1);
    const [after] = await db().select().from(distfiles).where(eq(distfiles.id, row.id));
    expect(after.hits).toBe(row.hits + 1);

    // conditional and range requests, as for /packages
    const etag = second.headers.get("etag")!;
    expect((await get("/distfiles/hello-2.12.tar.gz", anon, { headers: { "if-none-match": etag } })).status).toBe(304);
    const part = await get("/distfiles/hello-2.12.tar.gz", anon, { headers: { range: "bytes=10-19" } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(files["hello-2.12.tar.gz"].subarray(10, 20))).toBe(true);
  });

  it("a hash directory that is not the name's own is not found", async () => {
    expect((await get("/distfiles/00/hello-2.12.tar.gz")).status).toBe(404);
    expect((await get("/distfiles/a/b/c")).status).toBe(404);
  });

  it("concurrent misses of one file share one upstream download", async () => {
    const [a, b] = await Promise.all([get("/distfiles/fa/slow-1.0.tar.gz"), get("/distfiles/slow-1.0.tar.gz")]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(Buffer.from(await a.arrayBuffer()).equals(files["slow-1.0.tar.gz"])).toBe(true);
    expect(Buffer.from(await b.arrayBuffer()).equals(files["slow-1.0.tar.gz"])).toBe(true);
    expect(upstreamFetches("slow-1.0.tar.gz")).toBe(1);
  });

  it("refuses bytes that do not match the Manifest (502 naming the upstream) and stores nothing", async () => {
    const res = await get("/distfiles/11/bad-1.0.tar.gz");
    expect(res.status).toBe(502);
    const message = await res.text();
    expect(message).toContain(
      `${upstreamUrl}/distfiles/11/bad-1.0.tar.gz: BLAKE2B differs from the Manifest's (infrastructure/gentoo development: app-misc/bad/Manifest)`,
    );
    expect(message).toContain("http://127.0.0.1:9/distfiles/11/bad-1.0.tar.gz");
    expect(await db().select().from(distfiles).where(eq(distfiles.filename, "bad-1.0.tar.gz"))).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, "distfiles", ".tmp"))).toEqual([]);
    const stored = fs.readdirSync(path.join(dataDir, "distfiles", ".store")).flatMap((d) => fs.readdirSync(path.join(dataDir, "distfiles", ".store", d)));
    expect(stored).toHaveLength(2); // hello and slow only
  });

  it("refuses a name no Manifest lists (404 saying so)", async () => {
    const res = await get("/distfiles/unknown-9.9.tar.gz");
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/^unknown-9\.9\.tar\.gz: no Manifest in infrastructure\/gentoo or infrastructure\/overlay/);
    expect(requests.get(`/distfiles/${layoutPath("unknown-9.9.tar.gz" as Name)}`)).toBeUndefined();
  });

  it("falls back to the ebuild's SRC_URI (md5-cache) when no mirror has the file", async () => {
    const res = await get("/distfiles/srconly-3.0.tar.xz");
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(files["srconly-3.0.tar.xz"])).toBe(true);
    expect(requests.get("/src/srconly-3.0.tar.xz")).toBe(1);
    const [row] = await db().select().from(distfiles).where(eq(distfiles.filename, "srconly-3.0.tar.xz"));
    expect(row.source).toBe(`${upstreamUrl}/src/srconly-3.0.tar.xz`);
  });

  it("knows the overlay's Manifests (production branch)", async () => {
    const res = await get("/distfiles/overlaid-0.1.tar.gz");
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(files["overlaid-0.1.tar.gz"])).toBe(true);
  });
});

describe("private distfiles", () => {
  const put = (actor: Actor, org: string, name: string, body: Buffer) =>
    get(`/distfiles/orgs/${org}/${name}`, actor, { method: "PUT", body: new Uint8Array(body) });

  it("leaders upload (checked against a Manifest that lists the name); developers and outsiders cannot", async () => {
    expect((await put(developer, "acme", "secret-1.0.tar.gz", files["secret-1.0.tar.gz"])).status).toBe(403);
    expect((await put(outsider, "acme", "secret-1.0.tar.gz", files["secret-1.0.tar.gz"])).status).toBe(404);
    expect((await put(anon, "acme", "secret-1.0.tar.gz", files["secret-1.0.tar.gz"])).status).toBe(401);
    const wrong = await put(leader, "acme", "secret-1.0.tar.gz", bytes(10));
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("secret-1.0.tar.gz does not match its Manifest entry");
    const ok = await put(leader, "acme", "secret-1.0.tar.gz", files["secret-1.0.tar.gz"]);
    expect(ok.status).toBe(201);
    expect(await ok.json()).toMatchObject({ filename: "secret-1.0.tar.gz", org: "acme", size: 4321 });
    // a name no Manifest knows is the leader's word
    expect((await put(leader, "acme", "vendor-blob.bin", Buffer.from("blob"))).status).toBe(201);
  });

  it("are served at the mirror paths to the org's members and admins only; anonymous callers are asked for credentials", async () => {
    for (const actor of [reporter, leader, admin]) {
      const res = await get("/distfiles/cd/secret-1.0.tar.gz", actor);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(files["secret-1.0.tar.gz"])).toBe(true);
    }
    const explicit = await get("/distfiles/orgs/acme/vendor-blob.bin", reporter);
    expect(await explicit.text()).toBe("blob");

    const challenged = await get("/distfiles/secret-1.0.tar.gz");
    expect(challenged.status).toBe(401);
    expect(challenged.headers.get("www-authenticate")).toMatch(/^Basic /);
    // an outsider is not told about acme's file: the public mirror answers (the upstream has no such file)
    expect((await get("/distfiles/vendor-blob.bin", outsider)).status).toBe(404);
    expect((await get("/distfiles/orgs/acme/vendor-blob.bin", outsider)).status).toBe(404);
    expect(await db().select().from(distfiles).where(eq(distfiles.filename, "secret-1.0.tar.gz"))).toHaveLength(1);
  });
});

describe("administration", () => {
  it("counts hits, upstream fetches and refusals", async () => {
    const s = await distfileStatsSummary(db());
    expect(s).toMatchObject({ files: 6, fetches: 4, refused: 3 });
    expect(s.hits).toBeGreaterThanOrEqual(10);
    expect(s.hitRate).toBeCloseTo(s.hits / (s.hits + 4));
  });

  it("retention forgets public files unused for N days (bytes too), keeps private uploads", async () => {
    await db()
      .update(distfiles)
      .set({ lastUsedAt: sql`now() - interval '40 days'` })
      .where(sql`${distfiles.filename} in ('hello-2.12.tar.gz', 'secret-1.0.tar.gz')`);
    const [hello] = await db().select().from(distfiles).where(eq(distfiles.filename, "hello-2.12.tar.gz"));
    const r = await pruneDistfiles(db(), 30);
    expect(r).toEqual({ removed: 1, freedBytes: 300_000 });
    expect(fs.existsSync(storePath(hello.blake2b))).toBe(false);
    expect(await db().select().from(distfiles).where(eq(distfiles.filename, "secret-1.0.tar.gz"))).toHaveLength(1);
    // asked again, it is fetched again
    expect((await get("/distfiles/hello-2.12.tar.gz")).status).toBe(200);
    expect(upstreamFetches("hello-2.12.tar.gz")).toBe(2);
  });

  it("the pages' API: admins see every file and the stats; members list their org's private files; only leaders delete them", async () => {
    const overview = await as(people.root).distfiles.adminOverview({ page: 1 });
    expect(overview.stats.files).toBe(6);
    expect(overview.files.rows.map((r) => r.filename)).toContain("secret-1.0.tar.gz");
    expect(overview.config.upstreams).toEqual(["http://127.0.0.1:9", upstreamUrl]);
    expect((await as(people.root).distfiles.adminOverview({ page: 1, query: "SECRET" })).files.total).toBe(1);
    expect(await trpcCode(as(people.lea).distfiles.adminOverview({ page: 1 }))).toBe("FORBIDDEN");

    const mine = await as(people.rep).distfiles.orgList({ org: "acme", page: 1 });
    expect(mine.rows.map((r) => r.filename).sort()).toEqual(["secret-1.0.tar.gz", "vendor-blob.bin"]);
    expect(mine.canManage).toBe(false);
    expect((await as(people.lea).distfiles.orgList({ org: "acme", page: 1 })).canManage).toBe(true);
    expect(await trpcCode(as(people.out).distfiles.orgList({ org: "acme", page: 1 }))).toBe("NOT_FOUND");

    const blob = mine.rows.find((r) => r.filename === "vendor-blob.bin")!;
    expect(await trpcCode(as(people.rep).distfiles.orgDelete({ org: "acme", id: blob.id }))).toBe("FORBIDDEN");
    // a leader of another org cannot reach acme's file through their own org
    await addMember(db(), (await getOrgBySlug(db(), "other"))!.id, "lea", "leader");
    expect(await trpcCode(as(people.lea).distfiles.orgDelete({ org: "other", id: blob.id }))).toBe("NOT_FOUND");
    expect(await as(people.lea).distfiles.orgDelete({ org: "acme", id: blob.id })).toEqual({ filename: "vendor-blob.bin" });
    expect((await get("/distfiles/orgs/acme/vendor-blob.bin", reporter)).status).toBe(404);
  });

  it("an admin deletes one file; its bytes go once nothing else names them", async () => {
    const [slow] = await db().select().from(distfiles).where(eq(distfiles.filename, "slow-1.0.tar.gz"));
    await deleteDistfile(db(), admin, slow.id);
    expect(fs.existsSync(storePath(slow.blake2b))).toBe(false);
    expect(await db().select().from(distfiles).where(eq(distfiles.id, slow.id))).toEqual([]);
  });
});

describe("over real HTTP, with the tools portage uses", () => {
  it("wget (portage's FETCHCOMMAND) fetches public files anonymously and private ones with a member's token after the 401 challenge; curl -T uploads", async () => {
    const server = await serveFetch((req) => handleDistfilesRequest(req, new URL(req.url).pathname.split("/").filter(Boolean).slice(1), async () => null));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-wget-"));
    try {
      const host = server.url.replace("http://", "");
      const { token: repToken } = await createToken(db(), { userId: people.rep.id, name: "host", scope: "read", expiresAt: null });
      const { token: leaToken } = await createToken(db(), { userId: people.lea.id, name: "upload", scope: "write", expiresAt: null });
      // async: the server answers from this very process
      const run = (cmd: string, args: string[]) =>
        new Promise<{ status: number; stdout: string }>((resolve) =>
          execFile(cmd, args, { timeout: 20_000 }, (e, stdout) => resolve({ status: e ? Number((e as { code?: number }).code ?? -1) : 0, stdout })),
        );
      const wget = (url: string, out: string) => run("wget", ["-q", "-t", "1", "-O", path.join(work, out), url]);

      expect((await wget(`${server.url}/distfiles/56/hello-2.12.tar.gz`, "hello")).status).toBe(0);
      expect(fs.readFileSync(path.join(work, "hello")).equals(files["hello-2.12.tar.gz"])).toBe(true);

      const upload = path.join(work, "firmware-2.0.bin");
      fs.writeFileSync(upload, bytes(70_000));
      const curl = await run("curl", [
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-T",
        upload,
        "-u",
        `lea:${leaToken}`,
        `${server.url}/distfiles/orgs/acme/firmware-2.0.bin`,
      ]);
      expect(curl.stdout).toBe("201");

      // anonymous: asked for credentials; with the reporter's read token (user:token@, as in /etc/portage/mirrors): the file
      expect((await wget(`${server.url}/distfiles/${layoutPath("firmware-2.0.bin")}`, "anon")).status).toBe(6); // wget: authentication failed
      expect((await wget(`http://rep:${repToken}@${host}/distfiles/${layoutPath("firmware-2.0.bin")}`, "fw")).status).toBe(0);
      expect(fs.readFileSync(path.join(work, "fw")).equals(fs.readFileSync(upload))).toBe(true);
      expect((await wget(`http://rep:${repToken}@${host}/distfiles/cd/secret-1.0.tar.gz`, "secret")).status).toBe(0);
      expect(fs.readFileSync(path.join(work, "secret")).equals(files["secret-1.0.tar.gz"])).toBe(true);
      // wrong credentials sent up front (curl -u): refused, not served as anonymous
      const wrong = await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", "rep:rky_wrong", `${server.url}/distfiles/56/hello-2.12.tar.gz`]);
      expect(wrong.stdout).toBe("401");
    } finally {
      await server.close();
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

describe.skipIf(portageMissing())("portage's own fetch() (vendored portage source)", () => {
  it("fetches through GENTOO_MIRRORS (layout.conf, filename-hash) and a fetch-restricted file through a `local` mirror with a member's token", async () => {
    const asked: string[] = [];
    const server = await serveFetch((req) => {
      asked.push(new URL(req.url).pathname);
      return handleDistfilesRequest(req, new URL(req.url).pathname.split("/").filter(Boolean).slice(1), async () => null);
    });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-portage-"));
    try {
      const src = portageSource();
      const { token } = await createToken(db(), { userId: people.rep.id, name: "portage", scope: "read", expiresAt: null });
      const firmware = Buffer.from(await (await get("/distfiles/orgs/acme/firmware-2.0.bin", reporter)).arrayBuffer());
      const digest = (name: string, content: Buffer, restricted: boolean) => ({
        name,
        size: content.length,
        BLAKE2B: createHash("blake2b512").update(content).digest("hex"),
        SHA512: createHash("sha512").update(content).digest("hex"),
        restricted,
      });
      const spec = [digest("viaportage-1.0.tar.gz", files["viaportage-1.0.tar.gz"], false), digest("firmware-2.0.bin", firmware, true)];
      const root = path.join(work, "root");
      const local = server.url.replace("://", `://rep:${token}@`);
      const out = await new Promise<string>((resolve, reject) =>
        execFile(
          "python3",
          [path.join(import.meta.dirname, "../../test/support/portage-fetch.py"), src, root, server.url, local, JSON.stringify(spec)],
          { timeout: 120_000 },
          (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stdout}\n${stderr}`)) : resolve(stdout)),
        ),
      );
      expect(JSON.parse(out.trim().split("\n").pop()!)).toEqual({ "viaportage-1.0.tar.gz": true, "firmware-2.0.bin": true });
      expect(fs.readFileSync(path.join(root, "distdir", "viaportage-1.0.tar.gz")).equals(files["viaportage-1.0.tar.gz"])).toBe(true);
      expect(fs.readFileSync(path.join(root, "distdir", "firmware-2.0.bin")).equals(firmware)).toBe(true);
      // portage read our layout.conf and asked the filename-hash paths; we fetched upstream once
      expect(asked).toContain("/distfiles/layout.conf");
      expect(asked).toContain(`/distfiles/${layoutPath("viaportage-1.0.tar.gz")}`);
      expect(asked).toContain(`/distfiles/${layoutPath("firmware-2.0.bin")}`);
      expect(upstreamFetches("viaportage-1.0.tar.gz")).toBe(1);
    } finally {
      await server.close();
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
