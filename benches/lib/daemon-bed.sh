# Sourced by benches/daemon.sh and benches/soak.sh: the managed daemon's test bed in a private
# network namespace, and the helpers that read a process's memory.
#
# Inside the namespace: a fake GLPI server (python3, 127.0.0.1:18080), one snmpd answering on
# 0.0.0.0:161 for every 127.x address, nftables dropping 3 addresses in 4 of 127.8.0.0/16 (silent
# hosts); nothing leaves the namespace. The server answers a PROLOG with a NETDISCOVERY job of
# $JOB_START-$JOB_END (TIMEOUT 1) once for each time the file $RUN/job was created, and with no job
# otherwise; it appends a line to $RUN/prologs per PROLOG and to $RUN/messages per other message,
# and creates $RUN/ended on each END.
#
# Needs: root, iproute2, nftables, snmpd, python3. The caller sets JOB_START and JOB_END, sources
# this file, and calls bed_up; the EXIT trap tears everything down (DPID: the daemon, if any).

NS=sonde-bed-$$
RUN=$(mktemp -d)
DPID=
bed_down() {
    [ -n "$DPID" ] && kill "$DPID" 2>/dev/null || true
    [ -s "$RUN/server.pid" ] && kill "$(cat "$RUN/server.pid")" 2>/dev/null || true
    [ -s "$RUN/snmpd.pid" ] && kill "$(cat "$RUN/snmpd.pid")" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$RUN"
}
trap bed_down EXIT

bed_up() {
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
RUN, FIRST, LAST = sys.argv[1], sys.argv[2], sys.argv[3]
JOB = """<?xml version="1.0" encoding="UTF-8"?><REPLY><PROLOG_FREQ>1</PROLOG_FREQ>
<OPTION><NAME>NETDISCOVERY</NAME><PARAM THREADS_DISCOVERY="100" TIMEOUT="1" PID="7"/>
<RANGEIP ID="1" IPSTART="%s" IPEND="%s" ENTITY="0"/>
<AUTHENTICATION ID="1" VERSION="2c" COMMUNITY="public"/></OPTION></REPLY>""" % (FIRST, LAST)
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
ip netns exec "$NS" python3 "$RUN/server.py" "$RUN" "$JOB_START" "$JOB_END" &
echo $! >"$RUN/server.pid"
for _ in $(seq 50); do
    ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/18080' 2>/dev/null && break
    sleep 0.1
done
}

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
anon() { awk '/^RssAnon/ {print $2}' "/proc/$1/status"; }
split() { awk '/^RssAnon/ {a=$2} /^RssFile/ {f=$2} /^Threads/ {t=$2} END {printf "anon %.1f + file %.1f MB, %d threads", a/1024, f/1024, t}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }
wait_file() { # file seconds
    for _ in $(seq $(($2 * 10))); do [ -e "$1" ] && return 0; sleep 0.1; done
    return 1
}
# Messages (other than PROLOG) the server has received.
messages() { { cat "$RUN/messages" 2>/dev/null || true; } | wc -l; }
mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
# Asks the daemon's HTTP port (127.0.0.1:62354 in the namespace) to run now.
run_now() {
    ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/62354; printf "GET /now HTTP/1.0\r\n\r\n" >&3; cat <&3 >/dev/null' || true
}
