#!/usr/bin/env bash
# bench/workload-confusion.sh: the confusion matrix of workload detection on real workloads (docs/TRAITS.md).
#
# Runs each scenario of the lab guest lab-wl (scripts/lab up --workloads; lab.d/vmorph-scenario) RUNS times. Each run
# starts from a new store (a VM vmorph has never seen), collects one window with nothing running, starts the scenario
# through the guest agent, and collects once per WINDOW with the real collector (`vmorph collect --once`, guest view
# and footprint scan included), reading `vmorph traits --output json` after each. A label is the workload vmorph names
# (`workload.name`: an archetype, or `unknown` below the archetypes' thresholds) when its score reaches MIN_CONFIDENCE,
# else `unknown`. The detected label is the first workload label that holds for WINDOWS consecutive windows within
# DETECT_TIMEOUT of the start (`unknown` if none does); for a workload that was detected, the scenario is then stopped
# and the run measures the time until that label has been gone for WINDOWS consecutive windows (GONE_TIMEOUT at most).
# The web scenario's load comes from outside the guest, as a web server's does: `scripts/lab clients` (8 addresses of
# the host on lab-wl's tap, a curl loop each), started after nginx and stopped with the scenario; so web runs need
# GUEST=lab-wl.
# Times are from the scenario's start (its `start` command returned) or stop to the end of the confirming window.
#
# Usage: bench/workload-confusion.sh [--runs N] [--scenarios "database web ..."] [--out DIR]
# Environment: WINDOW (s, default 30: one collection per window; a collection that runs longer is the window), WINDOWS
# (default 2), MIN_CONFIDENCE (default 0.5): the confirmation of the lab test policy
# tests/Vmorph.Libvirt.Tests/Workloads/workload-lab-policy.yaml (evidence half-life 2 min:
# workload-lab-archetypes.yaml beside it); DETECT_TIMEOUT (s, default 480), GONE_TIMEOUT (s, default 480),
# IDLE_WINDOWS (windows an idle run is watched, default 6); VMORPH (the command that runs vmorph, default ./vmorph);
# GUEST_TIMEOUT (collect's --guest-timeout, default 10s as serve's); SCAN_INTERVAL (collect's --scan-interval,
# default 10m as serve's: a run's store is new, so its first window scans the guest's data footprint and the next
# ones within 10 min do not; 0s scans in every window); GUEST (the guest, default lab-wl: any domain of
# the lab booted from lab-wl's image, e.g. a second copy so the matrix runs beside the lab tests).
# Writes DIR/runs.tsv (one line per run), DIR/windows.tsv (every window's label and scores) and DIR/matrix.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=3
scenarios="database web development analytics scanner idle"
out=$root/artifacts/workload-confusion
window=${WINDOW:-30} windows=${WINDOWS:-2} min_confidence=${MIN_CONFIDENCE:-0.5}
detect_timeout=${DETECT_TIMEOUT:-480} gone_timeout=${GONE_TIMEOUT:-480} idle_windows=${IDLE_WINDOWS:-6}
guest=${GUEST:-lab-wl} scan_interval=${SCAN_INTERVAL:-10m}
read -r -a vmorph <<<"${VMORPH:-$root/vmorph}"
# The lab's evidence half-life (2 windows), as the lab tests use it; the archetypes themselves are the built-in ones.
archetypes=$root/tests/Vmorph.Libvirt.Tests/Workloads/workload-lab-archetypes.yaml

while (($#)); do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "workload-confusion: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "workload-confusion: --runs must be a whole number above 0, not '$runs'" >&2; exit 2; }

expected() {
    case $1 in
    database) echo database-server ;;
    web) echo web-server ;;
    development) echo development ;;
    analytics) echo data-analytics-node ;;
    scanner) echo security-scanner ;;
    idle) echo unknown ;;
    *) echo "workload-confusion: unknown scenario '$1'" >&2; exit 2 ;;
    esac
}
for s in $scenarios; do expected "$s" >/dev/null; done
command -v jq >/dev/null || { echo "workload-confusion: needs jq (scripts/deps installs it)" >&2; exit 1; }

"$root/scripts/lab" exec "$guest" /usr/local/sbin/vmorph-scenario list >/dev/null ||
    { echo "workload-confusion: $guest does not answer: run scripts/lab up --workloads" >&2; exit 1; }
"${vmorph[@]}" version >/dev/null # builds the command line once, before the first timed window
mkdir -p "$out"
printf 'run\tscenario\texpected\tdetected\tdetect_s\tgone_s\tscore\tmargin\tstart_s\n' >"$out/runs.tsv"
printf 'run\tscenario\tphase\tt_s\tlabel\tbest\tscore\tsecond\tsecond_score\tcollect_s\n' >"$out/windows.tsv"

# Starting PostgreSQL in a busy, freshly booted guest can take minutes on a loaded host.
# The agent can be busy for a while (another reader of the guest, a loaded host): three tries.
scenario() {
    local try
    # The web scenario's clients are outside the guest (scripts/lab clients, on lab-wl's tap): started after nginx,
    # stopped before anything else.
    if [[ $1 == stop ]]; then "$root/scripts/lab" clients stop >/dev/null; fi
    for try in 1 2 3; do
        if VMORPH_LAB_EXEC_TIMEOUT=300 "$root/scripts/lab" exec "$guest" /usr/local/sbin/vmorph-scenario "$@" >/dev/null; then
            if [[ $1 == start && $2 == web ]]; then "$root/scripts/lab" clients start >/dev/null; fi
            return 0
        fi
        echo "workload-confusion: vmorph-scenario $* failed in $guest (try $try of 3)" >&2
        sleep 10
    done
    return 1
}

