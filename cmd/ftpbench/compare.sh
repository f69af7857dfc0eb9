#!/usr/bin/env bash
# compare.sh measures luaftpd side by side with Debian's vsftpd, ProFTPD and
# pure-ftpd on this machine, with ftpbench, over loopback, serving a tmpfs.
#
#   cmd/ftpbench/compare.sh [SERVER...]     SERVER: vsftpd proftpd pure-ftpd luaftpd
#
# The Debian servers conflict with each other, so each is installed, measured
# and purged in turn (only the packages its installation added are purged).
# Every server serves a tmpfs folder holding the same big file to the same
# account (a local user with a SHA-512 crypt password for the Debian servers,
# -user for luaftpd), on its own loopback port and passive range. luaftpd
# runs beside each Debian server in turn and the two are measured run by run
# in alternation, so both see the same load; its column "luaftpd beside X"
# is to be compared with X's. Its idle memory is measured once, alone. Each figure is measured REPEAT
# times per server; the table shows medians. The idle-memory figures (500 and
# 2000 sessions) restart the server before each repetition, so every server
# starts clean.
#
# Needs root (apt-get, useradd) and curl. Whatever it installs, starts or
# creates is removed when it exits; the files stay in WORK. Environment: REPEAT (3), BIG (1G),
# WORK (/dev/shm/ftpbench), WARM (8G, memory touched once before the first
# run), LUAFTPD (a built luaftpd binary; default: built
# from this tree), OUT (results TSV, default $WORK/results.tsv),
# TRANSFERS_ONLY (set: only the RETR and STOR figures), ONLY (an extended
# regular expression: only the measurements whose ftpbench arguments match,
# such as 'mode stor -size' for the plain uploads).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
REPEAT=${REPEAT:-3}
BIG=${BIG:-1G}
WORK=${WORK:-/dev/shm/ftpbench}
OUT=${OUT:-$WORK/results.tsv}
ROOT=$WORK/root
FTPUSER=ftpbench
FTPPASS=ftpbench
SERVERS=("$@")
[ ${#SERVERS[@]} -gt 0 ] || SERVERS=(vsftpd proftpd pure-ftpd luaftpd)

log() { printf '== %s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

prepare() {
	mkdir -p "$WORK/bin" "$WORK/log" "$WORK/tls" "$ROOT"
	(cd "$REPO" && go build -o "$WORK/bin/ftpbench" ./cmd/ftpbench)
	if ! id "$FTPUSER" >/dev/null 2>&1; then
		useradd -M -d "$ROOT" -s /bin/bash "$FTPUSER"
		CREATED_USER=1
	fi
	echo "$FTPUSER:$FTPPASS" | chpasswd -c SHA512
	if [ ! -s "$WORK/tls/server.pem" ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 \
			-keyout "$WORK/tls/server.key" -out "$WORK/tls/server.crt" 2>/dev/null
		cat "$WORK/tls/server.key" "$WORK/tls/server.crt" >"$WORK/tls/server.pem"
		chmod 600 "$WORK/tls/server.key" "$WORK/tls/server.pem"
	fi
	if [ ! -f "$WORK/.warm" ]; then
		# This machine is a VM: the first touch of a memory page costs far
		# more than later ones, so touch WARM of it once before measuring.
		log "touching ${WARM:-8G} of memory once"
		head -c "$(numfmt --from=iec "${WARM:-8G}")" /dev/zero >"$WORK/warm"
		rm -f "$WORK/warm"
		touch "$WORK/.warm"
	fi
	local want
	want=$(numfmt --from=iec "$BIG")
	if [ ! -f "$ROOT/big.bin" ] || [ "$(stat -c %s "$ROOT/big.bin")" != "$want" ]; then
		log "writing $BIG of random bytes to $ROOT/big.bin"
		head -c "$want" /dev/urandom >"$ROOT/big.bin"
	fi
	chown -R "$FTPUSER" "$ROOT"
	chmod 755 "$WORK" "$ROOT"
}

# descendants PID: every process below PID, deepest last.
descendants() {
	local c
	for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do
		echo "$c"
		descendants "$c"
	done
}

# stop_tree PID: end PID and everything it started, and wait (bounded).
stop_tree() {
	local pids i
	pids="$1 $(descendants "$1" | tr '\n' ' ')"
	kill $pids 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 $pids 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 $pids 2>/dev/null || true
}

wait_listen() {
	local i
	for i in $(seq 100); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	log "nothing listens on port $1"
	return 1
}

# Installation, configuration and start of each server. start_X runs the
# server in the foreground, as a background job, and sets PID and PORT.

apt_install() {
	dpkg-query -W -f '${Package}\n' | sort >"$WORK/pkgs.before"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >"$WORK/log/apt.log" 2>&1
	dpkg-query -W -f '${Package}\n' | sort >"$WORK/pkgs.after"
	comm -13 "$WORK/pkgs.before" "$WORK/pkgs.after" >"$WORK/pkgs.added"
}

apt_purge_added() {
	if [ -s "$WORK/pkgs.added" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q $(cat "$WORK/pkgs.added") >>"$WORK/log/apt.log" 2>&1
		: >"$WORK/pkgs.added"
	fi
}

version_of() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null | sed 's/[-+].*//'; }

setup_vsftpd() {
	apt_install vsftpd
	LABEL="vsftpd $(version_of vsftpd)"
	mkdir -p /var/run/vsftpd/empty
	cat >"$WORK/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=2101
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pam_service_name=vsftpd
secure_chroot_dir=/var/run/vsftpd/empty
pasv_min_port=20000
pasv_max_port=20999
max_clients=0
max_per_ip=0
xferlog_enable=YES
xferlog_file=$WORK/log/vsftpd-xfer.log
vsftpd_log_file=$WORK/log/vsftpd.log
ssl_enable=YES
rsa_cert_file=$WORK/tls/server.crt
rsa_private_key_file=$WORK/tls/server.key
force_local_logins_ssl=NO
force_local_data_ssl=NO
CONF
}
start_vsftpd() {
	PORT=2101
	vsftpd "$WORK/vsftpd.conf" >>"$WORK/log/vsftpd.out" 2>&1 &
	PID=$!
}

setup_proftpd() {
	apt_install proftpd-core proftpd-mod-crypto
	LABEL="ProFTPD $(version_of proftpd-core)"
	cat >"$WORK/proftpd.conf" <<CONF
Include /etc/proftpd/modules.conf
ServerName "ftpbench"
ServerType standalone
DefaultServer on
DefaultAddress 127.0.0.1
SocketBindTight on
Port 2102
UseIPv6 off
User nobody
Group nogroup
Umask 022
MaxInstances 2000
PassivePorts 21000 21999
RequireValidShell off
AllowOverwrite on
UseReverseDNS off
<IfModule mod_ident.c>
IdentLookups off
</IfModule>
WtmpLog off
PidFile $WORK/proftpd.pid
ScoreboardFile $WORK/proftpd.scoreboard
SystemLog $WORK/log/proftpd.log
TransferLog $WORK/log/proftpd-xfer.log
AuthOrder mod_auth_pam.c* mod_auth_unix.c
<IfModule !mod_tls.c>
LoadModule mod_tls.c
</IfModule>
<IfModule mod_tls.c>
TLSEngine on
TLSRSACertificateFile $WORK/tls/server.crt
TLSRSACertificateKeyFile $WORK/tls/server.key
TLSRequired off
TLSLog $WORK/log/proftpd-tls.log
</IfModule>
CONF
}
start_proftpd() {
	PORT=2102
	proftpd -n -c "$WORK/proftpd.conf" >>"$WORK/log/proftpd.out" 2>&1 &
	PID=$!
}

setup_pure-ftpd() {
	apt_install pure-ftpd
	LABEL="pure-ftpd $(version_of pure-ftpd)"
}
start_pure-ftpd() {
	PORT=2103
	# -l unix: the shadow password; -E: no anonymous; -H: no DNS; -Y 1: TLS
	# optional; it admits at most half as many clients as passive ports.
	pure-ftpd -S 127.0.0.1,2103 -l unix -E -H -c 2000 -C 2000 -p 22000:26999 \
		-Y 1 -2 "$WORK/tls/server.pem" >>"$WORK/log/pure-ftpd.out" 2>&1 &
	PID=$!
}

setup_luaftpd() {
	if [ -z "${LUAFTPD:-}" ]; then
		(cd "$REPO" && go build -o "$WORK/bin/luaftpd" ./cmd/luaftpd)
		LUAFTPD=$WORK/bin/luaftpd
	fi
	LABEL="luaftpd $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo dev)"
	# Its own folder, so files it writes as root never stand in the way of
	# the other servers, which write as $FTPUSER; the big file is a hard link.
	mkdir -p "$WORK/root-luaftpd"
	ln -f "$ROOT/big.bin" "$WORK/root-luaftpd/big.bin"
}
start_luaftpd() {
	PORT=2104
	"$LUAFTPD" -listen 127.0.0.1:2104 -root "$WORK/root-luaftpd" -user "$FTPUSER:$FTPPASS" \
		-pasv-ports 27000-27999 -tls-self-signed -max-sessions 0 -max-sessions-per-ip 0 \
		>>"$WORK/log/luaftpd.out" 2>&1 &
	PID=$!
}

declare -A PORTS PIDS LABELS IDLE_DONE

# The measurements, each run REPEAT times per server; @PID stands for the
# server's PID (for its CPU time).
SPECS=(
	"-mode retr -size $BIG -file big.bin -curl"
	"-mode stor -size $BIG -file up.bin -curl -src $ROOT/big.bin"
	"-mode retr -size $BIG -file big.bin -pids @PID"
	"-mode stor -size $BIG -file up.bin -pids @PID"
	"-mode retr -size $BIG -file big.bin -curl -tls"
	"-mode retr -size $BIG -file big.bin -tls -pids @PID"
	"-mode stor -size $BIG -file up.bin -tls -pids @PID"
	"-mode login -clients 8 -duration 5s"
	"-mode rounds -clients 50 -rounds 20 -round-size 1M"
)
if [ -n "${TRANSFERS_ONLY:-}" ]; then
	SPECS=("${SPECS[@]:0:7}")
fi
if [ -n "${ONLY:-}" ]; then
	kept=()
	for spec in "${SPECS[@]}"; do
		if grep -Eq -- "$ONLY" <<<"$spec"; then kept+=("$spec"); fi
	done
	SPECS=("${kept[@]}")
fi

# bench SERVER ARGS...: one run of ftpbench against a started server.
bench() {
	local s=$1
	shift
	"$WORK/bin/ftpbench" -addr "127.0.0.1:${PORTS[$s]}" -user "$FTPUSER" -pass "$FTPPASS" \
		-label "${LABELS[$s]}" -out "$OUT" "${@//@PID/${PIDS[$s]}}" || true
}

start() {
	"start_$1"
	PORTS[$1]=$PORT PIDS[$1]=$PID
	wait_listen "$PORT" || { stop "$1"; return 1; }
}

stop() {
	stop_tree "${PIDS[$1]}"
	unset "PIDS[$1]"
}

# measure_set SERVER...: the SPECS, interleaved run by run across the
# servers, each in turn first, so a change in the machine's load hits them
# alike; then the idle memory of each (once per server).
measure_set() {
	local s spec i n
	for s in "$@"; do start "$s" || { log "$s: does not start"; return 1; }; done
	log "$*: transfers, logins, rounds (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	for spec in "${SPECS[@]}"; do
		for i in $(seq "$REPEAT"); do
			# Every other run the other server goes first, so neither
			# always runs right after the other's transfer (an upload
			# right after the other's may find its freed memory, or not).
			local order=("$@")
			if [ $((i % 2)) = 0 ]; then order=($(printf '%s\n' "$@" | tac)); fi
			for s in "${order[@]}"; do
				bench "$s" $spec
			done
		done
	done
	for s in "$@"; do stop "$s"; done
	log "$*: idle sessions (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	for s in "$@"; do
		[ -z "${IDLE_DONE[$s]:-}" ] && [ -z "${TRANSFERS_ONLY:-}" ] || continue
		IDLE_DONE[$s]=1
		for n in 500 2000; do
			for i in $(seq "$REPEAT"); do
				start "$s" || continue
				bench "$s" -mode idle -sessions "$n" -pids @PID
				stop "$s"
			done
		done
	done
}

# cleanup leaves the machine as it was: no server package this script added,
# no server it started, no account it created.
cleanup() {
	local s
	for s in "${!PIDS[@]}"; do stop "$s"; done
	apt_purge_added
	if [ -n "${CREATED_USER:-}" ]; then userdel "$FTPUSER" 2>/dev/null || true; fi
}

main() {
	[ "$(id -u)" = 0 ] || { echo "compare.sh: run as root" >&2; exit 2; }
	trap cleanup EXIT
	prepare
	: >"$OUT"
	log "results: $OUT"
	local s lua=() debian=()
	for s in "${SERVERS[@]}"; do
		if [ "$s" = luaftpd ]; then lua=(luaftpd); else debian+=("$s"); fi
	done
	if [ ${#lua[@]} -gt 0 ]; then
		setup_luaftpd
		LUALABEL=$LABEL
		LABELS[luaftpd]=$LABEL
		[ ${#debian[@]} -gt 0 ] || measure_set luaftpd
	fi
	for s in "${debian[@]}"; do
		log "$s: set up"
		if "setup_$s"; then
			LABELS[$s]=$LABEL
			# luaftpd gets a column per window: compare it with its neighbour.
			[ ${#lua[@]} -eq 0 ] || LABELS[luaftpd]="$LUALABEL beside ${LABEL%% *}"
			measure_set "$s" "${lua[@]}" || log "$s: could not be measured"
		else
			log "$s: set-up failed (see $WORK/log)"
		fi
		apt_purge_added
	done
	echo
	echo "ftpbench results, $(date -u +%Y-%m-%d), $(nproc) cores, medians of $REPEAT runs, MB/s = 10^6 B/s:"
	"$WORK/bin/ftpbench" -mode table -in "$OUT"
}

main
