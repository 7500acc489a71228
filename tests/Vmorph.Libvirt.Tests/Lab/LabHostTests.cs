using System.Globalization;
using Vmorph.Libvirt.Morphing;
using Vmorph.Units;
using Xunit.Abstractions;

namespace Vmorph.Libvirt.Tests.Lab;

/// <summary>The host reader against the real lab host (qemu:///system): its CPUs, its memory, its accelerator.</summary>
[Collection("lab")]
public sealed class LabHostTests(LabFixture lab, ITestOutputHelper output)
{
    [Fact]
    public async Task ReadHost_LabHost_ReportsThisMachinesCpusMemoryAndTcg()
    {
        Assert.NotNull(lab.Root);
        using var driver = LibvirtMorphDriver.Open(LabFixture.Uri, TimeProvider.System).Value;
        var read = await driver.ReadHostAsync(CancellationToken.None);
        Assert.True(read.IsSuccess, string.Join("; ", read.Errors));
        var host = read.Value;
        output.WriteLine($"{host.Capabilities.Name}: {host.Capabilities.Cores} cores, {host.Facts.TotalMemoryKiB} KiB (NUMA nodes: {host.Facts.NodeMemoryKiB} KiB)");

        var processors = File.ReadLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal));
        Assert.Equal(processors, host.Capabilities.Cores);
        Assert.Equal(Environment.ProcessorCount, host.Capabilities.Cores);

        var memTotal = File.ReadLines("/proc/meminfo").Single(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kib = long.Parse(memTotal.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        Assert.InRange(host.Capabilities.Memory.Bytes, MemorySize.FromKiB(kib).Bytes * 0.99, MemorySize.FromKiB(kib).Bytes * 1.01);

        // The lab's guests run under TCG (<domain type='qemu'>); libvirt offers it. It offers KVM too, because /dev/kvm
        // exists (kvm_pvm), though LAB.md found stock guest kernels hang under it.
        Assert.Equal("QEMU", host.Facts.HypervisorType);
        Assert.Contains("TCG", host.Accelerators);
        var tcg = host.Domains.Single(d => d.DomainType == "qemu");
        Assert.Equal("x86_64", tcg.Arch);
        Assert.True(tcg.MaxVcpus >= host.Capabilities.Cores);
        Assert.Matches(@"^.+ \(libvirt 9\.0\.\d+, QEMU 7\.2\.\d+, (KVM, )?TCG\)$", host.Capabilities.Name);
    }
}
