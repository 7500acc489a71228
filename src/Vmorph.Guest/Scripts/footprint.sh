# vmorph data footprint: a bounded scan of chosen paths that prints ONLY counts (files and bytes per category, access
# recency, files per kind of sensitive content). No file content and no file name leaves this script, ever: a file
# found sensitive is counted, never named. A file's category comes from its extension, its first bytes (ELF, SQLite,
# archives, images, PDF, #!) and the directory it sits in (a PostgreSQL or MySQL data directory, a .git directory, a
# web root). POSIX sh + find + stat + awk (busybox is enough).
# Run as: /bin/sh -c "$(cat footprint.sh)" vmorph-footprint MODE MAX_FILES MAX_BYTES MAX_FILE_BYTES MAX_SECONDS PATH...
#   MODE explicit: a PATH that does not exist is reported (by its position); default: it is skipped quietly.
#   MAX_FILES files are counted at most; MAX_BYTES bytes are read for content checks at most, and at most
#   MAX_FILE_BYTES of each file (however long its lines: see inspect); the scan stops after MAX_SECONDS, looking at
#   the clock every 16 files and every 64 KiB read. Paths are argv entries, never interpolated. vmorph also runs it
#   under "timeout -s KILL" where the guest has timeout (GuestScripts.Guarded), so it cannot outlive its budget.
export LC_ALL=C
PATH=/bin:/usr/bin:/sbin:/usr/sbin:$PATH
mode=$1 max_files=$2 max_bytes=$3 max_file=$4 max_seconds=$5
shift 5
echo "@@vmorph footprint 1"
i=0
for p in "$@"; do
    i=$((i + 1))
    if [ ! -e "$p" ]; then
        [ "$mode" = explicit ] && echo "@missing $i"
        continue
    fi
    if [ ! -r "$p" ]; then
        echo "@unreadable $i"
        continue
    fi
    # stat's output goes to the counter; find's and stat's error messages (which name files) become bare "@error".
    { find "$p" -xdev -type f -exec stat -c '%s %X %n' {} + 2>&1 1>&3 | awk '{ print "@error" }'; } 3>&1