# window RUN SCENARIO PHASE T0: one collection cycle and the traits after it; sets LABEL, BEST, SCORE, MARGIN; waits
# for the rest of the window.
window() {
    local begin json t c0 c1
    begin=$(date +%s.%N)
    c0=$begin
    "${vmorph[@]}" collect --once --guest-timeout "${GUEST_TIMEOUT:-10s}" --scan-interval "$scan_interval" --archetypes "$archetypes" --domain "$guest" >/dev/null 2>>"$VMORPH_DATA_DIR/collect.log"
    c1=$(date +%s.%N)
    json=$("${vmorph[@]}" traits "$guest" --archetypes "$archetypes" --output json)
    read -r LABEL BEST SCORE SECOND SECOND_SCORE < <(jq -r --argjson min "$min_confidence" '
        ([.traits[] | select(.kind == "workload")] | sort_by(-.score)) as $w
        | [(if .workload.name != "unknown" and .workload.score >= $min then .workload.name else "unknown" end),
           (.workload.bestGuess // "none"), (.workload.score * 10000 | round / 10000),
           ($w[1].trait // "none"), (($w[1].score // 0) * 10000 | round / 10000)] | @tsv' <<<"$json")
    MARGIN=$(awk -v a="$SCORE" -v b="$SECOND_SCORE" 'BEGIN { printf "%.4f", a - b }')
    t=$(awk -v a="$4" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\n' "$1" "$2" "$3" "$t" "$LABEL" "$BEST" "$SCORE" "$SECOND" \
        "$SECOND_SCORE" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" >>"$out/windows.tsv"
    echo "  run $1 $2 $3 +${t}s: $LABEL (best $BEST $SCORE, then $SECOND $SECOND_SCORE)" >&2
    local rest
    rest=$(awk -v w="$window" -v a="$begin" -v b="$(date +%s.%N)" 'BEGIN { r = w - (b - a); print (r > 0 ? r : 0) }')
    sleep "$rest"
}

since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }'; }

for ((run = 1; run <= runs; run++)); do
    for s in $scenarios; do
        want=$(expected "$s")
        VMORPH_DATA_DIR=$(mktemp -d /tmp/vmorph-confusion-XXXXXX)
        export VMORPH_DATA_DIR
        scenario stop
        echo "run $run: $s (expect $want)" >&2
        window "$run" "$s" before "$(date +%s.%N)"
        s0=$(date +%s.%N)
        scenario start "$s"
        start_s=$(since "$s0")
        t0=$(date +%s.%N)
        detected=unknown detect_s= gone_s= streak=0 last= score= margin= n=0
        while :; do
            window "$run" "$s" running "$t0"
            n=$((n + 1))
            if [[ $LABEL == "$last" ]]; then streak=$((streak + 1)); else last=$LABEL streak=1; fi
            if [[ $LABEL != unknown ]] && ((streak >= windows)); then
                detected=$LABEL detect_s=$(since "$t0") score=$SCORE margin=$MARGIN
                break
            fi
            if [[ $s == idle ]]; then ((n < idle_windows)) || break; fi
            (($(since "$t0") < detect_timeout)) || break
        done
        [[ -n $score ]] || score=$SCORE margin=$MARGIN
        scenario stop
        if [[ $detected != unknown ]]; then
            t1=$(date +%s.%N)
            streak=0
            while :; do
                window "$run" "$s" stopped "$t1"
                if [[ $LABEL != "$detected" ]]; then streak=$((streak + 1)); else streak=0; fi
                if ((streak >= windows)); then
                    gone_s=$(since "$t1")
                    break
                fi
                (($(since "$t1") < gone_timeout)) || break
            done
        fi
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$s" "$want" "$detected" "${detect_s:--}" "${gone_s:--}" \
            "$score" "$margin" "$start_s" >>"$out/runs.tsv"
        echo "run $run: $s -> $detected (detect ${detect_s:--} s, gone ${gone_s:--} s)" >&2
        rm -rf "$VMORPH_DATA_DIR"
    done
done

# The matrix: rows the scenarios' expected labels, columns the detected ones.
{
    echo "Confusion matrix ($runs run(s) per scenario; window ${window} s, ${windows} windows, min-confidence $min_confidence):"
    echo
    awk -F'\t' 'NR > 1 { rows[$3] = 1; cols[$4] = 1; n[$3 "|" $4]++; if ($3 == $4) ok++; all++ }
        END {
            split("database-server web-server development data-analytics-node security-scanner unknown", order, " ")
            header = "| expected \\ detected |"; line = "|---|"
            for (i = 1; i <= 6; i++) if (order[i] in cols) { header = header " " order[i] " |"; line = line "---|" }
            print header; print line
            for (i = 1; i <= 6; i++) if (order[i] in rows) {
                row = "| " order[i] " |"
                for (j = 1; j <= 6; j++) if (order[j] in cols) row = row " " (n[order[i] "|" order[j]] + 0) " |"
                print row
            }
            printf "\n%d of %d runs right (%.0f %%)\n", ok, all, 100 * ok / all
        }' "$out/runs.tsv"
    echo
    echo "| scenario | start (s) | start to stable detection (s) | stop to gone (s) |"
    echo "|---|---|---|---|"
    awk -F'\t' 'NR > 1 { k = $2; st[k] = st[k] " " $9; d[k] = d[k] " " $5; g[k] = g[k] " " $6; if (!(k in seen)) { seen[k] = 1; o[++m] = k } }
        END { for (i = 1; i <= m; i++) printf "| %s |%s |%s |%s |\n", o[i], st[o[i]], d[o[i]], g[o[i]] }' "$out/runs.tsv"
} | tee "$out/matrix.md"
