#!/usr/bin/env bash
# verbosel benchmarks: one command, peers side by side in one run on this machine.
#
#   bench/run.sh                 full run (3 alternating rounds of 5 s runs, ~12-15 min)
#   QUICK=1 bench/run.sh         smoke test (1 round of 3 s runs)
#   ROUNDS=N DURATION=S WARMUP=S COLD_RUNS=N bench/run.sh   override the defaults
#   SKIP_MAIN_BUILD=1            use existing target/release binaries without `cargo build`
#
# Installs what it needs by package name (apt, npm, cargo), builds the peers and verbosel,
# serves the same bytes from every server on 127.0.0.1, measures, and writes
# bench/results/latest.{json,md} plus a dated copy of the JSON. See bench/README.md.
set -euo pipefail

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
PEERS=$BENCH/peers
RESULTS=${RESULTS:-$BENCH/results}
START_EPOCH=$(date +%s)
# The machine is shared: the load before and after the run goes into the results.
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	ROUNDS=${ROUNDS:-1}
	DURATION=${DURATION:-3}
else
	ROUNDS=${ROUNDS:-3}
	DURATION=${DURATION:-5}
fi
WARMUP=${WARMUP:-1}
COLD_RUNS=${COLD_RUNS:-21}
# Idle keep-alive connections opened for the per-connection memory figure.
HOLD_CONNS=100
# ab needs a request count even when bounded by -t; it preallocates one record per
# request, so keep this at a size that can never be reached in DURATION seconds.
AB_MAX_REQUESTS=2000000
# wrk's per-request timeout: generous, so a slow accept under load shows up as latency.
WRK_TIMEOUT=4s

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# ---------------------------------------------------------------- install
apt_needed=()
for pair in wrk:wrk ab:apache2-utils nginx:nginx go:golang jq:jq curl:curl gcc:gcc ss:iproute2 node:nodejs npm:npm zip:zip; do
	tool=${pair%%:*}
	command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || apt_needed+=("${pair#*:}")
