using System.Collections.Immutable;
using System.Globalization;
using Vmorph.Configuration;
using Vmorph.Observations;
using Vmorph.TargetProfiles;
using Vmorph.Units;

namespace Vmorph.Planning;

/// <summary>
/// Turns the difference between two configurations into ordered <see cref="PlanStep"/>s. The rules (docs/MORPHING.md):
/// decreases of current values before decreases of maximums; every restart-mode step, then one
/// <see cref="StepKind.RestartVm"/>; then live resource steps (maximums have grown by then, so currents can follow);
/// then guest steps (services stopped before packages go, packages installed before services start, firewall rules
/// before the firewall default); vCPU hot-add last, so the snapshot taken at the start precedes it and everything that
/// needs the snapshot comes before it.
/// </summary>
internal static class DeltaBuilder
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static Result<ConfigurationDelta> Build(VmConfiguration current, VmConfiguration desired, HostCapabilities host, GuestAccess guest, ISizeContext? usage, SnapshotPolicy snapshot)
    {
        var errors = new List<string>();
        var drafts = new List<(int Order, PlanStep Step)>();
        var changes = current.DiffTo(desired);

        foreach (var change in changes)
        {
            var path = change.Path;
            switch (path)
            {
                case "vcpus.current": Add(Vcpus(change, host, usage, errors)); break;
                case "vcpus.maximum": Add(Maximum(StepKind.SetMaxVcpus, change, host, errors)); break;
                case "memory.current": Add(Memory(change, host, usage, errors)); break;
                case "memory.maximum": Add(Maximum(StepKind.SetMaxMemory, change, host, errors)); break;
                case "cpu.quota_us" or "cpu.period_us": break; // one step for both, below
                default:
                    if (path.StartsWith("disk.", StringComparison.Ordinal) && path.EndsWith(".capacity", StringComparison.Ordinal)) Add(GrowDisk(change, host, errors));
                    else if (path.StartsWith("disk.", StringComparison.Ordinal) && (path.EndsWith("_bytes_sec", StringComparison.Ordinal) || path.EndsWith(".total_iops_sec", StringComparison.Ordinal))) break; // per disk, below
                    else if (path.StartsWith("guest.", StringComparison.Ordinal)) Add(GuestStep(change, guest, errors));
                    else errors.Add($"{path}: vmorph cannot plan a change from {change.Before ?? "(none)"} to {change.After ?? "(none)"}; only resources, disk limits and sizes, and guest settings are planned");
                    break;
            }
        }

        var quota = changes.Where(c => c.Path is "cpu.quota_us" or "cpu.period_us").ToImmutableArray();
        if (!quota.IsEmpty) Add(CpuQuota(quota, current, host, errors));
        foreach (var disk in changes.Where(IsDiskLimit).GroupBy(c => DiskName(c.Path)))
            Add(DiskLimits(disk.Key, [.. disk], host, errors));

        if (errors.Count > 0) return Result<ConfigurationDelta>.Fail(errors);

        // A host may mark any kind restart-only: those steps join the restart group whatever their usual place.
        var ordered = drafts
            .Select(d => (Order: d.Step.Mode == StepMode.Restart && d.Order >= 40 ? 25 : d.Order, d.Step))
            .OrderBy(d => d.Order)
            .ThenBy(d => d.Step.Subject, StringComparer.Ordinal)
            .Select(d => d.Step)
            .ToList();
        var lastRestart = ordered.FindLastIndex(s => s.Mode == StepMode.Restart);
        if (lastRestart >= 0) ordered.Insert(lastRestart + 1, RestartStep());
        var steps = ordered.Select((s, i) => (snapshot == SnapshotPolicy.Minimal ? UndoneByItsInverse(s) : s) with { Index = i + 1 }).ToImmutableArray();

        if (!host.Snapshots && steps.FirstOrDefault(s => s.RequiresSnapshot) is { } needs)
            return Result<ConfigurationDelta>.Fail($"step {needs.Index} ({needs.Subject}) needs a snapshot first ({needs.SnapshotReason}), but {host.Name} cannot take snapshots");
        return Result<ConfigurationDelta>.Ok(new ConfigurationDelta(steps));

        void Add((int Order, PlanStep Step)? draft)
        {
            if (draft is { } d) drafts.Add(d);
        }
    }

    /// <summary>
    /// Under <see cref="SnapshotPolicy.Minimal"/>: a step needed the snapshot only because its exact inverse takes a
    /// restart (a vCPU hot-add, a maximum) relies on that restart instead. A step whose live inverse is not exact
    /// (removing a package) or that only the snapshot undoes (growing a disk) keeps it.
    /// </summary>
    private static PlanStep UndoneByItsInverse(PlanStep step) =>
        step.RequiresSnapshot && step.Inverse is { Mechanism: InverseMechanism.Step, Mode: StepMode.Restart }
            ? step with { RequiresSnapshot = false, SnapshotReason = null, Preconditions = [.. step.Preconditions.Where(p => p.Kind != PreconditionKind.SnapshotTaken)] }
            : step;

    private static bool IsDiskLimit(ConfigurationChange c) =>
        c.Path.StartsWith("disk.", StringComparison.Ordinal) &&
        (c.Path.EndsWith("_bytes_sec", StringComparison.Ordinal) || c.Path.EndsWith(".total_iops_sec", StringComparison.Ordinal));

    private static string DiskName(string path)
    {
        var rest = path["disk.".Length..];
        return rest[..rest.LastIndexOf('.')];
    }

    private static (int, PlanStep)? Vcpus(ConfigurationChange change, HostCapabilities host, ISizeContext? usage, List<string> errors)
    {
        if (change.Before is null || change.After is null)
        {
            errors.Add($"vcpus.current: cannot plan from {change.Before ?? "(unknown)"} to {change.After ?? "(unknown)"}; both counts must be known");
            return null;
        }
        var before = int.Parse(change.Before, Invariant);
        var after = int.Parse(change.After, Invariant);
        var increase = after > before;
        var support = increase ? host.VcpuIncrease : host.VcpuDecrease;
        if (support == ChangeSupport.Unsupported)
        {
            errors.Add($"vcpus.current: {host.Name} cannot {(increase ? "add" : "remove")} vCPUs, not even at a restart");
            return null;
        }
        var mode = Mode(support);
        var undo = increase ? host.VcpuDecrease : host.VcpuIncrease;
        var inverse = Inverse(StepKind.SetVcpus, [change], mode == StepMode.Restart || undo != ChangeSupport.Live ? StepMode.Restart : StepMode.Live, undo);
        StepRisk risk;
        if (increase)
            risk = new StepRisk(RiskLevel.Low, "adds vCPUs to the running guest; a guest without udev must bring them online itself (LAB.md)");
        else if (usage?.Statistic(Metric.Cpu, SizeStatistic.Percentile, 0.95) is { } p95 && p95 > after)
            risk = new StepRisk(RiskLevel.High, string.Create(Invariant, $"the VM's p95 CPU use is {p95:0.##} cores, more than the {after} vCPUs it keeps: it will be starved"));
        else
            risk = new StepRisk(RiskLevel.Medium, mode == StepMode.Restart
                ? "removes vCPUs at the restart (live vCPU unplug fails on this hypervisor, LAB.md)"
                : "removes vCPUs from the running guest");
        var snapshotReason = inverse.Mode == StepMode.Restart
            ? increase
                ? "undoing a hot-add needs a restart (live vCPU unplug fails, LAB.md), and a snapshot can only be reverted if it was taken before the hot-add"
                : "undoing it needs another restart"
            : null;
        return (increase ? 60 : 11, Step(StepKind.SetVcpus, "vcpus.current", [change], mode, StepChannel.Hypervisor, inverse,
            [new Precondition(PreconditionKind.VcpusWithinMaximum, $"{after} vCPUs ≤ maximum vCPUs", change.After)], risk, snapshotReason));
    }

    private static (int, PlanStep)? Maximum(StepKind kind, ConfigurationChange change, HostCapabilities host, List<string> errors)
    {
        var what = kind == StepKind.SetMaxVcpus ? "maximum vCPUs" : "maximum memory";
        if (host.MaximumChange == ChangeSupport.Unsupported || change.After is null)
        {
            errors.Add($"{change.Path}: {host.Name} cannot change the {what}");
            return null;
        }
        var mode = Mode(host.MaximumChange);
        var decrease = change.Before is not null && double.Parse(change.After, Invariant) < double.Parse(change.Before, Invariant);
        var preconditions = decrease
            ? kind == StepKind.SetMaxVcpus
                ? ImmutableArray.Create(new Precondition(PreconditionKind.MaximumCoversVcpus, $"vCPUs ≤ the new maximum of {change.After}", change.After))
                : ImmutableArray.Create(new Precondition(PreconditionKind.MaximumCoversMemory, $"memory ≤ the new maximum of {ValueText.Format(change.Path, change.After)}", change.After))
            : [];
        var risk = mode == StepMode.Restart
            ? new StepRisk(RiskLevel.Medium, $"the {what} is part of the VM's definition and changes at the restart")
            : new StepRisk(RiskLevel.Low, $"changes the {what} of the running VM");
        var inverse = Inverse(kind, [change], mode, host.MaximumChange);
        return (kind == StepKind.SetMaxVcpus ? 20 : 21, Step(kind, change.Path, [change], mode, StepChannel.Hypervisor, inverse, preconditions, risk, null));
    }

    private static (int, PlanStep)? Memory(ConfigurationChange change, HostCapabilities host, ISizeContext? usage, List<string> errors)
    {
        if (change.Before is null || change.After is null)
        {
            errors.Add($"memory.current: cannot plan from {ValueText.Format(change.Path, change.Before)} to {ValueText.Format(change.Path, change.After)}; both must be known");
            return null;
        }
        if (host.MemoryWithinMaximum == ChangeSupport.Unsupported)
        {
            errors.Add($"memory.current: {host.Name} cannot change a VM's memory");
            return null;
        }
        var before = double.Parse(change.Before, Invariant);
        var after = double.Parse(change.After, Invariant);
        var increase = after > before;
        var mode = Mode(host.MemoryWithinMaximum);
        StepRisk risk;
        if (increase) risk = new StepRisk(RiskLevel.Low, "gives the guest more memory through the balloon");
        else if (usage?.Statistic(Metric.Memory, SizeStatistic.Percentile, 0.95) is { } p95 && p95 > after)
            risk = new StepRisk(RiskLevel.High, $"the VM's p95 memory use is {new MemorySize(p95)}, more than the {new MemorySize(after)} it keeps: it will swap or run out of memory");
        else risk = new StepRisk(RiskLevel.Medium, "the balloon takes memory back from the guest; its page cache shrinks and it may swap");
        var inverse = Inverse(StepKind.SetMemory, [change], mode, host.MemoryWithinMaximum);
        return (increase ? 40 : 10, Step(StepKind.SetMemory, "memory.current", [change], mode, StepChannel.Hypervisor, inverse,
            [new Precondition(PreconditionKind.MemoryWithinMaximum, $"{new MemorySize(after)} ≤ maximum memory", change.After)], risk, null));
    }

    private static (int, PlanStep)? CpuQuota(ImmutableArray<ConfigurationChange> changes, VmConfiguration current, HostCapabilities host, List<string> errors)
    {
        if (host.CpuQuota == ChangeSupport.Unsupported)
        {
            errors.Add($"cpu.quota_us: {host.Name} cannot set a CPU quota");
            return null;
        }
        var mode = Mode(host.CpuQuota);
        var quota = changes.FirstOrDefault(c => c.Path == "cpu.quota_us");
        var period = changes.FirstOrDefault(c => c.Path == "cpu.period_us")?.After ?? current.CpuPeriodMicroseconds?.ToString(Invariant);
        double? Share(string? q, string? p) => q is null || p is null ? null : double.Parse(q, Invariant) / double.Parse(p, Invariant);
        var oldShare = Share(current.CpuQuotaMicroseconds?.ToString(Invariant), current.CpuPeriodMicroseconds?.ToString(Invariant));
        var newShare = quota is null ? oldShare : Share(quota.After, period);
        var tighter = newShare is { } n && (oldShare is null || n < oldShare);
        var risk = tighter
            ? new StepRisk(RiskLevel.Medium, string.Create(Invariant, $"caps each vCPU at {newShare * 100:0.#} % of a core; CPU-bound work slows down"))
            : new StepRisk(RiskLevel.Low, "lifts or loosens the CPU cap");
        return (41, Step(StepKind.SetCpuQuota, "cpu.quota", changes, mode, StepChannel.Hypervisor, Inverse(StepKind.SetCpuQuota, changes, mode, host.CpuQuota), [], risk, null));
    }

    private static (int, PlanStep)? GrowDisk(ConfigurationChange change, HostCapabilities host, List<string> errors)
    {
        var disk = DiskName(change.Path);
        if (change.Before is null || change.After is null || double.Parse(change.After, Invariant) < double.Parse(change.Before, Invariant))
        {
            errors.Add($"disk {disk}: changing its size from {ValueText.Format(change.Path, change.Before)} to {ValueText.Format(change.Path, change.After)} is refused: disks are only ever grown, never shrunk (the data beyond the new end would be lost)");
            return null;
        }
        if (host.DiskGrow == ChangeSupport.Unsupported)
        {
            errors.Add($"disk {disk}: {host.Name} cannot grow disks");
            return null;
        }
        var mode = Mode(host.DiskGrow);
        var inverse = new InverseStep(InverseKind(StepKind.GrowDisk, [change]), Swap([change]), StepMode.Live, InverseMechanism.Snapshot,
            "disks are never shrunk: only reverting the snapshot gives back the old size, and it discards what the guest wrote since");
        return (43, Step(StepKind.GrowDisk, "disk." + disk, [change], mode, StepChannel.Hypervisor, inverse,
            [new Precondition(PreconditionKind.DiskExists, $"disk {disk} exists", disk), new Precondition(PreconditionKind.SnapshotTaken, "the morph's snapshot exists")],
            new StepRisk(RiskLevel.Medium, "cannot be undone except by reverting the snapshot; the guest grows its partition and file system itself"),
            "a disk is never shrunk, so only the snapshot can undo this"));
    }

    private static (int, PlanStep)? DiskLimits(string disk, ImmutableArray<ConfigurationChange> changes, HostCapabilities host, List<string> errors)
    {
        if (host.DiskIoLimits == ChangeSupport.Unsupported)
        {
            errors.Add($"disk {disk}: {host.Name} cannot set disk I/O limits");
            return null;
        }
        var mode = Mode(host.DiskIoLimits);
        var tighter = changes.Any(c => c.After is not null && (c.Before is null || double.Parse(c.After, Invariant) < double.Parse(c.Before, Invariant)));
        var risk = tighter
            ? new StepRisk(RiskLevel.Medium, "throttles the disk; I/O-heavy work slows down")
            : new StepRisk(RiskLevel.Low, "lifts or loosens disk limits");
        return (42, Step(StepKind.SetDiskIoLimits, "disk." + disk, changes, mode, StepChannel.Hypervisor, Inverse(StepKind.SetDiskIoLimits, changes, mode, host.DiskIoLimits),
            [new Precondition(PreconditionKind.DiskExists, $"disk {disk} exists", disk)], risk, null));
    }

    private static (int, PlanStep)? GuestStep(ConfigurationChange change, GuestAccess guest, List<string> errors)
    {
        var key = change.Path["guest.".Length..];
        if (guest == GuestAccess.None)
        {
            errors.Add($"{key}: a guest-side change, but vmorph has no way into this VM (no QEMU guest agent, no SSH configured)");
            return null;
        }
        if ((GuestKeys.Problem(key, change.After) ?? GuestKeys.Problem(key, change.Before)) is { } problem)
        {
            errors.Add(problem);
            return null;
        }
        var answers = new Precondition(PreconditionKind.GuestAnswers, guest == GuestAccess.Agent ? "the guest agent answers" : "SSH answers");
        (int Order, StepKind Kind, StepRisk Risk, string? Snapshot, string? Note)? shape = null;
        if (key.StartsWith("package.", StringComparison.Ordinal))
        {
            var name = key["package.".Length..];
            shape = change.After is null
                ? (51, StepKind.RemovePackage, new StepRisk(RiskLevel.Medium, $"removes {name}; packages that depend on it go too"),
                    (string?)"reinstalling may not give back the same version or its configuration", (string?)"reinstalls the package; its version may differ")
                : change.Before is null
                    ? (52, StepKind.InstallPackage, new StepRisk(RiskLevel.Low, $"installs {name} and its dependencies from the guest's package sources"), null, null)
                    : (52, StepKind.InstallPackage, new StepRisk(RiskLevel.Low, $"installs {name} at {change.After}"), null, null);
        }
        else if (key.StartsWith("service.", StringComparison.Ordinal))
        {
            var name = key["service.".Length..];
            shape = change.After == GuestKeys.Enabled
                ? (53, StepKind.EnableService, new StepRisk(RiskLevel.Low, $"starts {name} now and at boot"), null, null)
                : (50, StepKind.DisableService, new StepRisk(RiskLevel.Medium, $"stops {name} now and at boot; whatever it served stops"), null, null);
        }
        else if (key.StartsWith("sysctl.", StringComparison.Ordinal))
        {
            var name = key["sysctl.".Length..];
            shape = (54, StepKind.SetSysctl, new StepRisk(RiskLevel.Low, $"sets kernel setting {name} at once and at boot"), null,
                change.Before is null ? "the value before was not recorded; the driver reads it before the change and restores it" : null);
        }
        else if (key.StartsWith("ssh.", StringComparison.Ordinal))
            shape = (55, StepKind.SetSsh, new StepRisk(RiskLevel.Medium, $"changes how people log in over SSH ({key["ssh.".Length..]} {change.After ?? "default"}); whoever relied on the old way is locked out"), null, null);
        else if (key == GuestKeys.FirewallDefault)
            shape = (57, StepKind.SetFirewallDefault, change.After == GuestKeys.Deny
                ? new StepRisk(RiskLevel.High, "drops every incoming connection no rule allows; the guest agent (virtio-serial) is not affected, SSH only if port 22 is allowed")
                : new StepRisk(RiskLevel.Medium, "lets in every incoming connection no rule denies"), null, null);
        else if (key.StartsWith("firewall.port.", StringComparison.Ordinal) || key.StartsWith("firewall.peer.", StringComparison.Ordinal))
            shape = (56, StepKind.SetNetworkRule, change.After == GuestKeys.Deny
                ? new StepRisk(RiskLevel.Medium, $"drops incoming traffic from {key["firewall.".Length..]}")
                : new StepRisk(RiskLevel.Low, $"lets in traffic to {key["firewall.".Length..]}"), null, null);

        if (shape is not { } s) return null;
        var inverse = new InverseStep(InverseKind(s.Kind, [change]), Swap([change]), StepMode.Live, InverseMechanism.Step, s.Note);
        return (s.Order, Step(s.Kind, key, [change], StepMode.Live, StepChannel.Guest, inverse, [answers], s.Risk, s.Snapshot));
    }

    private static PlanStep RestartStep() => new(0, StepKind.RestartVm, "vm", [], StepMode.Restart, StepChannel.Hypervisor,
        new InverseStep(InverseKind(StepKind.RestartVm, []), Swap([]), StepMode.Restart, InverseMechanism.Step),
        [], new StepRisk(RiskLevel.High, "the VM is down while it restarts; open connections drop"), false, null);

    private static PlanStep Step(StepKind kind, string subject, ImmutableArray<ConfigurationChange> changes, StepMode mode, StepChannel channel,
        InverseStep inverse, ImmutableArray<Precondition> preconditions, StepRisk risk, string? snapshotReason)
    {
        // Whatever an inverse step cannot undo live needs the snapshot as the way back.
        snapshotReason ??= inverse.Mechanism == InverseMechanism.Snapshot ? inverse.Note
            : inverse.Mode == StepMode.Restart ? "undoing it needs another restart" : null;
        if (snapshotReason is not null && !preconditions.Any(p => p.Kind == PreconditionKind.SnapshotTaken))
            preconditions = preconditions.Add(new Precondition(PreconditionKind.SnapshotTaken, "the morph's snapshot exists"));
        return new PlanStep(0, kind, subject, changes, mode, channel, inverse, preconditions, risk, snapshotReason is not null, snapshotReason);
    }

    /// <summary>
    /// The kind of the step that undoes a step of <paramref name="kind"/> making <paramref name="changes"/>: removing
    /// undoes installing a package that was absent (reinstalling at the old version undoes an upgrade), installing undoes
    /// removing, enabling and disabling a service undo each other; every other kind is undone by its own kind.
    /// </summary>
    public static StepKind InverseKind(StepKind kind, ImmutableArray<ConfigurationChange> changes) => kind switch
    {
        StepKind.InstallPackage => changes.Length == 1 && changes[0].Before is null ? StepKind.RemovePackage : StepKind.InstallPackage,
        StepKind.RemovePackage => StepKind.InstallPackage,
        StepKind.EnableService => StepKind.DisableService,
        StepKind.DisableService => StepKind.EnableService,
        _ => kind,
    };

    /// <summary>The changes that undo <paramref name="changes"/>: each with its before and after swapped.</summary>
    public static ImmutableArray<ConfigurationChange> Swap(ImmutableArray<ConfigurationChange> changes) =>
        [.. changes.Select(c => new ConfigurationChange(c.Path, c.After, c.Before))];

    private static InverseStep Inverse(StepKind kind, ImmutableArray<ConfigurationChange> changes, StepMode mode, ChangeSupport undo) =>
        undo == ChangeSupport.Unsupported
            ? new InverseStep(InverseKind(kind, changes), Swap(changes), StepMode.Live, InverseMechanism.Snapshot, "the host cannot make the opposite change; only the snapshot undoes it")
            : new InverseStep(InverseKind(kind, changes), Swap(changes), mode, InverseMechanism.Step);

    private static StepMode Mode(ChangeSupport support) => support == ChangeSupport.Live ? StepMode.Live : StepMode.Restart;
}
