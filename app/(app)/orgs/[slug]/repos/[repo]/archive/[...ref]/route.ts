import { getSessionUser } from "@/server/auth/session";
import { handleArchive } from "@/server/git/downloads";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; repo: string; ref: string[] }> };

export async function GET(req: Request, { params }: Params) {
  return handleArchive(req, await params, getSessionUser);
}
