using System.Collections.Immutable;
using System.Text;
using CsCheck;
using Vmorph.Configuration;
using Vmorph.Fuzz.Tests.Harness;
using Vmorph.Identity;
using Vmorph.Observations;
using Vmorph.Planning;
using Vmorph.Policies;
using Vmorph.Profiles;
using Vmorph.TargetProfiles;
using Vmorph.Testing;
using Vmorph.Traits;
using Vmorph.Units;
using Xunit.Abstractions;

namespace Vmorph.Fuzz.Tests;

/// <summary>
/// The YAML a user writes (archetypes, target profiles, policies) and the plan files vmorph writes, fuzzed against the
/// real parsers: hostile variants of the built-in documents and of a real plan. A refusal must name the file, in words;
/// what is taken is then used (archetypes score a profile, target profiles plan a VM) and must not break that.
/// </summary>
public sealed class DocumentFuzzTests(ITestOutputHelper output)
{
    private const string Source = "mine.yaml";

    private static Gen<byte[]> VariantsOf(IReadOnlyList<(string Source, string Yaml)> documents) =>
        Gen.Int[0, documents.Count - 1].SelectMany(i => Mutations.Of(documents[i].Yaml));

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    // Taken, or refused with every message clean.
    private static Outcome Judge<T>(Result<T> result, string where)
    {
        if (result.IsSuccess) return Outcome.Accepted;
        if (result.Errors.Count == 0) return new Outcome(Verdict.UnclearReject, "refused without a message");
        foreach (var error in result.Errors)
            if (Messages.Problem(error, where) is { } problem) return new Outcome(Verdict.UnclearReject, $"{problem}: {error}");
        return new Outcome(Verdict.CleanReject, result.Errors[0]);
    }

    /// <summary>A day of office-hours load: what an accepted archetype catalog scores.</summary>
    private static readonly PersonalityProfile Profile = MakeProfile();

    private static PersonalityProfile MakeProfile()
    {
        var profile = new PersonalityProfile(new VmId("fuzz:1"), "fuzz-1", "test");
        var start = new DateTimeOffset(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 7 * 288; i++)
        {
            var at = start.AddMinutes(5 * i);
            var busy = at.Hour is >= 8 and < 18 && at.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
            profile.Fold(new MetricSample(at, cpu: new CpuCores(busy ? 1.5 : 0.1), cpuUtilisation: new Fraction(busy ? 0.75 : 0.05), cpuAllocated: new CpuCores(2),
                memory: MemorySize.FromMiB(busy ? 900 : 400), memoryAllocated: MemorySize.FromMiB(1024), diskRead: ByteRate.FromKiBPerSecond(i % 13), networkReceive: ByteRate.FromKiBPerSecond(i % 7)));
        }
        return profile;
    }

    [Fact]
    public void Archetypes_HostileVariants_AreTakenOrRefusedCleanlyAndScoreFinitely()
    {
        var tally = Fuzzer.Run("archetypes-yaml", VariantsOf([(Source, ArchetypeCatalog.BuiltInYaml())]), (bytes, _) =>
        {
            var built = ArchetypeCatalog.Build([(ArchetypeCatalog.BuiltInSource, ArchetypeCatalog.BuiltInYaml()), (Source, Text(bytes))]);
            if (!built.IsSuccess) return Judge(built, Source);
            var scores = TraitScorer.Score(Profile, built.Value);
            var bad = scores.Traits.FirstOrDefault(t => !double.IsFinite(t.Score) || !double.IsFinite(t.Coverage) || t.Score is < 0 or > 1);
            return bad is null ? Outcome.Accepted : new Outcome(Verdict.Crash, $"accepted, then trait '{bad.Trait}' scores {bad.Score} with coverage {bad.Coverage}");
        }, b => b, output);
        Assert.True(tally.Failures == 0, tally.ToString());
    }

