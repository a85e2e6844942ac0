import { handleGitHttp } from "@/server/git/smart-http";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ org: string; repo: string; rest: string[] }> };

async function handler(req: Request, { params }: Params) {
  return handleGitHttp(req, await params);
}

const route = plainRoute(handler);
export { route as GET, route as POST };