done
if [ ${#apt_needed[@]} -gt 0 ]; then
	log "installing ${apt_needed[*]}"
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${apt_needed[@]}" >&2
fi
export PATH=$PATH:/usr/sbin
command -v cargo >/dev/null || die "cargo not found (rustup's toolchain is expected on this machine)"

WORK=$(mktemp -d /tmp/verbosel-bench.XXXXXX)
# nginx's worker drops to an unprivileged user and must read its root and config.
chmod 755 "$WORK"
mkdir -p "$WORK/www" "$WORK/raw"

# ---------------------------------------------------------------- cleanup
# Every server we start gets its own process group (setsid), whose id is its PID, so
# its forked children (nginx's worker, verbosel's per-connection processes) go with it.
STARTED_PIDS=()
stop_group() {
	local pid=$1
	kill -TERM -- "-$pid" 2>/dev/null || return 0
	for _ in $(seq 50); do
		kill -0 -- "-$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local pid
	for pid in "${STARTED_PIDS[@]}"; do
		stop_group "$pid"
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build
log "building the measuring probe (gcc)"
gcc -O2 -Wall -Wextra -o "$WORK/probe" "$BENCH/tools/probe.c"
PROBE=$WORK/probe

log "building the Rust peers (cargo build --release --locked in bench/peers)"
(cd "$PEERS" && cargo build --release --locked -q) >&2
ACTIX_BIN=$PEERS/target/release/actix-hello
HYPER_BIN=$PEERS/target/release/hyper-hello

log "building the Go peer (standard library only)"
mkdir -p "$PEERS/target/go"
GO_BIN=$PEERS/target/go/gohello
(cd "$PEERS/go" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$GO_BIN" .) >&2

log "building the minimal fork-per-connection peer (gcc, static glibc)"
mkdir -p "$PEERS/target/forkc"
FORKC_BIN=$PEERS/target/forkc/forkc
gcc -O2 -Wall -Wextra -static -o "$FORKC_BIN" "$PEERS/forkc/forkc.c"

log "installing the Express peer (npm ci)"
(cd "$PEERS/express" && npm ci --no-audit --no-fund --loglevel=error) >&2

VERBOSEL_BIN=$ROOT/target/release/verbosel
HELLO_BIN=$ROOT/target/release/examples/hello
VERBOSEL_BUILD=skipped
if [ "${SKIP_MAIN_BUILD:-0}" != 1 ] && [ -f "$ROOT/Cargo.toml" ]; then
	log "building verbosel (cargo build --release --bins --examples in the repository root)"
	if (cd "$ROOT" && cargo build --release --bins --examples -q) >&2; then
		VERBOSEL_BUILD=ok
	else
		# Binaries left from an earlier build would be measured as code of unknown age.
		VERBOSEL_BUILD=failed
		log "warning: the verbosel build failed; verbosel is left out of this run"
	fi
fi
HAVE_VERBOSEL=0
if [ "$VERBOSEL_BUILD" != failed ] && [ -x "$VERBOSEL_BIN" ] && [ -x "$HELLO_BIN" ]; then
	HAVE_VERBOSEL=1
else
	log "warning: $VERBOSEL_BIN or $HELLO_BIN missing; measuring the peers only"
fi
VERBOSEL_SHA=
if [ "$HAVE_VERBOSEL" = 1 ]; then
	# Measure a snapshot: a build in the work tree while this runs must not swap the
	# binary between tests.
	mkdir -p "$WORK/bin"
	cp "$VERBOSEL_BIN" "$WORK/bin/verbosel"
	cp "$HELLO_BIN" "$WORK/bin/hello"
	VERBOSEL_BIN=$WORK/bin/verbosel
	HELLO_BIN=$WORK/bin/hello
	VERBOSEL_SHA=$(cd "$WORK/bin" && sha256sum verbosel hello | awk '{ printf "%s%s=%s", sep, $2, $1; sep = " " }')
fi
VERBOSEL_COMMIT=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo none)
VERBOSEL_DIRTY=$([ -n "$(git --no-optional-locks -C "$ROOT" status --porcelain -- . ':!bench' 2>/dev/null)" ] && echo true || echo false)

# ---------------------------------------------------------------- servers
wait_listen() { # PORT PID: until something listens on 127.0.0.1:PORT
	local port=$1 pid=$2
	for _ in $(seq 400); do
		if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.025
	done
	return 1
}

nginx_conf() { # PORT -> prefix directory holding nginx.conf for that port
	local port=$1 dir=$WORK/nginx-$1
	mkdir -p "$dir"
	chmod 755 "$dir"
	# One worker, no access log, sendfile; keepalive_requests far above any run's
	# count per connection so nginx never closes a wrk connection mid-run (its default
	# is 1000); 65 s idle timeout like verbosel's default. `/` is a `return` from memory,
	# as every other peer's handler is (served as a file, nginx spends an open, fstat,
	# sendfile and close per 13-byte answer); the page is a static file with sendfile
	# and open_file_cache, nginx's tuned way to serve one.
	cat >"$dir/nginx.conf" <<-EOF
		daemon off;
		master_process on;
		worker_processes 1;
		pid $dir/nginx.pid;
		error_log $dir/error.log warn;
		events { worker_connections 4096; }
		http {
		    access_log off;
		    sendfile on;
		    tcp_nopush on;
		    tcp_nodelay on;
		    keepalive_requests 100000000;
		    keepalive_timeout 65s;
		    open_file_cache max=16 inactive=600s;
		    open_file_cache_valid 600s;
		    server_tokens off;
		    client_body_temp_path $dir/tmp-body;
		    proxy_temp_path $dir/tmp-proxy;
		    fastcgi_temp_path $dir/tmp-fastcgi;
		    uwsgi_temp_path $dir/tmp-uwsgi;
		    scgi_temp_path $dir/tmp-scgi;
		    types { text/html html; text/plain txt; }
		    server {
		        listen 127.0.0.1:$port;
		        root $WORK/www;
		        location = / { default_type text/plain; return 200 "Hello, World!"; }
		        location = /index.html { }
		        location = /1m.bin { default_type application/octet-stream; }
		    }
		}
	EOF
	echo "$dir"
}

# server_cmd INSTANCE PORT: sets CMD (argv array) for one server instance.
server_cmd() {
	local port=$2 dir
	case $1 in
	nginx)
		dir=$(nginx_conf "$port")
		CMD=(nginx -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log")
		;;
	actix) CMD=("$ACTIX_BIN" "$port" "$WORK/www/index.html") ;;
	hyper) CMD=("$HYPER_BIN" "$port" "$WORK/www/index.html") ;;
	go) CMD=("$GO_BIN" "$port" "$WORK/www/index.html") ;;
	express) CMD=(node "$PEERS/express/server.js" "$port" "$WORK/www/index.html") ;;
	forkc) CMD=("$FORKC_BIN" "$port" "$WORK/www/index.html") ;;
	verbosel) CMD=("$HELLO_BIN" --bind 127.0.0.1 --port "$port" --quiet) ;;
	verbosel-site) CMD=("$VERBOSEL_BIN" --bind 127.0.0.1 --port "$port" --quiet) ;;
	verbosel-nosandbox) CMD=("$HELLO_BIN" --bind 127.0.0.1 --port "$port" --quiet --no-sandbox) ;;
	verbosel-reuse) CMD=("$HELLO_BIN" --bind 127.0.0.1 --port "$port" --quiet --reuse 100) ;;
	verbosel-batch) CMD=("$HELLO_BIN" --bind 127.0.0.1 --port "$port" --quiet --batch) ;;
	verbosel-site-batch) CMD=("$VERBOSEL_BIN" --bind 127.0.0.1 --port "$port" --quiet --batch) ;;
	# The same binary serving the same folder as nginx (`--root`, issue 16): its index.html
	# and the 1 MB file come from the disk, each connection process confined with Landlock.
	verbosel-root) CMD=("$VERBOSEL_BIN" --bind 127.0.0.1 --port "$port" --quiet --root "$WORK/www") ;;
	verbosel-zip) CMD=("$WORK/bin/verbosel-zip.com" --bind 127.0.0.1 --port "$port" --quiet) ;;
	verbosel-zip1m) CMD=("$WORK/bin/verbosel-zip1m.com" --bind 127.0.0.1 --port "$port" --quiet) ;;
	verbosel-zip10m) CMD=("$WORK/bin/verbosel-zip10m.com" --bind 127.0.0.1 --port "$port" --quiet) ;;
	*) die "unknown server $1" ;;
	esac
}

