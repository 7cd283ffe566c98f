#!/bin/bash
# packaging/deb.sh BUILD VERSION: make BUILD/skbtrail_VERSION_ARCH.deb from the tree that
# `make install prefix=/usr DESTDIR=BUILD/deb/debian/skbtrail` left (the GNUmakefile's `deb`
# target runs both), with Debian's own tools:
#   dpkg-architecture  ARCH
#   dpkg-shlibdeps     Depends, from the libraries the two binaries are linked with
#   dpkg-gencontrol    DEBIAN/control from packaging/control, the version and Installed-Size
#   dpkg-deb           the package, files owned by root
# Like debhelper it compresses man pages and the changelog and strips the binaries
# (DEB_BUILD_OPTIONS=nostrip keeps them).
set -euo pipefail
build=$1 version=$2
here=$(cd "$(dirname "$0")" && pwd)
stage=$build/deb
pkg=debian/skbtrail
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$build/skbtrail_${version}_$arch.deb
# file dates and the changelog's from the last commit: a rebuild gives the same bytes
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null ||
	date +%s)}
commit=$(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown)

[ -x "$stage/$pkg/usr/bin/skbtrail-record" ] || {
	echo "$0: run through 'make deb' (no staged install in $stage)" >&2; exit 2; }
rm -f "$build"/skbtrail_*.deb
cd "$stage"
cp "$here/control" debian/control
install -d -m 0755 "$pkg/DEBIAN"	# marks the package root for the dpkg tools
cat >debian/changelog <<EOT
skbtrail ($version) unstable; urgency=medium

  * Built by make deb from git $commit.

 -- $(sed -n 's/^Maintainer: //p' debian/control)  $(date -R -u -d "@$SOURCE_DATE_EPOCH")
EOT

doc=$pkg/usr/share/doc/skbtrail
install -m 0644 "$here/copyright" "$doc/copyright"
gzip -9nc debian/changelog >"$doc/changelog.gz"
gzip -9nf "$pkg"/usr/share/man/man1/*.1
if [[ " ${DEB_BUILD_OPTIONS:-} " != *" nostrip "* ]]; then
	strip --remove-section=.comment --remove-section=.note --strip-unneeded \
		"$pkg"/usr/bin/skbtrail-record "$pkg"/usr/bin/skbtrail-analyze
fi

dpkg-shlibdeps -Tdebian/skbtrail.substvars "$pkg"/usr/bin/skbtrail-record \
	"$pkg"/usr/bin/skbtrail-analyze
dpkg-gencontrol -pskbtrail -Tdebian/skbtrail.substvars -P"$pkg"
(cd "$pkg" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/md5sums"
find "$pkg" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
cd - >/dev/null
dpkg-deb --root-owner-group -Zxz --build "$stage/$pkg" "$deb" >/dev/null
echo "  DEB     $deb"
