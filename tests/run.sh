#!/bin/bash
# tests/run.sh: the one test command of ovs-xsk (CI runs it via .ci/run).
#
# 1. Builds with utilities/build.sh: installs missing Debian packages, then
#    builds in the repository root, in-tree: "./boot.sh && ./configure
#    --prefix=$PWD/_install" the first time (when there is no Makefile),
#    then "make" every time (cheap when nothing changed).  Set
#    OVS_XSK_BUILDDIR to build elsewhere (a VPATH build; the repository root
#    must then be unconfigured).
# 2. Unit tests: each tests/unit/test-* program, and each
#    tests/unit/check-*.sh script (given the build directory: checks that
#    need no system, e.g. check-thread-safety.sh, Clang's thread-safety
#    analysis of the glue); every TAP line it prints ("ok N - name",
#    "not ok N - name", "# SKIP") counts as one test.
#    Then, if OVS_XSK_FUZZ_SECONDS is not 0 (default: 20 if CI=true, else
#    0), the fuzz targets, SECONDS each (tests/fuzz/run.sh), one test per
#    target; main stage only.
# 3. System tests: every executable tests/system/*.sh, one test each (exit 0
#    passes, 77 skips, else fails; the tail of its log is shown on failure).
#    They find the build through OVS_XSK_BUILD (the built ovs/ tree).
# 4. With OVS_XSK_FULL=1, OVS's AF_XDP suite too ("make check-afxdp",
#    TESTSUITEFLAGS from OVS_XSK_TESTSUITEFLAGS), one test per autotest test;
#    failed tests run once more; failures listed in
#    tests/check-afxdp-known.txt count as skipped, with their reason; its
#    ports run in native XDP mode (OVS_XSK_TEST_XDP_MODE=native).  Then
#    the same suite again, in the default mode (generic on its veths), with
#    OVS_XSK_HW_OFFLOAD=1: flow offload on in
#    every test but the conntrack group (TESTSUITEFLAGS from
#    OVS_XSK_OFFLOAD_TESTSUITEFLAGS, default "-k !conntrack"): a flow with
#    a ct() action or a recirculation id is never offloaded, so those 100
#    tests would run the AF_XDP path of the first run once more.
#    A watchdog (tests/suite-watchdog.sh) reports and ends a test that
#    gives no result for OVS_XSK_SUITE_STALL s (300) and the suite after
#    OVS_XSK_SUITE_LIMIT s (1800), so that a hang fails CI with what was
#    stuck instead of timing it out.
# 5. With OVS_XSK_SANITIZE=1, steps 1-3 again on a second build configured
#    with --enable-sanitizers (AddressSanitizer + UBSan), in
#    $OVS_XSK_ASAN_BUILDDIR (default build-asan/; a VPATH build, so the main
#    build must then be one too: set OVS_XSK_BUILDDIR).  A sanitizer report
#    fails the test that caused it.  System tests see the stage's name in
#    OVS_XSK_STAGE (main or asan); 50-bench-quick and 82-ovn-bench-quick
#    run in main only.
#
# Every "==" line and every system test's line ends with the seconds since
# the start ("[t=N s]"), and system tests with their own duration.
#
# Logs go to tests/results/ (or $OVS_XSK_RESULTS).  The last line is
# "N passed, N failed" (plus ", N skipped" if any); the exit status is
# nonzero if anything failed.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILDDIR=${OVS_XSK_BUILDDIR:-$ROOT}
RESULTS=${OVS_XSK_RESULTS:-$ROOT/tests/results}
if [ "${CI:-}" = true ]; then
    FUZZ_SECONDS=${OVS_XSK_FUZZ_SECONDS:-20}
else
    FUZZ_SECONDS=${OVS_XSK_FUZZ_SECONDS:-0}
fi

passed=0
failed=0
skipped=0

summary ()
{
    local line="$passed passed, $failed failed"
    [ "$skipped" -eq 0 ] || line="$line, $skipped skipped"
    echo "$line"
    [ "$failed" -eq 0 ]
    exit
}

# show_tail LOG: prints the end of a failed test's log.
show_tail ()
{
    echo "---- last lines of $1 ----"
    tail -n 40 "$1"
    echo "----"
}

# tally NAME LOG STATUS PASSED FAILED SKIPPED: adds the results of a program
# that reports several tests.  A nonzero exit status with no failed test, or
# no result at all, counts as one failure.
tally ()
{
    local name=$1 log=$2 status=$3 p=$4 f=$5 s=$6
    echo "$name: $p passed, $f failed, $s skipped (exit $status)"
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL: $name exited with status $status"
        f=1
    elif [ $((p + f + s)) -eq 0 ]; then
        echo "FAIL: $name reported no results"
        f=1
    fi
    [ "$f" -eq 0 ] || show_tail "$log"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
}

