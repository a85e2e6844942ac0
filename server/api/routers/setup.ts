import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { isSetupToken } from "@/server/auth/setup-token";
import { createFirstAdmin, hasAdmin, setupDone } from "@/server/users";
import { InputError } from "@/server/errors";
import { publicProcedure, router } from "../trpc";

export const setupRouter = router({
  status: publicProcedure.query(async ({ ctx }) => ({ needsSetup: !(await setupDone(ctx.db)) })),

  createFirstAdmin: publicProcedure
    .input(
      z.object({
        username: z.string().trim().min(2, "Username is required").max(63),
        password: z.string().max(256),
        confirm: z.string().max(256),
        token: z.string().max(200),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      if (!(await hasAdmin(ctx.db)) && !isSetupToken(input.token))
        throw new TRPCError({ code: "FORBIDDEN", message: "Open the setup link printed on the console where Rookery was started" });
      if (input.password !== input.confirm) throw new InputError("confirm", "Passwords do not match");
      const user = await createFirstAdmin(ctx.db, input);
      // Once anyone exists, setup no longer exists either.
      if (!user) throw new TRPCError({ code: "NOT_FOUND", message: "Not found" });
      ctx.audit.targetType = "user";
      ctx.audit.targetId = user.username;
      return { username: user.username };
    }),
});
