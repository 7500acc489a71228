using System.Text.Json;
using Vmorph.Libvirt.Tests.Lab;
using Vmorph.Morphs;

namespace Vmorph.Libvirt.Tests.Morphing;

/// <summary>
/// Issue 4's tests against real guests (scripts/lab): a live morph and its rollback seen from inside the guest, the
/// guard rolling back a morph that starves a disk-bound guest, and two applies on one VM at once. Each test has its
/// own store and puts its guest back as it found it.
/// </summary>
[Collection("lab")]
public sealed class MorphLabTests(LabFixture lab) : IDisposable
{
    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement;

    [Fact]
    public async Task LiveMorph_PlanThenApplyThenRollback_GuestSeesTheNewValuesAndThenTheOldOnes()
    {
        var before = await MorphLabTools.VmAsync("lab-1");
        Assert.Equal(1, before.Configuration.Vcpus);
        var planPath = Path.Combine(store.DataDirectory, "web-server.plan.json");
        try
        {
            var plan = await store.CliAsync("plan", "lab-1", "--to", "web-server", "--out", planPath);
            Assert.True(plan.Exit == 2, plan.Error + plan.Out);
            Assert.Contains("~ memory.current: 256 MiB -> 512 MiB (live)", plan.Out, StringComparison.Ordinal);
            Assert.Contains("+ disk.vda.write_bytes_sec = 100 MiB/s (live)", plan.Out, StringComparison.Ordinal);
            Assert.Contains("~ vcpus.current: 1 -> 2 (live)", plan.Out, StringComparison.Ordinal);
            Assert.Contains("Plan: 1 to add, 2 to change, 0 to destroy; 3 live, 0 need a restart.", plan.Out, StringComparison.Ordinal);
            Assert.Contains("vmorph will take a snapshot first", plan.Out, StringComparison.Ordinal);

            var apply = await store.CliAsync("apply", planPath, "--yes", "--observe", "12s", "--observe-before", "12s", "--sample-interval", "1s", "--output", "json");
            Assert.True(apply.Exit == 0, apply.Error + apply.Out);
            var result = Json(apply.Out);
            Assert.Equal("committed", result.GetProperty("result").GetString());
            Assert.Equal("keep", result.GetProperty("verdict").GetProperty("decision").GetString());
            var morphId = result.GetProperty("morph").GetString()!;

            await MorphLabTools.GuestUntilAsync(lab, "lab-1", o => o.Trim() == "2", TimeSpan.FromSeconds(30), "/bin/nproc");
            await MorphLabTools.GuestUntilAsync(lab, "lab-1", o => MorphLabTools.MemTotalKiB(o) is > 400_000, TimeSpan.FromSeconds(30), "/bin/cat", "/proc/meminfo");

            var history = Json((await store.CliAsync("history", "lab-1", "--output", "json")).Out);
            var versions = history.GetProperty("versions").EnumerateArray().ToList();
            Assert.Equal($"morph {morphId} to web-server", versions[^1].GetProperty("cause").GetString());
            var morph = Assert.Single(history.GetProperty("morphs").EnumerateArray());
            Assert.Equal("committed", morph.GetProperty("phase").GetString());
            Assert.Equal(versions[^1].GetProperty("version").GetInt32(), morph.GetProperty("committedVersion").GetInt32());
            Assert.True(morph.GetProperty("verdict").GetProperty("signals").GetArrayLength() > 0);
            (_, _) = await MorphLabTools.CheckJournalAsync(store.DatabasePath, morphId);

            var rollback = await store.CliAsync("rollback", "lab-1", "--yes", "--observe", "0");
            Assert.True(rollback.Exit == 0, rollback.Error + rollback.Out);
            Assert.Contains("~ vcpus.current: 2 -> 1 (restart)", rollback.Out, StringComparison.Ordinal);
            await MorphLabTools.GuestUntilAsync(lab, "lab-1", o => o.Trim() == "1", TimeSpan.FromSeconds(30), "/bin/nproc");
            await MorphLabTools.GuestUntilAsync(lab, "lab-1", o => MorphLabTools.MemTotalKiB(o) is > 0 and < 250_000, TimeSpan.FromSeconds(30), "/bin/cat", "/proc/meminfo");
            Assert.Equal(before.Configuration.ContentHash(), (await MorphLabTools.ConfigurationAsync("lab-1", before.Configuration.ContentHash(), TimeSpan.FromSeconds(20))).ContentHash());

            history = Json((await store.CliAsync("history", "lab-1", "--output", "json")).Out);
            versions = [.. history.GetProperty("versions").EnumerateArray()];
            Assert.Equal(before.Configuration.ContentHash(), versions[^1].GetProperty("contentHash").GetString());
            Assert.EndsWith("(rollback)", versions[^1].GetProperty("cause").GetString(), StringComparison.Ordinal);
            Assert.Equal(2, history.GetProperty("morphs").GetArrayLength());
        }
        finally
        {
            if ((await MorphLabTools.VmAsync("lab-1")).Configuration.ContentHash() != before.Configuration.ContentHash())
                await MorphLabTools.ResetGuestAsync(lab, "lab-1");
        }
    }

