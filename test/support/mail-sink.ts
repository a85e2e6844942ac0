import fs from "node:fs";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { freePort } from "./ports";

export type MailSink = { url: string; dir: string; stop: () => Promise<void> };

/** A real SMTP listener on 127.0.0.1 that stores each message as DIR/<n>.eml. */
export async function startMailSink(dir: string): Promise<MailSink> {
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(",");
        fs.writeFileSync(path.join(dir, `${String(++n).padStart(4, "0")}.eml`), `X-Envelope-To: ${to}\r\n` + Buffer.concat(chunks).toString("utf8"));
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `smtp://127.0.0.1:${port}`,
    dir,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Messages received so far, oldest first. */
export function readMail(dir: string): { to: string; raw: string }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .sort()
    .map((f) => {
      const raw = fs.readFileSync(path.join(dir, f), "utf8");
      return { to: raw.match(/^X-Envelope-To: (.*)$/m)?.[1] ?? "", raw };
    });
}
