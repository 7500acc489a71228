using Vmorph.Planning;
using Vmorph.TargetProfiles;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests.Planning;

public class MorphingAlgorithmTests
{
    private static TargetProfile Resources(string resources) => Fixtures.Target($"""
        apiVersion: vmorph/v1
        kind: TargetProfile
        metadata: {"{name: t}"}
        spec:
          resources:
        {resources}
        """);

    private static string[] Kinds(Plan plan) => [.. plan.Steps.Select(s => $"{s.Kind}:{s.Mode}")];

    [Fact]
    public void Plan_WebServerOnALabGuest_GrowsMaximumsFirstRestartsOnceAndHotAddsLast()
    {
        var plan = Fixtures.Plan(Fixtures.Request(Fixtures.Catalog.Find("web-server").Value, profile: Fixtures.Profile(1.2, MemorySize.FromMiB(600))));
        var kinds = plan.Steps.Select(s => s.Kind).ToList();
        Assert.Equal(StepKind.SetMaxMemory, kinds[0]);
        Assert.Equal(StepKind.RestartVm, kinds[1]);
        Assert.Equal(StepKind.SetMemory, kinds[2]);
        Assert.Equal(StepKind.SetVcpus, kinds[^1]);
        Assert.Equal(StepMode.Live, plan.Steps[^1].Mode);
        Assert.Equal("2", plan.Steps[^1].Changes.Single().After); // p95 × 1.3 + 1 = 3, held to the host's 2 cores
        Assert.True(plan.Delta.SnapshotRequired);
        Assert.True(kinds.IndexOf(StepKind.RemovePackage) < kinds.IndexOf(StepKind.InstallPackage));
        Assert.True(kinds.IndexOf(StepKind.InstallPackage) < kinds.IndexOf(StepKind.EnableService));
        Assert.True(kinds.LastIndexOf(StepKind.SetNetworkRule) < kinds.IndexOf(StepKind.SetFirewallDefault));
        Assert.All(plan.Steps.Where(s => s.Channel == StepChannel.Guest), s => Assert.Contains(s.Preconditions, p => p.Kind == PreconditionKind.GuestAnswers));
    }

    [Fact]
    public void Plan_VcpuDecrease_IsNeverLiveOnTheLabHost_ButWaitsForTheRestart()
    {
        var current = Fixtures.LabVm with { Vcpus = 4, MaxVcpus = 4 };
        var plan = Fixtures.Plan(Fixtures.Request(Resources("    vcpus: \"2\""), current));
        Assert.Equal(["SetVcpus:Restart", "RestartVm:Restart"], Kinds(plan));
        Assert.Equal(StepMode.Restart, plan.Steps[0].Inverse.Mode);
        Assert.True(plan.Steps[0].RequiresSnapshot);
        Assert.Equal("Plan: 0 to add, 1 to change, 0 to destroy; 0 live, 1 needs a restart.", plan.Summary.ToString());

        var liveHost = LabHost.Capabilities with { Name = "other", Cores = 8, VcpuDecrease = ChangeSupport.Live };
        Assert.Equal(["SetVcpus:Live"], Kinds(Fixtures.Plan(Fixtures.Request(Resources("    vcpus: \"2\""), current, host: liveHost))));
    }

    [Fact]
    public void Plan_FourVcpusAsked_AreHeldToTheCoresOfTheHostGiven()
    {
        var current = Fixtures.LabVm with { Vcpus = 1, MaxVcpus = 4 };
        var onLab = Fixtures.Plan(Fixtures.Request(Resources("    vcpus: \"4\""), current));
        Assert.Equal("2", onLab.Steps.Single().Changes.Single().After); // the lab's 2 cores
        Assert.Equal(LabHost.Capabilities.Name, onLab.Host);

        var bigger = LabHost.Capabilities with { Name = "bigger (libvirt 9.0.0, QEMU 8.2.0, KVM)", Cores = 16, Memory = MemorySize.FromGiB(128) };
        var onBigger = Fixtures.Plan(Fixtures.Request(Resources("    vcpus: \"4\""), current, host: bigger));
        Assert.Equal("4", onBigger.Steps.Single().Changes.Single().After);
        Assert.Equal("bigger (libvirt 9.0.0, QEMU 8.2.0, KVM)", onBigger.Host);

        var smaller = LabHost.Capabilities with { Name = "one-core", Cores = 1 };
        var refused = MorphingAlgorithm.Plan(Fixtures.Request(Resources("    vcpus: \"4, min 2\""), current, host: smaller));
        Assert.Equal(["target profile 't': spec.resources.vcpus: '4, min 2' needs at least 2, but the host has 1 cores"], refused.Errors);
    }

