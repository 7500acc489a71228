using Vmorph.Collection;
using Vmorph.Units;

namespace Vmorph.Libvirt.Tests;

public class DomainXmlTests
{
    private const string Xml = """
        <domain type='qemu' id='3'>
          <name>web-7</name>
          <uuid>e1dfcfbd-8427-4d89-bef0-10a8e0a8b0be</uuid>
          <memory unit='GiB'>2</memory>
          <currentMemory unit='KiB'>786432</currentMemory>
          <vcpu placement='static' current='2'>8</vcpu>
          <cputune><period>100000</period><quota>25000</quota></cputune>
          <os><type arch='x86_64' machine='pc'>hvm</type></os>
          <devices>
            <disk type='file' device='disk'>
              <driver name='qemu' type='qcow2'/>
              <source file='/var/lib/libvirt/images/web-7.qcow2' index='2'/>
              <backingStore type='file' index='3'>
                <format type='qcow2'/>
                <source file='/var/lib/libvirt/images/web-base.qcow2'/>
                <backingStore type='file' index='4'>
                  <format type='raw'/>
                  <source file='/var/lib/libvirt/images/debian-12-golden.raw'/>
                  <backingStore/>
                </backingStore>
              </backingStore>
              <target dev='vda' bus='virtio'/>
              <iotune><read_bytes_sec>1048576</read_bytes_sec><write_bytes_sec>0</write_bytes_sec><total_iops_sec>200</total_iops_sec></iotune>
            </disk>
            <disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
            <disk type='file' device='disk'><source file='/data/web-7-data.qcow2'/><backingStore/><target dev='vdb' bus='virtio'/></disk>
            <interface type='ethernet'><mac address='52:54:00:76:6d:01'/><target dev='vmlab-1' managed='no'/><model type='virtio'/></interface>
            <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/></channel>
          </devices>
        </domain>
        """;

    [Fact]
    public void Parse_RunningDomain_ReadsEveryPartOfTheConfiguration()
    {
        var view = DomainXml.Parse(Xml, target => target == "vda" ? 10L << 30 : null).Value;
        var c = view.Configuration;
        Assert.Equal((2, 8), (c.Vcpus!.Value, c.MaxVcpus!.Value));
        Assert.Equal(MemorySize.FromMiB(768), c.Memory);
        Assert.Equal(MemorySize.FromGiB(2), c.MaxMemory);
        Assert.Equal((25000L, 100000L), (c.CpuQuotaMicroseconds!.Value, c.CpuPeriodMicroseconds!.Value));
        Assert.Equal(["vda", "vdb"], c.Disks.Keys);
        var vda = c.Disks["vda"];
        Assert.Equal("/var/lib/libvirt/images/web-7.qcow2", vda.Source);
        Assert.Equal(MemorySize.FromGiB(10), vda.Capacity);
        Assert.Equal("/var/lib/libvirt/images/debian-12-golden.raw", vda.BackingImage);
        Assert.Equal(1048576, vda.ReadBytesPerSecond!.Value.BytesPerSecond);
        Assert.Null(vda.WriteBytesPerSecond);
        Assert.Equal(200, vda.TotalIopsPerSecond);
        Assert.Null(c.Disks["vdb"].BackingImage);
        var nic = c.Nics["52:54:00:76:6d:01"];
        Assert.Equal(("ethernet", "virtio", "vmlab-1"), (nic.Type, nic.Model, nic.Target));
        Assert.Equal("/var/lib/libvirt/images/debian-12-golden.raw", view.BaseImage.Value);
        Assert.Equal(GuestAgentState.Disconnected, view.GuestAgent);
    }

    [Fact]
    public void Parse_QuotaOff_HasNoCap()
    {
        var view = DomainXml.Parse(Xml.Replace("<quota>25000</quota>", "<quota>-1</quota>", StringComparison.Ordinal), _ => null).Value;
        Assert.Null(view.Configuration.CpuQuotaMicroseconds);
        Assert.Null(view.Configuration.CpuPeriodMicroseconds);
    }

    [Fact]
    public void Parse_DirectKernelBootWithoutBackingImage_UsesTheInitrd()
    {
        const string xml = "<domain><vcpu>1</vcpu><memory>1048576</memory><os><kernel>/lab/vmlinuz</kernel><initrd>/lab/initramfs.img</initrd></os><devices><disk device='disk'><source file='/lab/lab-1.qcow2'/><backingStore/><target dev='vda'/></disk></devices></domain>";
        var view = DomainXml.Parse(xml, _ => null).Value;
        Assert.Equal("/lab/initramfs.img", view.BaseImage.Value);
        Assert.Equal(GuestAgentState.None, view.GuestAgent);
        Assert.Equal(MemorySize.FromGiB(1), view.Configuration.Memory);
    }

