CREATE TABLE "binhost_packages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"publication_id" uuid NOT NULL,
	"cpv" text NOT NULL,
	"slot" text NOT NULL,
	"build_id" integer NOT NULL,
	"path" text NOT NULL,
	"size" bigint NOT NULL,
	"sha1" text NOT NULL,
	CONSTRAINT "binhost_packages_pub_path" UNIQUE("publication_id","path")
);
--> statement-breakpoint
CREATE TABLE "binhost_publications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"environment" text NOT NULL,
	"arch" text NOT NULL,
	"profile" text NOT NULL,
	"dir" text NOT NULL,
	"package_count" integer NOT NULL,
	"bytes" bigint NOT NULL,
	"inherited" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"superseded_at" timestamp with time zone,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "farm_architectures" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"keyword" text NOT NULL,
	"chost" text NOT NULL,
	"cflags" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "farm_architectures_keyword_unique" UNIQUE("keyword")
);
--> statement-breakpoint
CREATE TABLE "farm_environments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"portage_branch" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "farm_environments_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "binhost_packages" ADD CONSTRAINT "binhost_packages_publication_id_binhost_publications_id_fk" FOREIGN KEY ("publication_id") REFERENCES "public"."binhost_publications"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "binhost_packages_cpv_idx" ON "binhost_packages" USING btree ("cpv");--> statement-breakpoint
CREATE INDEX "binhost_publications_target_idx" ON "binhost_publications" USING btree ("environment","arch","profile","created_at");