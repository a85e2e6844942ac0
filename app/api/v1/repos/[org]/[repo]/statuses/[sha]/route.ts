import { getStatuses, postStatus } from "@/server/mergerequests/statuses-api";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ org: string; repo: string; sha: string }> };

export const POST = plainRoute(async (req: Request, { params }: Params) => {
  return postStatus(req, await params);
});

export const GET = plainRoute(async (req: Request, { params }: Params) => {
  return getStatuses(req, await params);
});
