import { getSessionUser } from "@/server/auth/session";
import { streamJobLog } from "@/server/runners/web";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

export const GET = plainRoute(async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  return streamJobLog(req, (await params).id, getSessionUser);
});
