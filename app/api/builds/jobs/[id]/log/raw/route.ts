import { getSessionUser } from "@/server/auth/session";
import { rawJobLog } from "@/server/runners/web";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

export const GET = plainRoute(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  return rawJobLog((await params).id, getSessionUser);
});
