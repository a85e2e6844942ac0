CREATE TABLE "glsa_advisories" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"synopsis" text NOT NULL,
	"severity" text NOT NULL,
	"announced" text NOT NULL,
	"revised" text NOT NULL,
	"bugs" text[] DEFAULT '{}' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "glsa_matches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"glsa_id" text NOT NULL,
	"environment" text NOT NULL,
	"arch" text NOT NULL,
	"profile" text NOT NULL,
	"cpv" text NOT NULL,
	"slot" text NOT NULL,
	"publication_id" uuid NOT NULL,
	"fixed_by" text,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by_publication_id" uuid,
	CONSTRAINT "glsa_matches_key" UNIQUE("glsa_id","environment","arch","profile","cpv")
);
--> statement-breakpoint
CREATE TABLE "glsa_scans" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"trigger" text NOT NULL,
	"advisories" integer NOT NULL,
	"publications" integer NOT NULL,
	"open" integer NOT NULL,
	"new_matches" integer NOT NULL,
	"resolved" integer NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "glsa_matches_open_idx" ON "glsa_matches" USING btree ("resolved_at","first_seen_at");--> statement-breakpoint
CREATE INDEX "glsa_scans_finished_idx" ON "glsa_scans" USING btree ("finished_at");