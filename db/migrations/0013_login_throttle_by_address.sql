-- Failures are counted per user name and source address (rows from before count as address '').
ALTER TABLE "login_throttle" ADD COLUMN "address" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "login_throttle" DROP CONSTRAINT "login_throttle_pkey";--> statement-breakpoint
ALTER TABLE "login_throttle" ADD CONSTRAINT "login_throttle_username_address_pk" PRIMARY KEY("username","address");
