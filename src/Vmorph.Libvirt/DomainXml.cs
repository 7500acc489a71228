using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Vmorph.Collection;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Units;

namespace Vmorph.Libvirt;

/// <summary>What vmorph reads from a domain XML.</summary>
/// <param name="Configuration">vCPUs, memory, CPU tuning, disks (with I/O limits and the bottom of their backing chain), NICs.</param>
/// <param name="BaseImage">The seed's <c>BaseImageID</c>.</param>
/// <param name="GuestAgent">Whether there is a guest agent channel, and its state.</param>
/// <param name="DiskFiles">Each disk's target and source file (for capacities and backing-chain probes).</param>
/// <param name="Labels">The valid labels of the domain's vmorph metadata (<see cref="DomainXml.LabelsNamespace"/>).</param>
/// <param name="LabelNotes">Why each label of that metadata that is not valid was skipped.</param>
internal sealed record DomainXmlView(
    VmConfiguration Configuration,
    BaseImageId BaseImage,
    GuestAgentState GuestAgent,
    IReadOnlyList<(string Target, string? File, string? Format, bool ChainKnown)> DiskFiles,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<string> LabelNotes);

/// <summary>
/// Reads a libvirt domain XML into a <see cref="VmConfiguration"/> (pure; System.Xml.Linq). The <c>BaseImageID</c> is
/// the image at the bottom of the boot disk's <c>&lt;backingStore&gt;</c> chain; a disk with no backing image has none,
/// and a directly booted kernel's initrd stands for the image when no disk has one.
/// </summary>
internal static class DomainXml
{
    /// <summary>The name of the QEMU guest agent's virtio-serial channel.</summary>
    public const string AgentChannel = "org.qemu.guest_agent.0";

    /// <summary>
    /// The XML namespace of vmorph's labels in a domain's <c>&lt;metadata&gt;</c>:
    /// <c>&lt;vmorph:labels xmlns:vmorph="https://vmorph.dev/xmlns/labels/1"&gt;&lt;label key="tier" value="web"/&gt;&lt;/vmorph:labels&gt;</c>
    /// (set with <c>virsh metadata DOMAIN --uri https://vmorph.dev/xmlns/labels/1 --key vmorph --set '&lt;labels&gt;...&lt;/labels&gt;'</c>).
    /// </summary>
    public const string LabelsNamespace = "https://vmorph.dev/xmlns/labels/1";

    /// <summary>At most this many labels are read from a domain's metadata; the rest are skipped with a note.</summary>
    public const int MaxLabels = 64;

    /// <summary>Parses <paramref name="xml"/>; <paramref name="capacity"/> gives a disk's capacity by target (null: unknown).</summary>
    public static Result<DomainXmlView> Parse(string xml, Func<string, long?> capacity, Func<string, string?>? backingProbe = null)
    {
        XElement domain;
        try
        {
            domain = XDocument.Parse(xml).Root ?? throw new XmlException("no root element");
        }
        catch (XmlException e)
        {
            return Result<DomainXmlView>.Fail($"the domain XML is not well-formed: {e.Message}");
        }
        if (domain.Name.LocalName != "domain") return Result<DomainXmlView>.Fail($"the XML's root is <{domain.Name.LocalName}>, not <domain>");

        var vcpu = domain.Element("vcpu");
        int? maxVcpus = Int(vcpu?.Value);
        int? vcpus = Int(vcpu?.Attribute("current")?.Value) ?? maxVcpus;
        var memory = Size(domain.Element("memory"));
        var current = Size(domain.Element("currentMemory")) ?? memory;
        var tune = domain.Element("cputune");
        long? quota = Long(tune?.Element("quota")?.Value);
        if (quota is <= 0) quota = null;
        long? period = quota is null ? null : Long(tune?.Element("period")?.Value) ?? 100_000;

        var disks = ImmutableSortedDictionary.CreateBuilder<string, DiskConfiguration>(StringComparer.Ordinal);
        var files = new List<(string, string?, string?, bool)>();
        string? bootBase = null;
        var devices = domain.Element("devices");
        foreach (var disk in devices?.Elements("disk") ?? [])
        {
            if ((string?)disk.Attribute("device") is { } device && device != "disk") continue;
            var target = (string?)disk.Element("target")?.Attribute("dev");
            if (target is null) continue;
            var source = SourceOf(disk);
            var chain = disk.Element("backingStore");
            var bottom = BottomOfChain(chain);
            var format = (string?)disk.Element("driver")?.Attribute("type");
            // Running domains carry the chain libvirt probed (an empty <backingStore/> ends it); inactive ones may not.
            var chainKnown = chain is not null;
            if (!chainKnown && source is not null && format == "qcow2" && backingProbe is not null) bottom = backingProbe(source);
            var iotune = disk.Element("iotune");
            disks[target] = new DiskConfiguration
            {
                Source = source,
                Capacity = capacity(target) is { } bytes ? new MemorySize(bytes) : null,
                BackingImage = bottom,
                ReadBytesPerSecond = Positive(iotune?.Element("read_bytes_sec")?.Value) is { } r ? new ByteRate(r) : null,
                WriteBytesPerSecond = Positive(iotune?.Element("write_bytes_sec")?.Value) is { } w ? new ByteRate(w) : null,
                TotalIopsPerSecond = Positive(iotune?.Element("total_iops_sec")?.Value),
            };
            files.Add((target, (string?)disk.Element("source")?.Attribute("file"), format, chainKnown));
            bootBase ??= bottom;
        }

        var nics = ImmutableSortedDictionary.CreateBuilder<string, NicConfiguration>(StringComparer.Ordinal);
        var index = 0;
        foreach (var nic in devices?.Elements("interface") ?? [])
        {
            var key = (string?)nic.Element("mac")?.Attribute("address") ?? $"nic{index}";
            index++;
            nics[key] = new NicConfiguration
            {
                Type = (string?)nic.Attribute("type"),
                Model = (string?)nic.Element("model")?.Attribute("type"),
                Target = (string?)nic.Element("target")?.Attribute("dev"),
            };
        }

        var agent = GuestAgentState.None;
        foreach (var channel in devices?.Elements("channel") ?? [])
        {
            var target = channel.Element("target");
            if ((string?)target?.Attribute("name") != AgentChannel) continue;
            agent = (string?)target!.Attribute("state") switch
            {
                "connected" => GuestAgentState.Connected,
                "disconnected" => GuestAgentState.Disconnected,
                _ => GuestAgentState.Unknown,
            };
        }

        var (labels, labelNotes) = LabelsOf(domain);
        var initrd = domain.Element("os")?.Element("initrd")?.Value;
        var baseImage = bootBase ?? (string.IsNullOrWhiteSpace(initrd) ? null : initrd.Trim());
        return Result<DomainXmlView>.Ok(new DomainXmlView(
            new VmConfiguration
            {
                Vcpus = vcpus,
                MaxVcpus = maxVcpus,
                Memory = current,
                MaxMemory = memory,
                CpuQuotaMicroseconds = quota,
                CpuPeriodMicroseconds = period,
                Disks = disks.ToImmutable(),
                Nics = nics.ToImmutable(),
            },
            baseImage is null ? BaseImageId.Unknown : new BaseImageId(baseImage),
            agent,
            files,
            labels,
            labelNotes));
    }

