CREATE TYPE "public"."tree_sync_outcome" AS ENUM('created', 'fast-forward', 'merge', 'up-to-date', 'conflict', 'error');--> statement-breakpoint
CREATE TABLE "portage_tree_syncs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trigger" text NOT NULL,
	"triggered_by" uuid,
	"upstream_url" text NOT NULL,
	"outcome" "tree_sync_outcome" NOT NULL,
	"upstream_sha" text,
	"development_before" text,
	"development_after" text,
	"error" text,
	"conflicts" text[] DEFAULT '{}' NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "portage_tree_syncs" ADD CONSTRAINT "portage_tree_syncs_triggered_by_users_id_fk" FOREIGN KEY ("triggered_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "portage_tree_syncs_finished_idx" ON "portage_tree_syncs" USING btree ("finished_at");