    [Fact]
    public void TargetProfiles_HostileVariants_AreTakenOrRefusedCleanlyAndPlanWithoutBreaking()
    {
        var known = ArchetypeCatalog.BuiltIn.Archetypes.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var documents = TargetProfileCatalog.BuiltInDocuments().Select(d => (Source, d.Yaml)).ToList();
        var tally = Fuzzer.Run("target-profiles-yaml", VariantsOf(documents), (bytes, _) =>
        {
            var built = TargetProfileCatalog.Build([], [(Source, Text(bytes))], known);
            if (!built.IsSuccess) return Judge(built, Source);
            foreach (var target in built.Value.Profiles.Values)
            {
                // What plan and apply do with it: resolve every size against a VM, its profile and the lab host.
                var plan = MorphingAlgorithm.Plan(new PlanRequest
                {
                    Vm = Vm.Id,
                    VmName = "fuzz-1",
                    Current = Vm.Configuration,
                    Target = target,
                    Profile = Profile,
                    Host = LabHost.Capabilities,
                    CreatedAt = Now,
                });
                if (!plan.IsSuccess && plan.Errors.FirstOrDefault(e => Messages.Problem(e, "") is not null) is { } unclear)
                    return new Outcome(Verdict.UnclearReject, $"accepted, then planning said: {unclear}");
            }
            return Outcome.Accepted;
        }, b => b, output);
        Assert.True(tally.Failures == 0, tally.ToString());
    }

    [Fact]
    public void Policies_HostileVariants_AreTakenOrRefusedCleanly()
    {
        var documents = PolicyCatalog.BuiltInDocuments().Select(d => (Source, d.Yaml)).ToList();
        // As `simulate --policy FILE` reads one: after the built-in policies.
        var tally = Fuzzer.Run("policies-yaml", VariantsOf(documents), (bytes, _) => Judge(PolicyCatalog.Build(PolicyCatalog.BuiltInDocuments().Append((Source, Text(bytes)))), Source), b => b, output);
        Assert.True(tally.Failures == 0, tally.ToString());
    }

    private const string PlanSource = "mine.plan.json";

    private static readonly DateTimeOffset Now = new(2025, 1, 13, 10, 0, 0, TimeSpan.Zero);

    private static readonly (VmId Id, VmConfiguration Configuration) Vm = (new VmId("5f1c0c6e-8a0b-4c52-9d1e-3c2b7a9e4f10"), new VmConfiguration
    {
        Vcpus = 1,
        MaxVcpus = 4,
        Memory = MemorySize.FromMiB(256),
        MaxMemory = MemorySize.FromMiB(512),
        Disks = ImmutableSortedDictionary<string, DiskConfiguration>.Empty.Add("vda", new DiskConfiguration { Source = "/var/lib/vmorph/lab/lab-1.qcow2", Capacity = MemorySize.FromMiB(64) }),
        Guest = ImmutableSortedDictionary<string, string>.Empty.Add("package.telnetd", "0.17-44").Add("service.telnetd", GuestKeys.Enabled),
    });

    [Fact]
    public void PlanFiles_HostileVariants_AreTakenOrRefusedCleanly()
    {
        // Real plans of the lab VM to every built-in target profile, as `plan --out` writes them.
        var seeds = TargetProfileCatalog.BuiltIn.Profiles.Values.Select(target => MorphingAlgorithm.Plan(new PlanRequest
        {
            Vm = Vm.Id,
            VmName = "lab-1",
            Current = Vm.Configuration,
            Target = target,
            Profile = Profile,
            Host = LabHost.Capabilities,
            CreatedAt = Now,
        })).Where(p => p.IsSuccess).Select(p => (PlanSource, PlanFile.Save(p.Value))).ToList();
        Assert.NotEmpty(seeds);
        var tally = Fuzzer.Run("plan-files", VariantsOf(seeds), (bytes, _) => Judge(PlanFile.Load(Text(bytes), PlanSource), PlanSource), b => b, output);
        Assert.True(tally.Failures == 0, tally.ToString());
    }
}