rm -rf "$RESULTS"

# stage LABEL BUILDDIR [CONFIGURE-FLAG...]: builds in BUILDDIR and runs the
# unit and system tests on that build; logs in $RESULTS/LABEL.
stage ()
{
    local label=$1 builddir=$2
    shift 2
    local res=$RESULTS/$label
    mkdir -p "$res/unit" "$res/system"

    export OVS_XSK_STAGE=$label
    echo "== [$label] build in $builddir [t=$SECONDS s]"
    if ! OVS_XSK_BUILDDIR=$builddir OVS_XSK_CONFIGURE_FLAGS="$*" \
            "$ROOT/utilities/build.sh" > "$res/build.log" 2>&1; then
        echo "FAIL: build"
        show_tail "$res/build.log"
        failed=$((failed + 1))
        return 1
    fi
    export OVS_XSK_BUILD=$builddir/ovs

    echo "== [$label] unit tests [t=$SECONDS s]"
    for src in "$ROOT"/tests/unit/test-*.c "$ROOT"/tests/unit/check-*.sh; do
        [ -e "$src" ] || continue
        case $src in
        *.sh)
            name=$(basename "$src" .sh)
            log=$res/unit/$name.log
            "$src" "$builddir" > "$log" 2>&1
            status=$?
            ;;
        *)
            name=$(basename "$src" .c)
            log=$res/unit/$name.log
            if ! make -C "$builddir" "tests/unit/$name" > "$log" 2>&1; then
                echo "not ok - $name: build failed"
                show_tail "$log"
                failed=$((failed + 1))
                continue
            fi
            "$builddir/tests/unit/$name" > "$log" 2>&1
            status=$?
            ;;
        esac
        read -r p f s < <(awk '
            /^not ok/ { f++; next }
            /^ok/ && /# *[Ss][Kk][Ii][Pp]/ { s++; next }
            /^ok/ { p++ }
            END { print p + 0, f + 0, s + 0 }' "$log")
        grep '^not ok' "$log"
        tally "$label $name" "$log" "$status" "$p" "$f" "$s"
    done

    if [ "$label" = main ] && [ "$FUZZ_SECONDS" != 0 ]; then
        echo "== [$label] fuzz targets, $FUZZ_SECONDS s each [t=$SECONDS s]"
        log=$res/fuzz.log
        OVS_XSK_BUILDDIR=$builddir \
            "$ROOT/tests/fuzz/run.sh" "$FUZZ_SECONDS" > "$log" 2>&1
        status=$?
        # One line per target: "fuzz NAME: ..., ok", "...: skipped (why)"
        # or "...: FAILED (...)".
        grep '^fuzz ' "$log"
        read -r p f s < <(awk '
            /^fuzz [^ ]*: skipped/ { s++; next }
            /^fuzz [^ ]*: .*, ok$/ { p++; next }
            /^fuzz [^ ]*: / { f++ }
            END { print p + 0, f + 0, s + 0 }' "$log")
        tally "$label fuzz" "$log" "$status" "$p" "$f" "$s"
    fi

    echo "== [$label] system tests [t=$SECONDS s]"
    for script in "$ROOT"/tests/system/*.sh; do
        [ -x "$script" ] || continue
        name=$(basename "$script" .sh)
        log=$res/system/$name.log
        start=$SECONDS
        XSK_TEST_LOGDIR=$res/system/$name \
            timeout "${OVS_XSK_TEST_TIMEOUT:-600}" "$script" < /dev/null \
            > "$log" 2>&1
        status=$?
        took="($((SECONDS - start)) s) [t=$SECONDS s]"
        case $status in
        0)  echo "PASS: $label $name $took"; passed=$((passed + 1)) ;;
        77) echo "SKIP: $label $name: $(sed -n 's/^SKIP: *//p' "$log" \
                                         | head -n 1) $took"
            skipped=$((skipped + 1)) ;;
        *)  echo "FAIL: $label $name (exit $status) $took"
            show_tail "$log"
            failed=$((failed + 1)) ;;
        esac
    done
}

stage main "$BUILDDIR" || summary
BUILD_MAIN=$BUILDDIR

# ---- OVS's AF_XDP suite -----------------------------------------------------

