-- Names that differ only in case are one name from now on. Existing pairs stop the upgrade
-- with the list, so an administrator can rename one of each pair first (nothing is changed).
DO $$
DECLARE clashes text;
BEGIN
  SELECT string_agg(x, '; ') INTO clashes FROM (
    SELECT 'repositories ' || string_agg(o.slug || '/' || r.name, ', ') AS x
      FROM repositories r JOIN organizations o ON o.id = r.org_id GROUP BY r.org_id, lower(r.name) HAVING count(*) > 1
    UNION ALL
    SELECT 'branch protections ' || string_agg(o.slug || '/' || r.name || ':' || b.pattern, ', ')
      FROM branch_protections b JOIN repositories r ON r.id = b.repo_id JOIN organizations o ON o.id = r.org_id
      GROUP BY b.repo_id, lower(b.pattern) HAVING count(*) > 1
    UNION ALL
    SELECT 'users ' || username FROM users WHERE username <> lower(username)
    UNION ALL
    SELECT 'organizations ' || slug FROM organizations WHERE slug <> lower(slug)
  ) found;
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'Names that differ only in case (or are not lowercase) must be renamed before this upgrade: %', clashes;
  END IF;
END $$;--> statement-breakpoint
ALTER TABLE "branch_protections" DROP CONSTRAINT "branch_protections_repo_pattern";--> statement-breakpoint
ALTER TABLE "repositories" DROP CONSTRAINT "repositories_org_name";--> statement-breakpoint
CREATE UNIQUE INDEX "branch_protections_repo_lower_pattern" ON "branch_protections" USING btree ("repo_id",lower("pattern"));--> statement-breakpoint
CREATE UNIQUE INDEX "repositories_org_lower_name" ON "repositories" USING btree ("org_id",lower("name"));--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_username_lowercase" CHECK ("users"."username" = lower("users"."username"));--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_slug_lowercase" CHECK ("organizations"."slug" = lower("organizations"."slug"));