import { getSessionUser } from "@/server/auth/session";
import { streamJobLog } from "@/server/runners/web";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  return streamJobLog(req, (await params).id, getSessionUser);
}