# start_server INSTANCE PORT: starts it in its own session; sets SERVER_PID.
start_server() {
	server_cmd "$1" "$2"
	setsid "${CMD[@]}" >"$WORK/raw/$1.$2.out" 2>&1 &
	SERVER_PID=$!
	STARTED_PIDS+=("$SERVER_PID")
	wait_listen "$2" "$SERVER_PID" || {
		cat "$WORK/raw/$1.$2.out" >&2
		die "$1 did not start listening on port $2"
	}
}

# Go is measured on one OS thread for Go code, like the other single-threaded peers.
export GOMAXPROCS=1

# ---------------------------------------------------------------- the bytes served
printf 'Hello, World!' >"$WORK/www/hello.txt"
PAGE_SOURCE=
if [ "$HAVE_VERBOSEL" = 1 ]; then
	port=$("$PROBE" freeport)
	start_server verbosel-site "$port"
	if curl -sf -o "$WORK/www/index.html" "http://127.0.0.1:$port/index.html"; then
		PAGE_SOURCE="GET /index.html from target/release/verbosel"
	elif curl -sf -o "$WORK/www/index.html" "http://127.0.0.1:$port/"; then
		PAGE_SOURCE="GET / from target/release/verbosel"
	fi
	stop_group "$SERVER_PID"
fi
if [ -z "$PAGE_SOURCE" ]; then
	[ -f "$ROOT/site/www/index.html" ] || die "no landing page: neither a running verbosel nor site/www/index.html"
	cp "$ROOT/site/www/index.html" "$WORK/www/index.html"
	PAGE_SOURCE="site/www/index.html (verbosel binary not available)"
fi
# A 1 MB file for the sendfile row (nginx and `--root` serve it from the same folder).
head -c 1048576 /dev/urandom >"$WORK/www/1m.bin"
chmod 644 "$WORK/www/"*
PAGE_BYTES=$(stat -c %s "$WORK/www/index.html")
PAGE_SHA256=$(sha256sum "$WORK/www/index.html" | cut -d' ' -f1)
log "landing page: $PAGE_BYTES bytes ($PAGE_SOURCE)"

# ---------------------------------------------------------------- appended archives (issue 15)
# The site binary with a site zipped onto its end, as a user without Rust makes one (README,
# "No Rust?": cat + zip -A): the landing page alone (served beside the compiled-in row), and
# sites of about 1 MB and 10 MB (the page, text files that InfoZIP deflates, random bytes it
# stores) for memory per connection and cold start.
HAVE_ZIP_SITES=0
zip_site() { # NAME MB: $WORK/bin/NAME.com, the site binary with the page and MB megabytes
	local dir=$WORK/zip-$1 i
	mkdir -p "$dir"
	cp "$WORK/www/index.html" "$dir/index.html"
	for i in $(seq $(($2 * 6))); do
		awk -v f="$i" 'BEGIN { for (l = 0; l < 2200; l++) printf "<p class=\"c%d\">line %d of file %d: %d</p>\n", l % 13, l, f, (l * 7919 + f * 104729) % 1000003 }' >"$dir/t$i.html"
	done
	for i in $(seq $(($2 * 4))); do
		head -c 100000 /dev/urandom >"$dir/r$i.bin"
	done
	(cd "$dir" && zip -q -r "$WORK/$1.zip" .)
	cat "$VERBOSEL_BIN" "$WORK/$1.zip" >"$WORK/bin/$1.com"
	zip -q -A "$WORK/bin/$1.com"
	chmod 755 "$WORK/bin/$1.com"
	log "  $1: $(du -sb "$dir" | cut -f1) bytes of files, binary $(stat -c %s "$WORK/bin/$1.com") bytes"
}
if [ "$HAVE_VERBOSEL" = 1 ] && "$VERBOSEL_BIN" --help 2>&1 | grep -q -- '--list'; then
	log "appended archives: the site binary with sites zipped onto it"
	zip_site verbosel-zip 0
	zip_site verbosel-zip1m 1
	zip_site verbosel-zip10m 10
	HAVE_ZIP_SITES=1
fi

