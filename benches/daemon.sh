#!/usr/bin/env bash
# Memory of the managed daemon (issue: idle under 10 MB resident; after a 10,000-address
# discovery job, back within 10 % of the idle figure), in a private network namespace.
#
# Inside the namespace: a fake GLPI server (python3, 127.0.0.1:18080), one snmpd answering on
# 0.0.0.0:161 for every 127.x address, nftables dropping 3 addresses in 4 of the job's range
# (silent hosts); nothing leaves the namespace. The daemon starts with --delaytime 0, makes its
# first contact (no job), idles; then the server hands out a NETDISCOVERY job of 10,000
# addresses (127.8.0.0-127.8.39.15, TIMEOUT 1) and /now asks for it; the daemon runs it, sends
# START, NBIP, each device and END, and idles again.
#
# Usage (root; iproute2, nftables, snmpd, python3):  benches/daemon.sh [--perl]
# (JOBS=N: N jobs one after the other, figures after each; SONDE=path: another binary.)
# Prints: idle RSS, peak RSS during the job, RSS 5 s and 30 s after it, the job's wall time and
# message count. --perl: the same for fusioninventory-agent --daemon when installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NS=sonde-daemon-$$
RUN=$(mktemp -d)
PERL=0
[ "${1:-}" = --perl ] && PERL=1
DPID=
cleanup() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null || true
    [ -s "$RUN/server.pid" ] && kill "$(cat "$RUN/server.pid")" 2>/dev/null || true
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
    ip daddr 127.8.0.0/16 ip daddr & 0.0.0.3 != 0.0.0.1 drop
  }
}
NFT
cat >"$RUN/snmpd.conf" <<'CONF'
agentAddress udp:0.0.0.0:161
rocommunity public default
sysLocation sonde daemon bench
CONF
ip netns exec "$NS" env MIBS= /usr/sbin/snmpd -C -c "$RUN/snmpd.conf" -Lf "$RUN/snmpd.log" \
    -p "$RUN/snmpd.pid" -I -smux,mteTrigger,mteTriggerConf

cat >"$RUN/server.py" <<'PY'
import http.server, os, sys, zlib
RUN = sys.argv[1]
JOB = """<?xml version="1.0" encoding="UTF-8"?><REPLY><PROLOG_FREQ>1</PROLOG_FREQ>
<OPTION><NAME>NETDISCOVERY</NAME><PARAM THREADS_DISCOVERY="100" TIMEOUT="1" PID="7"/>
<RANGEIP ID="1" IPSTART="127.8.0.0" IPEND="127.8.39.15" ENTITY="0"/>
<AUTHENTICATION ID="1" VERSION="2c" COMMUNITY="public"/></OPTION></REPLY>"""
IDLE = '<?xml version="1.0" encoding="UTF-8"?><REPLY><PROLOG_FREQ>1</PROLOG_FREQ></REPLY>'
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try: body = zlib.decompress(body)
        except Exception: pass
        text = body.decode("utf-8", "replace")
        reply = '<?xml version="1.0" encoding="UTF-8"?><REPLY></REPLY>'
        if "<QUERY>PROLOG</QUERY>" in text:
            with open(os.path.join(RUN, "prologs"), "a") as f: f.write("x\n")
            reply = JOB if os.path.exists(os.path.join(RUN, "job")) else IDLE
            if reply == JOB: os.remove(os.path.join(RUN, "job"))
        else:
            with open(os.path.join(RUN, "messages"), "a") as f: f.write("x\n")
            if "<END>1</END>" in text: open(os.path.join(RUN, "ended"), "w").close()
        data = reply.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
http.server.ThreadingHTTPServer(("127.0.0.1", 18080), H).serve_forever()
PY
ip netns exec "$NS" python3 "$RUN/server.py" "$RUN" &
echo $! >"$RUN/server.pid"
for _ in $(seq 50); do
    ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/18080' 2>/dev/null && break
    sleep 0.1
done

SONDE=${SONDE:-target/release/sonde}
[ -x "$SONDE" ] || cargo build --release -q

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
split() { awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} /^Threads/ {t=$2} END {printf "anon %.1f + file %.1f MB, %d threads", a/1024, f/1024, t}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
wait_file() { # file seconds
    for _ in $(seq $(($2 * 10))); do [ -e "$1" ] && return 0; sleep 0.1; done
    return 1
}
mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

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
    ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/62354; printf "GET /now HTTP/1.0\r\n\r\n" >&3; cat <&3 >/dev/null' || true
    if ! wait_file "$RUN/ended" "${JOB_WAIT:-600}"; then
        printf '%-28s idle %6s MB  peak %6s MB; the job did not end within %s s (%s messages)\n' \
            "$label" "$(mb "$idle")" "$(mb "$(hwm "$DPID")")" "${JOB_WAIT:-600}" "$(wc -l <"$RUN/messages" 2>/dev/null || echo 0)"
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
    local messages; messages=$(wc -l <"$RUN/messages")
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
