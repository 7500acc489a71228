using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Vmorph.Configuration;
using Vmorph.Libvirt.Morphing;
using Vmorph.Libvirt.Tests.Lab;
using Vmorph.Morphing;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Libvirt.Tests.Morphing;

/// <summary>What the morph lab tests share: vmorph as a child process, target profiles for tests, reading a guest back.</summary>
internal static class MorphLabTools
{
    /// <summary>Runs the vmorph built beside the tests (<c>dotnet vmorph.dll</c>) as a child process on a data directory.</summary>
    public static async Task<(int Exit, string Out, string Error)> VmorphAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vmorph.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["VMORPH_DATA_DIR"] = dataDirectory;
        info.Environment.Remove(MorphCrashVariable);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"vmorph {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:0} s:\n{await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    public const string MorphCrashVariable = "VMORPH_TEST_CRASH_AT";

    /// <summary>Writes a target profile YAML into the data directory's profiles/.</summary>
    public static void WriteProfile(string dataDirectory, string name, string resources)
    {
        var directory = Path.Combine(dataDirectory, "targets");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, name + ".yaml"),
            $"apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata:\n  name: {name}\n  description: a test profile\nspec:\n  resources:\n{resources}");
    }

    /// <summary>The VM's configuration now, as vmorph reads it (hypervisor view).</summary>
    public static async Task<MorphVm> VmAsync(string guest)
    {
        using var driver = LibvirtMorphDriver.Open(LabFixture.Uri, TimeProvider.System).Value;
        var found = await driver.FindAsync(guest, CancellationToken.None);
        return found.IsSuccess ? found.Value : throw new InvalidOperationException(string.Join("; ", found.Errors));
    }

    /// <summary>Polls until the VM's configuration hash is <paramref name="hash"/>; returns the last configuration seen.</summary>
    public static async Task<VmConfiguration> ConfigurationAsync(string guest, string hash, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var vm = await VmAsync(guest);
            if (vm.Configuration.ContentHash() == hash || watch.Elapsed > timeout) return vm.Configuration;
            await Task.Delay(250);
        }
    }

    /// <summary>Polls a guest command until its output satisfies <paramref name="accept"/>.</summary>
    public static async Task<string> GuestUntilAsync(LabFixture lab, string guest, Func<string, bool> accept, TimeSpan timeout, params string[] command)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            string output;
            try
            {
                output = lab.Exec(guest, command);
            }
            catch (InvalidOperationException e)
            {
                // The agent is not back yet (after a restart): try again until the time is up.
                output = e.Message;
            }
            if (accept(output)) return output;
            if (watch.Elapsed > timeout) throw new TimeoutException($"{guest}: '{string.Join(' ', command)}' printed '{output.Trim()}', not what was awaited, for {timeout.TotalSeconds:0} s");
            await Task.Delay(250);
        }
    }

    /// <summary>The guest's MemTotal in kB.</summary>
    public static long? MemTotalKiB(string meminfo) =>
        meminfo.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) is { } line
            ? long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)
            : null;

    /// <summary>
    /// Puts a lab guest back as scripts/lab defines it (1 vCPU, 256 MiB, no disk limits) in its definition, restarts it
    /// and waits for its agent and balloon: how the tests undo what they cannot undo live (a hot-add).
    /// </summary>
    public static async Task ResetGuestAsync(LabFixture lab, string guest)
    {
        lab.Virsh("setvcpus", guest, "1", "--config");
        lab.Virsh("setmem", guest, "256M", "--config");
        lab.Virsh("blkdeviotune", guest, "vda", "--config", "--read-bytes-sec", "0", "--write-bytes-sec", "0", "--total-iops-sec", "0");
        foreach (var snapshot in lab.Virsh("snapshot-list", guest, "--name").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            lab.Virsh("snapshot-delete", guest, snapshot);
        LabFixture.Run("virsh", ["-c", LabFixture.Uri, "destroy", guest], TimeSpan.FromSeconds(60));
        lab.Virsh("start", guest);
        // A TCG guest took over 2 min to boot on a host at load 37 (lab-2, 2026-12-02).
        await GuestUntilAsync(lab, guest, o => o.StartsWith("MemTotal", StringComparison.Ordinal), TimeSpan.FromSeconds(300), "/bin/cat", "/proc/meminfo");
        var watch = Stopwatch.StartNew();
        while ((await VmAsync(guest)).Configuration.Memory?.Bytes != 256L << 20 && watch.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(250);
    }

    /// <summary>
    /// Checks a morph's journal: entries numbered 1..n without a gap, each state the one the pure machine gives for its
    /// event after the previous state, and the last one final (terminal and cleaned up).
    /// </summary>
    public static async Task<(MorphRecord Record, IReadOnlyList<MorphJournalEntry> Entries)> CheckJournalAsync(string databasePath, string morphId)
    {
        using var journal = SqliteMorphJournal.Open(databasePath, TimeProvider.System);
        var record = await journal.FindAsync(morphId, CancellationToken.None) ?? throw new InvalidOperationException($"no morph {morphId}");
        var entries = await journal.ReadAsync(morphId, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, entries.Count).Select(i => (long)i), entries.Select(e => e.Sequence));
        Assert.IsType<MorphCreated>(entries[0].Event);
        for (var i = 1; i < entries.Count; i++)
        {
            var replayed = entries[i - 1].Next(entries[i].Event);
            Assert.Equal(JsonSerializer.Serialize(replayed.State, MorphJournalEntry.JsonOptions), JsonSerializer.Serialize(entries[i].State, MorphJournalEntry.JsonOptions));
        }
        var last = entries[^1].State;
        Assert.True(last.Phase.IsTerminal() && last.Finalized, $"morph {morphId} ends at '{last.Describe()}', finalized {last.Finalized}");
        Assert.True(record.Finished);
        Assert.Equal(entries.Count, record.LastSequence);
        if (last.Phase != MorphPhase.Failed) Assert.Null(await journal.LeaseAsync(record.Vm, CancellationToken.None));
        return (record, entries);
    }

    /// <summary>The morphs of a VM in a data directory's journal, oldest first.</summary>
    public static async Task<IReadOnlyList<MorphRecord>> MorphsAsync(string databasePath, string guest)
    {
        var vm = await VmAsync(guest);
        using var journal = SqliteMorphJournal.Open(databasePath, TimeProvider.System);
        return await journal.ListAsync(vm.Id, CancellationToken.None);
    }

    /// <summary>The plan a morph carried out.</summary>
    public static Plan PlanOf(MorphRecord record) => PlanFile.Load(record.PlanJson).Value;

    /// <summary>Text of a child's output for failure messages.</summary>
    public static string Show((int Exit, string Out, string Error) run) => new StringBuilder().Append("exit ").Append(run.Exit).Append("\nstdout:\n").Append(run.Out).Append("\nstderr:\n").Append(run.Error).ToString();
}
