CREATE TYPE "public"."commit_status_state" AS ENUM('pending', 'success', 'failed');--> statement-breakpoint
CREATE TYPE "public"."merge_method" AS ENUM('merge', 'ff', 'squash');--> statement-breakpoint
CREATE TYPE "public"."mr_mergeability" AS ENUM('checking', 'clean', 'conflicts', 'behind');--> statement-breakpoint
CREATE TYPE "public"."mr_state" AS ENUM('open', 'merged', 'closed');--> statement-breakpoint
CREATE TABLE "commit_statuses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"repo_id" uuid NOT NULL,
	"sha" text NOT NULL,
	"context" text NOT NULL,
	"state" "commit_status_state" NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"target_url" text,
	"creator_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "commit_statuses_repo_sha_context" UNIQUE("repo_id","sha","context")
);
--> statement-breakpoint
CREATE TABLE "merge_request_approvals" (
	"mr_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"head_sha" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "merge_request_approvals_mr_id_user_id_pk" PRIMARY KEY("mr_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "merge_request_comments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"mr_id" uuid NOT NULL,
	"author_id" uuid,
	"thread_id" uuid,
	"body" text NOT NULL,
	"path" text,
	"line" integer,
	"side" text,
	"commit_sha" text,
	"resolved" boolean DEFAULT false NOT NULL,
	"resolved_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "merge_request_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"mr_id" uuid NOT NULL,
	"actor_id" uuid,
	"kind" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "merge_request_reviewers" (
	"mr_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "merge_request_reviewers_mr_id_user_id_pk" PRIMARY KEY("mr_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "merge_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"repo_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"author_id" uuid,
	"assignee_id" uuid,
	"source_branch" text NOT NULL,
	"target_branch" text NOT NULL,
	"state" "mr_state" DEFAULT 'open' NOT NULL,
	"head_sha" text NOT NULL,
	"base_sha" text,
	"mergeability" "mr_mergeability" DEFAULT 'checking' NOT NULL,
	"conflict_files" text[] DEFAULT '{}' NOT NULL,
	"behind_by" integer DEFAULT 0 NOT NULL,
	"auto_merge" jsonb,
	"merged_at" timestamp with time zone,
	"merged_by_id" uuid,
	"merge_commit_sha" text,
	"merge_method" "merge_method",
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "merge_requests_repo_number" UNIQUE("repo_id","number")
);
--> statement-breakpoint
ALTER TABLE "branch_protections" ADD COLUMN "required_approvals" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "branch_protections" ADD COLUMN "authors_cannot_approve" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "branch_protections" ADD COLUMN "require_signoff" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "branch_protections" ADD COLUMN "required_contexts" text[] DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE "commit_statuses" ADD CONSTRAINT "commit_statuses_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "commit_statuses" ADD CONSTRAINT "commit_statuses_creator_id_users_id_fk" FOREIGN KEY ("creator_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_approvals" ADD CONSTRAINT "merge_request_approvals_mr_id_merge_requests_id_fk" FOREIGN KEY ("mr_id") REFERENCES "public"."merge_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_approvals" ADD CONSTRAINT "merge_request_approvals_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_comments" ADD CONSTRAINT "merge_request_comments_mr_id_merge_requests_id_fk" FOREIGN KEY ("mr_id") REFERENCES "public"."merge_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_comments" ADD CONSTRAINT "merge_request_comments_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_comments" ADD CONSTRAINT "merge_request_comments_resolved_by_id_users_id_fk" FOREIGN KEY ("resolved_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_events" ADD CONSTRAINT "merge_request_events_mr_id_merge_requests_id_fk" FOREIGN KEY ("mr_id") REFERENCES "public"."merge_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_events" ADD CONSTRAINT "merge_request_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_reviewers" ADD CONSTRAINT "merge_request_reviewers_mr_id_merge_requests_id_fk" FOREIGN KEY ("mr_id") REFERENCES "public"."merge_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_request_reviewers" ADD CONSTRAINT "merge_request_reviewers_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_requests" ADD CONSTRAINT "merge_requests_repo_id_repositories_id_fk" FOREIGN KEY ("repo_id") REFERENCES "public"."repositories"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_requests" ADD CONSTRAINT "merge_requests_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_requests" ADD CONSTRAINT "merge_requests_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "merge_requests" ADD CONSTRAINT "merge_requests_merged_by_id_users_id_fk" FOREIGN KEY ("merged_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "merge_request_comments_mr_idx" ON "merge_request_comments" USING btree ("mr_id","created_at");--> statement-breakpoint
CREATE INDEX "merge_request_events_mr_idx" ON "merge_request_events" USING btree ("mr_id","created_at");--> statement-breakpoint
CREATE INDEX "merge_request_reviewers_user_idx" ON "merge_request_reviewers" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "merge_requests_repo_state_idx" ON "merge_requests" USING btree ("repo_id","state","created_at");--> statement-breakpoint
CREATE INDEX "merge_requests_author_idx" ON "merge_requests" USING btree ("author_id","state");--> statement-breakpoint
CREATE INDEX "merge_requests_assignee_idx" ON "merge_requests" USING btree ("assignee_id","state");