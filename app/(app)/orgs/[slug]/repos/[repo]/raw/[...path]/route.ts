import { getSessionUser } from "@/server/auth/session";
import { handleRaw } from "@/server/git/downloads";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ slug: string; repo: string; path: string[] }> };

export async function GET(req: Request, { params }: Params) {
  return handleRaw(req, await params, getSessionUser);
}
