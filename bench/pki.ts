/**
 * `npm run bench:pki`: the PKI's performance targets, measured for real, side by side.
 *
 *   1. signing: 200 CSRs (EC P-256, made by openssl) requested and issued end to end
 *      through the domain code (policy checks, signing, OCSP pre-signing, audit rows):
 *      p50 (target < 30 ms);
 *   2. OCSP: the production portal (2 web processes) answering POSTed requests for issued
 *      certificates: the most it serves to 32 keep-alive clients in 10 s (target ≥ 2,000/s),
 *      and p99 with requests arriving at 2,000/s on schedule, open loop (target < 20 ms); side by side `openssl ocsp -index … -port -multi 2`
 *      answering the same certificates with the same clients. OpenSSL 3.0's responder can
 *      only listen on all interfaces, so it runs with its load generator in a private
 *      network namespace (bwrap --unshare-net) that has nothing but a loopback device;
 *      The same clients then send requests carrying a nonce to a sub-CA that answers them
 *      freshly signed (the per-sub-CA RFC 8954 option): the price of that option;
 *   3. a CRL with 100,000 revoked entries generated and signed (target < 5 s).
 * Writes bench/results/pki-<date>.json and pki-latest.md. Not part of `npm test`.
 */
import { execFileSync, spawn } from "node:child_process";
import { KeyObject, randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { closeDb, getDb } from "@/db/client";
import { certificateAuthorities, certificates } from "@/db/schema";
import { loadConfig } from "@/server/config";
import { createOrg } from "@/server/orgs";
import { caSigner, getCa, regenerateCrl } from "@/server/pki/ca";
import { createRequest, issue } from "@/server/pki/certs";
import { devBootstrap } from "@/server/pki/offline";
import { runMigrations } from "@/server/runtime/database";
import { startPortal } from "@/test/support/portal";
import { createDatabase, dropDatabase, testPostgres } from "@/test/support/postgres";
import { buildPortal, finishBench, stats, type Stats } from "./lib";

const distDir = ".next-pkibench";
const SIGN = 200;
const CRL_ENTRIES = Number(process.env.BENCH_CRL_ENTRIES ?? 100_000);
const CLIENTS = 32;
const SECONDS = 10;
const targets = { signP50Ms: 30, ocspRps: 2000, ocspP99Ms: 20, crlMs: 5000 };
const log = (line: string) => console.error(`[bench:pki] ${line}`);
const cleanups: (() => Promise<unknown>)[] = [];

function openssl(args: string[], cwd: string) {
  return execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 30 });
}

/** `CLIENTS` loops POSTing OCSP requests (round robin) for `SECONDS`: latencies and responses/s. */
async function hammer(url: string, requests: Buffer[]): Promise<{ rps: number; latency: Stats; errors: number }> {
  const samples: number[] = [];
  let errors = 0;
  let n = 0;
  const until = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        if (!(await ask(url, requests[n++ % requests.length]))) errors++;
        samples.push(performance.now() - t);
      }
    }),
  );
  return { rps: Math.round(samples.length / ((performance.now() - t0) / 1000)), latency: stats(samples), errors };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

/** One POST over node:http with keep-alive (lighter than fetch: the client shares the 2 cores). */
function ask(url: string, body: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/ocsp-request", "content-length": body.length } }, (res) => {
      let size = 0;
      res.on("data", (c: Buffer) => (size += c.length));
      res.on("end", () => resolve(res.statusCode === 200 && size >= 100));
      res.on("error", () => resolve(false));
    });
    req.on("error", () => resolve(false));
    req.end(body);
  });
}

/**
 * Open loop at `rate` requests/s for `SECONDS`: each request starts on its schedule whether or
 * not earlier ones finished, and its latency counts from that scheduled moment (so a stall
 * shows up in the latencies instead of lowering the load).
 */