    [Fact]
    public void Plan_MemoryAndMaximumDecrease_LowersTheCurrentBeforeTheMaximum()
    {
        var current = Fixtures.LabVm with { Memory = MemorySize.FromGiB(2), MaxMemory = MemorySize.FromGiB(4) };
        var plan = Fixtures.Plan(Fixtures.Request(Resources("    memory: 512MiB\n    max-memory: 1GiB"), current));
        Assert.Equal(["SetMemory:Live", "SetMaxMemory:Restart", "RestartVm:Restart"], Kinds(plan));
        Assert.Contains(plan.Steps[1].Preconditions, p => p.Kind == PreconditionKind.MaximumCoversMemory);
    }

    [Fact]
    public void Plan_MemoryBelowWhatTheVmUses_IsHighRisk()
    {
        var current = Fixtures.LabVm with { Memory = MemorySize.FromGiB(2), MaxMemory = MemorySize.FromGiB(2) };
        var plan = Fixtures.Plan(Fixtures.Request(Resources("    memory: 1GiB"), current, Fixtures.Profile(0.5, MemorySize.FromMiB(1500))));
        var step = Assert.Single(plan.Steps);
        Assert.Equal(RiskLevel.High, step.Risk.Level);
        Assert.StartsWith("the VM's p95 memory use is 1.", step.Risk.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DiskGrowth_NeedsTheSnapshotToUndo()
    {
        var plan = Fixtures.Plan(Fixtures.Request(Resources("    disk: {size: \"current, min 1GiB\"}")));
        var step = Assert.Single(plan.Steps);
        Assert.Equal(StepKind.GrowDisk, step.Kind);
        Assert.Equal(InverseMechanism.Snapshot, step.Inverse.Mechanism);
        Assert.True(step.RequiresSnapshot);
        Assert.Equal("a disk is never shrunk, so only the snapshot can undo this", step.SnapshotReason);
    }

    [Fact]
    public void Plan_DiskShrink_IsRefusedWithAReason()
    {
        var result = MorphingAlgorithm.Plan(Fixtures.Request(Resources("    disk: {size: 32MiB}")));
        Assert.Equal(
            "target profile 't': spec.resources.disk.size: '32MiB' is 32 MiB, below the current 64 MiB of disk vda: disks are never shrunk (the data beyond would be lost); use 'current, min SIZE' to grow only",
            Assert.Single(result.Errors));
        Assert.Equal(PlanExitCodes.Error, PlanExitCodes.For(result));
    }

    [Fact]
    public void Plan_NicBandwidth_IsRefusedOnThisHypervisor()
    {
        var target = Fixtures.Target("apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: t}\nspec:\n  network:\n    bandwidth: {outbound: 10MiB/s}\n");
        var result = MorphingAlgorithm.Plan(Fixtures.Request(target));
        Assert.Equal(
            "target profile 't': spec.network.bandwidth.outbound: NIC bandwidth limits are refused on lab (libvirt 9.0, QEMU 7.2 TCG): vmorph cannot tell whether domiftune works on a host (on the lab it fails: \"not implemented\" on user NICs, and on tap NICs a failed call leaves a partial tc qdisc behind), and a restart would apply the same tc rules; remove spec.network.bandwidth",
            Assert.Single(result.Errors));
    }

    [Fact]
    public void Plan_GuestStepsWithoutAWayIn_AreRefusedEachNamed()
    {
        var result = MorphingAlgorithm.Plan(Fixtures.Request(Fixtures.Catalog.Find("development").Value, profile: Fixtures.Profile(1, MemorySize.FromGiB(1)), guest: GuestAccess.None));
        Assert.False(result.IsSuccess);
        Assert.Contains("target profile 'development': package.git: a guest-side change, but vmorph has no way into this VM (no QEMU guest agent, no SSH configured)", result.Errors);
        Assert.True(result.Errors.Count > 3);
    }

    [Fact]
    public void Plan_RelativeSizesWithoutAProfile_FailWithNoDataForEachField()
    {
        var result = MorphingAlgorithm.Plan(Fixtures.Request(Fixtures.Catalog.Find("web-server").Value));
        Assert.Equal(
        [
            "target profile 'web-server': spec.resources.vcpus: p95(cpu) has no data: the profile of VM 'lab-1' has no cpu samples; collect metrics first or give an absolute size",
            "target profile 'web-server': spec.resources.memory: p95(memory) has no data: the profile of VM 'lab-1' has no memory samples; collect metrics first or give an absolute size",
        ], result.Errors);
    }

    [Fact]
    public void Plan_MinimumAboveTheHost_IsRefused()
    {
        var result = MorphingAlgorithm.Plan(Fixtures.Request(Resources("    vcpus: \"3, min 3\"\n    memory: \"32GiB, min 32GiB\"")));
        Assert.Equal(
        [
            "target profile 't': spec.resources.vcpus: '3, min 3' needs at least 3, but the host has 2 cores",
            "target profile 't': spec.resources.memory: '32GiB, min 32GiB' needs at least 32 GiB, but the host has 24 GiB",
        ], result.Errors);
    }

    [Fact]
    public void Plan_AboveTheHostWithoutAMinimum_IsHeldToTheHost()
    {
        var plan = Fixtures.Plan(Fixtures.Request(Resources("    vcpus: \"16\"\n    max-vcpus: \"16\"")));
        Assert.Equal("2", plan.Steps.Single(s => s.Kind == StepKind.SetVcpus).Changes[0].After);
        Assert.Equal("2", plan.Steps.Single(s => s.Kind == StepKind.SetMaxVcpus).Changes[0].After);
    }

    [Fact]
    public void Plan_CpuQuota_IsOneStepSettingQuotaAndPeriod()
    {
        var plan = Fixtures.Plan(Fixtures.Request(Resources("    cpu-quota: 25%")));
        var step = Assert.Single(plan.Steps);
        Assert.Equal(StepKind.SetCpuQuota, step.Kind);
        Assert.Equal(["cpu.period_us=100000", "cpu.quota_us=25000"], step.Changes.Select(c => $"{c.Path}={c.After}"));
        Assert.Equal('+', step.Symbol);
        Assert.Equal(RiskLevel.Medium, step.Risk.Level);
    }

    [Fact]
    public void Plan_TargetAlreadyMet_HasNoChanges()
    {
        var result = MorphingAlgorithm.Plan(Fixtures.Request(Resources("    vcpus: \"1\"\n    memory: 256MiB")));
        Assert.False(result.Value.HasChanges);
        Assert.Equal(result.Value.BaseHash, result.Value.ExpectedHash);
        Assert.Equal(PlanExitCodes.NoChanges, PlanExitCodes.For(result));
        Assert.Equal(PlanExitCodes.Changes, PlanExitCodes.For(MorphingAlgorithm.Plan(Fixtures.Request(Resources("    vcpus: \"2\"")))));
    }

    [Fact]
    public void Plan_ComparesTraits_LargestDifferenceFirst_WithTheRmsDistance()
    {
        var plan = Fixtures.Plan(Fixtures.Request(Fixtures.Catalog.Find("web-server").Value, profile: Fixtures.Profile(1, MemorySize.FromMiB(300)),
            traits: Fixtures.Traits(("web-server", 0.2), ("idle", 0.9))));
        Assert.Equal(["web-server", "network-bound"], plan.Traits.Traits.Select(t => t.Trait));
        Assert.Equal(-0.6, plan.Traits.Traits[0].Difference, 6);
        Assert.Null(plan.Traits.Traits[1].Actual);
        Assert.Equal(Math.Sqrt((0.36 + 0.25) / 2), plan.Traits.Distance, 6);
    }

    [Fact]
    public void Plan_IsDeterministic()
    {
        var request = Fixtures.Request(Fixtures.Catalog.Find("database-server").Value, profile: Fixtures.Profile(0.8, MemorySize.FromMiB(700)));
        Assert.Equal(PlanFile.Save(Fixtures.Plan(request)), PlanFile.Save(Fixtures.Plan(request)));
    }

    [Fact]
    public void Plan_StepNeedingASnapshotOnAHostWithoutSnapshots_IsRefused()
    {
        var host = LabHost.Capabilities with { Name = "no-snapshots", Snapshots = false };
        var result = MorphingAlgorithm.Plan(Fixtures.Request(Resources("    disk: {size: \"current, min 1GiB\"}"), host: host));
        Assert.Equal("target profile 't': step 1 (disk.vda) needs a snapshot first (a disk is never shrunk, so only the snapshot can undo this), but no-snapshots cannot take snapshots",
            Assert.Single(result.Errors));
    }

    [Fact]
    public void Plan_WithSnapshot_CarriesTheHotAddPreconditionForTheDriver()
    {
        var plan = Fixtures.Plan(Fixtures.Request(Resources("    vcpus: \"2\""), guest: GuestAccess.Ssh));
        Assert.Equal(PreconditionKind.NoVcpuHotAddSinceStart, Assert.Single(plan.Delta.SnapshotPreconditions).Kind);
        Assert.Null(plan.Delta.SnapshotPreconditions[0].HoldsOn(Fixtures.LabVm));
        var ssh = Fixtures.Plan(Fixtures.Request(Fixtures.Target("apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: t}\nspec:\n  software: {packages: {present: [git]}}\n"), guest: GuestAccess.Ssh));
        Assert.Contains(ssh.Steps[0].Preconditions, p => p.Description == "SSH answers");
        Assert.False(ssh.Delta.SnapshotRequired);
        Assert.Empty(ssh.Delta.SnapshotPreconditions);
    }

    [Fact]
    public void Plan_MinimalSnapshot_HotAddReliesOnTheRestartToUndo_WhileDiskGrowthAndPackageRemovalKeepTheSnapshot()
    {
        var resources = Fixtures.Target("apiVersion: vmorph/v1\nkind: TargetProfile\nmetadata: {name: t}\nspec:\n  resources:\n    vcpus: \"2\"\n    disk: {size: \"current, min 1GiB\"}\n  software: {packages: {absent: [telnetd]}}\n");
        var current = Fixtures.LabVm with { Guest = Fixtures.LabVm.Guest.SetItem("package.telnetd", "0.17") };
        var auto = Fixtures.Plan(Fixtures.Request(resources, current));
        var minimal = Fixtures.Plan(Fixtures.Request(resources, current) with { Snapshot = SnapshotPolicy.Minimal });

        var hotAdd = minimal.Steps.Single(s => s.Kind == StepKind.SetVcpus);
        Assert.True(auto.Steps.Single(s => s.Kind == StepKind.SetVcpus).RequiresSnapshot);
        Assert.False(hotAdd.RequiresSnapshot);
        Assert.Null(hotAdd.SnapshotReason);
        Assert.DoesNotContain(hotAdd.Preconditions, p => p.Kind == PreconditionKind.SnapshotTaken);
        Assert.Equal(StepMode.Restart, hotAdd.Inverse.Mode);
        Assert.True(minimal.Steps.Single(s => s.Kind == StepKind.GrowDisk).RequiresSnapshot);
        Assert.True(minimal.Steps.Single(s => s.Kind == StepKind.RemovePackage).RequiresSnapshot);
        Assert.NotEqual(auto.Id, minimal.Id);
    }

    [Fact]
    public void Plan_MinimalSnapshot_LiveHotAddAlone_TakesNoSnapshotAndSaysHowItIsUndone()
    {
        var plan = Fixtures.Plan(Fixtures.Request(Resources("    vcpus: \"2\"")) with { Snapshot = SnapshotPolicy.Minimal });

        Assert.False(plan.Delta.SnapshotRequired);
        Assert.Empty(plan.Delta.SnapshotPreconditions);
        Assert.Contains("vmorph will carry out these steps with no snapshot (step 1 would be undone by a restart):", PlanRenderer.Text(plan));
    }
}
