import type { FileSet } from "@/server/git/plumbing/commit";

/** The overlay's repo_name: build profiles name its portage profiles `rookery:rookery/<arch>/<kind>`. */
export const OVERLAY_REPO_NAME = "rookery";
/** Where generated builds and the lint job check the overlay out. */
export const OVERLAY_LOCATION = "/var/db/repos/rookery";

/** Our portage profiles per architecture: base (on Gentoo's default profile), desktop and server on base. */
const ARCHES = [{ keyword: "amd64", gentooProfile: "default/linux/amd64/23.0" }];

const HOST_TOOLS = [
  "# Copyright 2026 Rookery",
  "# Distributed under the terms of the GNU General Public License v2",
  "",
  "EAPI=8",
  "",
  'DESCRIPTION="Small helpers every Rookery-built host carries"',
  'HOMEPAGE="https://rookery.invalid/overlay"',
  "",
  'LICENSE="GPL-2"',
  'SLOT="0"',
  'KEYWORDS="amd64"',
  "",
  'S="${WORKDIR}"',
  "",
  "src_install() {",
  "\tnewbin - rookery-host-info <<-'EOF'",
  "\t\t#!/bin/sh",
  "\t\t# What this host is: the environment and build profile it was installed from.",
  '\t\techo "rookery host $(hostname)"',
  "\t\tcat /etc/rookery-release 2>/dev/null || true",
  "\tEOF",
  "}",
  "",
].join("\n");

/**
 * The initial content of infrastructure/overlay: a valid portage repository (`rookery`, on
 * top of the gentoo tree) with our portage profiles and one package of our own. Its branches
 * development, staging and production follow the tree's.
 */
export function overlayTemplate(): FileSet {
  const files: FileSet = {
    "README.md": [
      "# Rookery overlay",
      "",
      "Our portage repository (`repo_name` rookery) on top of the Gentoo tree: our portage profiles",
      "and our own packages. Branches are environments like the tree's: `development`, `staging`,",
      "`production`; change them through merge requests. Every push is linted (layout, profile",
      "parents, make.defaults, and the ebuilds' metadata with real portage on a `gentoo` runner).",
      "",
      "A build profile uses an overlay profile with `portageProfile: rookery:rookery/amd64/server`.",
      "",
    ].join("\n"),
    "metadata/layout.conf": ["masters = gentoo", "thin-manifests = true", "sign-manifests = false", "profile-formats = portage-2", ""].join("\n"),
    "profiles/repo_name": `${OVERLAY_REPO_NAME}\n`,
    "profiles/categories": "app-admin\n",
    "profiles/profiles.desc":
      ARCHES.flatMap((a) => ["base", "desktop", "server"].map((k) => `${a.keyword} rookery/${a.keyword}/${k} stable`)).join("\n") + "\n",
    "app-admin/rookery-host-tools/rookery-host-tools-1.0.ebuild": HOST_TOOLS,
    "app-admin/rookery-host-tools/metadata.xml": '<?xml version="1.0" encoding="UTF-8"?>\n<pkgmetadata></pkgmetadata>\n',
  };
  for (const a of ARCHES) {
    const dir = `profiles/rookery/${a.keyword}`;
    Object.assign(files, {
      [`${dir}/base/eapi`]: "8\n",
      [`${dir}/base/parent`]: `gentoo:${a.gentooProfile}\n`,
      [`${dir}/base/make.defaults`]: ["# Every Rookery host", 'USE="ipv6 ssl -test"', ""].join("\n"),
      [`${dir}/desktop/eapi`]: "8\n",
      [`${dir}/desktop/parent`]: "../base\n",
      [`${dir}/desktop/make.defaults`]: ["# Workstations: a graphical session", 'USE="X alsa dbus gtk pulseaudio"', ""].join("\n"),
      [`${dir}/server/eapi`]: "8\n",
      [`${dir}/server/parent`]: "../base\n",
      [`${dir}/server/make.defaults`]: ["# Servers: no graphics, no sound", 'USE="-X -alsa -gtk -pulseaudio -qt5 -qt6"', ""].join("\n"),
    });
  }
  return files;
}
