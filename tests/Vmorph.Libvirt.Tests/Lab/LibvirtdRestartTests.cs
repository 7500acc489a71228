using System.Diagnostics;
using System.Globalization;
using Vmorph.Collection;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Libvirt.Tests.Lab;

/// <summary>
/// The collector against a real libvirtd that goes away: killed while `vmorph collect` runs, then started again by
/// scripts/lab. The guests keep running meanwhile (QEMU does not need libvirtd); the collector must say the connection
/// is lost, retry with backoff, say when it is back, and record the intervals it could not see as missing.
/// </summary>
[Collection("lab")]
public sealed class LibvirtdRestartTests(LabFixture lab) : IDisposable
{
    private const string PidFile = "/run/libvirtd.pid";

    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public async Task Collect_WhileLibvirtdIsKilledAndStartedAgain_SaysSoReconnectsAndRecordsTheGapAsMissing()
    {
        using var db = SqliteFleetStore.Open(store.DatabasePath, TimeProvider.System);
        var log = new List<string>();
        var cycles = new List<CycleReport>();
        var options = new CollectorOptions
        {
            Uri = LabFixture.Uri,
            Domains = ["lab-1"],
            GuestView = false,
            Interval = TimeSpan.FromSeconds(1),
            SampleWindow = TimeSpan.FromMilliseconds(300),
            InitialBackoff = TimeSpan.FromMilliseconds(500),
            MaxBackoff = TimeSpan.FromSeconds(2),
        };
        await using var collector = new Collector(new LibvirtHypervisor(TimeProvider.System), db, TimeProvider.System, options, new byte[32],
            line => { lock (log) log.Add(line); });
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var run = collector.RunAsync(report => { lock (cycles) cycles.Add(report); }, stop.Token);
        try
        {
            await Poll.UntilAsync(() => Task.FromResult(Count(cycles) >= 2 ? "" : null), TimeSpan.FromSeconds(60), "two collection cycles before libvirtd is killed");

            KillLibvirtd();
            await Poll.UntilAsync(() => Task.FromResult(Lines(log).Any(l => l.Contains(" lost: ", StringComparison.Ordinal)) ? "" : null),
                TimeSpan.FromSeconds(60), "the collector saying the connection is lost");
            await Task.Delay(TimeSpan.FromSeconds(3)); // a few intervals go by unseen

            var up = LabFixture.Run(Path.Combine(lab.Root, "scripts", "lab"), ["up", "--guests", "3"], TimeSpan.FromMinutes(5));
            Assert.True(up.Exit == 0, "scripts/lab up could not start libvirtd again: " + up.Output);
            var before = Count(cycles);
            await Poll.UntilAsync(() => Task.FromResult(Lines(log).Any(l => l.Contains(" is back after ", StringComparison.Ordinal)) && Count(cycles) >= before + 2 ? "" : null),
                TimeSpan.FromSeconds(90), "the collector back on the new libvirtd, two cycles after");
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        }

        var lines = Lines(log);
        Assert.Contains(lines, l => l.StartsWith($"connection to {LabFixture.Uri} lost: ", StringComparison.Ordinal) && l.Contains("; retrying in", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"connection to {LabFixture.Uri} is back after ", StringComparison.Ordinal));
        CycleReport back;
        lock (cycles) back = cycles.First(c => c.MissedIntervals > 0);
        var profile = await store.ProfileAsync("lab-1");
        Assert.Equal(back.MissedIntervals, profile.Performance.MissingSamples);
        // The first cycle after the outage reads afresh (it takes a new first reading and waits the sample window), so no
        // rate spans the gap; the VM is there and running.
        Assert.True(back.SampleWait > TimeSpan.Zero, "the first cycle after the outage reused counters from before it");
        Assert.Equal(DomainState.Running, Assert.Single(back.Vms).State);
        Assert.Contains("running", lab.Virsh("domstate", "lab-1"), StringComparison.Ordinal);
    }

    private static void KillLibvirtd()
    {
        var pid = int.Parse(File.ReadAllText(PidFile).Trim(), CultureInfo.InvariantCulture);
        using var libvirtd = Process.GetProcessById(pid);
        Assert.Equal("libvirtd", libvirtd.ProcessName);
        libvirtd.Kill();
        Assert.True(libvirtd.WaitForExit(TimeSpan.FromSeconds(30)), $"libvirtd (pid {pid}) did not exit within 30 s of SIGKILL");
    }

    private static int Count(List<CycleReport> cycles)
    {
        lock (cycles) return cycles.Count;
    }

    private static List<string> Lines(List<string> log)
    {
        lock (log) return [.. log];
    }
}
