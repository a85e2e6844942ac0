CREATE TABLE "distfile_stats" (
	"day" date PRIMARY KEY NOT NULL,
	"hits" integer DEFAULT 0 NOT NULL,
	"fetches" integer DEFAULT 0 NOT NULL,
	"refused" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "distfiles" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"filename" text NOT NULL,
	"org_id" uuid,
	"size" bigint NOT NULL,
	"blake2b" text NOT NULL,
	"sha512" text NOT NULL,
	"source" text NOT NULL,
	"uploaded_by" uuid,
	"hits" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "distfiles" ADD CONSTRAINT "distfiles_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "distfiles" ADD CONSTRAINT "distfiles_uploaded_by_users_id_fk" FOREIGN KEY ("uploaded_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "distfiles_public_filename_idx" ON "distfiles" USING btree ("filename") WHERE "distfiles"."org_id" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "distfiles_org_filename_idx" ON "distfiles" USING btree ("org_id","filename") WHERE "distfiles"."org_id" is not null;--> statement-breakpoint
CREATE INDEX "distfiles_blake2b_idx" ON "distfiles" USING btree ("blake2b");--> statement-breakpoint
CREATE INDEX "distfiles_last_used_idx" ON "distfiles" USING btree ("last_used_at");