import { handleRunnerApi } from "@/server/runners/http";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path: string[] }> };

async function handler(req: Request, { params }: Params) {
  return handleRunnerApi(req, (await params).path);
}

const route = plainRoute(handler);
export { route as GET, route as POST, route as PUT };
