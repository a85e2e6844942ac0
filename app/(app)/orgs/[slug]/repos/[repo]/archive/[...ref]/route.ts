import { getSessionUser } from "@/server/auth/session";
import { handleArchive } from "@/server/git/downloads";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; repo: string; ref: string[] }> };

export const GET = plainRoute(async (req: Request, { params }: Params) => {
  return handleArchive(req, await params, getSessionUser);
});