async function atRate(url: string, requests: Buffer[], rate: number): Promise<{ rps: number; latency: Stats; errors: number }> {
  const samples: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const total = rate * SECONDS;
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total;) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    for (; i < Math.min(due, total); i++) {
      const scheduled = t0 + (i / rate) * 1000;
      inFlight.push(
        ask(url, requests[i % requests.length]).then((ok) => {
          if (!ok) errors++;
          samples.push(performance.now() - scheduled);
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inFlight);
  return { rps: Math.round(samples.length / ((performance.now() - t0) / 1000)), latency: stats(samples), errors };
}

const OPENSSL_CHILD = "--openssl-ocsp-child";
const OPENSSL_PORT = 8888;

/**
 * Runs inside `bwrap --unshare-net` (a network namespace with only loopback): starts
 * `openssl ocsp` as responder on the sub-CA's index, waits for it, hammers it with the
 * requests in `dir/q*.der` and prints the result as JSON.
 */
async function opensslChild(dir: string) {
  const responder = spawn(
    "openssl",
    ["ocsp", "-index", "index.txt", "-port", String(OPENSSL_PORT), "-rsigner", "ca.pem", "-rkey", "ca.key", "-CA", "ca.pem", "-nmin", "60", "-multi", "2"],
    { cwd: dir, stdio: "ignore" },
  );
  try {
    const url = `http://127.0.0.1:${OPENSSL_PORT}/`;
    for (let i = 0; ; i++) {
      const ok = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/ocsp-request" },
        body: fs.readFileSync(path.join(dir, "q0.der")),
      }).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 100) throw new Error("openssl ocsp did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const requests = fs
      .readdirSync(dir)
      .filter((f) => /^q\d+\.der$/.test(f))
      .map((f) => fs.readFileSync(path.join(dir, f)));
    await hammer(url, requests.slice(0, 20));
    console.log(JSON.stringify(await hammer(url, requests)));
  } finally {
    responder.kill();
  }
}

/** openssl's index.txt for issued certificates: V, expiry, (no revocation), serial, file, subject. */
function opensslIndex(certs: { serial: string; notAfter: Date; subject: string }[]) {
  const date = (d: Date) => d.toISOString().slice(2, 19).replace(/[-T:]/g, "") + "Z";
  return certs.map((c) => ["V", date(c.notAfter), "", c.serial.toUpperCase(), "unknown", c.subject].join("\t")).join("\n") + "\n";
}

async function main() {
  const started = new Date();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-pkibench-"));
  fs.chmodSync(tmp, 0o755);
  cleanups.push(async () => fs.rmSync(tmp, { recursive: true, force: true }));
  const pg = await testPostgres();
  cleanups.push(pg.stop);
  const db0 = await createDatabase(pg.adminUrl, "rookery_pkibench");
  cleanups.unshift(() => dropDatabase(pg.adminUrl, db0.name));
  await runMigrations(db0.url);
  // the sub-CA keys are encrypted with it; the portal started below inherits it
  Object.assign(process.env, { DATABASE_URL: db0.url, ROOKERY_DATA_DIR: path.join(tmp, "data"), ROOKERY_ENCRYPTION_KEY: randomBytes(32).toString("hex") });
  loadConfig();
  const db = getDb();
  const org = await createOrg(db, { name: "Bench", slug: "bench", source: "local", members: [] });
  await devBootstrap(db, { outDir: path.join(tmp, "offline"), base: "dc=example,dc=ch", orgName: "Bench" });
  const ca = (await getCa(db, { name: "client" }))!;

  // 1. signing end to end
  log(`making ${SIGN} CSRs with openssl`);
  const csrs = Array.from({ length: SIGN }, (_, i) => {
    const cn = `dev${i}.bench.example.com`;
    openssl(
      [
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        `k${i}.pem`,
        "-subj",
        `/CN=${cn}`,
        "-addext",
        `subjectAltName=DNS:${cn}`,
        "-out",
        `r${i}.csr`,
      ],
      tmp,
    );
    return fs.readFileSync(path.join(tmp, `r${i}.csr`), "utf8");
  });
  const signMs: number[] = [];
  const serials: string[] = [];
  const issued: { serial: string; notAfter: Date; subject: string }[] = [];
  for (const csrPem of csrs) {
    const t = performance.now();
    const req = await createRequest(db, {
      ca,
      org: { id: org.id, slug: org.slug },
      user: { id: null as unknown as string, email: null },
      csrPem,
      validityDays: 90,
    });
    const cert = req.state === "issued" ? req : await issue(db, req, null);
    signMs.push(performance.now() - t);
    serials.push(cert.serial!);
    issued.push({ serial: cert.serial!, notAfter: cert.notAfter!, subject: "/CN=" + cert.commonName });
  }
  const sign = stats(signMs);
  log(`signing: p50 ${sign.p50} ms, p95 ${sign.p95} ms`);

  // 2. OCSP requests for those certificates, made once by openssl
  fs.writeFileSync(path.join(tmp, "ca.pem"), ca.certPem!);
  const requests = serials.map((s, i) => {
    openssl(["ocsp", "-issuer", "ca.pem", "-serial", `0x${s}`, "-no_nonce", "-reqout", `q${i}.der`], tmp);
    return fs.readFileSync(path.join(tmp, `q${i}.der`));
  });
  // The same with a nonce each (openssl's default), for a sub-CA that answers them freshly signed (RFC 8954).
  const noncedRequests = serials.map((s, i) => {
    openssl(["ocsp", "-issuer", "ca.pem", "-serial", `0x${s}`, "-reqout", `n${i}.der`], tmp);
    return fs.readFileSync(path.join(tmp, `n${i}.der`));
  });
  await db
    .update(certificateAuthorities)
    .set({ policy: { ...ca.policy!, ocspNonce: true } })
    .where(eq(certificateAuthorities.id, ca.id));

  buildPortal(distDir, path.join(tmp, "build.log"), log);
  await closeDb();
  const portal = await startPortal(
    {
      NEXT_DIST_DIR: distDir,
      ROOKERY_DATA_DIR: path.join(tmp, "data"),
      DATABASE_URL: db0.url,
      ROOKERY_INPROCESS_WORKERS: "false",
      PUPPET_CA_PORT: "0",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    { logFile: path.join(tmp, "portal.log") },
  );
  cleanups.unshift(portal.stop);
  // What the clients get is a real answer: openssl reads one for the first certificate.
  const sample = openssl(
    ["ocsp", "-issuer", "ca.pem", "-serial", `0x${serials[0]}`, "-url", `${portal.url}/pki/ocsp`, "-noverify", "-no_nonce"],
    tmp,
  ).toString();
  if (!sample.includes(": good")) throw new Error(`unexpected OCSP answer: ${sample}`);
  await hammer(`${portal.url}/pki/ocsp`, requests.slice(0, 20)); // warm-up
  log("OCSP against the portal");
  const rookery = await hammer(`${portal.url}/pki/ocsp`, requests);
  log(`portal: ${rookery.rps}/s, p99 ${rookery.latency.p99} ms, errors ${rookery.errors}`);
  const steady = await atRate(`${portal.url}/pki/ocsp`, requests, targets.ocspRps);
  log(`portal at ${targets.ocspRps}/s: p99 ${steady.latency.p99} ms, errors ${steady.errors}`);
  const nonced = await hammer(`${portal.url}/pki/ocsp`, noncedRequests);
  log(`portal, nonce requests signed freshly: ${nonced.rps}/s, p99 ${nonced.latency.p99} ms, errors ${nonced.errors}`);
  await portal.stop();

  log("OCSP against openssl ocsp -multi 2 (in a private network namespace)");
  fs.writeFileSync(path.join(tmp, "index.txt"), opensslIndex(issued));
  fs.writeFileSync(path.join(tmp, "ca.key"), KeyObject.from((await caSigner(ca)).privateKey).export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const child = execFileSync(
    "bwrap",
    ["--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--", process.execPath, "--import", "tsx", import.meta.filename, OPENSSL_CHILD, tmp],
    {
      cwd: path.resolve(import.meta.dirname, ".."),
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const opensslOcsp = JSON.parse(child.toString().trim().split("\n").pop()!) as Awaited<ReturnType<typeof hammer>>;
  log(`openssl: ${opensslOcsp.rps}/s, p99 ${opensslOcsp.latency.p99} ms, errors ${opensslOcsp.errors}`);

  // 3. a CRL of 100,000 entries
  await getDb().execute(
    sql`insert into ${certificates} (ca_id, org_id, state, csr_pem, subject_dn, common_name, sans, key_description, validity_days, serial, revoked_at, revocation_reason)
        select ${ca.id}::uuid, ${org.id}::uuid, 'revoked', '', 'CN=x', 'x', '[]'::jsonb, 'ec', 90, md5(random()::text || g::text), now(), 'superseded'
        from generate_series(1, ${CRL_ENTRIES}) g`,
  );
  const [{ revoked }] = await getDb()
    .select({ revoked: sql<number>`count(*)::int` })
    .from(certificates)
    .where(eq(certificates.state, "revoked"));
  const t = performance.now();
  const withCrl = await regenerateCrl(getDb(), (await getCa(getDb(), { id: ca.id }))!);
  const crlMs = Math.round(performance.now() - t);
  fs.writeFileSync(path.join(tmp, "big.crl"), withCrl.crlPem!);
  const entries = openssl(["crl", "-in", "big.crl", "-noout", "-text"], tmp).toString().split("Serial Number:").length - 1;
  log(`CRL of ${entries} entries (${revoked} revoked rows) in ${crlMs} ms`);
  await closeDb();

  const file = `pki-${started.toISOString().replace(/:/g, "-").replace(/\..*/, "")}.json`;
  return {
    file,
    date: started.toISOString(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}`,
    load: os.loadavg()[0],
    sign,
    ocsp: { rookery, steady, nonced, openssl: opensslOcsp, clients: CLIENTS, seconds: SECONDS, certificates: serials.length },
    crl: { entries, ms: crlMs },
    targets: [
      { name: "Signing a CSR end to end, p50", measured: `${sign.p50} ms`, limit: `${targets.signP50Ms} ms`, pass: sign.p50 < targets.signP50Ms },
      {
        name: "OCSP responses/s (portal, 2 web processes)",
        measured: `${rookery.rps}/s`,
        limit: `≥ ${targets.ocspRps}/s`,
        pass: rookery.rps >= targets.ocspRps,
      },
      {
        name: `OCSP p99 (portal) at ${targets.ocspRps}/s`,
        measured: `${steady.latency.p99} ms`,
        limit: `${targets.ocspP99Ms} ms`,
        pass: steady.latency.p99 < targets.ocspP99Ms && steady.errors === 0,
      },
      {
        name: `CRL with ${CRL_ENTRIES.toLocaleString("en")} entries`,
        measured: `${crlMs} ms`,
        limit: `${targets.crlMs} ms`,
        pass: crlMs < targets.crlMs && entries === CRL_ENTRIES,
      },
    ],
  };
}

type Results = Awaited<ReturnType<typeof main>>;

function markdown(r: Results) {
  const ok = (pass: boolean) => (pass ? "yes" : "**NO**");
  const row = (name: string, s: { rps: number; latency: Stats; errors: number }) =>
    `| ${name} | ${s.rps} | ${s.latency.p50} | ${s.latency.p95} | ${s.latency.p99} | ${s.errors} |`;
  return [
    `# PKI benchmark ${r.date}`,
    "",
    `${r.machine}; load average (1 min) at the end: ${r.load.toFixed(2)}.`,
    "",
    "| Target | Measured | Limit | Met |",
    "|---|---|---|---|",
    ...r.targets.map((t) => `| ${t.name} | ${t.measured} | ${t.limit} | ${ok(t.pass)} |`),
    "",
    `Signing (${r.sign.count} CSRs, request → issued, sequential): p50 ${r.sign.p50} ms, p95 ${r.sign.p95} ms, max ${r.sign.max} ms.`,
    "",
    `OCSP: ${r.ocsp.clients} keep-alive clients POSTing requests for ${r.ocsp.certificates} certificates for ${r.ocsp.seconds} s as fast as answered, then requests started on schedule at ${targets.ocspRps}/s (latency from the scheduled moment); the clients run on the same 2 cores.`,
    "",
    "| Responder | responses/s | p50 ms | p95 ms | p99 ms | errors |",
    "|---|---|---|---|---|---|",
    row("Rookery portal `/pki/ocsp`", r.ocsp.rookery),
    row(`Rookery portal, open loop at ${targets.ocspRps}/s`, r.ocsp.steady),
    row("Rookery portal, requests with a nonce, answered freshly signed (sub-CA option, RFC 8954)", r.ocsp.nonced),
    row("`openssl ocsp -index -port -multi 2`", r.ocsp.openssl),
    "",
    `CRL: ${r.crl.entries} entries signed in ${r.crl.ms} ms (openssl counted the entries).`,
    "",
  ].join("\n");
}

async function cleanup() {
  for (const c of cleanups) await c().catch(() => {});
}

if (process.argv[2] === OPENSSL_CHILD)
  opensslChild(process.argv[3]).then(
    () => process.exit(0),
    (e) => {
      log(`openssl child failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
else finishBench(main(), { latest: "pki-latest.md", markdown, cleanup, log });
