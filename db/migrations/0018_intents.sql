CREATE TYPE "public"."intent_state" AS ENUM('pending', 'done', 'rolled_back');--> statement-breakpoint
CREATE TABLE "intents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"repo_id" uuid NOT NULL,
	"updates" jsonb NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"state" "intent_state" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"after_work_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "intents" ADD CONSTRAINT "intents_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "intents_pending_subject" ON "intents" USING btree ("kind","subject_id") WHERE "intents"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "intents_state_idx" ON "intents" USING btree ("state","created_at");