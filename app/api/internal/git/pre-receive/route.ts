import { preReceive } from "@/server/git/hook-api";
import { plainRoute } from "@/server/security/errors";

export const dynamic = "force-dynamic";
export const POST = plainRoute(preReceive);
