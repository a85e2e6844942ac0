import https from "node:https";
import { isIP } from "node:net";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebStream } from "node:stream/web";
import { getDb } from "@/db/client";
import type { Config } from "@/server/config";
import { certificates } from "@/db/schema";
import { chainPem } from "./ca";
import { issue } from "./certs";
import { handlePuppetCa, puppetCa } from "./puppet";
import { createCsr, describeKey, generateKey, publicKeyInfo, signerFromPem } from "./x509";

export type PuppetCaListener = { port: number; close: () => Promise<void> };

const WAIT_FOR_CA_MS = 5_000;

/**
 * For the start and workers scripts: never fatal (a busy port is logged). Without an active
 * puppet sub-CA yet it checks again every few seconds and starts once an admin has made one.
 */
export async function startPuppetCa(config: Config, log: (line: string) => void): Promise<{ close: () => Promise<void> }> {
  let listener: PuppetCaListener | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let toldWaiting = false;
  const attempt = async (): Promise<void> => {
    try {
      listener = await startPuppetCaListener({ port: config.puppetCa.port, host: config.host, dnsNames: config.puppetCa.dnsNames }, log);
    } catch (e) {
      log(`Puppet CA listener not started: ${e instanceof Error ? e.message : e}`);
      return;
    }
    if (closed) await listener?.close();
    else if (!listener) {
      // said once, not every few seconds
      if (!toldWaiting) log("Puppet CA listener waits: there is no active `puppet` sub-CA yet (Admin → PKI); it starts once there is one");
      toldWaiting = true;
      timer = setTimeout(() => void attempt(), WAIT_FOR_CA_MS).unref();
    }
  };
  await attempt();
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await listener?.close();
    },
  };
}

/**
 * The Puppet CA API on its own HTTPS port, as puppetserver serves it: stock agents only speak
 * TLS at the root path and check the server certificate (issued here by the puppet sub-CA,
 * with `dnsNames` as SANs) against the bundle they downloaded first. Null while there is no
 * active puppet sub-CA.
 */
export async function startPuppetCaListener(
  opts: { port: number; host: string; dnsNames: string[] },
  log: (line: string) => void,
): Promise<PuppetCaListener | null> {
  const db = getDb();
  const ca = await puppetCa(db);
  if (!ca?.certPem) return null;
  // A fresh key and certificate per start; the key lives only in this process.
  const key = generateKey({ type: "rsa", bits: 2048 });
  const csr = await createCsr({ subject: `CN=${opts.dnsNames[0]}`, signer: await signerFromPem(key.privateKeyPem) });
  const sans = opts.dnsNames.map((n) => ({ type: isIP(n) ? ("ip" as const) : ("dns" as const), value: n }));
  const cert = await db.transaction(async (tx) => {
    const [row] = await tx
      .insert(certificates)
      .values({
        caId: ca.id,
        state: "pending",
        csrPem: csr.toString("pem") + "\n",
        subjectDn: `CN=${opts.dnsNames[0]}`,
        commonName: opts.dnsNames[0],
        sans,
        keyDescription: describeKey(publicKeyInfo(csr.publicKey.rawData)),
        validityDays: 397,
      })
      .returning();
    return issue(tx, row, null);
  });
  const chain = await chainPem(db, ca);
  const server = https.createServer({ key: key.privateKeyPem, cert: cert.certPem! + chain }, async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `https://${req.headers.host ?? "localhost"}`);
      const parts = url.pathname.split("/").filter(Boolean);
      if (parts[0] !== "puppet-ca" || parts[1] !== "v1") {
        res.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
        return;
      }
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: hasBody ? (Readable.toWeb(req) as unknown as ReadableStream) : undefined,
        // @ts-expect-error Node's fetch needs this for streamed request bodies
        duplex: "half",
      });
      const response = await handlePuppetCa(request, parts.slice(2));
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      if (response.body) Readable.fromWeb(response.body as unknown as NodeWebStream).pipe(res);
      else res.end();
    } catch (e) {
      log(`puppet-ca: ${e instanceof Error ? e.message : e}`);
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  log(`Puppet CA API on https://${opts.dnsNames[0]}:${port}/puppet-ca/v1 (certificate for ${opts.dnsNames.join(", ")})`);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether something answers the Puppet CA API on this port of this host (any certificate accepted: a readiness probe). */
export function puppetCaAnswers(port: number, host = "127.0.0.1", timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get({ host, port, path: "/puppet-ca/v1/certificate/ca", rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(false));
  });
}

/**
 * After a puppet sub-CA appears (pki:dev-bootstrap), the running portal starts its listener
 * within WAIT_FOR_CA_MS: wait for it, so the first agent request does not fail. What to tell the operator.
 */
export async function waitForPuppetCa(config: Config, portalUp: () => Promise<boolean>, timeoutMs = WAIT_FOR_CA_MS * 3): Promise<string> {
  const where = `https://${config.puppetCa.dnsNames[0]}:${config.puppetCa.port}/puppet-ca/v1`;
  if (!config.puppetCa.port) return "The Puppet CA listener is off (PUPPET_CA_PORT=0); agents can use the portal's /puppet-ca/v1.";
  if (!(await portalUp())) return `Start the portal: its Puppet CA API comes up at ${where}.`;
  for (const until = Date.now() + timeoutMs; Date.now() < until; await new Promise((r) => setTimeout(r, 500)))
    if (await puppetCaAnswers(config.puppetCa.port)) return `Puppet CA API answering at ${where}.`;
  return `The portal has not started its Puppet CA API at ${where} yet: check its log.`;
}
