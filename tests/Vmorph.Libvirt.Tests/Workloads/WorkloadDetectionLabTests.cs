using System.Diagnostics;
using System.Globalization;
using Vmorph.Libvirt.Tests.Lab;
using Vmorph.Policies;
using Vmorph.Traits;
using Xunit.Abstractions;

namespace Vmorph.Libvirt.Tests.Workloads;

/// <summary>
/// Workload detection on real software in the lab guest lab-wl (scripts/lab up --workloads): PostgreSQL under pgbench,
/// then nginx under load from web clients outside the guest (scripts/lab clients), each started through the guest agent (lab.d/vmorph-scenario) and read by the real collector
/// with its guest view (a 1 min time-out), one collection per window of the lab policy (workload-lab-policy.yaml).
/// </summary>
[Collection("lab")]
public sealed class WorkloadDetectionLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    /// <summary>The documented time (docs/TRAITS.md) from a workload's start to its stable detection.</summary>
    public static readonly TimeSpan DetectionTime = TimeSpan.FromMinutes(10);

    /// <summary>The documented time from a switch of workload to the new one detected and the old one below the threshold.</summary>
    public static readonly TimeSpan SwitchTime = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long reading lab-wl from inside may take. One inventory takes 1-5 s (docs/BENCHMARKS.md), but with nginx under
    /// ab keeping the guest's one vCPU busy, other readers of the guest and a host at load 40, serve's 10 s were missed
    /// (2026-12-02, after the switch to web: "guest view missing: /bin/sh did not finish within 10 s").
    /// </summary>
    public static readonly TimeSpan GuestTimeout = TimeSpan.FromMinutes(1);

    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public async Task PostgresUnderPgbench_IsDetectedAsADatabase_ThenNginxUnderLoad_TakesOverFromIt()
    {
        lab.EnsureWorkloads();
        var settings = LabPolicy(lab.Root);
        var catalog = LabCatalog(lab.Root);
        try
        {
            Scenario("start", "database");
            var database = await UntilStableAsync("database-server", settings, catalog, DetectionTime, _ => true);
            Assert.Equal("database-server", database.Top.Trait);
            Assert.True(database.Top.Score >= settings.MinConfidence,
                $"database-server scored {database.Top.Score:0.00}, below the policy's confidence {settings.MinConfidence:0.00}: {database.Top.Explain()}");

            Scenario("start", "web"); // stops the database (pgbench and the cluster) first
            WebClients(lab, "start");
            var web = await UntilStableAsync("web-server", settings, catalog, SwitchTime, v => Score(v, "database-server") < settings.MinConfidence);
            Assert.Equal("web-server", web.Top.Trait);
            Assert.True(web.Top.Score >= settings.MinConfidence, $"web-server scored {web.Top.Score:0.00}: {web.Top.Explain()}");
            Assert.True(Score(web.Traits, "database-server") < settings.MinConfidence,
                $"database-server still scores {Score(web.Traits, "database-server"):0.00} after the switch: {web.Traits.Traits.Single(t => t.Trait == "database-server").Explain()}");
        }
        finally
        {
            WebClients(lab, "stop");
            Scenario("stop");
        }
    }

    /// <summary>
    /// The web scenario's clients outside the guest (scripts/lab clients): eight host addresses on lab-wl's tap, each a
    /// curl loop against its nginx, so the guest's NIC carries a web server's traffic and it sees peers connecting in.
    /// </summary>
    internal static void WebClients(LabFixture lab, string action)
    {
        var result = LabFixture.Run(Path.Combine(lab.Root, "scripts", "lab"), ["clients", action], TimeSpan.FromMinutes(1));
        if (result.Exit != 0) throw new InvalidOperationException($"scripts/lab clients {action} failed (exit {result.Exit}): {result.Output}");
    }

    /// <summary>The workload-detection settings of the lab policy, read by the real policy catalog.</summary>
    public static WorkloadSettings LabPolicy(string root)
    {
        var path = Path.Combine(root, "tests", "Vmorph.Libvirt.Tests", "Workloads", "workload-lab-policy.yaml");
        var catalog = PolicyCatalog.Build([(path, File.ReadAllText(path))]);
        Assert.True(catalog.IsSuccess, string.Join("\n", catalog.Errors));
        return catalog.Value.Find("workload-lab")!.Workload!;
    }

    /// <summary>
    /// vmorph-scenario in lab-wl through the agent, failing the test if it fails. Starting PostgreSQL in a guest just
    /// booted on this loaded host took more than the 90 s of <see cref="LabFixture.Exec"/>: up to 5 minutes.
    /// </summary>
    private void Scenario(params string[] arguments) => Scenario(lab, arguments);

    /// <summary>vmorph-scenario in lab-wl through the agent (up to 5 minutes), failing the test if it fails.</summary>
    internal static void Scenario(LabFixture lab, params string[] arguments)
    {
        var result = LabFixture.Run("env", ["VMORPH_LAB_EXEC_TIMEOUT=300", Path.Combine(lab.Root, "scripts", "lab"), "exec", "lab-wl", "--", "/usr/local/sbin/vmorph-scenario", .. arguments], TimeSpan.FromMinutes(5));
        if (result.Exit != 0) throw new InvalidOperationException($"vmorph-scenario {string.Join(' ', arguments)} in lab-wl failed (exit {result.Exit}): {result.Output}");
    }

    /// <summary>The built-in archetypes with the lab's evidence half-life (workload-lab-archetypes.yaml).</summary>
    public static ArchetypeCatalog LabCatalog(string root)
    {
        var path = Path.Combine(root, "tests", "Vmorph.Libvirt.Tests", "Workloads", "workload-lab-archetypes.yaml");
        var catalog = ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()), (path, File.ReadAllText(path))]);
        Assert.True(catalog.IsSuccess, string.Join("\n", catalog.Errors));
        return catalog.Value;
    }

    private static double Score(WeightedTraitVector traits, string trait) => traits.Traits.Single(t => t.Trait == trait).Score;

    /// <summary>
    /// Collects once per policy window until <paramref name="trait"/> has been the named workload (classification with
    /// at least the policy's confidence) for the policy's number of consecutive windows and <paramref name="also"/>
    /// holds; fails after <paramref name="timeout"/> with every window's scores.
    /// </summary>
    private async Task<(TraitScore Top, WeightedTraitVector Traits)> UntilStableAsync(string trait, WorkloadSettings settings, ArchetypeCatalog catalog, TimeSpan timeout, Func<WeightedTraitVector, bool> also)
    {
        var watch = Stopwatch.StartNew();
        var seen = new List<string>();
        var streak = 0;
        while (true)
        {
            var begin = watch.Elapsed;
            // The footprint scan (20 s in the guest) once at the start, as collect's default of 10 min between scans does.
            await store.CollectAsync(["lab-wl"], evidenceHalfLife: catalog.EvidenceHalfLife, guestTimeout: GuestTimeout, scanInterval: TimeSpan.FromMinutes(10));
            var traits = TraitScorer.Score(await store.ProfileAsync("lab-wl"), catalog);
            var named = WorkloadClassifier.Classify(traits, catalog.Classification);
            var top = traits.Top(1, TraitKind.Workload).First();
            var line = string.Create(CultureInfo.InvariantCulture, $"+{watch.Elapsed.TotalSeconds:0} s: {named.Name} ({top.Explain()}); database-server {Score(traits, "database-server"):0.00}");
            seen.Add(line);
            output.WriteLine(line);
            streak = named.Name == trait && top.Score >= settings.MinConfidence && also(traits) ? streak + 1 : 0;
            if (streak >= settings.Windows)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{trait} stable after {watch.Elapsed.TotalSeconds:0} s"));
                return (top, traits);
            }
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"{trait} not stable for {settings.Windows} windows within {timeout.TotalMinutes:0} min:\n{string.Join('\n', seen)}");
            // One collection per window; a collection that takes longer than the window is the window.
            var rest = settings.Window - (watch.Elapsed - begin);
            if (rest > TimeSpan.Zero) await Task.Delay(rest);
        }
    }
}
