## Write the portage configuration
mkdir -p '/var/tmp/rookery/catalyst/stage4-rails-stack'
printf '%s' '<base64>' | base64 -d > '/var/tmp/rookery/catalyst/stage4-rails-stack/stage4.spec'
mkdir -p '/var/tmp/rookery/catalyst/stage4-rails-stack'
printf '%s' '<base64>' | base64 -d > '/var/tmp/rookery/catalyst/stage4-rails-stack/fsscript.sh'
mkdir -p '/var/tmp/rookery/catalyst/stage4-rails-stack/portage/package.use'
printf '%s' '<base64>' | base64 -d > '/var/tmp/rookery/catalyst/stage4-rails-stack/portage/package.use/rookery'
mkdir -p '/var/tmp/rookery/catalyst/stage4-rails-stack/portage/package.accept_keywords'
printf '%s' '<base64>' | base64 -d > '/var/tmp/rookery/catalyst/stage4-rails-stack/portage/package.accept_keywords/rookery'
## snapshot
repo=$(python3 -c 'import tomllib;c=tomllib.load(open("/etc/catalyst/catalyst.toml","rb"));print(c.get("repo_basedir","/var/db/repos")+"/"+c.get("repo_name","gentoo"))' 2>/dev/null || echo /var/db/repos/gentoo)
[ -d "$repo" ] || git init --quiet --bare "$repo"
git -C "$repo" -c credential.helper= -c 'credential.helper=!f() { test "$1" = get || return 0; echo username=ci-job; echo "password=$ROOKERY_JOB_TOKEN"; }; f' fetch --quiet 'https://rookery.example.com/git/infrastructure/gentoo.git' 0123456789abcdef0123456789abcdef01234567
catalyst --snapshot 0123456789abcdef0123456789abcdef01234567
## fsscript
chmod 0755 /var/tmp/rookery/catalyst/stage4-rails-stack/fsscript.sh
## catalyst
catalyst --file /var/tmp/rookery/catalyst/stage4-rails-stack/stage4.spec
## collect
mkdir -p artifacts/stage
cp /var/tmp/catalyst/builds/production/stage4-amd64-rails-stack-20261207T231500Z.tar.xz artifacts/stage/stage4-amd64-rails-stack-20261207T231500Z.tar.xz
cd artifacts/stage
{ echo '# BLAKE2B HASH'; b2sum stage4-amd64-rails-stack-20261207T231500Z.tar.xz; echo '# SHA512 HASH'; sha512sum stage4-amd64-rails-stack-20261207T231500Z.tar.xz; } > stage4-amd64-rails-stack-20261207T231500Z.tar.xz.DIGESTS
cat stage4-amd64-rails-stack-20261207T231500Z.tar.xz.DIGESTS
## Collect packages and logs
ws="$PWD"