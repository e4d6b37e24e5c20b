#!/usr/bin/env bash
# Memory of the managed daemon (issue: idle under 10 MB resident; after a 10,000-address
# discovery job, back within 10 % of the idle figure), in the private network namespace of
# benches/lib/daemon-bed.sh (fake GLPI server, snmpd, 3 silent addresses in 4). The daemon starts
# with --delaytime 0, makes its first contact (no job), idles; then the server hands out a
# NETDISCOVERY job of 10,000 addresses (127.8.0.0-127.8.39.15, TIMEOUT 1) and /now asks for it;
# the daemon runs it, sends START, NBIP, each device and END, and idles again.
#
# Usage (root; iproute2, nftables, snmpd, python3):  benches/daemon.sh [--perl]
# (JOBS=N: N jobs one after the other, figures after each; SONDE=path: another binary.)
# Prints: idle RSS, peak RSS during the job, RSS 5 s and 30 s after it, the job's wall time and
# message count. --perl: the same for fusioninventory-agent --daemon when installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PERL=0
[ "${1:-}" = --perl ] && PERL=1
JOB_START=127.8.0.0 JOB_END=127.8.39.15
# shellcheck source=benches/lib/daemon-bed.sh
. benches/lib/daemon-bed.sh
bed_up

SONDE=${SONDE:-target/release/sonde}
[ -x "$SONDE" ] || cargo build --release -q

bench() { # label command...
    local label=$1; shift
    rm -f "$RUN/prologs" "$RUN/messages" "$RUN/ended" "$RUN/job"
    ip netns exec "$NS" "$@" >"$RUN/daemon.log" 2>&1 &
    DPID=$!
    wait_file "$RUN/prologs" 30 || { echo "$label: no first contact"; cat "$RUN/daemon.log"; return 1; }
    sleep 5
    local idle; idle=$(rss "$DPID")
    local idle_split; idle_split=$(split "$DPID")
    [ -n "${DUMP_SMAPS:-}" ] && cp "/proc/$DPID/smaps" "$DUMP_SMAPS.idle"
    [ -n "${IDLE_HOOK:-}" ] && $IDLE_HOOK "$DPID"
    local n
    for n in $(seq "${JOBS:-1}"); do
    rm -f "$RUN/ended" "$RUN/messages"
    touch "$RUN/job"
    local start; start=$(date +%s.%N)
    run_now
    if ! wait_file "$RUN/ended" "${JOB_WAIT:-600}"; then
        printf '%-28s idle %6s MB  peak %6s MB; the job did not end within %s s (%s messages)\n' \
            "$label" "$(mb "$idle")" "$(mb "$(hwm "$DPID")")" "${JOB_WAIT:-600}" "$(messages)"
        return 1
    fi
    local wall; wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
    local peak; peak=$(hwm "$DPID")
    sleep 5
    local after5; after5=$(rss "$DPID")
    sleep 25
    local after30; after30=$(rss "$DPID")
    local after_split; after_split=$(split "$DPID")
    [ -n "${DUMP_SMAPS:-}" ] && cp "/proc/$DPID/smaps" "$DUMP_SMAPS.after"
    [ -n "${AFTER_HOOK:-}" ] && $AFTER_HOOK "$DPID"
    local messages; messages=$(messages)
    printf '%-28s idle %6s MB  peak %6s MB  after 5 s %6s MB  after 30 s %6s MB (%+.0f %%)  job %6s s, %s messages\n' \
        "$label (job $n)" "$(mb "$idle")" "$(mb "$peak")" "$(mb "$after5")" "$(mb "$after30")" \
        "$(awk -v a="$after30" -v i="$idle" 'BEGIN{print (a-i)*100/i}')" "$wall" "$messages"
    printf '%-28s idle: %s; after: %s\n' "" "$idle_split" "$after_split"
    done
    kill "$DPID"; wait "$DPID" 2>/dev/null || true; DPID=
}

if [ "${ONLY:-}" != perl ]; then
    bench "sonde agent --daemon" env ${SONDE_ENV:-X=1} "$SONDE" agent --daemon --no-fork --config none \
        --server http://127.0.0.1:18080/ --delaytime 0 --tasks netdiscovery \
        --httpd-ip 127.0.0.1 --httpd-trust 127.0.0.1 --vardir "$RUN/var"
fi

if [ "$PERL" = 1 ] && command -v fusioninventory-agent >/dev/null; then
    bench "fusioninventory-agent -d" fusioninventory-agent --no-fork --daemon \
        --server http://127.0.0.1:18080/ --delaytime 1 --no-task inventory,deploy,esx,collect,wakeonlan \
        --httpd-ip 127.0.0.1 --httpd-trust 127.0.0.1
fi
