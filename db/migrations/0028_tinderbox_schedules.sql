CREATE TABLE "tinderbox_schedules" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"schedule" text NOT NULL,
	"error" text,
	"checked_at" timestamp with time zone NOT NULL,
	"last_fired_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "tinderbox_schedules" ADD CONSTRAINT "tinderbox_schedules_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;