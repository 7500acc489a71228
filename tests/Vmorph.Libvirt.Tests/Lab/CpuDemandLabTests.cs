using System.Diagnostics;
using Vmorph.Libvirt.Tests.Morphing;
using Vmorph.Observations;

namespace Vmorph.Libvirt.Tests.Lab;

/// <summary>
/// A guest that wants more CPU than it gets shows it: its CPU demand (the CPUs' worth the guest counts itself busy,
/// through its agent) exceeds the CPU it received, whether a CPU quota caps it or a busy host starves it. (The idle guest
/// on an overloaded host is out of the suite: docs/TESTING.md.)
/// </summary>
[Collection("lab")]
public sealed class CpuDemandLabTests(LabFixture lab) : IDisposable
{
    private const string Guest = "lab-2";
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);
    private readonly LabStore store = new();

    public void Dispose() => store.Dispose();

    [Fact]
    public async Task A_spinning_guest_capped_by_a_quota_or_starved_by_a_busy_host_wants_more_than_it_receives()
    {
        lab.Exec(Guest, "/bin/sh", "-c", "(while :; do :; done) >/dev/null 2>&1 & echo $! > /run/spin");
        try
        {
            // Capped at a quarter of a core: it receives about 0.25 cores and wants its whole vCPU.
            lab.Virsh("schedinfo", Guest, "--live", "vcpu_quota=25000");
            var capped = await SampleAsync();
            lab.Virsh("schedinfo", Guest, "--live", "vcpu_quota=-1");
            Assert.True(capped.Cpu!.Value.Value < 0.4, $"capped at 25 % the guest received {capped.Cpu} cores");
            Assert.True(capped.CpuDemand!.Value.Value > 0.8, $"capped, the guest wanted {capped.CpuDemand} cores, received {capped.Cpu}");
            Assert.True(capped.CpuDemand.Value.Value > 2 * capped.Cpu.Value.Value, $"capped: demand {capped.CpuDemand} against {capped.Cpu} received");

            // Starved: its vCPU and two busy loops pinned to one host CPU, so it gets a share of one core whatever else
            // runs on the host (on an idle host, unpinned loops leave it a core of its own: it received 0.93 of its 1.0).
            lab.Virsh("vcpupin", Guest, "0", "0", "--live");
            var spinners = Enumerable.Range(0, 2).Select(_ => Process.Start("taskset", ["-c", "0", "/bin/sh", "-c", "while :; do :; done"])).ToList();
            MetricSample starved;
            try
            {
                starved = await SampleAsync();
            }
            finally
            {
                foreach (var spinner in spinners)
                {
                    spinner.Kill(entireProcessTree: true);
                    spinner.Dispose();
                }
                lab.Virsh("vcpupin", Guest, "0", $"0-{Environment.ProcessorCount - 1}", "--live");
            }
            Assert.True(starved.CpuDemand!.Value.Value > 0.8, $"starved, the guest wanted {starved.CpuDemand} cores, received {starved.Cpu}");
            Assert.True(starved.CpuDemand.Value.Value > starved.Cpu!.Value.Value + 0.3, $"starved: demand {starved.CpuDemand} against {starved.Cpu} received");
            Console.Error.WriteLine($"CpuDemandLabTests: capped received {capped.Cpu} wanted {capped.CpuDemand}; starved received {starved.Cpu} wanted {starved.CpuDemand}");
        }
        finally
        {
            LabFixture.Run("virsh", ["-c", LabFixture.Uri, "schedinfo", Guest, "--live", "vcpu_quota=-1"], TimeSpan.FromSeconds(30));
            // The agent may be busy for a while after the guest was starved (libvirt: "not available for now"): retried.
            await MorphLabTools.GuestUntilAsync(lab, Guest, o => o.Trim().EndsWith("stopped", StringComparison.Ordinal), TimeSpan.FromSeconds(120),
                "/bin/sh", "-c", "kill $(cat /run/spin); rm -f /run/spin; echo stopped");
        }
    }

    private async Task<MetricSample> SampleAsync()
    {
        var report = await store.CollectAsync([Guest], sampleWindow: Window);
        var vm = Assert.Single(report.Vms);
        return vm.Sample ?? throw new InvalidOperationException($"no sample of {Guest}: {vm.NoRates}");
    }
}