# Which verbosel variants this build supports (flags are read from --help).
INSTANCES=(nginx actix hyper go express forkc)
RESOURCE_INSTANCES=(nginx actix hyper go express forkc)
HAS_REUSE=0
HAS_NOSANDBOX=0
HAS_BATCH=0
HAS_ROOT=0
if [ "$HAVE_VERBOSEL" = 1 ]; then
	help=$("$HELLO_BIN" --help 2>&1 || true)
	INSTANCES+=(verbosel verbosel-site)
	RESOURCE_INSTANCES+=(verbosel verbosel-site)
	if grep -q -- '--no-sandbox' <<<"$help"; then
		HAS_NOSANDBOX=1
		INSTANCES+=(verbosel-nosandbox)
	fi
	if grep -q -- '--reuse' <<<"$help"; then
		HAS_REUSE=1
		INSTANCES+=(verbosel-reuse)
	fi
	if grep -q -- '--batch' <<<"$help"; then
		HAS_BATCH=1
		INSTANCES+=(verbosel-batch verbosel-site-batch)
	fi
	if "$VERBOSEL_BIN" --help 2>&1 | grep -q -- '--root'; then
		HAS_ROOT=1
		INSTANCES+=(verbosel-root)
	fi
	if [ "$HAVE_ZIP_SITES" = 1 ]; then
		INSTANCES+=(verbosel-zip)
		RESOURCE_INSTANCES+=(verbosel-zip verbosel-zip1m verbosel-zip10m)
	fi
fi

# Which instances take part in which test (verbosel: `hello` for the 13-byte body, the
# site binary for the page; the variants only where they say something).
test_instances() {
	local t=$1 list=(nginx actix hyper go express forkc)
	# The 1 MB file: nginx's sendfile against verbosel's, both from the same folder.
	if [ "$t" = file1m ]; then
		list=(nginx)
		if [ "$HAS_ROOT" = 1 ]; then list+=(verbosel-root); fi
		echo "${list[@]}"
		return
	fi
	if [ "$HAVE_VERBOSEL" = 1 ]; then
		case $t in
		ka50)
			list+=(verbosel)
			if [ "$HAS_NOSANDBOX" = 1 ]; then list+=(verbosel-nosandbox); fi
			if [ "$HAS_BATCH" = 1 ]; then list+=(verbosel-batch); fi
			;;
		ka200)
			list+=(verbosel)
			if [ "$HAS_BATCH" = 1 ]; then list+=(verbosel-batch); fi
			;;
		close50 | ab50)
			list+=(verbosel)
			if [ "$HAS_NOSANDBOX" = 1 ]; then list+=(verbosel-nosandbox); fi
			if [ "$HAS_REUSE" = 1 ]; then list+=(verbosel-reuse); fi
			;;
		page50)
			list+=(verbosel-site)
			if [ "$HAVE_ZIP_SITES" = 1 ]; then list+=(verbosel-zip); fi
			if [ "$HAS_BATCH" = 1 ]; then list+=(verbosel-site-batch); fi
			if [ "$HAS_ROOT" = 1 ]; then list+=(verbosel-root); fi
			;;
		esac
	fi
	echo "${list[@]}"
}
TESTS=(ka50 ka200 close50 page50 ab50 file1m)

tree_pids() { # PID and all its descendants
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2 }
		END {
			inset[root] = 1
			do {
				grew = 0
				for (p in parent) if (!(p in inset) && (parent[p] in inset)) { inset[p] = 1; grew = 1 }
			} while (grew)
			for (p in inset) print p
		}'
}
mem_kib() { # over PID's process tree: Pss, Pss_Anon, page tables (VmPTE), threads, processes
	local p
	for p in $(tree_pids "$1"); do
		cat "/proc/$p/smaps_rollup" "/proc/$p/status" 2>/dev/null || true
		echo "PROCESS_END"
	done | awk '
		/^Pss:/ { pss += $2 }
		/^Pss_Anon:/ { anon += $2 }
		/^VmPTE:/ { pte += $2 }
		/^Threads:/ { threads += $2 }
		/^PROCESS_END/ { n++ }
		END { printf "%d %d %d %d %d\n", pss, anon, pte, threads, n }'
}

SAMPLES=$WORK/samples.ndjson
RESOURCES=$WORK/resources.ndjson
: >"$SAMPLES"
: >"$RESOURCES"

