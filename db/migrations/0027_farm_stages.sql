CREATE TABLE "farm_stages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"environment" text NOT NULL,
	"arch" text NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"stamp" text NOT NULL,
	"file_name" text NOT NULL,
	"bytes" bigint NOT NULL,
	"sha512" text NOT NULL,
	"blake2b" text NOT NULL,
	"signing_key" text,
	"job_id" uuid,
	"tree_commit" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "farm_stages_file_unique" UNIQUE("environment","arch","name","file_name")
);
--> statement-breakpoint
CREATE INDEX "farm_stages_target_idx" ON "farm_stages" USING btree ("environment","arch","name","kind","created_at");