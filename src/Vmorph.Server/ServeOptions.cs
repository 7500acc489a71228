namespace Vmorph.Server;

/// <summary>How <c>vmorph serve</c> runs: where its store is, where it listens, which hypervisors it watches (or which trace it replays).</summary>
public sealed record ServeOptions
{
    /// <summary>The data directory (the store <c>vmorph.db</c>, the anonymisation key, user targets and policies).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Where to listen, as ASP.NET Core takes <c>--urls</c> (loopback by default).</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8787"];

    /// <summary>The libvirt connections to watch (live mode); ignored when <see cref="ReplayTrace"/> is set.</summary>
    public IReadOnlyList<string> HypervisorUris { get; init; } = ["qemu:///system"];

    /// <summary>A trace file or directory to replay as the fleet, or null for live hypervisors.</summary>
    public string? ReplayTrace { get; init; }

    /// <summary>How many VMs to replay (the trace's VMs cloned with a time shift when more than it has); null: the trace's.</summary>
    public int? ReplayVms { get; init; }

    /// <summary>How much faster than real time a replay runs (1800: ten hours of the trace a minute; shrinking waits hours of hysteresis, so a newcomer sees morphs within a minute).</summary>
    public double ReplaySpeed { get; init; } = 1800;

    /// <summary>The replayed instant a replay starts at (null: the trace's first step).</summary>
    public DateTimeOffset? ReplayStart { get; init; }

    /// <summary>Whether a replay starts from an empty store (true) or continues the one in DATA_DIR/replay (tests of restarts).</summary>
    public bool ReplayFresh { get; init; } = true;

    /// <summary>The interval between collection cycles, in the loop's clock (a replay's is accelerated).</summary>
    public TimeSpan CollectInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long reading one guest from inside (its inventory) may take, round trips included.</summary>
    public TimeSpan GuestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A policy YAML file or directory of them, added to the built-in policies; null: DATA_DIR/policies when present.</summary>
    public string? Policies { get; init; }

    /// <summary>A directory of target profiles beside DATA_DIR/targets, or null.</summary>
    public string? Targets { get; init; }

    /// <summary>An archetypes YAML file, or null for the built-in archetypes (and DATA_DIR/archetypes.yaml when present).</summary>
    public string? Archetypes { get; init; }

    /// <summary>A PEM certificate for TLS (with <see cref="CertificateKeyPath"/>); null: plain HTTP (loopback only unless told).</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The certificate's PEM private key.</summary>
    public string? CertificateKeyPath { get; init; }

    /// <summary>
    /// Serve plain HTTP on addresses other than loopback (refused otherwise: bearer tokens would cross the network in
    /// clear text). Only for a TLS-terminating proxy in front.
    /// </summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>The silo's port for other silos (0: a free one between 20000 and 32767).</summary>
    public int SiloPort { get; init; }

    /// <summary>The silo's gateway port for clients (0: a free one between 20000 and 32767).</summary>
    public int GatewayPort { get; init; }

    /// <summary>The clock of the loop (a replay's accelerated clock replaces it); tests give a fake one.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;
}
