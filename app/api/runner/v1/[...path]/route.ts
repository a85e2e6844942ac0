import { handleRunnerApi } from "@/server/runners/http";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };

async function handler(req: Request, { params }: Params) {
  return handleRunnerApi(req, (await params).path);
}

export { handler as GET, handler as POST, handler as PUT };
