CREATE TABLE "binhost_tags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"environment" text NOT NULL,
	"arch" text NOT NULL,
	"profile" text NOT NULL,
	"name" text NOT NULL,
	"publication_id" uuid NOT NULL,
	"created_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "binhost_tags_target_name" UNIQUE("environment","arch","profile","name")
);
--> statement-breakpoint
ALTER TABLE "binhost_publications" ADD COLUMN "number" integer;--> statement-breakpoint
UPDATE "binhost_publications" p SET "number" = n.rn FROM (SELECT "id", row_number() OVER (PARTITION BY "environment", "arch", "profile" ORDER BY "created_at", "id") AS rn FROM "binhost_publications") n WHERE n."id" = p."id";--> statement-breakpoint
ALTER TABLE "binhost_publications" ALTER COLUMN "number" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "binhost_publications" ADD COLUMN "notes" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "binhost_publications" ADD COLUMN "job_id" uuid;--> statement-breakpoint
ALTER TABLE "binhost_tags" ADD CONSTRAINT "binhost_tags_publication_id_binhost_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."binhost_publications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "binhost_tags" ADD CONSTRAINT "binhost_tags_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "binhost_tags_publication_idx" ON "binhost_tags" USING btree ("publication_id");--> statement-breakpoint
ALTER TABLE "binhost_publications" ADD CONSTRAINT "binhost_publications_job_id_build_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."build_jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "binhost_publications" ADD CONSTRAINT "binhost_publications_target_number" UNIQUE("environment","arch","profile","number");