    [Fact]
    public async Task LiveMorph_SnapshotMinimal_HotAddsWithoutASnapshotAndTheRollbackUndoesItByARestart()
    {
        var before = await MorphLabTools.VmAsync("lab-1");
        try
        {
            var plan = await store.CliAsync("plan", "lab-1", "--to", "web-server", "--snapshot", "minimal");
            Assert.True(plan.Exit == 2, plan.Error + plan.Out);
            Assert.Contains("vmorph will carry out these steps with no snapshot (step 3 would be undone by a restart):", plan.Out, StringComparison.Ordinal);

            var apply = await store.CliAsync("apply", "lab-1", "--to", "web-server", "--snapshot", "minimal", "--yes", "--observe", "0", "--output", "json");
            Assert.True(apply.Exit == 0, apply.Error + apply.Out);
            var result = Json(apply.Out);
            Assert.Equal("committed", result.GetProperty("result").GetString());
            var (_, entries) = await MorphLabTools.CheckJournalAsync(store.DatabasePath, result.GetProperty("morph").GetString()!);
            Assert.DoesNotContain(entries, e => e.State.Phase == MorphPhase.Snapshotting);
            Assert.False(MorphLabTools.PlanOf((await MorphLabTools.MorphsAsync(store.DatabasePath, "lab-1"))[^1]).Delta.SnapshotRequired);
            await MorphLabTools.GuestUntilAsync(lab, "lab-1", o => o.Trim() == "2", TimeSpan.FromSeconds(30), "/bin/nproc");

            var rollback = await store.CliAsync("rollback", "lab-1", "--yes", "--observe", "0");
            Assert.True(rollback.Exit == 0, rollback.Error + rollback.Out);
            await MorphLabTools.GuestUntilAsync(lab, "lab-1", o => o.Trim() == "1", TimeSpan.FromSeconds(30), "/bin/nproc");
            Assert.Equal(before.Configuration.ContentHash(), (await MorphLabTools.ConfigurationAsync("lab-1", before.Configuration.ContentHash(), TimeSpan.FromSeconds(20))).ContentHash());
        }
        finally
        {
            if ((await MorphLabTools.VmAsync("lab-1")).Configuration.ContentHash() != before.Configuration.ContentHash())
                await MorphLabTools.ResetGuestAsync(lab, "lab-1");
        }
    }