# ---------------------------------------------------------------- memory
log "memory: idle RSS of the parent, PSS per idle keep-alive connection ($HOLD_CONNS connections)"
for inst in "${RESOURCE_INSTANCES[@]}"; do
	port=$("$PROBE" freeport)
	start_server "$inst" "$port"
	sleep 0.5
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")
	read -r pss_idle anon_idle pte_idle thr_idle procs_idle < <(mem_kib "$SERVER_PID")
	"$PROBE" hold "$port" "$HOLD_CONNS" 60 >"$WORK/raw/hold.$inst" 2>&1 &
	holder=$!
	for _ in $(seq 400); do
		grep -q HELD "$WORK/raw/hold.$inst" && break
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.025
	done
	grep -q HELD "$WORK/raw/hold.$inst" || {
		cat "$WORK/raw/hold.$inst" >&2
		die "$inst: could not hold $HOLD_CONNS connections"
	}
	sleep 0.5
	read -r pss_held anon_held pte_held thr_held procs_held < <(mem_kib "$SERVER_PID")
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	stop_group "$SERVER_PID"
	jq -cn --arg s "$inst" --argjson rss "$rss" --argjson c "$HOLD_CONNS" \
		--argjson pi "$pss_idle" --argjson ph "$pss_held" --argjson ai "$anon_idle" --argjson ah "$anon_held" \
		--argjson ti "$pte_idle" --argjson th "$pte_held" --argjson hi "$thr_idle" --argjson hh "$thr_held" \
		--argjson ni "$procs_idle" --argjson nh "$procs_held" '
		def per($a; $b): (($b - $a) / $c) * 10 | round / 10;
		{server:$s, idle_rss_kib:$rss,
		 idle_pss_kib:$pi, held_pss_kib:$ph, idle_pss_anon_kib:$ai, held_pss_anon_kib:$ah,
		 idle_page_tables_kib:$ti, held_page_tables_kib:$th, idle_threads:$hi, held_threads:$hh,
		 idle_processes:$ni, held_processes:$nh,
		 pss_per_conn_kib: per($pi; $ph), pss_anon_per_conn_kib: per($ai; $ah),
		 page_tables_per_conn_kib: per($ti; $th), tasks_per_conn: ((($hh - $hi) / $c) * 100 | round / 100)}' >>"$RESOURCES"
	log "  $inst: idle RSS ${rss} KiB; PSS ${pss_idle} -> ${pss_held} KiB, anon PSS ${anon_idle} -> ${anon_held} KiB, page tables ${pte_idle} -> ${pte_held} KiB with $HOLD_CONNS conns ($procs_idle -> $procs_held processes)"
done

# ---------------------------------------------------------------- cold start
log "cold start: exec -> first answered GET /, median of $COLD_RUNS runs"
COLD=$WORK/cold.ndjson
: >"$COLD"
for inst in "${RESOURCE_INSTANCES[@]}"; do
	port=$("$PROBE" freeport)
	server_cmd "$inst" "$port"
	# The probe execs the program itself: resolve it to a path first.
	prog=$(command -v "${CMD[0]}")
	# The server inherits the probe's stdout/stderr: to a file, not the terminal.
	"$PROBE" coldstart "$port" "$COLD_RUNS" "$prog" "${CMD[@]:1}" >"$WORK/raw/cold.$inst" 2>"$WORK/raw/cold.$inst.err" ||
		die "$inst: cold start failed: $(tail -5 "$WORK/raw/cold.$inst.err")"
	med=$(awk '/^median_us/ { print $2 }' "$WORK/raw/cold.$inst")
	runs=$(awk '/^run/ { print $3 }' "$WORK/raw/cold.$inst" | jq -sc .)
	jq -cn --arg s "$inst" --argjson m "$med" --argjson r "$runs" '{server:$s, cold_start_us:$m, cold_start_runs_us:$r}' >>"$COLD"
	log "  $inst: ${med} us"
done

# ---------------------------------------------------------------- sizes and dependencies
SIZES=$WORK/sizes.ndjson
: >"$SIZES"
cargo_deps() { # registry crates built for one package of the peers' workspace (host target)
	(cd "$PEERS" && cargo tree --locked -q -p "$1" -e normal,build --prefix none -f '{p}') |
		sed 's/ (\*)$//' | grep -v ' (/' | sort -u | wc -l
}
size_row() { # INSTANCE EXECUTABLE DEPS DEPS_KIND
	jq -cn --arg s "$1" --arg exe "$2" --argjson size "$(stat -L -c %s "$2")" --argjson d "$3" --arg k "$4" \
		'{server:$s, executable:$exe, binary_bytes:$size, dependencies:$d, dependency_kind:$k}' >>"$SIZES"
}
size_row nginx "$(command -v nginx)" "$(ldd "$(command -v nginx)" | grep -vc 'linux-vdso')" "shared libraries (ldd)"
size_row actix "$ACTIX_BIN" "$(cargo_deps actix-hello)" "registry crates (cargo tree, host target)"
size_row hyper "$HYPER_BIN" "$(cargo_deps hyper-hello)" "registry crates (cargo tree, host target)"
size_row go "$GO_BIN" "$(cd "$PEERS/go" && GOFLAGS=-mod=mod go list -m all | tail -n +2 | wc -l)" "Go modules besides the standard library"
size_row forkc "$FORKC_BIN" "$(ldd "$FORKC_BIN" 2>/dev/null | grep -c '=>' || true)" "shared libraries (ldd; glibc linked in statically)"
size_row express "$(readlink -f "$(command -v node)")" "$(jq '.packages | keys | map(select(. != "")) | length' "$PEERS/express/package-lock.json")" "npm packages (package-lock.json); size is the node executable"
if [ "$HAVE_VERBOSEL" = 1 ]; then
	vdeps=$(grep -c '^source = "registry' "$ROOT/Cargo.lock" 2>/dev/null || true)
	size_row verbosel "$HELLO_BIN" "${vdeps:-0}" "registry packages in Cargo.lock"
	size_row verbosel-site "$VERBOSEL_BIN" "${vdeps:-0}" "registry packages in Cargo.lock"
	if [ "$HAVE_ZIP_SITES" = 1 ]; then
		for z in verbosel-zip verbosel-zip1m verbosel-zip10m; do
			size_row "$z" "$WORK/bin/$z.com" "${vdeps:-0}" "registry packages in Cargo.lock"
		done
	fi
	# Report the paths the user knows, not the snapshot's.
	sed -i "s|\"$WORK/bin/hello\"|\"target/release/examples/hello\"|; s|\"$WORK/bin/verbosel\"|\"target/release/verbosel\"|" "$SIZES"
