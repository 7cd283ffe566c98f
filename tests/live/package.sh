#!/bin/bash
# The Debian package: `make deb`, install it with apt-get, run both programs from /usr/bin
# (the analyzer on a bundled sample against its golden report, the recorder for a second when
# tracefs allows), check man pages, completion, docs, Depends and md5sums, then purge it and
# check nothing is left.  Root only; skipped when skbtrail is already on the system (not ours
# to replace).  The package never stays installed: the EXIT trap purges it.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$SKBT_ROOT" || exit 1

if [ "$(id -u)" != 0 ]; then
	skip "package: not root"
	exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
	skip "package: no apt-get/dpkg"
	exit 0
fi
status=$(dpkg-query -W -f='${db:Status-Status}' skbtrail 2>/dev/null)
if [ -n "$status" ] && [ "$status" != not-installed ]; then
	skip "package: skbtrail is already $status here"
	exit 0
fi
for f in /usr/bin/skbtrail-record /usr/bin/skbtrail-analyze; do
	if [ -e "$f" ]; then
		skip "package: $f exists (not from the package)"
		exit 0
	fi
done

TMP=$(mktemp -d /tmp/skbt-pkg.XXXXXX)
ours=
apt() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -qq "$@"; }
cleanup() {
	[ -n "$ours" ] && apt purge skbtrail >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# the plain build's package, whatever make (or SAN=) runs this test
out=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory SAN= deb 2>&1)
deb=$(sed -n 's/^  DEB *//p' <<<"$out")
version=$(sed -n 's/^#define SKBT_VERSION "\(.*\)"$/\1/p' include/skbtrail/common.h)
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
	not_ok "make deb: no package"
	sed 's/^/# /' <<<"$out"
	exit 1
fi
check_eq "make deb: the name has the version and the architecture" \
	"build/skbtrail_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).deb" "$deb"

ours=1
if ! apt install "$SKBT_ROOT/$deb" >"$TMP/install.log" 2>&1; then
	not_ok "apt-get install $deb"
	tail -20 "$TMP/install.log" | sed 's/^/# /'
	exit 1
fi
check_eq "installed" "install ok installed" "$(dpkg-query -W -f='${Status}' skbtrail)"
check_eq "package version" "$version" "$(dpkg-query -W -f='${Version}' skbtrail)"
depends=$(dpkg-query -W -f='${Depends}' skbtrail)
echo "# Depends: $depends"
for lib in libc6 libtracefs1 libtraceevent1 libpcap0.8 libjson-c5 libzstd1; do
	check "Depends names $lib" grep -q "\(^\|, \)$lib\( \|,\|$\)" <<<"$depends"
done
check "dpkg --verify: files as packaged" bash -c '[ -z "$(dpkg --verify skbtrail)" ]'

for p in skbtrail-record skbtrail-analyze; do
	check_eq "/usr/bin/$p --version" "$p $version" "$(/usr/bin/$p --version | head -1)"
	check "man page $p.1.gz names version $version" \
		bash -c 'zcat "$1" | grep -q "^\.TH .*\"skbtrail $2\""' _ \
		/usr/share/man/man1/$p.1.gz "$version"
	check "bash completion for $p" test -r /usr/share/bash-completion/completions/$p
done
check_eq "/usr/bin/skbtrail-analyze samples/ovs-vm-fastpath.dat: the golden report" "" \
	"$(/usr/bin/skbtrail-analyze --top 3 samples/ovs-vm-fastpath.dat 2>&1 |
		diff - tests/golden/expected/ovs-vm-fastpath.out | head -5)"
check_eq "installed completion: skbtrail-analyze --stage b<TAB>" "backlog" "$(env -i \
	PATH=/usr/bin:/bin bash -c '. /usr/share/bash-completion/completions/skbtrail-analyze
		COMP_LINE="skbtrail-analyze --stage b" COMP_POINT=26
		_skbtrail skbtrail-analyze; echo "${COMPREPLY[*]}"')"
for f in copyright changelog.gz README.md stages.md report-schema.json; do
	check "doc $f" test -s /usr/share/doc/skbtrail/$f
done
if why=$(live_possible); then
	/usr/bin/skbtrail-record -o "$TMP/t.dat" -d 1 >"$TMP/rec.log" 2>&1
	check_eq "/usr/bin/skbtrail-record -d 1: exit status" 0 "$?"
	/usr/bin/skbtrail-analyze -q --json "$TMP/t.json" "$TMP/t.dat" >"$TMP/an.log" 2>&1
	check_eq "/usr/bin/skbtrail-analyze reads what it recorded: exit status" 0 "$?"
else
	skip "/usr/bin/skbtrail-record: $why"
fi

apt purge skbtrail >"$TMP/purge.log" 2>&1
check_eq "apt-get purge: exit status" 0 "$?"
status=$(dpkg-query -W -f='${db:Status-Status}' skbtrail 2>/dev/null)
check "purged (dpkg status: ${status:-none})" test -z "$status" -o "$status" = not-installed
[ -z "$status" ] || [ "$status" = not-installed ] && ours=
left=$(ls -d /usr/bin/skbtrail-* /usr/share/man/man1/skbtrail-* \
	/usr/share/bash-completion/completions/skbtrail-* /usr/share/doc/skbtrail 2>/dev/null)
check_eq "nothing left after purge" "" "$left"
