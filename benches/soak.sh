#!/usr/bin/env bash
# Soak of the managed daemon: the fake GLPI server of benches/lib/daemon-bed.sh assigns a
# NETDISCOVERY job of 4,096 addresses (127.8.0.0-127.8.15.255, one in four answering SNMP, the
# rest silent, TIMEOUT 1) every minute, for MINUTES minutes (default 30); each job is asked for
# through the daemon's /now, as a server's "run now" does. Every 10 s the daemon's resident memory
# (private and file-backed), open file descriptors and threads are sampled into $OUT/soak.csv;
# one line per minute is printed, then a summary: the range of each figure over the minutes after
# the first job, jobs finished, messages received, and every WARN or ERROR line of the daemon's
# log (info level, kept in $OUT/daemon.log), counted and deduplicated.
#
# Usage (root; iproute2, nftables, snmpd, python3):  benches/soak.sh
# (MINUTES=N, SONDE=path to another binary, OUT=directory for the series; default target/soak.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MINUTES=${MINUTES:-30}
OUT=${OUT:-target/soak}
JOB_START=127.8.0.0 JOB_END=127.8.15.255
# shellcheck source=benches/lib/daemon-bed.sh
. benches/lib/daemon-bed.sh
bed_up

SONDE=${SONDE:-target/release/sonde}
[ -x "$SONDE" ] || cargo build --release -q
mkdir -p "$OUT"

ip netns exec "$NS" env RUST_LOG=info "$SONDE" agent --daemon --no-fork --config none \
    --server http://127.0.0.1:18080/ --delaytime 0 --tasks netdiscovery \
    --httpd-ip 127.0.0.1 --httpd-trust 127.0.0.1 --vardir "$RUN/var" >"$OUT/daemon.log" 2>&1 &
DPID=$!
wait_file "$RUN/prologs" 30 || { echo "no first contact"; cat "$OUT/daemon.log"; exit 1; }
sleep 5

echo "seconds,minute,rss_kb,anon_kb,file_kb,fds,threads,jobs_ended,messages" >"$OUT/soak.csv"
sample() { # seconds minute jobs
    [ -d "/proc/$DPID" ] || { echo "the daemon died; its log:"; tail -20 "$OUT/daemon.log"; exit 1; }
    local file; file=$(awk '/^RssFile/ {print $2}' "/proc/$DPID/status")
    local threads; threads=$(awk '/^Threads/ {print $2}' "/proc/$DPID/status")
    local messages; messages=$(messages)
    echo "$1,$2,$(rss "$DPID"),$(anon "$DPID"),$file,$(fds "$DPID"),$threads,$3,$messages" >>"$OUT/soak.csv"
}

printf 'idle before the first job: RSS %s MB (%s), %s fds\n' \
    "$(mb "$(rss "$DPID")")" "$(split "$DPID")" "$(fds "$DPID")"
start=$(date +%s)
sample 0 0 0
jobs=0
for minute in $(seq "$MINUTES"); do
    tick=$((start + (minute - 1) * 60))
    rm -f "$RUN/ended"
    touch "$RUN/job"
    run_now
    ended=
    for step in 1 2 3 4 5 6; do
        while [ "$(date +%s)" -lt $((tick + step * 10)) ]; do
            if [ -z "$ended" ] && [ -e "$RUN/ended" ]; then
                ended=$(($(date +%s) - tick))
                jobs=$((jobs + 1))
            fi
            sleep 0.2
        done
        sample $(($(date +%s) - start)) "$minute" "$jobs"
    done
    outcome="did not end within the minute"
    [ -n "$ended" ] && outcome="ended after $ended s"
    printf 'minute %2d: job %s; RSS %s MB (%s), %s fds, %s messages so far\n' "$minute" "$outcome" \
        "$(mb "$(rss "$DPID")")" "$(split "$DPID")" "$(fds "$DPID")" \
        "$(messages)"
done

echo
echo "summary over minutes 2-$MINUTES (after the first job), from $OUT/soak.csv:"
awk -F, 'NR > 1 && $2 >= 2 {
    for (i = 3; i <= 7; i++) {
        if (!(i in lo) || $i < lo[i]) lo[i] = $i
        if (!(i in hi) || $i > hi[i]) hi[i] = $i
    }
}
END {
    split("rss_kb anon_kb file_kb fds threads", name, " ")
    for (i = 3; i <= 7; i++) printf "  %-8s min %8d  max %8d\n", name[i - 2], lo[i], hi[i]
}' "$OUT/soak.csv"
printf '  jobs ended: %d of %d; messages received: %s\n' "$jobs" "$MINUTES" \
    "$(messages)"
echo "  WARN and ERROR lines of the daemon's log (count, message with the time cut off):"
grep -E ' (WARN|ERROR) ' "$OUT/daemon.log" | cut -d' ' -f2- | sed 's/^ *//' | sort | uniq -c |
    sort -rn | head -20 || echo "  none"
kill "$DPID"
wait "$DPID" 2>/dev/null || true
DPID=
