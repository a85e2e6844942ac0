CREATE TYPE "public"."tinderbox_status" AS ENUM('queued', 'running', 'up-to-date', 'opened', 'updated', 'failed');--> statement-breakpoint
CREATE TYPE "public"."tinderbox_trigger" AS ENUM('schedule', 'manual', 'cli');--> statement-breakpoint
CREATE TABLE "tinderbox_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"trigger" "tinderbox_trigger" NOT NULL,
	"triggered_by_id" uuid,
	"status" "tinderbox_status" DEFAULT 'queued' NOT NULL,
	"reason" text,
	"merge_request_id" uuid,
	"base_sha" text,
	"pushed_sha" text,
	"changes" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "tinderbox_runs" ADD CONSTRAINT "tinderbox_runs_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tinderbox_runs" ADD CONSTRAINT "tinderbox_runs_triggered_by_id_users_id_fk" FOREIGN KEY ("triggered_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tinderbox_runs" ADD CONSTRAINT "tinderbox_runs_merge_request_id_merge_requests_id_fk" FOREIGN KEY ("merge_request_id") REFERENCES "public"."merge_requests"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tinderbox_runs_org_created" ON "tinderbox_runs" USING btree ("org_id","created_at");