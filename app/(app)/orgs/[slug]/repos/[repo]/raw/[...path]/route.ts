import { getSessionUser } from "@/server/auth/session";
import { handleRaw } from "@/server/git/downloads";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; repo: string; path: string[] }> };

export const GET = plainRoute(async (req: Request, { params }: Params) => {
  return handleRaw(req, await params, getSessionUser);
});
