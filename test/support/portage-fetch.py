"""Fetches distfiles with portage's own fetch() (lib/portage/package/ebuild/fetch.py), run from a
portage source tree: argv = <portage src> <scratch root> <GENTOO_MIRRORS> <local mirror or ""> <json files>.
Each file: {name, size, BLAKE2B, SHA512, restricted}. Prints {"name": true|false, ...} as JSON."""
import json
import os
import sys

src, root, mirror, local, spec = sys.argv[1:6]
sys.path.insert(0, os.path.join(src, "lib"))
for d in ("etc/portage", "profile", "distdir", "tmp", "repo/metadata", "repo/profiles"):
    os.makedirs(os.path.join(root, d), exist_ok=True)
with open(os.path.join(root, "repo/profiles/repo_name"), "w") as f:
    f.write("gentoo\n")
with open(os.path.join(root, "repo/metadata/layout.conf"), "w") as f:
    f.write("masters =\n")
if not os.path.exists(os.path.join(root, "etc/portage/make.profile")):
    os.symlink(os.path.join(root, "profile"), os.path.join(root, "etc/portage/make.profile"))
with open(os.path.join(root, "etc/portage/make.conf"), "w") as f:
    f.write(f'DISTDIR="{root}/distdir"\nPORTAGE_TMPDIR="{root}/tmp"\nGENTOO_MIRRORS="{mirror}"\n')
    f.write('FEATURES="-sandbox -usersandbox -userfetch -userpriv -distlocks"\n')
if local:
    with open(os.path.join(root, "etc/portage/mirrors"), "w") as f:
        f.write(f"local {local}\n")
os.environ["PORTAGE_REPOSITORIES"] = f"[DEFAULT]\nmain-repo = gentoo\n[gentoo]\nlocation = {root}/repo\n"

import portage  # noqa: E402
from portage.package.ebuild.fetch import fetch  # noqa: E402

settings = portage.config(config_root=root, target_root=root)
results = {}
for f in json.loads(spec):
    settings["PORTAGE_RESTRICT"] = "fetch" if f["restricted"] else ""
    digests = {f["name"]: {"size": f["size"], "BLAKE2B": f["BLAKE2B"], "SHA512": f["SHA512"]}}
    results[f["name"]] = bool(fetch({f["name"]: []}, settings, digests=digests, allow_missing_digests=False))
print(json.dumps(results))
