#!/usr/bin/env bash
# Discovery benchmark on a loopback-only test bed in a private network namespace.
#
# The namespace's only interface is its own `lo`; one snmpd bound to 0.0.0.0:161 inside it answers
# for every 127.x address, and nftables rules make some addresses silent (every packet dropped)
# or alive without SNMP (UDP/161 dropped). No packet leaves the namespace.
#
#   population  addresses                 answers SNMP
#   A           127.1.0.1-127.1.0.254     all
#   B           127.1.1.1-127.1.1.254     1 in 4 (last octet = 1 mod 4), the rest silent
#   C           127.2.0.0/20 (4,096)      all
#   D           127.3.0.0/20 (4,096)      1 in 4, the rest silent
#   E           127.4.0.1-127.4.0.254     1 in 4, the rest answer ping but drop UDP/161
#   F           127.6.0.0/16 (65,536)     1 in 4, the rest silent
#
# Usage (root; needs iproute2, nftables, snmpd, snmp; --perl: fusioninventory-agent-task-network):
#   benches/testbed.sh [--perl] [--rate PPS] [POPULATION...]   (THREADS=N sets --threads;
#   SONDE_ARGS="..." adds options to sonde's command line, e.g. "--probes snmp")
# Prints one line per run: population, tool, wall seconds, peak memory, devices found / with SNMP.
# One snmpd answers for every address here: `--rate 60000` (the README's advice for such beds)
# keeps its 208 KiB receive buffer from overflowing in the opening burst.
# --perl also runs FusionInventory's fusioninventory-netdiscovery (when installed) on A, B and E.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NS=sonde-bench-$$
RUN=$(mktemp -d)
PERL=0
RATE=()
POPS=()
while [ $# -gt 0 ]; do
    case $1 in
        --perl) PERL=1 ;;
        --rate) RATE=(--rate "$2"); shift ;;
        *) POPS+=("$1") ;;
    esac
    shift
done
[ ${#POPS[@]} -gt 0 ] || POPS=(A B C D E F)

cleanup() {
    [ -s "$RUN/snmpd.pid" ] && kill "$(cat "$RUN/snmpd.pid")" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$RUN"
}
trap cleanup EXIT

ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" nft -f - <<'NFT'
table inet bench {
  chain input {
    type filter hook input priority 0; policy accept;
    ip daddr 127.1.1.0/24 ip daddr & 0.0.0.3 != 0.0.0.1 drop
    ip daddr 127.3.0.0/20 ip daddr & 0.0.0.3 != 0.0.0.1 drop
    ip daddr 127.4.0.0/24 ip daddr & 0.0.0.3 != 0.0.0.1 udp dport 161 drop
    ip daddr 127.6.0.0/16 ip daddr & 0.0.0.3 != 0.0.0.1 drop
  }
}
NFT
cat >"$RUN/snmpd.conf" <<'CONF'
agentAddress udp:0.0.0.0:161
rocommunity public default
sysLocation sonde loopback test bed
sysContact bench@example.invalid
CONF
ip netns exec "$NS" env MIBS= /usr/sbin/snmpd -C -c "$RUN/snmpd.conf" -Lf "$RUN/snmpd.log" \
    -p "$RUN/snmpd.pid" -I -smux,mteTrigger,mteTriggerConf
for _ in $(seq 50); do
    ip netns exec "$NS" snmpget -v2c -c public -t 0.2 -r 0 127.1.0.5 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1 && break
    sleep 0.1
done

range_of() {
    case $1 in
        A) echo "127.1.0.1 127.1.0.254" ;; B) echo "127.1.1.1 127.1.1.254" ;;
        C) echo "127.2.0.0 127.2.15.255" ;; D) echo "127.3.0.0 127.3.15.255" ;;
        E) echo "127.4.0.1 127.4.0.254" ;; F) echo "127.6.0.0 127.6.255.255" ;;
    esac
}

SONDE=${SONDE:-target/release/sonde}
[ -x "$SONDE" ] || cargo build --release -q
printf '%-3s %-22s %9s %10s %8s %6s\n' pop tool wall_s peak_MB found snmp
measure() { # pop tool outfile command...
    local pop=$1 tool=$2 out=$3; shift 3
    local t
    t=$(mktemp)
    ip netns exec "$NS" /usr/bin/time -f '%e %M %U %S' -o "$t" timeout 900 "$@" >"$out" 2>/dev/null || true
    local wall mem
    read -r wall mem usr sys <"$t"
    rm -f "$t"
    local found snmp
    found=$(grep -c '<DEVICE>\|"IP"' "$out" || true)
    snmp=$(grep -c 'AUTHSNMP' "$out" || true)
    printf '%-3s %-22s %9s %10.1f %8s %6s  cpu %s+%s s\n' "$pop" "$tool" "$wall" "$(awk -v m="$mem" 'BEGIN{print m/1024}')" "$found" "$snmp" "$usr" "$sys"
}
for pop in "${POPS[@]}"; do
    read -r first last <<<"$(range_of "$pop")"
    measure "$pop" "sonde" "$RUN/out" "$SONDE" netdiscovery ${THREADS:+--threads $THREADS} --first "$first" --last "$last" \
        --credentials version:2c,community:public --timeout 1 "${RATE[@]}" ${SONDE_ARGS:-} --format json
    if [ "$PERL" = 1 ] && command -v fusioninventory-netdiscovery >/dev/null && [[ $pop =~ ^[ABE]$ ]]; then
        measure "$pop" "perl (16 threads)" "$RUN/out" fusioninventory-netdiscovery --first "$first" \
            --last "$last" --community public --timeout 1 --threads 16
    fi
done
