CREATE TYPE "public"."housekeeping_status" AS ENUM('ok', 'failed');--> statement-breakpoint
CREATE TABLE "repo_housekeeping" (
	"repo_id" uuid PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"triggered_by" uuid,
	"status" "housekeeping_status" NOT NULL,
	"error" text,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"bytes_before" bigint NOT NULL,
	"bytes_after" bigint NOT NULL,
	"temporaries_removed" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "repo_housekeeping" ADD CONSTRAINT "repo_housekeeping_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repo_housekeeping" ADD CONSTRAINT "repo_housekeeping_triggered_by_users_id_fk" FOREIGN KEY ("triggered_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;