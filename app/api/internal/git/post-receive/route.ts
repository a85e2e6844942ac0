import { postReceive } from "@/server/git/hook-api";

export const dynamic = "force-dynamic";
export const POST = postReceive;