    [Fact]
    public async Task GuestSteps_KernelSettingsThroughTheGuestAgent_AreSetAndRolledBackToTheirValuesBefore()
    {
        const string key = "/proc/sys/net/core/somaxconn";
        var before = lab.Exec("lab-1", "/bin/cat", key).Trim();
        var directory = Path.Combine(store.DataDirectory, "targets");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "tuned.yaml"),
            "apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata:\n  name: tuned\nspec:\n  security:\n    sysctl:\n      net.core.somaxconn: \"1024\"\n      net.ipv4.tcp_rmem: \"4096 65536 1048576\"\n  software:\n    packages:\n      present: [nginx]\n");
        try
        {
            var plan = await store.CliAsync("plan", "lab-1", "--to", "tuned");
            Assert.True(plan.Exit == 2, plan.Error + plan.Out);
            Assert.Contains($"~ sysctl.net.core.somaxconn: {before} -> 1024 (guest)", plan.Out, StringComparison.Ordinal);
            Assert.Contains("packages (+nginx): this guest has no dpkg/apt-get", plan.Error, StringComparison.Ordinal);

            var apply = await store.CliAsync("apply", "lab-1", "--to", "tuned", "--yes", "--observe", "0");
            Assert.True(apply.Exit == 0, apply.Error + apply.Out);
            Assert.Equal("1024", lab.Exec("lab-1", "/bin/cat", key).Trim());
            Assert.Equal("4096\t65536\t1048576", lab.Exec("lab-1", "/bin/cat", "/proc/sys/net/ipv4/tcp_rmem").Trim());
            Assert.Contains("net.core.somaxconn = 1024", lab.Exec("lab-1", "/bin/cat", "/etc/sysctl.d/90-vmorph.conf"), StringComparison.Ordinal);

            var rollback = await store.CliAsync("rollback", "lab-1", "--yes", "--observe", "0");
            Assert.True(rollback.Exit == 0, rollback.Error + rollback.Out);
            Assert.Equal(before, lab.Exec("lab-1", "/bin/cat", key).Trim());
        }
        finally
        {
            lab.Exec("lab-1", "/bin/sh", "-c", $"echo {before} > {key}; echo 4096 131072 6291456 > /proc/sys/net/ipv4/tcp_rmem; rm -f /etc/sysctl.d/90-vmorph.conf; echo ok");
        }
    }

    [Fact]
    public async Task DiskStarvation_ProfileWhoseLimitsStarveADiskLoop_IsRolledBackByTheGuardWithTheVerdictStored()
    {
        var before = await MorphLabTools.VmAsync("lab-2");
        MorphLabTools.WriteProfile(store.DataDirectory, "io-starved", "    disk:\n      read-bytes-per-second: 256KiB/s\n      total-iops: \"20\"\n");
        lab.Exec("lab-2", "/bin/sh", "-c",
            "setsid /bin/sh -c 'echo $$ > /run/vmorph-disk-loop.pid; while true; do dd if=/dev/vda of=/dev/null bs=64k iflag=direct 2>/dev/null; done' </dev/null >/dev/null 2>&1 & echo started");
        try
        {
            var apply = await store.CliAsync("apply", "lab-2", "--to", "io-starved", "--yes", "--observe", "12s", "--observe-before", "12s", "--sample-interval", "1s", "--output", "json");
            Assert.True(apply.Exit == 4, apply.Error + apply.Out);
            var result = Json(apply.Out);
            Assert.Equal("rolled-back", result.GetProperty("result").GetString());
            var verdict = result.GetProperty("verdict");
            Assert.Equal("roll-back", verdict.GetProperty("decision").GetString());
            var throughput = verdict.GetProperty("signals").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "disk.throughput");
            Assert.Equal("degraded", throughput.GetProperty("outcome").GetString());
            Assert.True(throughput.GetProperty("pValue").GetDouble() < throughput.GetProperty("alpha").GetDouble());

            // Undone live: the limits are gone, the VM is as before.
            Assert.Equal(before.Configuration.ContentHash(), (await MorphLabTools.ConfigurationAsync("lab-2", before.Configuration.ContentHash(), TimeSpan.FromSeconds(20))).ContentHash());
            var morphId = result.GetProperty("morph").GetString()!;
            var (record, entries) = await MorphLabTools.CheckJournalAsync(store.DatabasePath, morphId);
            Assert.Equal("roll-back", JsonSerializer.Serialize(record.Verdict!.Decision, Vmorph.Morphs.MorphJournalEntry.JsonOptions).Trim('"'));
            Assert.Contains(entries, e => e.Event is Vmorph.Morphs.ObservationEnded);
            var history = Json((await store.CliAsync("history", "lab-2", "--output", "json")).Out);
            var morph = Assert.Single(history.GetProperty("morphs").EnumerateArray());
            Assert.Equal("rolled-back", morph.GetProperty("phase").GetString());
            Assert.StartsWith("the guard found the VM degraded", morph.GetProperty("rollbackReason").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            lab.Exec("lab-2", "/bin/sh", "-c", "kill $(cat /run/vmorph-disk-loop.pid) 2>/dev/null; rm -f /run/vmorph-disk-loop.pid; echo stopped");
            if ((await MorphLabTools.VmAsync("lab-2")).Configuration.ContentHash() != before.Configuration.ContentHash())
                await MorphLabTools.ResetGuestAsync(lab, "lab-2");
        }
    }

    [Fact]
    public async Task TwoAppliesOnOneVmAtOnce_OneProceedsAndTheOtherIsRefusedWithTheHoldersId_OrWaitsWithWait()
    {
        var before = await MorphLabTools.VmAsync("lab-2");
        MorphLabTools.WriteProfile(store.DataDirectory, "more-memory", "    memory: 300MiB\n");
        MorphLabTools.WriteProfile(store.DataDirectory, "even-more-memory", "    memory: 320MiB\n");
        // One plan first, in-process: it creates the store and collects lab-2, so the two processes below only race for the VM.
        Assert.Equal(2, (await store.CliAsync("plan", "lab-2", "--to", "more-memory")).Exit);
        try
        {
            string[] apply = ["apply", "lab-2", "--to", "more-memory", "--yes", "--observe", "10s", "--observe-before", "0", "--sample-interval", "1s", "--output", "json"];
            var runs = await Task.WhenAll(
                MorphLabTools.VmorphAsync(store.DataDirectory, null, TimeSpan.FromMinutes(2), apply),
                MorphLabTools.VmorphAsync(store.DataDirectory, null, TimeSpan.FromMinutes(2), apply));
            var winner = Assert.Single(runs, r => r.Exit == 0);
            var loser = Assert.Single(runs, r => r.Exit == 5);
            var winnerId = Json(winner.Out).GetProperty("morph").GetString()!;
            Assert.Contains($"is being morphed by morph {winnerId}", loser.Error + loser.Out, StringComparison.Ordinal);
            Assert.Equal("busy", Json(loser.Out).GetProperty("result").GetString());
            await MorphLabTools.CheckJournalAsync(store.DatabasePath, winnerId);

            // With --wait the second waits for the first to end, then goes on from what the VM is then.
            var first = MorphLabTools.VmorphAsync(store.DataDirectory, null, TimeSpan.FromMinutes(2),
                "apply", "lab-2", "--to", "even-more-memory", "--yes", "--observe", "10s", "--observe-before", "0", "--sample-interval", "1s", "--output", "json");
            var morphs = await Lab.Poll.UntilAsync(async () =>
            {
                var all = await MorphLabTools.MorphsAsync(store.DatabasePath, "lab-2");
                return all.Count == 2 && all[^1].Phase == Vmorph.Morphs.MorphPhase.Observing ? all : null;
            }, TimeSpan.FromSeconds(60), "the first morph of the second round, observing");
            var second = await MorphLabTools.VmorphAsync(store.DataDirectory, null, TimeSpan.FromMinutes(2),
                "apply", "lab-2", "--to", "more-memory", "--yes", "--observe", "0", "--wait", "--wait-timeout", "90s", "--output", "json");
            var firstRun = await first;
            Assert.True(firstRun.Exit == 0, MorphLabTools.Show(firstRun));
            Assert.True(second.Error.Contains($"waiting: VM 'lab-2' is being morphed by morph {morphs[^1].MorphId}", StringComparison.Ordinal), MorphLabTools.Show(second));
            Assert.True(second.Exit == 0, MorphLabTools.Show(second));
            var all = await MorphLabTools.MorphsAsync(store.DatabasePath, "lab-2");
            Assert.Equal(3, all.Count);
            Assert.True(all[^1].CreatedAt >= all[^2].UpdatedAt, "the waiting morph started after the first ended");
            Assert.Equal(300L << 20, (long)(await MorphLabTools.VmAsync("lab-2")).Configuration.Memory!.Value.Bytes);
        }
        finally
        {
            lab.Virsh("setmem", "lab-2", "256M", "--live", "--config");
            await MorphLabTools.ConfigurationAsync("lab-2", before.Configuration.ContentHash(), TimeSpan.FromSeconds(20));
        }
    }
}
