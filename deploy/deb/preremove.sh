#!/bin/sh
# deco .deb preremove: stop the node before its binary goes. The deco user,
# /etc/deco and /var/lib/deco (the node key!) stay: remove them by hand.
set -e
if [ -d /run/systemd/system ]; then
	systemctl stop deco.service >/dev/null 2>&1 || true
	if [ "$1" = remove ]; then
		systemctl disable deco.service >/dev/null 2>&1 || true
	fi
fi
exit 0
