using System.Collections.Immutable;
using CsCheck;
using Vmorph.Configuration;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Profiles;
using Vmorph.TargetProfiles;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests.Planning;

/// <summary>Invariants of the planner over random VMs, target profiles, hosts and usage.</summary>
public class PlanPropertyTests
{
    private static readonly string[] Packages = ["nginx", "postgresql", "telnetd", "git"];
    private static readonly string[] Services = ["nginx", "ssh", "telnetd"];
    private static readonly string[] Ports = ["22/tcp", "80/tcp", "443/tcp", "53/udp"];

    private static readonly Gen<VmConfiguration> GenConfiguration =
        from vcpus in Gen.Int[1, 6]
        from extraVcpus in Gen.Int[0, 4]
        from memory in Gen.Int[128, 4096]
        from extraMemory in Gen.Int[0, 4096]
        from quota in Gen.Int[0, 100]
        from disk in Gen.Int[64, 8192]
        from readLimit in Gen.Int[0, 200]
        from iops in Gen.Int[0, 3000]
        from packages in Gen.Int[0, 15]
        from services in Gen.Int[0, 26]
        from sysctl in Gen.Int[0, 2]
        from firewall in Gen.Int[0, 2]
        select new VmConfiguration
        {
            Vcpus = vcpus,
            MaxVcpus = vcpus + extraVcpus,
            Memory = MemorySize.FromMiB(memory),
            MaxMemory = MemorySize.FromMiB(memory + extraMemory),
            CpuQuotaMicroseconds = quota == 0 ? null : quota * 1000,
            CpuPeriodMicroseconds = quota == 0 ? null : 100_000,
            Disks = ImmutableSortedDictionary<string, DiskConfiguration>.Empty.Add("vda", new DiskConfiguration
            {
                Source = "/var/lib/vmorph/vm.qcow2",
                Capacity = MemorySize.FromMiB(disk),
                ReadBytesPerSecond = readLimit == 0 ? null : new ByteRate(readLimit * MemorySize.MiB),
                TotalIopsPerSecond = iops == 0 ? null : iops,
            }),
            Guest = Guest(packages, services, sysctl, firewall),
        };

