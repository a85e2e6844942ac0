import { getStatuses, postStatus } from "@/server/mergerequests/statuses-api";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ org: string; repo: string; sha: string }> };

export async function POST(req: Request, { params }: Params) {
  return postStatus(req, await params);
}

export async function GET(req: Request, { params }: Params) {
  return getStatuses(req, await params);
}
