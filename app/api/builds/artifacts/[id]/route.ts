import { getSessionUser } from "@/server/auth/session";
import { downloadArtifact } from "@/server/runners/web";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";

export const GET = plainRoute(async (_req: Request, { params }: { params: Promise<{ id: string }> }) => {
  return downloadArtifact((await params).id, getSessionUser);
});
