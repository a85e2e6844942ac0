import Link from "next/link";
import { api, orNotFound } from "@/server/api/server";
import { ArchitecturesEditor, EnvironmentsEditor } from "@/components/farm/catalog-editor";
import { SigningKeys } from "@/components/farm/signing-keys";
import { getConfig } from "@/server/config";
import { Breadcrumbs, PageHeader } from "@/components/ui";

export const metadata = { title: "Build farm · Admin area" };

export default async function AdminFarmPage() {
  const caller = await api();
  const { architectures: archs, environments: envs } = await orNotFound(caller.farm.adminCatalog());
  const keys = await caller.farm.signingKeys();
  return (
    <>
      <Breadcrumbs items={[{ label: "Admin area", href: "/admin" }, { label: "Build farm" }]} />
      <PageHeader
        title="Build farm"
        description={
          <>
            Architectures and environments the farm builds for. Build profiles and stacks are files in{" "}
            <Link className="text-brand-600 underline" href="/orgs/infrastructure/repos/build-profiles">
              infrastructure/build-profiles
            </Link>{" "}
            (see{" "}
            <Link className="text-brand-600 underline" href="/farm">
              Build profiles
            </Link>
            ); its branches map to environments: <code>develop</code> → development, <code>release/*</code> and <code>hotfix/*</code> → staging,{" "}
            <code>master</code> → production. Environments build against branches of the{" "}
            <Link className="text-brand-600 underline" href="/admin/farm/tree">
              portage tree
            </Link>{" "}
            (sync, promote, cherry-pick).
          </>
        }
      />
      <p className="mb-8 text-sm">
        <Link className="text-brand-600 underline" href="/admin/farm/distfiles">
          Distfiles
        </Link>
        : the source tarballs mirrored for builds and hosts (size, hit rate, retention).{" "}
        <Link className="text-brand-600 underline" href="/admin/farm/security">
          Security advisories
        </Link>
        : Gentoo&apos;s GLSAs that affect published packages, with the fixing version.{" "}
        <Link className="text-brand-600 underline" href="/admin/farm/stages">
          Stages
        </Link>
        : stage3 tarballs assembled from the binhosts, signed and published for installers.
      </p>
      <section aria-labelledby="archs-heading" className="mb-10">
        <h2 id="archs-heading" className="mb-2 text-lg font-semibold">
          Architectures
        </h2>
        <ArchitecturesEditor rows={archs.map((a) => ({ id: a.id, keyword: a.keyword, chost: a.chost, cflags: a.cflags, description: a.description }))} />
      </section>
      <section aria-labelledby="envs-heading">
        <h2 id="envs-heading" className="mb-2 text-lg font-semibold">
          Environments
        </h2>
        <EnvironmentsEditor rows={envs.map((e) => ({ id: e.id, name: e.name, portageBranch: e.portageBranch, description: e.description }))} />
      </section>
      <section aria-labelledby="keys-heading" className="mt-10">
        <h2 id="keys-heading" className="mb-2 text-lg font-semibold">
          Package signing keys
        </h2>
        <p className="mb-3 text-sm text-gray-600 dark:text-gray-400">
          Rookery signs every package it publishes for an environment with that environment&apos;s OpenPGP key (GLEP 78: a signed Manifest and a signature per
          archive), so hosts with <code>FEATURES=&quot;binpkg-request-signature&quot;</code> accept only packages from this farm. Keys stay in Rookery,
          encrypted; build hosts never see them.
        </p>
        <SigningKeys
          baseUrl={`${getConfig().publicUrl}/packages`}
          rows={envs.map((e) => {
            const k = keys.find((x) => x.environment === e.name);
            return {
              environment: e.name,
              key:
                k ?
                  {
                    fingerprint: k.fingerprint,
                    userId: k.userId,
                    algorithm: k.algorithm,
                    publicKey: k.publicKey,
                    source: k.source,
                    createdAt: k.createdAt.toISOString(),
                  }
                : null,
            };
          })}
        />
      </section>
    </>
  );
}
