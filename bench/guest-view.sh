#!/usr/bin/env bash
# bench/guest-view.sh: how long the inventory script (src/Vmorph.Guest/Scripts/inventory.sh) takes inside lab guests,
# this tree's against a baseline commit's, alternated (docs/BENCHMARKS.md, "The guest view of a Debian guest").
#
# Each round runs both scripts once per guest through the guest agent (scripts/lab exec) and times them inside the
# guest with /proc/uptime read by the shell itself (no fork), so the agent's round trips are not counted.
#
# Usage: bench/guest-view.sh [--runs N] [--baseline REV] GUEST...
#   --runs N        rounds (default 5)
#   --baseline REV  the commit whose inventory.sh is the baseline (default d708445^, the readlink per process)
# Prints one line per guest and script: the median, lowest and highest seconds, and the processes the last run saw.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=5 baseline='d708445^'
while (($#)); do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --baseline) baseline=$2; shift 2 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "guest-view: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) break ;;
    esac
done
(($#)) || { echo "guest-view: name at least one lab guest (e.g. lab-1 lab-wl)" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "guest-view: --runs must be a whole number above 0, not '$runs'" >&2; exit 2; }
current=$(cat "$root/src/Vmorph.Guest/Scripts/inventory.sh")
old=$(git -C "$root" show "$baseline:src/Vmorph.Guest/Scripts/inventory.sh") ||
    { echo "guest-view: no inventory.sh at '$baseline'" >&2; exit 2; }
# In the guest: $1 the script; prints the seconds it took and the processes it listed.
timer='read a _ </proc/uptime; out=$(/bin/sh -c "$1" vmorph-inventory); read b _ </proc/uptime
n=$(printf "%s\n" "$out" | awk "/^@@vmorph exe/ { on = 1; next } /^@@vmorph/ { on = 0 } on { n++ } END { print n + 0 }")
echo "$a $b $n"'

declare -A times procs
for ((r = 1; r <= runs; r++)); do
    for guest in "$@"; do
        for which in baseline current; do
            if [[ $which == baseline ]]; then script=$old; else script=$current; fi
            read -r a b n < <(VMORPH_LAB_EXEC_TIMEOUT=300 "$root/scripts/lab" exec "$guest" /bin/sh -c "$timer" vmorph-timer "$script")
            times[$guest/$which]+="$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b - a }') "
            procs[$guest/$which]=$n
        done
    done
done
for guest in "$@"; do
    for which in baseline current; do
        printf '%s\t%s\t%s\n' "$guest" "$which" "${times[$guest/$which]}" | awk -F'\t' -v n="${procs[$guest/$which]}" '{
            k = split($3, t, " "); for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (t[j] + 0 < t[i] + 0) { x = t[i]; t[i] = t[j]; t[j] = x }
            median = (k % 2) ? t[(k + 1) / 2] : (t[k / 2] + t[k / 2 + 1]) / 2
            printf "%s %s: median %.2f s, lowest %.2f s, highest %.2f s (%d runs; %d processes with an executable)\n", $1, $2, median, t[1], t[k], k, n }'
    done
done