    // Untrusted input (anyone who may edit the domain sets it): keys and values follow LabelRules; the invalid are skipped.
    private static (IReadOnlyDictionary<string, string> Labels, IReadOnlyList<string> Notes) LabelsOf(XElement domain)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var notes = new List<string>();
        XNamespace ns = LabelsNamespace;
        foreach (var label in domain.Element("metadata")?.Elements(ns + "labels").Elements() ?? [])
        {
            var key = (string?)label.Attribute("key");
            var value = (string?)label.Attribute("value");
            if (label.Name != ns + "label" || key is null || value is null)
                notes.Add($"metadata label <{label.Name.LocalName}> skipped: expected <label key=\"...\" value=\"...\"/>");
            else if (!LabelRules.IsValidKey(key))
                notes.Add($"metadata label key '{LabelRules.Printable(key)}' skipped: 1 to 63 characters of a-z, 0-9, '.', '-', '_', '/', starting and ending with a letter or digit");
            else if (!LabelRules.IsValidValue(value))
                notes.Add($"metadata label '{key}' skipped: the value must be at most 256 characters, none of them control characters");
            else if (labels.ContainsKey(key))
                notes.Add($"metadata label '{key}' given twice: the first value is kept");
            else if (labels.Count >= MaxLabels)
                notes.Add($"metadata label '{key}' skipped: at most {MaxLabels} labels are read");
            else
                labels[key] = value;
        }
        return (labels, notes);
    }

    private static string? SourceOf(XElement disk)
    {
        var source = disk.Element("source");
        if (source is null) return null;
        return (string?)source.Attribute("file") ?? (string?)source.Attribute("dev") ?? (string?)source.Attribute("volume")
            ?? ((string?)source.Attribute("protocol") is { } protocol ? $"{protocol}:{(string?)source.Attribute("name")}" : null);
    }

    // <backingStore type='file'><source file='base.qcow2'/><backingStore/></backingStore>: the deepest source.
    private static string? BottomOfChain(XElement? store)
    {
        string? bottom = null;
        while (store is not null && store.Element("source") is { } source)
        {
            bottom = (string?)source.Attribute("file") ?? (string?)source.Attribute("dev") ?? bottom;
            store = store.Element("backingStore");
        }
        return bottom;
    }

    /// <summary>A libvirt size element in bytes (its <c>unit</c> attribute, KiB by default).</summary>
    internal static MemorySize? Size(XElement? element)
    {
        if (element is null || !double.TryParse(element.Value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return null;
        var unit = ((string?)element.Attribute("unit") ?? "KiB").Trim();
        double factor = unit switch
        {
            "b" or "bytes" => 1,
            "KB" => 1e3,
            "k" or "KiB" => 1024,
            "MB" => 1e6,
            "M" or "MiB" => 1024 * 1024,
            "GB" => 1e9,
            "G" or "GiB" => 1024d * 1024 * 1024,
            "TB" => 1e12,
            "T" or "TiB" => 1024d * 1024 * 1024 * 1024,
            _ => double.NaN,
        };
        return double.IsNaN(factor) || value < 0 ? null : new MemorySize(value * factor);
    }

    private static int? Int(string? s) => int.TryParse(s?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? Long(string? s) => long.TryParse(s?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static long? Positive(string? s) => Long(s) is > 0 and var v ? v : null;
}
