#!/usr/bin/env bash
# Creates a SoftHSM2 development token outside Mohur's state directory, for trying the
# `--hsm-module/--token-label` path of `mohur init` by hand.
#   HSM/init-dev-token.sh DIR [LABEL]
# Writes DIR/softhsm2.conf, DIR/tokens/, DIR/user-pin and DIR/so-pin (mode 0600) and prints
# the commands to use it. PINs are random and never printed.
set -euo pipefail
dir=${1:?usage: init-dev-token.sh DIR [LABEL]}
label=${2:-mohur-dev}
umask 077
mkdir -p "$dir/tokens"
dir=$(cd "$dir" && pwd)
cat > "$dir/softhsm2.conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
CONF
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/user-pin"
head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$dir/so-pin"
export SOFTHSM2_CONF="$dir/softhsm2.conf"
softhsm2-util --init-token --free --label "$label" --pin "$(cat "$dir/user-pin")" --so-pin "$(cat "$dir/so-pin")" >/dev/null
softhsm2-util --show-slots | grep -A3 "Label:.*$label" || true
cat <<USE
Token '$label' created. Use it with:
  export SOFTHSM2_CONF=$dir/softhsm2.conf
  mohur init --state STATE --hsm-module /usr/lib/softhsm/libsofthsm2.so --token-label $label --pin-file $dir/user-pin
Inspect it with:
  pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label $label --login --pin "$(cat $dir/user-pin)" -O
USE
