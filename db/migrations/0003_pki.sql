CREATE TYPE "public"."ca_level" AS ENUM('root', 'intermediate', 'sub');--> statement-breakpoint
CREATE TYPE "public"."ca_status" AS ENUM('pending', 'active');--> statement-breakpoint
CREATE TYPE "public"."cert_state" AS ENUM('pending', 'issued', 'rejected', 'revoked');--> statement-breakpoint
CREATE TABLE "certificate_authorities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"level" "ca_level" NOT NULL,
	"status" "ca_status" NOT NULL,
	"parent_id" uuid,
	"subject_dn" text NOT NULL,
	"cert_pem" text,
	"csr_pem" text,
	"key_encrypted" text,
	"serial" text,
	"name_hash" text,
	"key_hash" text,
	"not_before" timestamp with time zone,
	"not_after" timestamp with time zone,
	"policy" jsonb,
	"crl_pem" text,
	"crl_number" integer DEFAULT 0 NOT NULL,
	"crl_this_update" timestamp with time zone,
	"crl_next_update" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "certificate_authorities_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "certificates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ca_id" uuid NOT NULL,
	"org_id" uuid,
	"requested_by" uuid,
	"state" "cert_state" NOT NULL,
	"csr_pem" text NOT NULL,
	"subject_dn" text NOT NULL,
	"common_name" text NOT NULL,
	"sans" jsonb NOT NULL,
	"key_description" text NOT NULL,
	"validity_days" integer NOT NULL,
	"renewal_of" uuid,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"reject_reason" text,
	"serial" text,
	"cert_pem" text,
	"not_before" timestamp with time zone,
	"not_after" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revocation_reason" text,
	"ocsp_response" text,
	"ocsp_next_update" timestamp with time zone,
	"expiry_warned_days" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "certificates_serial_unique" UNIQUE("serial")
);
--> statement-breakpoint
CREATE TABLE "puppet_autosign_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"certname" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_by" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "puppet_autosign_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_ca_id_certificate_authorities_id_fk" FOREIGN KEY ("ca_id") REFERENCES "public"."certificate_authorities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_requested_by_users_id_fk" FOREIGN KEY ("requested_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates" ADD CONSTRAINT "certificates_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "puppet_autosign_tokens" ADD CONSTRAINT "puppet_autosign_tokens_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "certificates_org_idx" ON "certificates" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "certificates_ca_state_idx" ON "certificates" USING btree ("ca_id","state");--> statement-breakpoint
CREATE INDEX "puppet_autosign_certname_idx" ON "puppet_autosign_tokens" USING btree ("certname");