# vmorph inventory: prints what runs in this machine, read from /proc, in sections that vmorph parses on the host.
# POSIX sh + ls + awk (busybox is enough), two processes in all: in an emulated guest every fork counts.
# Run as: /bin/sh -c "$(cat inventory.sh)" vmorph-inventory
# It prints no file content outside /proc (and the user names of /etc/passwd, which the host hashes before keeping
# anything) and no command-line arguments of any process (they may hold secrets).
export LC_ALL=C
PATH=/bin:/usr/bin:/sbin:/usr/sbin:$PATH
echo "@@vmorph inventory 1"
echo "@@vmorph self"
echo $$
# Each process's executable link (its owner is the process's user; its target the executable's path) and the
# socket links among its open files (to tell which process owns a socket).
echo "@@vmorph links"
ls -ln /proc/[0-9]*/exe /proc/[0-9]*/fd 2>/dev/null
awk 'function section(name) { print "@@vmorph " name }
function cat(file,    line) { while ((getline line < file) > 0) print line; close(file) }
BEGIN {
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
    for (i = 1; i < ARGC; i++) cat(ARGV[i])
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
