ALTER TABLE "build_jobs" ADD COLUMN "job_token_hash" text;--> statement-breakpoint
ALTER TABLE "build_jobs" ADD CONSTRAINT "build_jobs_job_token_hash" UNIQUE("job_token_hash");