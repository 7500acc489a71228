namespace Vmorph.Libvirt.Morphing;

/// <summary>
/// The POSIX sh scripts vmorph runs in a guest to read and persist guest settings. Their text is fixed; every
/// piece of data (package, unit and setting names, values, the nft ruleset) reaches them only as positional arguments of an argument
/// vector (<c>/bin/sh -c SCRIPT NAME ARG...</c>), already validated by <see cref="Planning.GuestKeys"/>, so no data is
/// ever parsed as shell text. Programs that change things (<c>apt-get</c>, <c>systemctl</c>, <c>sysctl</c>) are run
/// directly with argument vectors, not through these scripts.
/// </summary>
internal static class GuestSettingsScripts
{
    /// <summary>
    /// Read-only (it only creates sshd's empty runtime directory <c>/run/sshd</c> when missing, without which
    /// <c>sshd -T</c> refuses to run on a guest whose ssh service is stopped). Prints <c>vmorph-settings 1</c>, then <c>tool NAME PATH</c> for each program found, <c>init systemd</c>
    /// when systemd runs, then per key <c>value KEY VALUE</c> or <c>absent KEY</c>, then <c>vmorph-settings end</c>.
    /// </summary>
    public const string Read = """
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        export PATH
        echo "vmorph-settings 1"
        for t in dpkg-query apt-get systemctl sysctl sshd env nft; do
          p=$(command -v "$t" 2>/dev/null) && echo "tool $t $p"
        done
        [ -d /run/systemd/system ] && echo "init systemd"
        sshd_read=""
        sshd_config=""
        for key in "$@"; do
          case "$key" in
          package.*)
            s=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' -- "${key#package.}" 2>/dev/null)
            case "$s" in
              ii*) echo "value $key ${s#*|}" ;;
              *) echo "absent $key" ;;
            esac ;;
          service.*)
            s=$(systemctl is-enabled -- "${key#service.}" 2>/dev/null)
            case "$s" in
              enabled|enabled-runtime) echo "value $key enabled" ;;
              disabled|masked|masked-runtime|static|indirect|generated|transient|linked|linked-runtime|alias) echo "value $key disabled" ;;
              *) echo "absent $key" ;;
            esac ;;
          sysctl.*)
            path=/proc/sys/$(printf '%s' "${key#sysctl.}" | tr . /)
            if [ -f "$path" ] && v=$(cat "$path" 2>/dev/null); then
              echo "value $key $(printf '%s' "$v" | tr '\t\n' '  ')"
            else
              echo "absent $key"
            fi ;;
          ssh.*)
            if [ -z "$sshd_read" ]; then
              # sshd -T refuses to run without its runtime directory, which goes when ssh.service stops.
              sshd_read=1; [ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd 2>/dev/null; sshd_config=$(sshd -T 2>/dev/null)
            fi
            v=$(printf '%s\n' "$sshd_config" | awk -v k="$(printf '%s' "${key#ssh.}" | tr -d -)" '$1 == k { print $2; exit }')
            [ "$v" = without-password ] && v=prohibit-password
            if [ -n "$v" ]; then echo "value $key $v"; else echo "absent $key"; fi ;;
          *)
            # firewall.* too: vmorph reads its nftables table itself (NftRuleset), with nft -j.
            echo "absent $key" ;;
          esac
        done
        echo "vmorph-settings end"
        """;

