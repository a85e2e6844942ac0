import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

/**
 * A small but real Gentoo repository for the tests: profiles a build profile can name
 * (`default/linux/amd64/23.0`), ebuilds with a dependency, a USE flag and distfiles with
 * Manifests, built by real portage with the host's gcc. Deterministic: the same bytes each run.
 */

export const TEST_PORTAGE_PROFILE = "default/linux/amd64/23.0";

const ebuildHeader = (description: string) => [
  "# Copyright 2026 Rookery test tree",
  "# Distributed under the terms of the GNU General Public License v2",
  "",
  "EAPI=8",
  "",
  `DESCRIPTION="${description}"`,
  'HOMEPAGE="https://rookery.invalid/test-tree"',
];

/** Sources of the test packages, as they would sit upstream: name → files in the tarball's top directory. */
const sources: Record<string, Record<string, string>> = {
  "libgreet-1.0": {
    "greet.h": '#define GREETING_QUIET "hello from rookery"\n#define GREETING_LOUD "HELLO FROM ROOKERY"\n',
    Makefile: "install:\n\tinstall -D -m 0644 greet.h $(DESTDIR)/usr/include/greet.h\n",
  },
  "hello-1.0": {
    "hello.c": [
      "#include <stdio.h>",
      "#include <greet.h>",
      "#ifdef LOUD",
      "#define GREETING GREETING_LOUD",
      "#else",
      "#define GREETING GREETING_QUIET",
      "#endif",
      "int main(void) { puts(GREETING); return 0; }",
      "",
    ].join("\n"),
    Makefile: "hello: hello.c\n\t$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ hello.c\n",
  },
};

const ebuilds: Record<string, string[]> = {
  "dev-libs/libgreet/libgreet-1.0.ebuild": [
    ...ebuildHeader("The greeting every Rookery test program prints"),
    'SRC_URI="https://upstream.rookery.invalid/${P}.tar.gz"',
    "",
    'LICENSE="MIT"',
    'SLOT="0"',
    'KEYWORDS="amd64"',
    "",
    "src_compile() { :; }",
    "",
  ],
  "app-misc/hello/hello-1.0.ebuild": [
    ...ebuildHeader("Prints the greeting, quietly or loudly"),
    'SRC_URI="https://upstream.rookery.invalid/${P}.tar.gz"',
    "",
    'LICENSE="MIT"',
    'SLOT="0"',
    'KEYWORDS="amd64"',
    'IUSE="loud"',
    "",
    'DEPEND="dev-libs/libgreet"',
    'RDEPEND="${DEPEND}"',
    "",
    "src_compile() {",
    '\temake CC="${CC:-gcc}" CPPFLAGS="-I${ESYSROOT}/usr/include $(usex loud -DLOUD "")"',
    "}",
    "",
    "src_install() {",
    "\tdobin hello",
    "}",
    "",
  ],
  // fails to compile, as a real package sometimes does: the farm must name it and publish nothing
  "app-misc/broken/broken-1.0.ebuild": [
    ...ebuildHeader("Does not build"),
    "",
    'LICENSE="MIT"',
    'SLOT="0"',
    'KEYWORDS="amd64"',
    "",
    'S="${WORKDIR}"',
    "",
    "src_compile() {",
    '\techo "broken.c:1:1: error: expected declaration" >&2',
    '\tdie "compilation failed"',
    "}",
    "",
  ],
  "app-admin/greeter/greeter-1.0.ebuild": [
    ...ebuildHeader("Greets each login: the application profile's own package"),
    "",
    'LICENSE="MIT"',
    'SLOT="0"',
    'KEYWORDS="amd64"',
    "",
    'RDEPEND="app-misc/hello"',
    "",
    'S="${WORKDIR}"',
    "",
    "src_install() {",
    "\tnewbin - greeter <<-'EOF'",
    "\t\t#!/bin/sh",
    '\t\techo "greeter says: $(hello)"',
    "\tEOF",
    "}",
    "",
  ],
};

/** The distfiles of the test tree: deterministic tar.gz of each package's sources. */
export function testDistfiles(): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-distfiles-"));
  try {
    for (const [p, files] of Object.entries(sources)) {
      for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.join(work, p), { recursive: true });
        fs.writeFileSync(path.join(work, p, name), content);
      }
      const tar = execFileSync("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", work, "-cf", "-", p]);
      out[`${p}.tar.gz`] = execFileSync("gzip", ["-9n"], { input: tar });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return out;
}

export function distLine(name: string, data: Buffer) {
  const h = (alg: string) => crypto.createHash(alg).update(data).digest("hex");
  return `DIST ${name} ${data.length} BLAKE2B ${h("blake2b512")} SHA512 ${h("sha512")}\n`;
}

