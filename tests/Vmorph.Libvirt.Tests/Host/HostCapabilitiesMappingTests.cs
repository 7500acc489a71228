using Vmorph.Libvirt.Host;
using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Libvirt.Tests.Host;

/// <summary>The pure mapping from what libvirt reports about a host to the planner's capabilities, over sample XML.</summary>
public class HostCapabilitiesMappingTests
{
    // The head and features of `virsh domcapabilities --virttype qemu` on the lab host (libvirt 9.0.0, QEMU 7.2).
    private const string LabTcg = """
        <domainCapabilities>
          <path>/usr/bin/qemu-system-x86_64</path>
          <domain>qemu</domain>
          <machine>pc-i440fx-7.2</machine>
          <arch>x86_64</arch>
          <vcpu max='255'/>
          <iothreads supported='yes'/>
          <os supported='yes'>
            <enum name='firmware'/>
          </os>
          <features>
            <gic supported='no'/>
            <vmcoreinfo supported='yes'/>
            <genid supported='yes'/>
            <backingStoreInput supported='yes'/>
            <backup supported='yes'/>
            <sev supported='no'/>
            <sgx supported='no'/>
            <hyperv supported='yes'>
              <enum name='features'>
                <value>spinlocks</value>
              </enum>
            </hyperv>
          </features>
        </domainCapabilities>
        """;

    private static readonly string LabKvm = LabTcg.Replace("<domain>qemu</domain>", "<domain>kvm</domain>", StringComparison.Ordinal);

    // The lab host as libvirt reports it: 2 logical CPUs; NUMA node 0 lists 6.1 GiB of the kernel's 23.5 GiB.
    private static readonly HostFacts Lab = new()
    {
        Hostname = "vm",
        LogicalCpus = 2,
        NodeMemoryKiB = 6_383_820,
        TotalMemoryKiB = 24_684_084,
        HypervisorType = "QEMU",
        HypervisorVersion = 7_002_022,
        LibvirtVersion = 9_000_000,
        DomainCapabilities = [LabKvm, LabTcg],
    };

    // libvirt's test:///default as it reports itself: 16 CPUs, 3 GiB, no domain capabilities, no memory statistics.
    private static readonly HostFacts TestDriver = new()
    {
        Hostname = "vm",
        LogicalCpus = 16,
        NodeMemoryKiB = 3_145_728,
        HypervisorType = "TEST",
        HypervisorVersion = 2,
        LibvirtVersion = 9_000_000,
        MaxVcpus = 32,
    };

    [Fact]
    public void Parse_LabTcgDomainCapabilities_ReadsTypeMachineVcpuMaximumAndSupportedFeatures()
    {
        var parsed = DomainCapabilitiesXml.Parse(LabTcg);
        Assert.True(parsed.IsSuccess, string.Join("; ", parsed.Errors));
        Assert.Equal("qemu", parsed.Value.DomainType);
        Assert.Equal("TCG", parsed.Value.Accelerator);
        Assert.Equal("pc-i440fx-7.2", parsed.Value.Machine);
        Assert.Equal("x86_64", parsed.Value.Arch);
        Assert.Equal(255, parsed.Value.MaxVcpus);
        Assert.Equal(["backingStoreInput", "backup", "genid", "hyperv", "vmcoreinfo"], parsed.Value.Features.ToArray());
    }

