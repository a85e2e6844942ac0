CREATE TYPE "public"."push_access" AS ENUM('nobody', 'leaders', 'developers');--> statement-breakpoint
CREATE TYPE "public"."repo_kind" AS ENUM('standard', 'module-mirror', 'pull-mirror');--> statement-breakpoint
CREATE TABLE "branch_protections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"repo_id" uuid NOT NULL,
	"pattern" text NOT NULL,
	"push_access" "push_access" DEFAULT 'nobody' NOT NULL,
	"allow_force_push" boolean DEFAULT false NOT NULL,
	"allow_deletion" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "branch_protections_repo_pattern" UNIQUE("repo_id","pattern")
);
--> statement-breakpoint
CREATE TABLE "repositories" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"default_branch" text DEFAULT 'develop' NOT NULL,
	"kind" "repo_kind" DEFAULT 'standard' NOT NULL,
	"upstream" text,
	"archived_at" timestamp with time zone,
	"pushed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "repositories_org_name" UNIQUE("org_id","name")
);
--> statement-breakpoint
ALTER TABLE "branch_protections" ADD CONSTRAINT "branch_protections_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repositories" ADD CONSTRAINT "repositories_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "repositories_upstream_idx" ON "repositories" USING btree ("upstream");