    /// <summary>
    /// Persists a setting across reboots. <c>persist-sysctl KEY VALUE</c> keeps one line per key in
    /// <c>/etc/sysctl.d/90-vmorph.conf</c>; <c>ssh SETTING VALUE</c> keeps one line per setting in
    /// <c>/etc/ssh/sshd_config.d/00-vmorph.conf</c> (read first, so it wins), checks it with <c>sshd -t</c> (putting the
    /// old file back if refused) and reloads sshd. A VALUE of <c>-</c> removes the line.
    /// </summary>
    public const string Persist = """
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        export PATH
        what=$1
        k=$2
        v=$3
        case "$what" in
        persist-sysctl)
          f=/etc/sysctl.d/90-vmorph.conf
          mkdir -p /etc/sysctl.d || exit 1
          { if [ -f "$f" ]; then awk -v k="$k" '$1 != k' "$f"; fi; if [ "$v" != "-" ]; then printf '%s = %s\n' "$k" "$v"; fi; } > "$f.vmorph-new" && mv "$f.vmorph-new" "$f" ;;
        ssh)
          f=/etc/ssh/sshd_config.d/00-vmorph.conf
          mkdir -p /etc/ssh/sshd_config.d || exit 1
          if [ -f "$f" ]; then cp "$f" "$f.vmorph-old" || exit 1; fi
          { if [ -f "$f" ]; then awk -v k="$k" 'tolower($1) != tolower(k)' "$f"; fi; if [ "$v" != "-" ]; then printf '%s %s\n' "$k" "$v"; fi; } > "$f.vmorph-new" && mv "$f.vmorph-new" "$f" || exit 1
          [ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd || exit 1
          if ! sshd -t; then
            if [ -f "$f.vmorph-old" ]; then mv "$f.vmorph-old" "$f"; else rm -f "$f"; fi
            echo "sshd -t refused the new configuration; the old one is back" >&2
            exit 1
          fi
          rm -f "$f.vmorph-old"
          systemctl reload ssh 2>/dev/null || systemctl reload sshd 2>/dev/null || true ;;
        *)
          echo "unknown operation $what" >&2
          exit 2 ;;
        esac
        """;

    /// <summary>
    /// Writes vmorph's firewall. <c>RULESET</c> (the one argument) is the nft script <see cref="NftRuleset.Render"/>
    /// made: it is written to <c>/etc/vmorph/firewall.nft</c> as data (never run as shell text), checked with
    /// <c>nft -c -f</c>, loaded with <c>nft -f</c> (one transaction: table <c>inet vmorph</c> is replaced, other tables
    /// are not touched), and loaded at boot by <c>vmorph-firewall.service</c> (after <c>nftables.service</c>, whose
    /// <c>/etc/nftables.conf</c> flushes the whole ruleset, and restarted with it). A RULESET of <c>-</c> deletes the
    /// table, the file and the unit.
    /// </summary>
    public const string Firewall = """
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        export PATH
        rules=$1
        f=/etc/vmorph/firewall.nft
        u=/etc/systemd/system/vmorph-firewall.service
        nft=$(command -v nft) || { echo "the guest has no nft" >&2; exit 1; }
        systemd=""
        [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && systemd=1
        if [ "$rules" = "-" ]; then
          if nft list table inet vmorph >/dev/null 2>&1; then nft delete table inet vmorph || exit 1; fi
          if [ -f "$u" ]; then
            if [ -n "$systemd" ]; then systemctl disable vmorph-firewall.service >/dev/null 2>&1; fi
            rm -f "$u"
            if [ -n "$systemd" ]; then systemctl daemon-reload; fi
          fi
          rm -f "$f"
          exit 0
        fi
        mkdir -p /etc/vmorph || exit 1
        printf '%s' "$rules" > "$f.vmorph-new" || exit 1
        if ! nft -c -f "$f.vmorph-new" || ! nft -f "$f.vmorph-new"; then
          rm -f "$f.vmorph-new"
          echo "nft refused vmorph's ruleset; table inet vmorph is unchanged" >&2
          exit 1
        fi
        mv "$f.vmorph-new" "$f" || exit 1
        printf '%s\n' \
          '# Written by vmorph: loads its guest firewall (table inet vmorph) at boot.' \
          '[Unit]' \
          'Description=vmorph guest firewall (nftables table inet vmorph)' \
          'DefaultDependencies=no' \
          'Wants=network-pre.target' \
          'Before=network-pre.target shutdown.target' \
          'After=nftables.service' \
          'PartOf=nftables.service' \
          'Conflicts=shutdown.target' \
          "ConditionPathExists=$f" \
          '' \
          '[Service]' \
          'Type=oneshot' \
          'RemainAfterExit=yes' \
          "ExecStart=$nft -f $f" \
          '' \
          '[Install]' \
          'WantedBy=sysinit.target' > "$u.vmorph-new" || exit 1
        if ! cmp -s "$u.vmorph-new" "$u" 2>/dev/null; then
          mv "$u.vmorph-new" "$u" || exit 1
          if [ -n "$systemd" ]; then systemctl daemon-reload || exit 1; fi
        else
          rm -f "$u.vmorph-new"
        fi
        if [ -n "$systemd" ]; then systemctl enable vmorph-firewall.service >/dev/null 2>&1 || { echo "systemctl enable vmorph-firewall.service failed" >&2; exit 1; }; fi
        exit 0
        """;
}
