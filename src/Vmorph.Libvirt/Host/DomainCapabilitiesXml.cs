using System.Collections.Immutable;
using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Vmorph.Libvirt.Host;

/// <summary>What one domain capabilities document (<c>virConnectGetDomainCapabilities</c>) says vmorph needs.</summary>
/// <param name="DomainType">The domain type: <c>kvm</c> (hardware virtualisation) or <c>qemu</c> (TCG, emulation).</param>
/// <param name="Machine">The default machine type (<c>pc-i440fx-7.2</c>); null when not given.</param>
/// <param name="Arch">The guest architecture (<c>x86_64</c>); null when not given.</param>
/// <param name="MaxVcpus">The most vCPUs a domain of this type and machine may have (<c>&lt;vcpu max=.../&gt;</c>); null when not given.</param>
/// <param name="Features">The features marked <c>supported='yes'</c> (<c>vmcoreinfo</c>, <c>backup</c>, ...), sorted.</param>
public sealed record DomainCapabilities(string DomainType, string? Machine, string? Arch, int? MaxVcpus, ImmutableArray<string> Features)
{
    /// <summary>The accelerator a person knows the domain type by: <c>KVM</c>, <c>TCG</c> for <c>qemu</c>, otherwise the type itself.</summary>
    public string Accelerator => DomainType switch
    {
        "kvm" => "KVM",
        "qemu" => "TCG",
        _ => DomainType,
    };
}

/// <summary>Reads a domain capabilities document.</summary>
public static class DomainCapabilitiesXml
{
    /// <summary>The document's domain type, machine, architecture, vCPU maximum and supported features; a failure names what is wrong.</summary>
    public static Result<DomainCapabilities> Parse(string xml)
    {
        XDocument document;
        try
        {
            document = XDocument.Parse(xml);
        }
        catch (XmlException e)
        {
            return Result<DomainCapabilities>.Fail($"the domain capabilities are not XML: {e.Message}");
        }
        var root = document.Root;
        if (root is null || root.Name.LocalName != "domainCapabilities")
            return Result<DomainCapabilities>.Fail($"the domain capabilities document has root <{root?.Name.LocalName}>, not <domainCapabilities>");
        var type = root.Element("domain")?.Value.Trim();
        if (string.IsNullOrEmpty(type)) return Result<DomainCapabilities>.Fail("the domain capabilities name no <domain> type");
        int? max = null;
        if (root.Element("vcpu")?.Attribute("max")?.Value is { } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
                return Result<DomainCapabilities>.Fail($"the domain capabilities of type '{type}' give <vcpu max='{text}'/>, not a positive whole number");
            max = n;
        }
        var features = root.Element("features")?.Elements()
            .Where(f => f.Attribute("supported")?.Value == "yes")
            .Select(f => f.Name.LocalName)
            .Order(StringComparer.Ordinal)
            .ToImmutableArray() ?? [];
        return Result<DomainCapabilities>.Ok(new DomainCapabilities(type, Trimmed(root.Element("machine")), Trimmed(root.Element("arch")), max, features));
    }

    private static string? Trimmed(XElement? element) => element?.Value.Trim() is { Length: > 0 } value ? value : null;
}
