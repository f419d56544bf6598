#!/bin/sh
# Prints a Debian-valid package version made from `git describe`:
#   v1.2.3                  -> 1.2.3
#   v1.2.3-4-gabc1234       -> 1.2.3+4.gabc1234
#   abc1234 (no tag)        -> 0.0.0+<commits>.gabc1234
# and ".dirty" appended for a modified work tree. A Debian version must
# start with a digit and may not hold "-" outside the revision.
# Usage: deploy/deb-version.sh [DESCRIBE]   (default: git describe --tags --always --dirty)
set -eu
d="${1:-$(git describe --tags --always --dirty 2>/dev/null || echo unknown)}"
dirty=""
case "$d" in *-dirty) dirty=".dirty"; d="${d%-dirty}" ;; esac
if printf '%s\n' "$d" | grep -Eq '^v?[0-9]+(\.[0-9]+)*(-[0-9]+-g[0-9a-f]+)?$'; then
	d="${d#v}"
	case "$d" in
	*-g*) base="${d%%-*}"; rest="${d#*-}"; v="$base+${rest%%-*}.${rest#*-}" ;;
	*) v="$d" ;;
	esac
elif printf '%s\n' "$d" | grep -Eq '^[0-9a-f]+$'; then
	n="$(git rev-list --count HEAD 2>/dev/null || echo 0)"
	v="0.0.0+$n.g$d"
else
	v="0.0.0+$(printf '%s' "$d" | tr -c 'A-Za-z0-9.+~\n' '.')"
fi
printf '%s%s\n' "$v" "$dirty"
