using System.Diagnostics;
using System.Text;

namespace Vmorph.Libvirt.Tests.Lab;

/// <summary>
/// The real lab (scripts/lab): brought up once for the tests of the "lab" collection, and taken down afterwards only
/// if this fixture brought it up from nothing (no lab guest was defined before). If it cannot come up, every lab test fails with the lab's own
/// message: they are never skipped.
/// </summary>
public sealed class LabFixture : IDisposable
{
    public const string Uri = "qemu:///system";

    private readonly Lock debianLock = new();
    private readonly bool broughtUp;
    private string? debianProblem;
    private bool debianUp;
    private readonly Lock workloadsLock = new();
    private string? workloadsProblem;
    private bool workloadsUp;

    public LabFixture()
    {
        Root = FindRoot();
        // Judged by what was defined, not by a failed status: a lab with one guest down is still someone's lab, and
        // taking it down afterwards would destroy their guests.
        var existed = LabDefined();
        var status = Run(Path.Combine(Root, "scripts", "lab"), ["status", "--guests", "3"], TimeSpan.FromSeconds(60));
        if (status.Exit != 0)
        {
            var up = Run(Path.Combine(Root, "scripts", "lab"), ["up", "--guests", "3"], TimeSpan.FromMinutes(10));
            if (up.Exit != 0)
                throw new InvalidOperationException($"'scripts/lab up' failed (exit {up.Exit}); the lab tests need it (root, Debian 12, libvirt/QEMU packages):\n{up.Output}");
            broughtUp = !existed;
        }
    }

    /// <summary>Whether libvirt has any lab guest defined: a domain configuration carrying the lab's metadata namespace.</summary>
    private static bool LabDefined()
    {
        const string configurations = "/etc/libvirt/qemu";
        return Directory.Exists(configurations) && Directory.EnumerateFiles(configurations, "*.xml")
            .Any(file => File.ReadAllText(file).Contains("https://vmorph.dev/lab", StringComparison.Ordinal));
    }

    /// <summary>
    /// Brings up the Debian guest lab-deb too (scripts/lab up --debian: builds its image once, ~1 min, then ~20-40 s to
    /// its agent), once for all tests that need it; throws with the lab's message if it cannot come up.
    /// </summary>
    public void EnsureDebian()
    {
        lock (debianLock)
        {
            if (debianUp) return;
            if (debianProblem is not null) throw new InvalidOperationException(debianProblem);
            var script = Path.Combine(Root, "scripts", "lab");
            if (Run(script, ["status", "--guests", "3", "--debian"], TimeSpan.FromSeconds(60)).Exit != 0)
            {
                var up = Run(script, ["up", "--guests", "3", "--debian"], TimeSpan.FromMinutes(15));
                if (up.Exit != 0)
                {
                    debianProblem = $"'scripts/lab up --debian' failed (exit {up.Exit}); the Debian guest tests need it (root, Debian 12, debootstrap and the Debian mirror, see scripts/lab.d/README.md):\n{up.Output}";
                    throw new InvalidOperationException(debianProblem);
                }
                // Taken down with the rest by Dispose if this fixture brought the lab up; otherwise by whoever did.
            }
            debianUp = true;
        }
    }

    /// <summary>
    /// Brings up the workloads guest lab-wl too (scripts/lab up --workloads: builds its image once, ~7 min on a loaded
    /// machine, then ~30-90 s to its agent), once for all tests that need it; throws with the lab's message if it cannot.
    /// </summary>
    public void EnsureWorkloads()
    {
        lock (workloadsLock)
        {
            if (workloadsUp) return;
            if (workloadsProblem is not null) throw new InvalidOperationException(workloadsProblem);
            // Always up, not status first: up is idempotent (seconds when all is well) and redefines lab-wl when its
            // image's recipe changed (a new lab.d/vmorph-scenario), which status does not check.
            var up = Run(Path.Combine(Root, "scripts", "lab"), ["up", "--guests", "3", "--workloads"], TimeSpan.FromMinutes(25));
            if (up.Exit != 0)
            {
                workloadsProblem = $"'scripts/lab up --workloads' failed (exit {up.Exit}); the workload tests need it (root, Debian 12, debootstrap and the Debian mirror, see scripts/lab.d/README.md):\n{up.Output}";
                throw new InvalidOperationException(workloadsProblem);
            }
            workloadsUp = true;
        }
    }

    /// <summary>
    /// Puts lab-wl back as its image has it (what a morph changed inside it and in its domain gone): destroys and
    /// undefines it and brings it up again on a fresh overlay (scripts/lab up --workloads). Only lab-wl is touched.
    /// </summary>
    public void RenewWorkloads()
    {
        lock (workloadsLock)
        {
            Run("virsh", ["-c", Uri, "destroy", "lab-wl"], TimeSpan.FromSeconds(60));
            Run("virsh", ["-c", Uri, "undefine", "lab-wl", "--snapshots-metadata"], TimeSpan.FromSeconds(60));
            workloadsUp = false;
        }
        EnsureWorkloads();
    }

    /// <summary>The repository root.</summary>
    public string Root { get; }

    /// <summary>Runs a command in a lab guest through the guest agent (scripts/lab exec), failing the test if it fails.</summary>
    public string Exec(string guest, params string[] command)
    {
        var result = Run(Path.Combine(Root, "scripts", "lab"), ["exec", guest, "--", .. command], TimeSpan.FromSeconds(90));
        if (result.Exit != 0) throw new InvalidOperationException($"scripts/lab exec {guest} {string.Join(' ', command)} failed (exit {result.Exit}): {result.Output}");
        return result.Output;
    }

    /// <summary>Runs virsh on the lab's connection, failing the test if it fails.</summary>
    public string Virsh(params string[] arguments)
    {
        var result = Run("virsh", ["-c", Uri, .. arguments], TimeSpan.FromSeconds(60));
        if (result.Exit != 0) throw new InvalidOperationException($"virsh {string.Join(' ', arguments)} failed (exit {result.Exit}): {result.Output}");
        return result.Output;
    }

    public static (int Exit, string Output) Run(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{program} did not finish within {timeout.TotalSeconds} s\n{output}");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "vmorph.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("the repository root (vmorph.slnx) is not above " + AppContext.BaseDirectory);
    }

    public void Dispose()
    {
        if (!broughtUp) return;
        var down = Run(Path.Combine(Root, "scripts", "lab"), ["down"], TimeSpan.FromMinutes(2));
        if (down.Exit != 0) Console.Error.WriteLine("scripts/lab down failed: " + down.Output);
    }
}

[CollectionDefinition("lab")]
public sealed class LabCollection : ICollectionFixture<LabFixture>;