    private static ImmutableSortedDictionary<string, string> Guest(int packages, int services, int sysctl, int firewall)
    {
        var guest = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Packages.Length; i++)
            if ((packages & (1 << i)) != 0) guest[GuestKeys.Package(Packages[i])] = "1.0-" + i;
        for (int i = 0, s = services; i < Services.Length; i++, s /= 3)
            if (s % 3 != 0) guest[GuestKeys.Service(Services[i])] = s % 3 == 1 ? GuestKeys.Enabled : GuestKeys.Disabled;
        if (sysctl > 0) guest[GuestKeys.Sysctl("net.core.somaxconn")] = sysctl == 1 ? "128" : "4096";
        if (firewall > 0) guest[GuestKeys.FirewallDefault] = firewall == 1 ? GuestKeys.Allow : GuestKeys.Deny;
        return guest.ToImmutable();
    }

    private static SizeExpression? Maybe(int choice, string? absolute, string? relative, SizeKind kind) => choice switch
    {
        1 when absolute is not null => Fixtures.Size(absolute, kind),
        2 when relative is not null => Fixtures.Size(relative, kind),
        _ => null,
    };

    private static readonly Gen<TargetResources> GenResources =
        from vcpusChoice in Gen.Int[0, 2]
        from vcpus in Gen.Int[1, 10]
        from vcpusMin in Gen.Int[1, 3]
        from vcpusMaxBound in Gen.Int[3, 12]
        from factor in Gen.Int[8, 20]
        from maxVcpusChoice in Gen.Int[0, 1]
        from maxVcpus in Gen.Int[1, 12]
        from memoryChoice in Gen.Int[0, 2]
        from memory in Gen.Int[64, 40_000]
        from memoryMin in Gen.Int[64, 2048]
        from maxMemoryChoice in Gen.Int[0, 1]
        from maxMemory in Gen.Int[128, 40_000]
        from quotaChoice in Gen.Int[0, 2]
        from quota in Gen.Int[1, 100]
        from diskChoice in Gen.Int[0, 3]
        from diskSize in Gen.Int[32, 16_384]
        from readChoice in Gen.Int[0, 2]
        from read in Gen.Int[1, 500]
        from iopsChoice in Gen.Int[0, 2]
        from iops in Gen.Int[1, 5000]
        select new TargetResources
        {
            Vcpus = Maybe(vcpusChoice, vcpus.ToString(), $"p95(cpu) * {factor / 10.0:0.0} + 1, min {vcpusMin}, max {vcpusMaxBound}", SizeKind.Count),
            MaxVcpus = Maybe(maxVcpusChoice, maxVcpus.ToString(), null, SizeKind.Count),
            Memory = Maybe(memoryChoice, memory + "MiB", $"p95(memory) * {factor / 10.0:0.0}, min {memoryMin}MiB, max 16GiB", SizeKind.Bytes),
            MaxMemory = Maybe(maxMemoryChoice, maxMemory + "MiB", null, SizeKind.Bytes),
            CpuQuota = quotaChoice switch { 1 => LimitTarget.Unlimited, 2 => new LimitTarget(Fixtures.Size(quota + "%", SizeKind.Share)), _ => null },
            Disk = diskChoice == 0 ? null : new TargetDisk
            {
                Size = diskChoice switch { 1 => Fixtures.Size($"current, min {diskSize}MiB", SizeKind.Bytes), 2 => Fixtures.Size(diskSize + "MiB", SizeKind.Bytes), _ => null },
                ReadBytesPerSecond = readChoice switch { 1 => LimitTarget.Unlimited, 2 => new LimitTarget(Fixtures.Size(read + "MiB/s", SizeKind.Rate)), _ => null },
                TotalIops = iopsChoice switch { 1 => LimitTarget.Unlimited, 2 => new LimitTarget(Fixtures.Size(iops.ToString(), SizeKind.Count)), _ => null },
            },
        };

    private static readonly Gen<TargetProfile> GenTarget =
        from resources in GenResources
        from packages in Gen.Int[0, 80]
        from services in Gen.Int[0, 26]
        from sysctl in Gen.Bool
        from ssh in Gen.Int[0, 2]
        from firewall in Gen.Int[0, 2]
        from ports in Gen.Int[0, 80]
        select new TargetProfile
        {
            Name = "random",
            Resources = resources,
            Software = new TargetSoftware
            {
                PackagesPresent = [.. Packages.Where((_, i) => Digit(packages, i) == 1)],
                PackagesAbsent = [.. Packages.Where((_, i) => Digit(packages, i) == 2)],
                ServicesEnabled = [.. Services.Where((_, i) => Digit(services, i) == 1)],
                ServicesDisabled = [.. Services.Where((_, i) => Digit(services, i) == 2)],
            },
            Security = new TargetSecurity
            {
                Sysctl = sysctl ? ImmutableSortedDictionary<string, string>.Empty.Add("net.core.somaxconn", "1024") : ImmutableSortedDictionary<string, string>.Empty,
                PermitRootLogin = ssh switch { 1 => "no", 2 => "prohibit-password", _ => null },
                PasswordAuthentication = ssh == 1 ? "no" : null,
                FirewallDefault = firewall switch { 1 => RuleAction.Allow, 2 => RuleAction.Deny, _ => null },
            },
            Network = new TargetNetwork
            {
                Ports = [.. Ports.Select((p, i) => (p, d: Digit(ports, i))).Where(x => x.d != 0)
                    .Select(x => new PortRule(int.Parse(x.p.Split('/')[0]), int.Parse(x.p.Split('/')[0]), x.p.Split('/')[1], x.d == 1 ? RuleAction.Allow : RuleAction.Deny))],
            },
        };

    private static int Digit(int value, int position)
    {
        for (var i = 0; i < position; i++) value /= 3;
        return value % 3;
    }

    private static readonly Gen<HostCapabilities> GenHost =
        from cores in Gen.Int[1, 8]
        from memory in Gen.Int[1, 32]
        from lab in Gen.Bool
        select lab
            ? LabHost.Capabilities with { Cores = cores, Memory = MemorySize.FromGiB(memory) }
            : LabHost.Capabilities with { Name = "hot-unplug host", Cores = cores, Memory = MemorySize.FromGiB(memory), VcpuDecrease = ChangeSupport.Live, MaximumChange = ChangeSupport.Restart };

    private static readonly Gen<PersonalityProfile?> GenProfile =
        from has in Gen.Int[0, 4]
        from cores in Gen.Double[0.05, 8]
        from memory in Gen.Int[32, 12_000]
        select has == 0 ? null : Fixtures.Profile(cores, MemorySize.FromMiB(memory));

    private static readonly Gen<(VmConfiguration Current, TargetProfile Target, HostCapabilities Host, PersonalityProfile? Profile)> GenCase =
        Gen.Select(GenConfiguration, GenTarget, GenHost, GenProfile);

    private static Result<Plan> PlanFor((VmConfiguration Current, TargetProfile Target, HostCapabilities Host, PersonalityProfile? Profile) c) =>
        MorphingAlgorithm.Plan(Fixtures.Request(c.Target, c.Current, c.Profile, c.Host));

    [Fact]
    public void PlanThenInverseStepsInReverse_GivesBackTheStartingConfiguration()
    {
        var planned = 0;
        GenCase.Sample(c =>
        {
            var result = PlanFor(c);
            if (!result.IsSuccess) return;
            planned++;
            var plan = result.Value;
            var configuration = c.Current;
            foreach (var step in plan.Steps)
            {
                foreach (var precondition in step.Preconditions)
                    Assert.True(precondition.HoldsOn(configuration) != false, $"step {step.Index} {step.Kind}: precondition '{precondition.Description}' does not hold");
                configuration = Checked(configuration, step.Changes);
            }
            Assert.Equal(plan.ExpectedHash, configuration.ContentHash());
            foreach (var step in plan.Steps.Reverse()) configuration = Checked(configuration, step.Inverse.Changes);
            Assert.Equal(c.Current.ContentHash(), configuration.ContentHash());
        }, iter: 600);
        Assert.True(planned > 150, $"only {planned} of 600 random cases could be planned; the generators are too strict to test much");
    }

    [Fact]
    public void RollbackAfterAnyNumberOfSteps_GivesBackTheStartingConfiguration()
    {
        GenCase.Sample(c =>
        {
            var result = PlanFor(c);
            if (!result.IsSuccess) return;
            var plan = result.Value;
            var outlines = plan.Steps.Select(StepOutline.Of).ToList();
            for (var through = 0; through <= plan.Steps.Length; through++)
            {
                var configuration = plan.Steps.Take(through).Aggregate(c.Current, (cfg, s) => Checked(cfg, s.Changes));
                foreach (var operation in RollbackOperation.Sequence(outlines, through))
                {
                    configuration = operation.Kind switch
                    {
                        RollbackOperationKind.InvertStep => Checked(configuration, plan.Steps[operation.Step!.Value - 1].Inverse.Changes),
                        RollbackOperationKind.RevertSnapshot => c.Current,
                        _ => configuration,
                    };
                }
                Assert.Equal(c.Current.ContentHash(), configuration.ContentHash());
            }
        }, iter: 300);
    }

    [Fact]
    public void Plan_NeverLeavesTheTargetsBoundsNorTheHostsCapacity()
    {
        GenCase.Sample(c =>
        {
            var result = PlanFor(c);
            if (!result.IsSuccess) return;
            var plan = result.Value;
            var before = c.Current;
            var after = plan.ExpectedConfiguration();
            var r = c.Target.Resources;
            var changed = plan.Steps.SelectMany(s => s.Changes).Select(x => x.Path).ToHashSet();

            Assert.True(after.Vcpus <= after.MaxVcpus, "vCPUs above the maximum");
            Assert.True(after.Memory!.Value.Bytes <= after.MaxMemory!.Value.Bytes, "memory above the maximum");
            if (changed.Contains("vcpus.current")) Assert.InRange(after.Vcpus!.Value, 1, c.Host.Cores);
            if (changed.Contains("vcpus.maximum")) Assert.InRange(after.MaxVcpus!.Value, 1, c.Host.Cores);
            if (changed.Contains("memory.current")) Assert.True(after.Memory.Value.Bytes <= c.Host.Memory.Bytes, "memory above the host's");
            if (changed.Contains("memory.maximum")) Assert.True(after.MaxMemory.Value.Bytes <= c.Host.Memory.Bytes, "maximum memory above the host's");
            if (r.Vcpus is { } v)
            {
                if (v.Minimum is { } min) Assert.True(after.Vcpus >= min, $"vCPUs {after.Vcpus} below the target's minimum {min}");
                if (v.Maximum is { } max) Assert.True(after.Vcpus <= max, $"vCPUs {after.Vcpus} above the target's maximum {max}");
            }
            if (r.MaxVcpus is { IsAbsolute: true } mv) Assert.True(after.Vcpus <= mv.Evaluate(new ProfileSizeContext(null, "x")).Value);
            if (r.Memory is { } m)
            {
                if (m.Minimum is { } min) Assert.True(after.Memory.Value.Bytes >= min, "memory below the target's minimum");
                if (m.Maximum is { } max) Assert.True(after.Memory.Value.Bytes <= max, "memory above the target's maximum");
            }
            if (r.MaxMemory is { IsAbsolute: true } mm) Assert.True(after.Memory.Value.Bytes <= mm.Evaluate(new ProfileSizeContext(null, "x")).Value);
            Assert.True(after.Disks["vda"].Capacity!.Value.Bytes >= before.Disks["vda"].Capacity!.Value.Bytes, "the disk shrank");
            if (after.CpuQuotaMicroseconds is { } q && changed.Contains("cpu.quota_us")) Assert.InRange(q, 1, after.CpuPeriodMicroseconds!.Value);
        }, iter: 600);
    }

    [Fact]
    public void Plan_NeverAttemptsWhatTheLabHostCannotDo()
    {
        var labCases = Gen.Select(GenConfiguration, GenTarget, GenProfile).Select(t => (t.Item1, t.Item2, LabHost.Capabilities, t.Item3));
        labCases.Sample(c =>
        {
            var result = PlanFor(c);
            if (!result.IsSuccess) return;
            var steps = result.Value.Steps;
            foreach (var step in steps)
            {
                if (step.Kind == StepKind.SetVcpus && int.Parse(step.Changes[0].After!) < int.Parse(step.Changes[0].Before!))
                    Assert.Equal(StepMode.Restart, step.Mode);
                if (step.Kind == StepKind.SetVcpus && step.Inverse.Mode == StepMode.Live)
                    Assert.True(int.Parse(step.Inverse.Changes[0].After!) > int.Parse(step.Inverse.Changes[0].Before!), "a live inverse vCPU decrease");
                Assert.DoesNotContain(step.Changes, ch => ch.Path.StartsWith("nic.", StringComparison.Ordinal));
                Assert.DoesNotContain(step.Changes, ch => ch.Path.EndsWith(".capacity", StringComparison.Ordinal) && double.Parse(ch.After!) < double.Parse(ch.Before!));
            }
            // The snapshot is taken before the first step; every vCPU hot-add comes after every step that needs it.
            var firstHotAdd = steps.FirstOrDefault(s => s.Kind == StepKind.SetVcpus && s.Mode == StepMode.Live)?.Index ?? int.MaxValue;
            Assert.All(steps.Where(s => s.RequiresSnapshot && !(s.Kind == StepKind.SetVcpus && s.Mode == StepMode.Live)), s => Assert.True(s.Index < firstHotAdd));
            // Restart-mode steps all come before the one restart; only live steps follow it.
            var restart = steps.SingleOrDefault(s => s.Kind == StepKind.RestartVm);
            Assert.Equal(steps.Any(s => s.Mode == StepMode.Restart && s.Kind != StepKind.RestartVm), restart is not null);
            Assert.All(steps.Where(s => s.Mode == StepMode.Restart && s.Kind != StepKind.RestartVm), s => Assert.True(s.Index < restart!.Index));
            Assert.All(steps.Where(s => restart is not null && s.Index > restart.Index), s => Assert.Equal(StepMode.Live, s.Mode));
        }, iter: 600);
    }

    [Fact]
    public void Plan_WithNicBandwidth_IsAlwaysRefusedHere()
    {
        Gen.Select(GenConfiguration, GenTarget, GenProfile, Gen.Int[1, 1000]).Sample((current, target, profile, rate) =>
        {
            var withBandwidth = target with { Network = target.Network with { InboundBandwidth = Fixtures.Size(rate + "MiB/s", SizeKind.Rate) } };
            var result = MorphingAlgorithm.Plan(Fixtures.Request(withBandwidth, current, profile));
            Assert.False(result.IsSuccess);
            Assert.Contains(result.Errors, e => e.Contains("NIC bandwidth limits are refused", StringComparison.Ordinal));
        }, iter: 100);
    }

    [Fact]
    public void SavedPlan_LoadsBackExactly()
    {
        GenCase.Sample(c =>
        {
            var result = PlanFor(c);
            if (!result.IsSuccess) return;
            var saved = PlanFile.Save(result.Value);
            var loaded = PlanFile.Load(saved);
            Assert.True(loaded.IsSuccess, string.Join("\n", loaded.Errors));
            Assert.Equal(saved, PlanFile.Save(loaded.Value));
            Assert.Equal(c.Current.ContentHash(), loaded.Value.BaseConfiguration().ContentHash());
        }, iter: 200);
    }

    [Fact]
    public void SavedPlan_AnySingleValueChanged_IsRefusedOrLoadsAsTheSamePlan()
    {
        Gen.Select(GenCase, Gen.Int[0, int.MaxValue], Gen.Int[0, 3]).Sample((c, pick, how) =>
        {
            var result = PlanFor(c);
            if (!result.IsSuccess) return;
            var saved = PlanFile.Save(result.Value);
            var json = System.Text.Json.Nodes.JsonNode.Parse(saved)!;
            var leaves = Leaves(json).ToList();
            var (parent, key, value) = leaves[pick % leaves.Count];
            System.Text.Json.Nodes.JsonNode? mutated = value?.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.String => how switch
                {
                    0 => value.GetValue<string>() + "x",
                    1 => "",
                    2 => "1048576",
                    _ => null,
                },
                System.Text.Json.JsonValueKind.Number => how switch { 0 => value.GetValue<double>() + 1, 1 => 0, 2 => "1", _ => null },
                System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => how switch { 0 => !value.GetValue<bool>(), 1 => "true", _ => null },
                _ => how switch { 0 => "x", 1 => 0, _ => false },
            };
            if (parent is System.Text.Json.Nodes.JsonObject o) o[key] = mutated;
            else ((System.Text.Json.Nodes.JsonArray)parent)[int.Parse(key)] = mutated;
            var loaded = PlanFile.Load(json.ToJsonString(PlanFile.JsonOptions) + "\n");
            if (loaded.IsSuccess) Assert.Equal(saved, PlanFile.Save(loaded.Value));
        }, iter: 300);
    }

    [Fact]
    public void SavedPlan_AnyStepOrInverseEditedWithTheIdComputedAgain_IsRefused()
    {
        Gen.Select(GenCase, Gen.Int[0, int.MaxValue], Gen.Int[0, 6]).Sample((c, pick, how) =>
        {
            var result = PlanFor(c);
            if (!result.IsSuccess || result.Value.Steps.IsEmpty) return;
            var plan = result.Value;
            var step = plan.Steps[pick % plan.Steps.Length];
            PlanStep? edited = how switch
            {
                0 => step with { Inverse = step.Inverse with { Kind = step.Inverse.Kind == StepKind.SetMemory ? StepKind.SetVcpus : StepKind.SetMemory } },
                // A value the change does not have already (a generated disk limit can be 1 MiB/s: then it is no edit).
                1 when !step.Inverse.Changes.IsEmpty => step with { Inverse = step.Inverse with { Changes = step.Inverse.Changes.SetItem(0, step.Inverse.Changes[0] with { After = step.Inverse.Changes[0].After == "1048576" ? "2097152" : "1048576" }) } },
                2 => step with { Inverse = step.Inverse with { Mode = step.Inverse.Mode == StepMode.Live ? StepMode.Restart : StepMode.Live } },
                3 => step with { Inverse = step.Inverse with { Mechanism = step.Inverse.Mechanism == InverseMechanism.Step ? InverseMechanism.Snapshot : InverseMechanism.Step } },
                4 when step.Risk.Level != RiskLevel.Low => step with { Risk = new StepRisk(RiskLevel.Low, step.Risk.Reason) },
                5 when !step.Preconditions.IsEmpty => step with { Preconditions = step.Preconditions.SetItem(0, step.Preconditions[0] with { Description = "anything" }) },
                6 => step with { Mode = step.Mode == StepMode.Live ? StepMode.Restart : StepMode.Live },
                _ => null,
            };
            if (edited is null || edited == step) return;
            var tampered = plan with { Delta = new ConfigurationDelta(plan.Steps.SetItem(step.Index - 1, edited)) };
            var loaded = PlanFile.Load(PlanFile.Save(tampered with { Id = Plan.ComputeId(tampered) }));
            Assert.False(loaded.IsSuccess, $"step {step.Index} ({step.Subject}) edited ({how}) was loaded");
            Assert.True(loaded.Errors.Any(e => e.Contains($"step {step.Index} ({step.Subject})", StringComparison.Ordinal) || e.Contains("do not lead to", StringComparison.Ordinal) || e.Contains(": guest.", StringComparison.Ordinal) || e.StartsWith("plan file: " + ValueText.Display(step.Subject), StringComparison.Ordinal)),
                $"edit {how} of step {step.Index}: " + string.Join("\n", loaded.Errors));
        }, iter: 400);
    }

    private static IEnumerable<(System.Text.Json.Nodes.JsonNode Parent, string Key, System.Text.Json.Nodes.JsonNode? Value)> Leaves(System.Text.Json.Nodes.JsonNode node)
    {
        if (node is System.Text.Json.Nodes.JsonObject o)
        {
            foreach (var (key, value) in o.ToList())
                if (value is System.Text.Json.Nodes.JsonObject or System.Text.Json.Nodes.JsonArray) foreach (var leaf in Leaves(value)) yield return leaf;
                else yield return (o, key, value);
        }
        else if (node is System.Text.Json.Nodes.JsonArray a)
        {
            for (var i = 0; i < a.Count; i++)
                if (a[i] is System.Text.Json.Nodes.JsonObject or System.Text.Json.Nodes.JsonArray) foreach (var leaf in Leaves(a[i]!)) yield return leaf;
                else yield return (a, i.ToString(System.Globalization.CultureInfo.InvariantCulture), a[i]);
        }
    }

    private static VmConfiguration Checked(VmConfiguration configuration, IEnumerable<ConfigurationChange> changes)
    {
        var result = ConfigurationEditor.ApplyChecked(configuration, changes);
        Assert.True(result.IsSuccess, string.Join("; ", result.Errors));
        return result.Value;
    }
}
