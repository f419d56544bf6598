#!/bin/sh
# deco .deb postinstall: the deco system user (a member of the docker group
# when Docker is installed: that membership is root-equivalent, see
# docs/providers.md), the keystore passphrase for systemd credentials, and
# a systemd reload. The service is not enabled or started here: onboard the
# machine first (docs/providers.md).
set -e

if ! getent passwd deco >/dev/null; then
	adduser --system --group --home /var/lib/deco \
		--gecos "deco node" deco >/dev/null
fi
if getent group docker >/dev/null; then
	adduser deco docker >/dev/null
fi

install -d -m 0755 -o root -g root /etc/deco
# The passphrase that encrypts the node key, handed to the service with
# LoadCredential=: made once, readable by root only, kept on upgrades.
if [ ! -e /etc/deco/passphrase ]; then
	umask 077
	tr -dc 'A-Za-z0-9' </dev/urandom | head -c 43 >/etc/deco/passphrase
	chmod 0600 /etc/deco/passphrase
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
fi
exit 0
