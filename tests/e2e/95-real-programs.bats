#!/usr/bin/env bats
# Programs nobody here wrote, as Debian ships them: redis-server and nginx
# (epoll), fio (io_uring with SQPOLL, registered files and fixed buffers).
# Each is dumped and judged by the live oracle (/proc fds, fdinfo, kcmp)
# where its state holds still, and checkpointed with --freeze and restored
# into a holder whose dump equals the checkpoint (roundtrip.py, buffers read
# back from the holder's memory); the program keeps working afterwards.

load lib

ROUNDTRIP="$E2E_DIR/roundtrip.py"

setup() {
	common_setup
	IMG=$BATS_TEST_TMPDIR/img
	PIDFILE=$BATS_TEST_TMPDIR/holder.pid
	PORT=$((20000 + RANDOM % 20000))
}

teardown() { common_teardown; }

need() {
	command -v "$1" >/dev/null || skip_or_fail "$1 is not installed (make deps installs it)"
}

# wait_for CMD...: up to 10 s until CMD succeeds.
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "not ready: $*" >&2
	return 1
}

# checkpoint_roundtrip PID: checkpoint --freeze, restore --files-from,
# the holder's dump against the image.
checkpoint_roundtrip() {
	ud checkpoint --freeze "$1" "$IMG"
	expect_status 0
	ud restore "$IMG" --pidfile "$PIDFILE" --files-from "$1"
	expect_status 0
	local report=$UD_OUT holder
	holder=$(cat "$PIDFILE")
	WL_PIDS+=("$holder")
	ud --json "$holder"
	expect_status 0
	"$PY" "$ROUNDTRIP" "$IMG" "$UD_OUT" "$holder" --report "$report" >&2
	compare_live "$holder" "$UD_OUT"
}

start_redis() {
	need redis-server
	need redis-cli
	start_plain redis-server --port "$PORT" --save "" --appendonly no --daemonize no
	wait_for redis-cli -p "$PORT" ping
}

@test "redis-server: the dump agrees with /proc, fdinfo and kcmp" {
	start_redis
	ud --json "$BG_PID"
	expect_status 0
	compare_live "$BG_PID" "$UD_OUT"
	grep -q '"epolls":\[{' "$UD_OUT"
}

@test "redis-server: checkpoint and restore round-trip, and redis still answers" {
	start_redis
	checkpoint_roundtrip "$BG_PID"
	[[ $(redis-cli -p "$PORT" ping) == PONG ]]
}

start_nginx() {
	need nginx
	need curl
	mkdir -p "$BATS_TEST_TMPDIR/ngx/logs"
	cat > "$BATS_TEST_TMPDIR/ngx/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1;
error_log $BATS_TEST_TMPDIR/ngx/logs/error.log; pid $BATS_TEST_TMPDIR/ngx/nginx.pid;
events { worker_connections 64; }
http { access_log off; server { listen 127.0.0.1:$PORT; location / { return 200 "ok\n"; } } }
CONF
	start_plain nginx -p "$BATS_TEST_TMPDIR/ngx" -c "$BATS_TEST_TMPDIR/ngx/nginx.conf"
	wait_for curl -sf "http://127.0.0.1:$PORT/"
}

@test "nginx: the dump agrees with /proc, fdinfo and kcmp" {
	start_nginx
	ud --json "$BG_PID"
	expect_status 0
	compare_live "$BG_PID" "$UD_OUT"
}

@test "nginx: checkpoint and restore round-trip, and nginx still serves" {
	start_nginx
	checkpoint_roundtrip "$BG_PID"
	[[ $(curl -s "http://127.0.0.1:$PORT/") == ok ]]
}

@test "fio (io_uring, SQPOLL, registered file, fixed buffers): checkpoint and restore round-trip" {
	need fio
	local data=$BATS_TEST_TMPDIR/fio.dat pid p i
	dd if=/dev/zero of="$data" bs=1M count=8 status=none
	start_plain fio --name=t --filename="$data" --ioengine=io_uring --sqthread_poll=1 \
		--registerfiles --fixedbufs --rw=randread --bs=4k --iodepth=8 --time_based \
		--runtime=120
	# the job runs in a child of fio's main process
	pid=
	for ((i = 0; i < 100; i++)); do
		for p in $(pgrep -x fio); do
			if ls -l "/proc/$p/fd" 2>/dev/null | grep -q io_uring; then pid=$p; fi
		done
		[[ -n $pid ]] && break
		sleep 0.1
	done
	[[ -n $pid ]] || { echo "no fio process with a ring" >&2; return 1; }
	checkpoint_roundtrip "$pid"
	grep -q '"setup_flags": 10' "$IMG/manifest.json" # SQPOLL|CQSIZE
	[[ $(ls "$IMG/buffers" | wc -l) == 8 ]]
	kill -0 "$pid"
}
