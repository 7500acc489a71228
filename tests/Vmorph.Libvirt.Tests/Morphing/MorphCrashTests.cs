using Vmorph.Libvirt.Tests.Lab;
using Vmorph.Morphs;

namespace Vmorph.Libvirt.Tests.Morphing;

/// <summary>
/// vmorph is killed with SIGKILL at each state of the morph machine in turn (the test-only hook
/// <c>VMORPH_TEST_CRASH_AT</c> makes the child process kill itself right after journaling that state), then started
/// again (<c>vmorph recover</c>): the VM must end in a committed configuration — the one before the morph or the one
/// after, as <see cref="MorphRecovery"/> decides — with no snapshot left, no lease held, and a journal whose every state
/// is what the pure machine gives for its event.
/// </summary>
[Collection("lab")]
public sealed class MorphCrashTests(LabFixture lab) : IDisposable
{
    private const string Guest = "lab-3";
    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    // The profile, the state the apply is killed at, the state its first recovery is killed at, where the morph must end.
    // crash-live: memory and a disk limit, live both ways; crash-snapshot adds a vCPU hot-add, so a snapshot comes first.
    private static readonly (string Profile, string CrashAt, string? RecoveryCrashAt, string Ends)[] Cases =
    [
        ("crash-live", "planned", null, "committed"),
        ("crash-live", "applying:1", null, "rolled-back"),
        ("crash-live", "applying:2", "rolling-back", "rolled-back"),
        ("crash-live", "applying:2", "rolled-back", "rolled-back"),
        ("crash-live", "observing", null, "committed"),
        ("crash-live", "committed", null, "committed"),
        ("crash-snapshot", "snapshotting", null, "committed"),
        ("crash-snapshot", "snapshotted", null, "committed"),
        ("crash-snapshot", "applying:3", null, "rolled-back"),
    ];

    [Fact]
    public async Task Sigkill_AtEachStateOfTheMachine_VmEndsInACommittedVersionAndTheJournalIsConsistent()
    {
        MorphLabTools.WriteProfile(store.DataDirectory, "crash-live", "    memory: 320MiB\n    disk:\n      write-bytes-per-second: 50MiB/s\n");
        MorphLabTools.WriteProfile(store.DataDirectory, "crash-snapshot", "    vcpus: \"2\"\n    memory: 320MiB\n    disk:\n      write-bytes-per-second: 50MiB/s\n");
        var original = await MorphLabTools.VmAsync(Guest);
        Assert.Equal(1, original.Configuration.Vcpus);
        var plan = await store.CliAsync("plan", Guest, "--to", "crash-snapshot");
        Assert.True(plan.Exit == 2, plan.Error + plan.Out);
        Assert.Contains("vmorph will take a snapshot first", plan.Out, StringComparison.Ordinal);
        try
        {
            foreach (var (profile, crashAt, recoveryCrashAt, ends) in Cases)
                await CrashAndRecoverAsync(profile, crashAt, recoveryCrashAt, ends);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"MorphCrashTests failed: {e}");
            throw;
        }
        finally
        {
            if ((await MorphLabTools.VmAsync(Guest)).Configuration.ContentHash() != original.Configuration.ContentHash()
                || lab.Virsh("snapshot-list", Guest, "--name").Trim().Length > 0)
                await MorphLabTools.ResetGuestAsync(lab, Guest);
        }
    }

    private async Task CrashAndRecoverAsync(string profile, string crashAt, string? recoveryCrashAt, string ends)
    {
        var context = $"{profile}, killed at {crashAt}{(recoveryCrashAt is null ? "" : $", recovery killed at {recoveryCrashAt}")}";
        var before = (await MorphLabTools.VmAsync(Guest)).Configuration.ContentHash();
        var crashed = await MorphLabTools.VmorphAsync(store.DataDirectory, new Dictionary<string, string> { [MorphLabTools.MorphCrashVariable] = crashAt }, TimeSpan.FromMinutes(3),
            "apply", Guest, "--to", profile, "--yes", "--observe", "0");
        Assert.True(crashed.Exit == 137, $"{context}: the apply was to be killed:\n{MorphLabTools.Show(crashed)}");
        Assert.Contains("TEST HOOK: killing this process (SIGKILL)", crashed.Error, StringComparison.Ordinal);
        if (recoveryCrashAt is not null)
        {
            var again = await MorphLabTools.VmorphAsync(store.DataDirectory, new Dictionary<string, string> { [MorphLabTools.MorphCrashVariable] = recoveryCrashAt }, TimeSpan.FromMinutes(3), "recover");
            Assert.True(again.Exit == 137, $"{context}: the recovery was to be killed:\n{MorphLabTools.Show(again)}");
        }

        var recovered = await MorphLabTools.VmorphAsync(store.DataDirectory, null, TimeSpan.FromMinutes(3), "recover");
        Assert.True(recovered.Exit == 0, $"{context}: recover failed:\n{MorphLabTools.Show(recovered)}");
        Assert.Contains("found 1 unfinished morph", recovered.Error, StringComparison.Ordinal);

        var morph = (await MorphLabTools.MorphsAsync(store.DatabasePath, Guest))[^1];
        var (record, entries) = await MorphLabTools.CheckJournalAsync(store.DatabasePath, morph.MorphId);
        Assert.True(entries.Count(e => e.Event is ResumedAfterCrash) >= (crashAt == "planned" ? 0 : 1), $"{context}: no resumed-after-crash in the journal");
        Assert.Equal(ends, System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(record.Phase.ToString()));

        var planned = MorphLabTools.PlanOf(record);
        Assert.Equal(before, planned.BaseHash);
        var wanted = ends == "committed" ? planned.ExpectedHash : planned.BaseHash;
        var now = await MorphLabTools.ConfigurationAsync(Guest, wanted, TimeSpan.FromSeconds(30));
        Assert.True(now.ContentHash() == wanted, $"{context}: the VM is not in the configuration of the {(ends == "committed" ? "morph" : "version before it")}: {string.Join(", ", planned.ExpectedConfiguration().DiffTo(now))}");
        var history = (await store.ProfileAsync(Guest)).ConfigurationHistory;
        Assert.Equal(wanted, history.Current!.ContentHash);
        if (ends == "committed") Assert.Equal(history.Current.Version, record.CommittedVersion);
        Assert.Equal("", lab.Virsh("snapshot-list", Guest, "--name").Trim());

        if (ends != "committed") return;
        if (profile == "crash-live")
        {
            // Live steps only: the rollback is live too.
            var back = await store.CliAsync("rollback", Guest, "--yes", "--observe", "0");
            Assert.True(back.Exit == 0, $"{context}: rollback: {back.Error}{back.Out}");
            Assert.Equal(before, (await MorphLabTools.ConfigurationAsync(Guest, before, TimeSpan.FromSeconds(30))).ContentHash());
        }
        else
        {
            // A hot-add is undone only by a restart: reset the guest directly (rollback itself is tested elsewhere).
            await MorphLabTools.ResetGuestAsync(lab, Guest);
        }
    }
}