fi

# ---------------------------------------------------------------- load
declare -A PORT_OF PID_OF
log "starting ${INSTANCES[*]}"
for inst in "${INSTANCES[@]}"; do
	PORT_OF[$inst]=$("$PROBE" freeport)
	start_server "$inst" "${PORT_OF[$inst]}"
	PID_OF[$inst]=$SERVER_PID
done

# Every server must answer with the same body bytes before any figure is taken.
HEADERS=$WORK/headers.ndjson
: >"$HEADERS"
check_body() { # INSTANCE PATH EXPECTED_FILE
	local out=$WORK/raw/body.$1 meta
	meta=$(curl -s -o "$out" -w '%{http_code} %{size_header} %{content_type}' "http://127.0.0.1:${PORT_OF[$1]}$2")
	read -r code hdr ctype <<<"$meta"
	if [ "$code" != 200 ] || ! cmp -s "$out" "$3"; then
		die "$1 $2: status $code or body differs from $3"
	fi
	jq -cn --arg s "$1" --arg p "$2" --argjson h "$hdr" --arg ct "$ctype" '{server:$s, path:$p, header_bytes:$h, content_type:$ct}' >>"$HEADERS"
}
for inst in "${INSTANCES[@]}"; do
	case $inst in
	verbosel-root)
		check_body "$inst" /index.html "$WORK/www/index.html"
		check_body "$inst" /1m.bin "$WORK/www/1m.bin"
		;;
	verbosel-site | verbosel-site-batch | verbosel-zip) check_body "$inst" /index.html "$WORK/www/index.html" ;;
	verbosel | verbosel-*) check_body "$inst" / "$WORK/www/hello.txt" ;;
	*)
		check_body "$inst" / "$WORK/www/hello.txt"
		check_body "$inst" /index.html "$WORK/www/index.html"
		if [ "$inst" = nginx ]; then check_body nginx /1m.bin "$WORK/www/1m.bin"; fi
		;;
	esac
done
log "all servers answer with identical bodies"

run_wrk() { # TEST INSTANCE -> one JSON object
	local url="http://127.0.0.1:${PORT_OF[$2]}" args=(-t1 --timeout "$WRK_TIMEOUT" -s "$BENCH/tools/report.lua")
	case $1 in
	ka50) args+=(-c50) url+=/ ;;
	ka200) args+=(-c200) url+=/ ;;
	close50) args+=(-c50 -H 'Connection: close') url+=/ ;;
	page50) args+=(-c50) url+=/index.html ;;
	file1m) args+=(-c10) url+=/1m.bin ;;
	esac
	wrk "${args[@]}" -d"${WARMUP}s" "$url" >/dev/null
	wrk "${args[@]}" -d"${DURATION}s" "$url" >"$WORK/raw/wrk.$1.$2" 2>&1
	sed -n 's/^WRKJSON //p' "$WORK/raw/wrk.$1.$2"
}
run_ab() { # INSTANCE -> one JSON object (ab: HTTP/1.0, no keep-alive, 50 concurrent)
	local url="http://127.0.0.1:${PORT_OF[$1]}/" f=$WORK/raw/ab.$1
	ab -q -r -t "$WARMUP" -n "$AB_MAX_REQUESTS" -c 50 "$url" >/dev/null 2>&1 || true
	ab -q -r -t "$DURATION" -n "$AB_MAX_REQUESTS" -c 50 "$url" >"$f" 2>&1 || die "ab failed against $1: $(tail -3 "$f")"
	awk '
		/^Complete requests:/ { n = $3 }
		/^Failed requests:/ { failed = $3 }
		/^Non-2xx responses:/ { non2xx = $3 }
		/^Requests per second:/ { rps = $4 }
		/^ *50%/ { p50 = $2 }
		/^ *99%/ { p99 = $2 }
		END { printf "{\"requests\":%d,\"rps\":%s,\"p50_us\":%d,\"p99_us\":%d,\"errors\":{\"failed\":%d,\"non2xx\":%d}}\n",
			n, rps, p50 * 1000, p99 * 1000, failed, non2xx }' "$f"
}