    [Fact]
    public void Parse_InactiveDomainWithoutChainInTheXml_AsksTheProbe()
    {
        const string xml = "<domain><vcpu>1</vcpu><memory>1048576</memory><devices><disk device='disk'><driver type='qcow2'/><source file='/img/a.qcow2'/><target dev='vda'/></disk></devices></domain>";
        var view = DomainXml.Parse(xml, _ => null, path => path == "/img/a.qcow2" ? "/img/golden.qcow2" : null).Value;
        Assert.Equal("/img/golden.qcow2", view.BaseImage.Value);
    }

    [Theory]
    [InlineData("<domain><vcpu>", "not well-formed")]
    [InlineData("<network/>", "not <domain>")]
    public void Parse_NotADomainXml_FailsWithTheReason(string xml, string reason)
    {
        var result = DomainXml.Parse(xml, _ => null);
        Assert.False(result.IsSuccess);
        Assert.Contains(reason, result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_VmorphMetadataLabels_AreReadAndOtherNamespacesIgnored()
    {
        var xml = Xml.Replace("<os>", """
            <metadata>
              <vmorph:labels xmlns:vmorph="https://vmorph.dev/xmlns/labels/1"><vmorph:label key="tier" value="web"/><vmorph:label key="vmorph.io/role" value="front end"/></vmorph:labels>
              <other:labels xmlns:other="https://example.org/labels"><other:label key="team" value="ops"/></other:labels>
            </metadata>
            <os>
            """, StringComparison.Ordinal);
        var view = DomainXml.Parse(xml, _ => null).Value;
        Assert.Equal(new Dictionary<string, string> { ["tier"] = "web", ["vmorph.io/role"] = "front end" }, view.Labels);
        Assert.Empty(view.LabelNotes);
    }

    [Fact]
    public void Parse_InvalidMetadataLabels_AreSkippedWithANoteEach()
    {
        var xml = Xml.Replace("<os>", """
            <metadata><v:labels xmlns:v="https://vmorph.dev/xmlns/labels/1">
              <v:label key="Tier!" value="web"/>
              <v:label key="ok" value="a&#x9;b"/>
              <v:label key="tier" value="db"/>
              <v:label key="tier" value="web"/>
              <v:label key="novalue"/>
            </v:labels></metadata>
            <os>
            """, StringComparison.Ordinal);
        var view = DomainXml.Parse(xml, _ => null).Value;
        Assert.Equal(new Dictionary<string, string> { ["tier"] = "db" }, view.Labels);
        Assert.Collection(view.LabelNotes,
            n => Assert.Contains("key 'Tier!' skipped", n, StringComparison.Ordinal),
            n => Assert.Contains("label 'ok' skipped", n, StringComparison.Ordinal),
            n => Assert.Contains("'tier' given twice", n, StringComparison.Ordinal),
            n => Assert.Contains("expected <label key=", n, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_NoMetadata_HasNoLabels()
    {
        var view = DomainXml.Parse(Xml, _ => null).Value;
        Assert.Empty(view.Labels);
        Assert.Empty(view.LabelNotes);
    }
}

public class StoredConfigurationTests
{
    [Fact]
    public void Configuration_JsonRoundTrip_KeepsSizesAndRates()
    {
        var configuration = new Vmorph.Configuration.VmConfiguration
        {
            Memory = MemorySize.FromMiB(256),
            Disks = System.Collections.Immutable.ImmutableSortedDictionary<string, Vmorph.Configuration.DiskConfiguration>.Empty
                .Add("vda", new Vmorph.Configuration.DiskConfiguration { Capacity = MemorySize.FromGiB(1), ReadBytesPerSecond = new ByteRate(1024) }),
        };
        var json = System.Text.Json.JsonSerializer.Serialize(configuration, Vmorph.Profiles.ProfileCodec.JsonOptions);
        var back = System.Text.Json.JsonSerializer.Deserialize<Vmorph.Configuration.VmConfiguration>(json, Vmorph.Profiles.ProfileCodec.JsonOptions)!;
        Assert.Equal(configuration.ContentHash(), back.ContentHash());
        Assert.Empty(configuration.DiffTo(back));
    }
}