/** Every file of the test repository (path → content), ready for a commit. */
export function testTreeFiles(distfiles = testDistfiles()): Record<string, string> {
  const files: Record<string, string> = {
    "metadata/layout.conf": ["masters =", "thin-manifests = true", "sign-manifests = false", "profile-formats = portage-2", "cache-formats =", ""].join("\n"),
    "profiles/repo_name": "gentoo\n",
    "profiles/categories": "app-admin\napp-misc\ndev-libs\n",
    "profiles/arch.list": "amd64\n",
    "profiles/profiles.desc": `amd64 ${TEST_PORTAGE_PROFILE} stable\n`,
    "profiles/use.desc": "",
    "profiles/base/eapi": "8\n",
    "profiles/base/make.defaults": [
      'USE_EXPAND="PYTHON_TARGETS PYTHON_SINGLE_TARGET"',
      'USE_EXPAND_HIDDEN="ARCH ELIBC KERNEL USERLAND"',
      'USE_EXPAND_IMPLICIT="ARCH ELIBC KERNEL USERLAND"',
      'USE_EXPAND_UNPREFIXED="ARCH"',
      'USE_EXPAND_VALUES_ARCH="amd64"',
      'USE_EXPAND_VALUES_ELIBC="glibc"',
      'USE_EXPAND_VALUES_KERNEL="linux"',
      'USE_EXPAND_VALUES_USERLAND="GNU"',
      'ELIBC="glibc"',
      'KERNEL="linux"',
      'USERLAND="GNU"',
      "",
    ].join("\n"),
    [`profiles/${TEST_PORTAGE_PROFILE}/eapi`]: "8\n",
    [`profiles/${TEST_PORTAGE_PROFILE}/parent`]: "../../../../base\n",
    [`profiles/${TEST_PORTAGE_PROFILE}/make.defaults`]: ['ARCH="amd64"', 'ACCEPT_KEYWORDS="amd64"', 'CHOST="x86_64-pc-linux-gnu"', ""].join("\n"),
    "licenses/MIT": "MIT License (the test tree's packages)\n",
  };
  for (const [file, lines] of Object.entries(ebuilds)) {
    files[file] = lines.join("\n");
    const [category, pn] = file.split("/");
    files[`${category}/${pn}/metadata.xml`] = '<?xml version="1.0" encoding="UTF-8"?>\n<pkgmetadata></pkgmetadata>\n';
  }
  for (const [name, data] of Object.entries(distfiles)) {
    const pn = name.replace(/-[0-9.]+\.tar\.gz$/, "");
    const ebuild = Object.keys(ebuilds).find((e) => e.split("/")[1] === pn)!;
    const manifest = path.posix.join(path.posix.dirname(ebuild), "Manifest");
    files[manifest] = (files[manifest] ?? "") + distLine(name, data);
  }
  return files;
}

export type TestUpstream = {
  /** the tree as git over "dumb" HTTP (static files), branch `stable` like Gentoo's git mirror */
  treeUrl: string;
  /** a distfiles mirror holding the test tree's sources, as GENTOO_MIRRORS names one (files under /distfiles/, flat) */
  mirrorUrl: string;
  /** file names fetched from the distfiles mirror, in order */
  fetches: string[];
  close(): Promise<void>;
};

/**
 * Gentoo's side of the world for tests and the e2e portal: a git repository of the test tree
 * and a distfiles mirror, served over HTTP on 127.0.0.1 by a plain static file server.
 */
export async function startTestUpstream(dir: string, distfiles = testDistfiles()): Promise<TestUpstream> {
  const bare = path.join(dir, "gentoo.git");
  // plain git, not our plumbing: the test harness starts this before any portal configuration exists
  const checkout = path.join(dir, "checkout");
  for (const [file, content] of Object.entries(testTreeFiles(distfiles))) {
    fs.mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
    fs.writeFileSync(path.join(checkout, file), content);
  }
  const git = (args: string[], cwd = checkout) =>
    execFileSync("git", ["-c", "user.name=Gentoo Dev", "-c", "user.email=dev@gentoo.invalid", ...args], { cwd, stdio: "ignore" });
  git(["init", "--quiet", "--initial-branch=stable"]);
  git(["add", "-A"]);
  git(["commit", "--quiet", "-m", "The test tree"]);
  git(["clone", "--quiet", "--bare", checkout, bare], dir);
  git(["update-server-info"], bare);
  fs.rmSync(checkout, { recursive: true, force: true });
  const fetches: string[] = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url ?? "/", "http://upstream").pathname);
    if (url.startsWith("/distfiles/")) {
      const name = url.slice("/distfiles/".length);
      fetches.push(name);
      const data = distfiles[name];
      return data ? res.writeHead(200, { "content-length": data.length }).end(data) : res.writeHead(404).end();
    }
    const file = path.join(dir, path.normalize(url));
    if (!file.startsWith(bare + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return res.writeHead(404).end();
    res.writeHead(200);
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    treeUrl: `${base}/gentoo.git`,
    mirrorUrl: base,
    fetches,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/**
 * A new commit on the test upstream's `stable`, as upstream's own developers would make it
 * (plain git: a clone, a commit, a push, then update-server-info for the dumb-HTTP readers).
 * `dir` is the directory given to startTestUpstream. Returns the commit id.
 */
export function commitToTestUpstream(dir: string, files: Record<string, string>, message: string): string {
  const bare = path.join(dir, "gentoo.git");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "rookery-upstream-"));
  const git = (args: string[], cwd = work) =>
    execFileSync("git", ["-c", "user.name=Gentoo Dev", "-c", "user.email=dev@gentoo.invalid", ...args], { cwd, encoding: "utf8" }).trim();
  try {
    git(["clone", "--quiet", "--branch", "stable", bare, work], dir);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      fs.writeFileSync(path.join(work, file), content);
    }
    git(["add", "-A"]);
    git(["commit", "--quiet", "-m", message]);
    git(["push", "--quiet", "origin", "stable"]);
    git(["update-server-info"], bare);
    return git(["rev-parse", "HEAD"]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Takes the test upstream's tree off the web (its URL answers 404) or puts it back. */
export function setTestUpstreamOnline(dir: string, online: boolean) {
  const [from, to] = online ? ["gentoo.git.offline", "gentoo.git"] : ["gentoo.git", "gentoo.git.offline"];
  if (fs.existsSync(path.join(dir, from))) fs.renameSync(path.join(dir, from), path.join(dir, to));
}
