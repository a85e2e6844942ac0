CREATE TABLE "gpg_signing_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"environment_id" uuid NOT NULL,
	"fingerprint" text NOT NULL,
	"user_id" text NOT NULL,
	"algorithm" text NOT NULL,
	"public_key" text NOT NULL,
	"secret_key_encrypted" text NOT NULL,
	"passphrase_encrypted" text,
	"source" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gpg_signing_keys_environment_id_unique" UNIQUE("environment_id")
);
--> statement-breakpoint
ALTER TABLE "binhost_packages" ADD COLUMN "source_sha1" text;--> statement-breakpoint
ALTER TABLE "binhost_publications" ADD COLUMN "signing_key" text;--> statement-breakpoint
ALTER TABLE "gpg_signing_keys" ADD CONSTRAINT "gpg_signing_keys_environment_id_farm_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."farm_environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gpg_signing_keys" ADD CONSTRAINT "gpg_signing_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;