    [Fact]
    public void Parse_NotDomainCapabilities_FailsNamingTheRoot()
    {
        Assert.Equal(["the domain capabilities document has root <capabilities>, not <domainCapabilities>"], DomainCapabilitiesXml.Parse("<capabilities/>").Errors);
        Assert.StartsWith("the domain capabilities are not XML: ", DomainCapabilitiesXml.Parse("<domainCapabilities>").Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_VcpuMaximumNotAPositiveNumber_FailsNamingTheValue()
    {
        var parsed = DomainCapabilitiesXml.Parse("<domainCapabilities><domain>kvm</domain><vcpu max='lots'/></domainCapabilities>");
        Assert.Equal(["the domain capabilities of type 'kvm' give <vcpu max='lots'/>, not a positive whole number"], parsed.Errors);
    }

    [Fact]
    public void Map_LabQemuHost_TakesLogicalCpusKernelMemoryAndTheQemuRules()
    {
        var host = HostCapabilitiesMapping.Map(Lab);
        Assert.True(host.IsSuccess, string.Join("; ", host.Errors));
        var c = host.Value.Capabilities;
        Assert.Equal("vm (libvirt 9.0.0, QEMU 7.2.22, KVM, TCG)", c.Name);
        Assert.Equal(2, c.Cores);
        Assert.Equal(MemorySize.FromKiB(24_684_084), c.Memory); // the kernel's total, not NUMA node 0's 6.1 GiB
        Assert.Equal(["KVM", "TCG"], host.Value.Accelerators.ToArray());
        Assert.Equal(
            [ChangeSupport.Live, ChangeSupport.Restart, ChangeSupport.Live, ChangeSupport.Restart, ChangeSupport.Live, ChangeSupport.Live, ChangeSupport.Live, ChangeSupport.Unsupported],
            [c.VcpuIncrease, c.VcpuDecrease, c.MemoryWithinMaximum, c.MaximumChange, c.CpuQuota, c.DiskIoLimits, c.DiskGrow, c.NicBandwidth]);
        Assert.True(c.Snapshots);
    }

    [Fact]
    public void Map_VcpuMaximumBelowTheLogicalCpus_HoldsCoresToTheMaximum()
    {
        var big = Lab with { LogicalCpus = 512, DomainCapabilities = [LabTcg.Replace("max='255'", "max='240'", StringComparison.Ordinal), LabKvm] };
        Assert.Equal(240, HostCapabilitiesMapping.Map(big).Value.Capabilities.Cores);
    }

    [Fact]
    public void Map_TestDriver_TakesItsOwnCpusAndNodeMemoryAndAssumesNothingLive()
    {
        var host = HostCapabilitiesMapping.Map(TestDriver);
        Assert.True(host.IsSuccess, string.Join("; ", host.Errors));
        var c = host.Value.Capabilities;
        Assert.Equal("vm (libvirt 9.0.0, TEST 0.0.2)", c.Name);
        Assert.Equal(16, c.Cores);
        Assert.Equal(MemorySize.FromGiB(3), c.Memory);
        Assert.Empty(host.Value.Accelerators.ToArray());
        Assert.All([c.VcpuIncrease, c.VcpuDecrease, c.MemoryWithinMaximum, c.MaximumChange, c.CpuQuota, c.DiskIoLimits], s => Assert.Equal(ChangeSupport.Restart, s));
        Assert.Equal(ChangeSupport.Unsupported, c.DiskGrow);
        Assert.Equal(ChangeSupport.Unsupported, c.NicBandwidth);
        Assert.False(c.Snapshots);
        Assert.Equal(8, HostCapabilitiesMapping.Map(TestDriver with { MaxVcpus = 8 }).Value.Capabilities.Cores);
    }

    [Fact]
    public void Map_NoCpusNoMemoryAndBadXml_FailsWithEveryReason()
    {
        var host = HostCapabilitiesMapping.Map(TestDriver with { LogicalCpus = 0, NodeMemoryKiB = 0, DomainCapabilities = ["<capabilities/>"] });
        Assert.Equal(
            [
                "libvirt reports 0 CPUs on host 'vm'",
                "libvirt reports no memory on host 'vm'",
                "host 'vm': the domain capabilities document has root <capabilities>, not <domainCapabilities>",
            ],
            host.Errors);
    }

    [Theory]
    [InlineData(9_000_000UL, "9.0.0")]
    [InlineData(7_002_022UL, "7.2.22")]
    [InlineData(2UL, "0.0.2")]
    public void Version_LibvirtEncoding_ReadsMajorMinorRelease(ulong encoded, string expected) =>
        Assert.Equal(expected, HostCapabilitiesMapping.Version(encoded));
}