# afxdp_suite NAME FLAGS: runs "make check-afxdp TESTSUITEFLAGS=FLAGS" (in
# the environment the caller sets) and tallies it as NAME, with its log in
# $RESULTS/NAME.log.
afxdp_suite ()
{
    local name=$1 flags=$2 log=$RESULTS/$1.log status p f s
    export OVS_XSK_BUILD=$BUILD_MAIN/ovs
    # RECHECK=yes runs failed tests once more (some are timing-sensitive on
    # 2 cores); a test's last result counts.
    # Its stdin is /dev/null, like every system test's, and a watchdog
    # (tests/suite-watchdog.sh) ends a test that gives no result for 300 s
    # and the suite after 1800 s, saying on our output what was stuck.
    make -C "$BUILD_MAIN" check-afxdp RECHECK=yes \
        TESTSUITEFLAGS="$flags" < /dev/null > "$log" 2>&1 &
    local make_pid=$!
    bash "$ROOT/tests/suite-watchdog.sh" "$make_pid" "$log" \
        "$BUILD_MAIN/ovs/tests/system-afxdp-testsuite.dir" \
        "${OVS_XSK_SUITE_STALL:-300}" "${OVS_XSK_SUITE_LIMIT:-1800}" &
    local watchdog_pid=$!
    wait "$make_pid"
    status=$?
    wait "$watchdog_pid" || status=1
    # Autotest prints one line per test: "  N: title   ok|skipped (..)|
    # FAILED (..)|expected failure (..)|UNEXPECTED PASS".  Failures of
    # tests listed in tests/check-afxdp-known.txt count as skipped.
    read -r p f s < <(awk -F'|' -v known="$ROOT/tests/check-afxdp-known.txt" '
        BEGIN {
            while ((getline line < known) > 0) {
                if (line ~ /^#/ || line !~ /\|/) continue
                split(line, kv, "|"); why[kv[1]] = kv[2]
            }
        }
        { gsub(/\033\[[0-9;]*m/, "") }
        match($0, /^ *[0-9]+: /) {
            n = substr($0, RSTART, RLENGTH) + 0
            rest = substr($0, RLENGTH + 1)
            if (rest ~ / ok$/) st[n] = "ok"
            else if (rest ~ / skipped( \(|$)/ || rest ~ / expected failure/) st[n] = "skip"
            else if (rest ~ / FAILED( \(|$)/ || rest ~ /UNEXPECTED PASS/) st[n] = "fail"
            else next
            t = rest; sub(/ +(ok|skipped.*|FAILED.*|expected failure.*|UNEXPECTED PASS)$/, "", t)
            title[n] = t
        }
        END {
            for (n in st) {
                if (st[n] == "ok") p++
                else if (st[n] == "skip") s++
                else if (title[n] in why) {
                    s++
                    printf "known failure: %d: %s (%s)\n", n, title[n], why[title[n]] > "/dev/stderr"
                } else {
                    f++
                    printf "FAILED: %d: %s\n", n, title[n] > "/dev/stderr"
                }
            }
            print p + 0, f + 0, s + 0
        }' "$log" 2> "$RESULTS/$name.summary")
    cat "$RESULTS/$name.summary"
    # The suite's own exit status reflects the known failures too.
    [ "$f" -eq 0 ] && status=0
    tally "$name" "$log" "$status" "$p" "$f" "$s"
}

if [ "${OVS_XSK_FULL:-0}" = 1 ]; then
    # Each run covers one XDP mode, so that CI time stays that of two runs:
    # the first pins native (ADD_VETH's ports get options:xdp-mode from
    # OVS_XSK_TEST_XDP_MODE, ovs-patches/0013), as every run did before
    # the veth default became generic; the second, with flow offload,
    # takes the default (generic on these one-queue veths).
    echo "== make check-afxdp (OVS's AF_XDP suite), native [t=$SECONDS s]"
    OVS_XSK_TEST_XDP_MODE=native afxdp_suite check-afxdp \
        "${OVS_XSK_TESTSUITEFLAGS:-}"
    # The same suite with every test's flows offloaded where they can be
    # (ovs-patches/0004: hw-offload=true), but the conntrack group, whose
    # flows are never offloaded.
    echo "== make check-afxdp with other_config:hw-offload=true," \
        "default XDP mode [t=$SECONDS s]"
    OVS_XSK_TEST_XDP_MODE= OVS_XSK_HW_OFFLOAD=1 \
        afxdp_suite check-afxdp-offload \
        "${OVS_XSK_OFFLOAD_TESTSUITEFLAGS:--k !conntrack}"
fi

# ---- Again under AddressSanitizer and UBSan ----------------------------------

if [ "${OVS_XSK_SANITIZE:-0}" = 1 ]; then
    stage asan "${OVS_XSK_ASAN_BUILDDIR:-$ROOT/build-asan}" \
        --enable-sanitizers
fi

echo "== done [t=$SECONDS s]"
summary
