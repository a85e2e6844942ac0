import { getSessionUser } from "@/server/auth/session";
import { rawJobLog } from "@/server/runners/web";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  return rawJobLog((await params).id, getSessionUser);
}
