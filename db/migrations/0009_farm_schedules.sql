CREATE TABLE "farm_schedules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"environment" text NOT NULL,
	"arch" text NOT NULL,
	"target" text NOT NULL,
	"is_stack" boolean DEFAULT false NOT NULL,
	"variant" text DEFAULT 'incremental' NOT NULL,
	"trigger" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_run_at" timestamp with time zone,
	"last_pipeline_id" uuid,
	"last_error" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
