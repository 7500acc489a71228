using System.Collections.Immutable;
using Vmorph.Configuration;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Planning;
using Vmorph.Profiles;
using Vmorph.TargetProfiles;
using Vmorph.Traits;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests;

/// <summary>VMs, profiles and target profiles the tests share.</summary>
internal static class Fixtures
{
    public static readonly DateTimeOffset Now = new(2025, 1, 6, 10, 0, 0, TimeSpan.Zero);

    public static readonly VmId LabId = new("5f1c0c6e-8a0b-4c52-9d1e-3c2b7a9e4f10");

    /// <summary>A lab guest as LAB.md describes one: 1 of 4 vCPUs, 256 of 512 MiB, a small qcow2 disk, a guest agent.</summary>
    public static VmConfiguration LabVm { get; } = new()
    {
        Vcpus = 1,
        MaxVcpus = 4,
        Memory = MemorySize.FromMiB(256),
        MaxMemory = MemorySize.FromMiB(512),
        Disks = ImmutableSortedDictionary<string, DiskConfiguration>.Empty.Add("vda", new DiskConfiguration
        {
            Source = "/var/lib/vmorph/lab/lab-1.qcow2",
            Capacity = MemorySize.FromMiB(64),
        }),
        Nics = ImmutableSortedDictionary<string, NicConfiguration>.Empty.Add("52:54:00:12:34:56", new NicConfiguration { Type = "ethernet", Model = "virtio", Target = "vmtap0" }),
        Guest = ImmutableSortedDictionary<string, string>.Empty
            .Add("package.busybox", "1:1.35.0-4")
            .Add("package.telnetd", "0.17-44")
            .Add("service.telnetd", GuestKeys.Enabled)
            .Add("sysctl.net.core.somaxconn", "128"),
    };

    /// <summary>A profile whose CPU use is <paramref name="cores"/> and memory use <paramref name="memory"/>, steadily, for a day.</summary>
    public static PersonalityProfile Profile(double cores, MemorySize memory, string name = "lab-1")
    {
        var profile = new PersonalityProfile(LabId, name, "test");
        for (var i = 0; i < 288; i++)
        {
            var wobble = 1 + 0.02 * Math.Sin(i);
            profile.Fold(new MetricSample(Now.AddDays(-1).AddMinutes(5 * i),
                cpu: new CpuCores(cores * wobble),
                memory: new MemorySize(memory.Bytes * wobble),
                diskRead: ByteRate.FromKiBPerSecond(100),
                diskWrite: ByteRate.FromKiBPerSecond(50)));
        }
        return profile;
    }

    /// <summary>The built-in target profiles, checked against the built-in archetypes.</summary>
    public static TargetProfileCatalog Catalog { get; } = TargetProfileCatalog.Build(TargetProfileCatalog.BuiltInDocuments(), [], KnownTraits).Value;

    public static IReadOnlySet<string> KnownTraits => ArchetypeCatalog.BuiltIn.Archetypes.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>A size expression that must parse.</summary>
    public static SizeExpression Size(string text, SizeKind kind) => SizeExpression.Parse(text, kind).Value;

    /// <summary>A target profile from YAML that must validate.</summary>
    public static TargetProfile Target(string yaml, string source = "test.yaml")
    {
        var catalog = TargetProfileCatalog.Build([], [(source, yaml)], KnownTraits);
        Assert.True(catalog.IsSuccess, string.Join("\n", catalog.Errors));
        return catalog.Value.Profiles.Values.Single();
    }

    /// <summary>A trait vector with the given scores.</summary>
    public static WeightedTraitVector Traits(params (string Trait, double Score)[] scores) =>
        new([.. scores.Select(s => new TraitScore(s.Trait, TraitKind.Workload, s.Score, 1, [], []))]);

    public static PlanRequest Request(TargetProfile target, VmConfiguration? current = null, PersonalityProfile? profile = null, HostCapabilities? host = null,
        GuestAccess guest = GuestAccess.Agent, WeightedTraitVector? traits = null) => new()
    {
        Vm = LabId,
        VmName = "lab-1",
        Current = current ?? LabVm,
        Target = target,
        Profile = profile,
        Traits = traits,
        Host = host ?? LabHost.Capabilities,
        Guest = guest,
        CreatedAt = Now,
    };

    /// <summary>A plan that must succeed.</summary>
    public static Plan Plan(PlanRequest request)
    {
        var plan = MorphingAlgorithm.Plan(request);
        Assert.True(plan.IsSuccess, string.Join("\n", plan.Errors));
        return plan.Value;
    }
}
