# vmorph inventory: prints what runs in this machine, read from /proc, in sections that vmorph parses on the host.
# POSIX sh + stat + awk (busybox is enough; readlink too where stat is not GNU's): no `ls` output is parsed, and every
# name that could hold a newline or another control character (an executable's path) is printed escaped (\\ and \ooo
# octal), so one process is always one line. In an emulated guest every fork counts (~0.2 s each under TCG), so the
# script forks a fixed handful of processes whatever runs: GNU stat reads every executable's link at once, quoted C
# style (one line per process whatever its path holds); only where stat is busybox's does it fork a readlink per
# process.
# Run as: /bin/sh -c "$(cat inventory.sh)" vmorph-inventory
# It prints no file content outside /proc (and the user names of /etc/passwd, which the host hashes before keeping
# anything) and no command-line arguments of any process (they may hold secrets).
export LC_ALL=C
PATH=/bin:/usr/bin:/sbin:/usr/sbin:$PATH
echo "@@vmorph inventory 1"
echo "@@vmorph self"
echo $$
# awk reads, on its standard input: each process's executable, then "@sockets", then "MODE INODE /proc/PID/fd/N" for
# each open file (stat -L: a socket's inode is the socket's). The executables come either from GNU stat, after a line
# "@quoted", as '"/proc/PID/exe" -> "PATH"' (PATH C-quoted; a kernel thread's line has no arrow), or from a readlink
# per process as "PID LENGTH PATH" (LENGTH in bytes, so that a path holding newlines is joined back whole: the "."
# keeps readlink's trailing newlines, which $(...) would strip).
{
    if [ "$(QUOTING_STYLE=c stat -c %N / 2>/dev/null)" = '"/"' ]; then
        echo "@quoted"
        QUOTING_STYLE=c stat -c %N /proc/[0-9]*/exe 2>/dev/null
    else
        for e in /proc/[0-9]*/exe; do
            [ -e "$e" ] || continue # a kernel thread's link leads nowhere: no fork for it
            t=$(readlink "$e" 2>/dev/null && echo .) || continue
            t=${t%.}; t=${t%?}
            p=${e#/proc/}
            printf '%s %s %s\n' "${p%/exe}" "${#t}" "$t"
        done
    fi
    echo "@sockets"
    stat -L -c '%f %i %n' /proc/[0-9]*/fd/* 2>/dev/null
} | awk 'function section(name) { print "@@vmorph " name }
function cat(file,    line) { while ((getline line < file) > 0) print line; close(file) }
function escape(s,    out, k, c) {
    if (s !~ /[^ -~]/ && index(s, "\\") == 0) return s
    out = ""
    for (k = 1; k <= length(s); k++) {
        c = substr(s, k, 1)
        out = out ((c in code) ? code[c] : c)
    }
    return out
}
# The bytes that the content of a C-quoted string (between its quotes) stands for.
function unquote(s,    out, k, c, n, d) {
    if (index(s, "\\") == 0) return s
    out = ""
    for (k = 1; k <= length(s); k++) {
        c = substr(s, k, 1)
        if (c != "\\") { out = out c; continue }
        c = substr(s, ++k, 1)
        if (c in unescaped) { out = out unescaped[c]; continue }
        for (n = 0; c ~ /^[0-7]$/ && d < 3; c = substr(s, ++k, 1)) { n = n * 8 + c; d++ }
        if (d == 0) { out = out c; continue } # \\ \" \? and the like
        out = out sprintf("%c", n); k--; d = 0
    }
    return out
}
BEGIN {
    for (k = 1; k < 32; k++) code[sprintf("%c", k)] = sprintf("\\%03o", k)
    split("a 7 b 8 t 9 n 10 v 11 f 12 r 13", u, " ")
    for (k = 1; k < 14; k += 2) unescaped[u[k]] = sprintf("%c", u[k + 1])
    code[sprintf("%c", 127)] = "\\177"; code["\\"] = "\\\\"
    section("exe")
    quoted = 0
    while ((getline line < "/dev/stdin") > 0 && line != "@sockets") {
        if (line == "@quoted") { quoted = 1; continue }
        if (quoted) {
            # "/proc/PID/exe" -> "PATH", PATH C-quoted: no raw newline or quote inside it.
            if (match(line, /^"\/proc\/[0-9]+\/exe" -> "/) && substr(line, length(line), 1) == "\"") {
                pid = substr(line, 8, RLENGTH - 17)
                print pid, escape(unquote(substr(line, RLENGTH + 1, length(line) - RLENGTH - 1)))
            }
            continue
        }
        pid = line; sub(/ .*/, "", pid)
        rest = substr(line, length(pid) + 2)
        size = rest; sub(/ .*/, "", size)
        path = substr(rest, length(size) + 2)
        while (length(path) < size + 0 && (getline more < "/dev/stdin") > 0) path = path "\n" more
        if (pid ~ /^[0-9]+$/) print pid, escape(path)
    }
    section("sockets")
    while ((getline line < "/dev/stdin") > 0) {
        split(line, f, " ")
        if (f[1] ~ /^[cC][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/ && split(f[3], p, "/") == 5) print f[2], p[3]
    }
    # The uid that runs each process (the real one, from its status file).
    section("owners")
    for (i = 1; i < ARGC; i++) {
        status = ARGV[i]; sub(/stat$/, "status", status)
        while ((getline line < status) > 0) if (line ~ /^Uid:/) { split(line, f, " "); split(status, p, "/"); print p[3], f[2]; break }
        close(status)
    }
    section("hostname"); cat("/proc/sys/kernel/hostname")
    section("kernel"); cat("/proc/sys/kernel/osrelease")
    section("uptime"); cat("/proc/uptime")
    section("btime")
    while ((getline line < "/proc/stat") > 0) if (line ~ /^btime /) { split(line, f, " "); print f[2] }
    close("/proc/stat")
    section("cpus")
    n = 0
    while ((getline line < "/proc/cpuinfo") > 0) if (line ~ /^processor/) n++
    close("/proc/cpuinfo"); print n
    section("meminfo"); cat("/proc/meminfo")
    section("stat")
    # One line per process even when its command name holds a newline (escaped like the executables).
    for (i = 1; i < ARGC; i++) {
        s = ""; n = 0
        while ((getline line < ARGV[i]) > 0) s = (n++ ? s "\n" : "") line
        close(ARGV[i])
        if (n) print escape(s)
    }
    section("tcp"); cat("/proc/net/tcp")
    section("tcp6"); cat("/proc/net/tcp6")
    section("udp"); cat("/proc/net/udp")
    section("udp6"); cat("/proc/net/udp6")
    section("netdev"); cat("/proc/net/dev")
    # uid and user name only (no home directory, shell or GECOS).
    section("passwd")
    while ((getline line < "/etc/passwd") > 0) { split(line, f, ":"); if (f[3] != "") print f[3], f[1] }
    close("/etc/passwd")
    section("end")
    exit
}' /proc/[0-9]*/stat
