#!/usr/bin/env bash
# Import speed next to zcat, side by side in one run: each round decompresses the same files with zcat to /dev/null
# and imports them with ./vmorph into a fresh store, alternating, then prints the median wall time of each, the ratio,
# and vmorph's peak memory. Usage: bench/import-vs-zcat.sh [TRACE_DIR] [ROUNDS]   (defaults: bitbrains-rnd, 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
traces="${1:-$root/../shared/traces/bitbrains-rnd}"
rounds="${2:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mapfile -t files < <(find "$traces" -name '*.gz' | sort)
"$root/vmorph" --help >/dev/null   # build first, outside the measurement

zcat_times=(); vmorph_times=(); rss=()
for ((i = 1; i <= rounds; i++)); do
  start=$(date +%s.%N); zcat "${files[@]}" >/dev/null; end=$(date +%s.%N)
  zcat_times+=("$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')")
  rm -rf "$work/data"
  /usr/bin/time -f "%e %M" -o "$work/time" env VMORPH_DATA_DIR="$work/data" "$root/vmorph" import "$traces" -o json >/dev/null
  read -r wall kb <"$work/time"
  vmorph_times+=("$wall"); rss+=("$kb")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
z=$(median "${zcat_times[@]}"); v=$(median "${vmorph_times[@]}"); m=$(median "${rss[@]}")
echo "files: ${#files[@]}  rounds: $rounds  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'zcat to /dev/null     median %.2f s\n' "$z"
printf './vmorph import       median %.2f s   peak RSS %d MiB\n' "$v" $((m / 1024))
printf 'ratio                 %.2fx zcat (goal: 3x or less)\n' "$(awk -v a="$v" -v b="$z" 'BEGIN { print a / b }')"
