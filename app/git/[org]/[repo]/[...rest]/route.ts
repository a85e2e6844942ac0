import { handleGitHttp } from "@/server/git/smart-http";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ org: string; repo: string; rest: string[] }> };

async function handler(req: Request, { params }: Params) {
  return handleGitHttp(req, await params);
}

export { handler as GET, handler as POST };