done | awk -v q="'" -v max_files="$max_files" -v max_bytes="$max_bytes" -v max_file="$max_file" -v max_seconds="$max_seconds" '
function table(category, list,    n, a, k) {
    n = split(list, a, " ")
    for (k = 1; k <= n; k++) ext[a[k]] = category
}
function magic(line) {
    if (substr(line, 1, 4) == "\177ELF") return "executable"
    if (substr(line, 1, 15) == "SQLite format 3") return "database"
    if (substr(line, 1, 2) == "\037\213" || substr(line, 1, 4) == "PK\003\004" || substr(line, 1, 6) == "\3757zXZ\000" || substr(line, 1, 3) == "BZh" || substr(line, 1, 4) == "7z\274\257" || substr(line, 1, 4) == "\050\265\057\375") return "archive"
    if (substr(line, 1, 5) == "%PDF-") return "document"
    if (substr(line, 1, 4) == "\211PNG" || substr(line, 1, 3) == "\377\330\377" || substr(line, 1, 4) == "GIF8") return "image"
    if (substr(line, 1, 2) == "#!") return "source-code"
    return ""
}
function luhn(d,    k, sum, n, double) {
    sum = 0; double = 0
    for (k = length(d); k >= 1; k--) {
        n = substr(d, k, 1) + 0
        if (double) { n = n * 2; if (n > 9) n = n - 9 }
        sum += n; double = !double
    }
    return sum % 10 == 0
}
function card(d) {
    # Issuer prefixes of the big card networks, then the Luhn check: dates, ids and phone numbers rarely pass both.
    if (length(d) < 13 || length(d) > 19) return 0
    if (d !~ /^(4|5[1-5]|2[2-7]|3[47]|6)/) return 0
    return luhn(d)
}
function has_card(line,    rest, m) {
    rest = line
    while (match(rest, /[0-9]+/)) {
        m = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
        if (card(m)) return 1
    }
    rest = line
    while (match(rest, /[0-9][0-9][0-9][0-9][ -][0-9][0-9][0-9][0-9][ -][0-9][0-9][0-9][0-9][ -][0-9][0-9][0-9][0-9]|[0-9][0-9][0-9][0-9][ -][0-9][0-9][0-9][0-9][0-9][0-9][ -][0-9][0-9][0-9][0-9][0-9]/)) {
        m = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
        gsub(/[ -]/, "", m)
        if (card(m)) return 1
    }
    return 0
}
function dirof(p) { sub(/\/[^\/]*$/, "", p); return p }
# Structure: files are counted by extension and header as they stream past; a directory recognised by what it holds
# (a PostgreSQL or MySQL data directory, a web root) has its files moved to its category at the end. Only counts per
# candidate directory are kept here, and no path is ever printed.
function note(root, kind, category, size,    key) {
    key = root SUBSEP kind
    if (!((key SUBSEP category) in under_files)) under_cats[key] = under_cats[key] " " category
    under_files[key SUBSEP category]++; under_bytes[key SUBSEP category] += size
}
function move(root, kind, to,    key, n, cs, k, c, nf, nb) {
    key = root SUBSEP kind
    n = split(under_cats[key], cs, " ")
    for (k = 1; k <= n; k++) {
        c = cs[k]
        if (c == to) continue
        nf = under_files[key SUBSEP c]; nb = under_bytes[key SUBSEP c]
        # A file two recognised directories share moves once: never more than its category holds.
        if (nf > cat_files[c]) nf = cat_files[c]
        if (nb > cat_bytes[c]) nb = cat_bytes[c]
        cat_files[c] -= nf; cat_bytes[c] -= nb
        cat_files[to] += nf; cat_bytes[to] += nb
        if (cat_files[c] == 0) { delete cat_files[c]; delete cat_bytes[c] }
    }
}
function structure(f, name, category, size,    d0, pg, web) {
    d0 = dirof(f)
    # PostgreSQL: a data directory holds PG_VERSION and base/; its files (no extension) sit under base/, global/, pg_*/.
    pg = d0
    if (match(f, /\/(base|global|pg_[a-z_]+)\//)) pg = substr(f, 1, RSTART - 1)
    note(pg, "pg", category, size)
    if (name == "PG_VERSION") pg_version[pg] = 1
    if (substr(f, length(pg) + 1, 6) == "/base/") pg_base[pg] = 1
    # MySQL and MariaDB: ibdata1 beside a mysql/ directory (or mysql.ibd); databases are directories beside it.
    note(d0, "my", category, size)
    note(dirof(d0), "my-db", category, size)
    if (name == "ibdata1") my_ibdata[d0] = 1
    if (name == "mysql.ibd") my_system[d0] = 1
    if (d0 ~ /\/mysql$/) my_system[dirof(d0)] = 1
    # A web root: under www/, html/, htdocs/ or public_html/, with an index page somewhere beneath.
    if (match(f, /\/(www|html|htdocs|public_html)\//)) {
        web = substr(f, 1, RSTART + RLENGTH - 2)
        note(web, "web", category, size)
        if (name ~ /^index\.(html?|php)$/) web_index[web] = 1
    }
}
function restructure(    root) {
    for (root in pg_version) if (root in pg_base) move(root, "pg", "database")
    for (root in my_ibdata) if (root in my_system) { move(root, "my", "database"); move(root, "my-db", "database") }
    for (root in web_index) move(root, "web", "web")
}
function next_line() {
    if (pipe != "") return (pipe | getline line)
    return (getline line < source)
}
function check(text,    lower) {
    # Each costly pattern only where a cheap test says it could match: a long line of letters stays linear.
    if (index(text, "PRIVATE KEY-----") && text ~ /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/ || text ~ /^PuTTY-User-Key-File-/) hit["private-key"] = 1
    if ((index(text, "AKIA") || index(text, "ASIA")) && text ~ /(AKIA|ASIA)[0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]/) hit["cloud-access-key"] = 1
    if (text ~ /[0-9][0-9][0-9][0-9]/ && !("card-number" in hit) && has_card(text)) hit["card-number"] = 1
    if (index(text, "@") && !("email-address" in hit) && text ~ /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z]+/) hit["email-address"] = 1
    if (index(text, "=") || index(text, ":")) {
        lower = tolower(text)
        if (lower ~ /(password|passwd|secret_key|secret|api_key|apikey|access_token|auth_token)["]?[ \t]*[:=][ \t]*["]?[^ \t"$<{]/) hit["credential"] = 1
    }
}
function out_of_time() {
    srand(); now = srand()
    if (now - start < max_seconds + 0) return 0
    truncated = "time"
    return 1
}
# Reads at most max_file bytes of f, however long its lines: a file larger than a small one is read through
# "head -c max_file" (its name single-quoted, so the shell sees it as one word and nothing else), so getline never
# holds more than the budget, and a sparse or one-line file of any size costs its budget at most. A long line is
# checked in overlapping pieces (each pattern stays cheap), and the clock is looked at every 64 KiB read.
function inspect(f, size,    got, r, first, kind, quoted, rest, k, n, o, next_clock) {
    got = 0; first = 1; kind = ""; next_clock = 65536
    split("", hit)
    source = f; pipe = ""
    if (size > 65536 || size > max_file + 0) {
        quoted = ""; rest = f
        while ((k = index(rest, q)) > 0) { quoted = quoted substr(rest, 1, k - 1) q "\\" q q; rest = substr(rest, k + 1) }
        pipe = "exec head -c " (max_file + 0) " < " q quoted rest q " 2>/dev/null"
    }
    while (got < max_file + 0 && (r = next_line()) > 0) {
        if (first) {
            first = 0; kind = magic(line)
            if (kind == "executable" || kind == "database" || kind == "archive" || kind == "image") break
        }
        if (length(line) > max_file - got) line = substr(line, 1, max_file - got)
        got += length(line) + 1
        n = length(line)
        if (n <= 1024) check(line)
        else for (o = 1; o <= n; o += 960) {
            check(substr(line, o, 1024))
            if (o % 61440 == 1 && out_of_time()) break
        }
        if (truncated != "") break
        if (got >= next_clock) {
            next_clock = got + 65536
            if (out_of_time()) break
        }
    }
    if (r < 0) unreadable++
    close(pipe != "" ? pipe : source)
    scanned += got > max_file + 0 ? max_file + 0 : got
    return kind
}
BEGIN {
    srand(); start = srand(); now = start
    table("source-code", "c h cc cpp cxx hpp hh cs fs java kt kts scala go rs py rb php pl pm lua js mjs cjs ts tsx jsx swift m mm sh bash zsh ps1 sql r jl hs ml clj ex exs erl dart vue css scss html htm")
    table("database", "db sqlite sqlite3 mdb accdb frm ibd myd myi dbf ldf mdf ndf sdf rdb aof")
    table("log", "log out err journal")
    table("archive", "tar gz tgz bz2 tbz xz txz zst zip 7z rar lz4 lzma jar war deb rpm iso qcow2 img")
    table("image", "png jpg jpeg gif bmp tif tiff svg webp ico heic")
    table("media", "mp3 mp4 mkv avi mov wav flac ogg webm m4a")
    table("document", "pdf doc docx odt rtf xls xlsx ods ppt pptx odp txt md rst tex epub")
    table("config", "conf cfg ini yaml yml json xml toml env properties cnf service plist")
    table("data", "csv tsv parquet avro orc jsonl ndjson arrow h5 hdf5 npy pkl")
    table("key-material", "pem key crt cer der p12 pfx jks keystore gpg asc pub")
    table("executable", "so exe dll bin o a")
    files = 0; bytes = 0; scanned = 0; errors = 0; unparsed = 0; unreadable = 0; unscanned = 0; truncated = ""
}
/^@missing / { print "missing " $2; next }
/^@unreadable / { print "unreadable-path " $2; next }
/^@error/ { errors++; next }
{
    if (truncated != "") exit
    if (files >= max_files + 0) { truncated = "files"; exit }
    if (files % 16 == 0) { srand(); now = srand(); if (now - start >= max_seconds + 0) { truncated = "time"; exit } }
    size = $1; atime = $2
    if (size !~ /^[0-9]+$/ || atime !~ /^[0-9]+$/) { unparsed++; next }
    f = substr($0, length($1) + length($2) + 3)
    files++; bytes += size
    name = f; sub(/^.*\//, "", name)
    e = ""
    if (name ~ /\.[A-Za-z0-9]+$/) { e = tolower(name); sub(/^.*\./, "", e) }
    category = (e in ext) ? ext[e] : ""
    if (name ~ /\.log\.[0-9]+(\.gz)?$/) category = "log"
    if (name ~ /^id_(rsa|dsa|ecdsa|ed25519)$/) category = "key-material"
    # A source tree: what a .git directory holds is the history of the tree (compressed objects: nothing to read in them).
    if (f ~ /\/\.git\//) category = "source-code"
    binary = category == "archive" || category == "image" || category == "media" || category == "executable" || category == "database" || f ~ /\/\.git\//
    kind = ""
    split("", hit)
    if (size > 0 && !binary) {
        if (scanned + (size < max_file + 0 ? size : max_file + 0) <= max_bytes + 0) kind = inspect(f, size)
        else unscanned++
    }
    if (kind != "") category = kind
    if (category == "") category = "other"
    cat_files[category]++; cat_bytes[category] += size
    structure(f, name, category, size)
    age = now - atime
    if (age <= 86400) rec["1d"]++
    else if (age <= 604800) rec["7d"]++
    else if (age <= 2592000) rec["30d"]++
    else rec["older"]++
    for (k in hit) sens[k]++
}
END {
    restructure()
    print "files " files
    print "bytes " bytes
    for (c in cat_files) print "category " c " " cat_files[c] " " cat_bytes[c]
    for (r in rec) print "recency " r " " rec[r]
    for (k in sens) print "sensitive " k " " sens[k]
    print "content-bytes " scanned
    print "unscanned " unscanned
    print "errors " errors
    print "unreadable " unreadable
    print "unparsed " unparsed
    if (truncated != "") print "truncated " truncated
    srand(); print "elapsed " (srand() - start)
}'
echo "@@vmorph end"