total_runs=0
for t in "${TESTS[@]}"; do
	read -ra l <<<"$(test_instances "$t")"
	total_runs=$((total_runs + ${#l[@]}))
done
log "load: $ROUNDS round(s) x $total_runs runs of ${WARMUP}s warm-up + ${DURATION}s, alternating servers"
for round in $(seq "$ROUNDS"); do
	for t in "${TESTS[@]}"; do
		read -ra list <<<"$(test_instances "$t")"
		for inst in "${list[@]}"; do
			if [ "$t" = ab50 ]; then
				row=$(run_ab "$inst")
			else
				row=$(run_wrk "$t" "$inst")
			fi
			[ -n "$row" ] || die "$t $inst: no result ($(tail -3 "$WORK/raw/wrk.$t.$inst" 2>/dev/null))"
			jq -c --arg t "$t" --arg s "$inst" --argjson r "$round" '. + {test:$t, server:$s, round:$r}' <<<"$row" >>"$SAMPLES"
			log "  round $round $t $inst: $(jq -r '"\(.rps | floor) req/s, p50 \(.p50_us) us, p99 \(.p99_us) us"' <<<"$row")"
		done
	done
done
for inst in "${INSTANCES[@]}"; do
	stop_group "${PID_OF[$inst]}"
done

# ---------------------------------------------------------------- results
END_EPOCH=$(date +%s)
DATE=$(date -u +%Y-%m-%d)
mkdir -p "$RESULTS"
versions=$(jq -n \
	--arg wrk "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" \
	--arg ab "$(ab -V 2>&1 | head -1)" \
	--arg nginx "$(nginx -v 2>&1)" \
	--arg go "$(go version)" \
	--arg node "$(node --version)" \
	--arg express "$(jq -r '.packages["node_modules/express"].version' "$PEERS/express/package-lock.json")" \
	--arg rustc "$(rustc --version)" \
	--arg actix "$(cd "$PEERS" && cargo tree --locked -q -p actix-hello -i actix-web --depth 0 | head -1)" \
	--arg hyper "$(cd "$PEERS" && cargo tree --locked -q -p hyper-hello -i hyper --depth 0 | head -1)" \
	'{wrk:$wrk, ab:$ab, nginx:$nginx, go:$go, node:$node, express:$express, rustc:$rustc, actix_web:$actix, hyper:$hyper}')

jq -n \
	--arg date "$DATE" \
	--arg started "$(date -u -d "@$START_EPOCH" +%Y-%m-%dT%H:%M:%SZ)" \
	--argjson runtime "$((END_EPOCH - START_EPOCH))" \
	--arg cmd "QUICK=$QUICK ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP COLD_RUNS=$COLD_RUNS bench/run.sh" \
	--argjson nproc "$(nproc)" \
	--arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
	--arg kernel "$(uname -r)" \
	--argjson mem "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" \
	--arg load0 "$LOADAVG_START" --arg load1 "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--arg page_source "$PAGE_SOURCE" --argjson page_bytes "$PAGE_BYTES" --arg page_sha "$PAGE_SHA256" \
	--arg vbuild "$VERBOSEL_BUILD" --argjson have_v "$HAVE_VERBOSEL" --arg vcommit "$VERBOSEL_COMMIT" --arg vsha "$VERBOSEL_SHA" --argjson vdirty "$VERBOSEL_DIRTY" \
	--argjson versions "$versions" \
	--argjson rounds "$ROUNDS" --argjson duration "$DURATION" --argjson warmup "$WARMUP" --argjson cold_runs "$COLD_RUNS" \
	--slurpfile samples "$SAMPLES" --slurpfile res "$RESOURCES" --slurpfile cold "$COLD" \
	--slurpfile sizes "$SIZES" --slurpfile headers "$HEADERS" '
	def median: sort | length as $n | if $n == 0 then null elif $n % 2 == 1 then .[($n - 1) / 2]
		else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
	def r2: . * 100 | round / 100;
	def ratio($x; $base): if $x == null or $base == null or $base <= 0 then null else ($x / $base | r2) end;
	{
		test_names: {
			ka50: "keep-alive, 13-byte body, 50 connections (wrk -t1 -c50)",
			ka200: "keep-alive, 13-byte body, 200 connections (wrk -t1 -c200)",
			close50: "new connection per request, 13-byte body, 50 connections (wrk -t1 -c50 -H \"Connection: close\")",
			page50: "keep-alive, landing page, 50 connections (wrk -t1 -c50, GET /index.html)",
			ab50: "HTTP/1.0 without keep-alive, 13-byte body, 50 concurrent (ab -c 50)",
			file1m: "keep-alive, a 1 MB file from a folder, 10 connections (wrk -t1 -c10, GET /1m.bin: nginx sendfile, verbosel --root)"
		}
	} as $meta
	| ($samples | group_by(.test) | map({key: .[0].test, value: (group_by(.server) | map({key: .[0].server, value: {
			rps: (map(.rps) | median | round),
			p50_us: (map(.p50_us) | median),
			p99_us: (map(.p99_us) | median),
			errors_total: (map(.errors | to_entries | map(.value) | add) | add),
			rounds: map(del(.test, .server))
		}}) | from_entries)}) | from_entries) as $tests
	| ($tests | with_entries(.key as $t | .value |= (
		(.nginx.rps) as $base_rps | (.nginx.p50_us) as $b50 | (.nginx.p99_us) as $b99
		| with_entries(.value += {ratio_rps_to_nginx: ratio(.value.rps; $base_rps),
			ratio_p50_to_nginx: ratio(.value.p50_us; $b50), ratio_p99_to_nginx: ratio(.value.p99_us; $b99)})
		| {description: $meta.test_names[$t], servers: .}))) as $tests
	| ([$res[], $cold[], $sizes[]] | group_by(.server) | map({key: .[0].server, value: (add | del(.server))}) | from_entries) as $resources
	| ($resources.nginx) as $n
	| ($resources | with_entries(.value += {
		ratio_binary_to_nginx: ratio(.value.binary_bytes; $n.binary_bytes),
		ratio_idle_rss_to_nginx: ratio(.value.idle_rss_kib; $n.idle_rss_kib),
		ratio_pss_per_conn_to_nginx: ratio(.value.pss_per_conn_kib; $n.pss_per_conn_kib),
		ratio_pss_anon_per_conn_to_nginx: ratio(.value.pss_anon_per_conn_kib; $n.pss_anon_per_conn_kib),
		ratio_cold_start_to_nginx: ratio(.value.cold_start_us; $n.cold_start_us)})) as $resources
	| {
		date: $date, started: $started, runtime_seconds: $runtime, command: $cmd,
		machine: {nproc: $nproc, cpu: $cpu, kernel: $kernel, mem_total_kib: $mem,
			loadavg_start: $load0, loadavg_end: $load1},
		settings: {rounds: $rounds, duration_s: $duration, warmup_s: $warmup, cold_start_runs: $cold_runs,
			held_connections: 100, load_generator: "wrk -t1 (ab for HTTP/1.0), on the same machine, no CPU pinning"},
		notes: [
			"wrk -t1 itself saturates near 160k req/s on this machine: keep-alive figures near that measure the load generator, not the server.",
			"Medians over alternating rounds (every server once per test per round); all rounds are kept under rounds.",
			"Latency p50/p99 from wrk exclude connect time; ab reports whole milliseconds.",
			"Ratios are value / nginx from this run: above 1 is better for req/s, below 1 is better for latency, size, memory and cold start.",
			"PSS counts shared library pages in proportion to every process on the machine that maps them, so the Pss delta of a dynamically linked server moves when unrelated processes start or stop; the anonymous part (Pss_Anon) does not. Neither counts kernel memory: page tables (VmPTE, reported), kernel stacks (16 KiB per task on x86_64) and socket buffers."
		],
		page: {source: $page_source, bytes: $page_bytes, sha256: $page_sha},
		verbosel: {build: $vbuild, measured: ($have_v == 1), commit: $vcommit, dirty_worktree: $vdirty, sha256: $vsha},
		versions: $versions,
		servers_commands: {
			nginx: "nginx 1 worker, access_log off; / = return 200 from memory; /index.html = static file, sendfile on, open_file_cache; keepalive_requests 100000000",
			actix: "bench/peers actix-hello (actix-web, workers(1))",
			hyper: "bench/peers hyper-hello (hyper 1, current-thread tokio)",
			go: "bench/peers/go gohello (net/http, GOMAXPROCS=1)",
			express: "node bench/peers/express/server.js (Express, one process)",
			forkc: "bench/peers/forkc/forkc.c (fork after accept, no parser, no limits, no sandbox: the floor cost of a process per connection)",
			verbosel: "target/release/examples/hello --quiet",
			"verbosel-site": "target/release/verbosel --quiet",
			"verbosel-nosandbox": "target/release/examples/hello --quiet --no-sandbox",
			"verbosel-reuse": "target/release/examples/hello --quiet --reuse 100",
			"verbosel-batch": "target/release/examples/hello --quiet --batch",
			"verbosel-site-batch": "target/release/verbosel --quiet --batch",
			"verbosel-root": "target/release/verbosel --quiet --root WWW (the folder nginx serves)",
			"verbosel-zip": "target/release/verbosel with the landing page appended as a ZIP archive (zip -r, cat, zip -A) --quiet",
			"verbosel-zip1m": "the same with ~1 MB of files appended (the page, 6 deflated text files, 4 stored random ones)",
			"verbosel-zip10m": "the same with ~10 MB of files appended (the page, 60 deflated text files, 40 stored random ones)"
		},
		response_headers: $headers,
		tests: $tests,
		resources: $resources
	}' >"$RESULTS/latest.json"
cp "$RESULTS/latest.json" "$RESULTS/$DATE.json"

"$BENCH/tools/table.sh" "$RESULTS/latest.json" >"$RESULTS/latest.md"
# The README quotes the committed results; a run into another directory leaves it alone.
if [ "$RESULTS" = "$BENCH/results" ]; then
	"$BENCH/tools/readme.sh"
fi
log "done in $((END_EPOCH - START_EPOCH)) s: $RESULTS/latest.json, $RESULTS/$DATE.json, $RESULTS/latest.md"
cat "$RESULTS/latest.md"
