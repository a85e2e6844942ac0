import { getSessionUser } from "@/server/auth/session";
import { downloadArtifact } from "@/server/runners/web";

export const dynamic = "force-dynamic";

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  return downloadArtifact((await params).id, getSessionUser);
}
