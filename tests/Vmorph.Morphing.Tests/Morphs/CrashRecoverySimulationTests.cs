using Vmorph.Configuration;
using Vmorph.Guard;
using Vmorph.Morphs;
using Vmorph.Planning;
using Vmorph.Units;

namespace Vmorph.Morphing.Tests.Morphs;

/// <summary>
/// Runs real plans through the state machine against a simulated VM that behaves as LAB.md measured (live vCPU unplug
/// fails; a snapshot taken after a hot-add cannot be reverted; restart-mode changes wait for a restart), with a crash
/// injected before every action, and in the middle of every step, and a step failure at every step. Whatever happens,
/// the VM must end in a committed configuration (the one before or the one after the morph), never in between.
/// </summary>
public class CrashRecoverySimulationTests
{
    private sealed class Crash : Exception;

    /// <summary>A VM as libvirt shows it: the running configuration, the persistent definition, snapshots.</summary>
    private sealed class SimulatedVm(VmConfiguration start)
    {
        public VmConfiguration Running { get; private set; } = start;
        public VmConfiguration Persistent { get; private set; } = start;
        public bool HotAddedSinceStart { get; private set; }
        public Dictionary<string, (VmConfiguration Running, VmConfiguration Persistent, bool HotAdded)> Snapshots { get; } = [];

        public string? Apply(StepOperation op, bool half = false)
        {
            if (op.Kind == StepKind.RestartVm)
            {
                if (!half) Restart();
                return null;
            }
            if (op.Kind == StepKind.SetVcpus && op.Mode == StepMode.Live && op.Changes[0].After is { } a && op.Changes[0].Before is { } b && int.Parse(a) < int.Parse(b))
                return "setvcpus --live down: QEMU removed the CPU but libvirt timed out (LAB.md)";
            var changes = half ? op.Changes.Take(Math.Max(1, op.Changes.Length / 2)) : op.Changes;
            foreach (var change in changes)
            {
                Persistent = ConfigurationEditor.Apply(Persistent, change);
                if (op.Mode == StepMode.Live)
                {
                    if (op.Kind == StepKind.SetVcpus && int.Parse(change.After!) > Running.Vcpus) HotAddedSinceStart = true;
                    Running = ConfigurationEditor.Apply(Running, change);
                }
            }
            return null;
        }

        public void Restart()
        {
            Running = Persistent;
            HotAddedSinceStart = false;
        }

        public void TakeSnapshot(string name) => Snapshots[name] = (Running, Persistent, HotAddedSinceStart);

        public string? Revert(string name)
        {
            if (!Snapshots.TryGetValue(name, out var s)) return "no such snapshot";
            if (s.HotAdded) return "Unknown savevm section or instance 'cpu_common' (LAB.md: taken after a hot-add)";
            (Running, Persistent, HotAddedSinceStart) = s;
            return null;
        }
    }

    private sealed class Engine(Plan plan, SimulatedVm vm, GuardVerdict verdict, int? failStep, int? crashBeforeAction, bool crashMidAction)
    {
        private int actions;
        private int seconds;
        private bool failed;

        public List<MorphJournalEntry> Journal { get; } = [];

        private DateTimeOffset Now => Fixtures.Now.AddSeconds(++seconds);

        public void Start()
        {
            Journal.Add(MorphJournalEntry.First(MorphDefinition.For(plan, "sim", TimeSpan.FromMinutes(5)), Now));
            Journal.Add(Journal[^1].Next(new MorphStarted(Now)));
            Run();
        }

        public void Recover()
        {
            Journal.Add(MorphRecovery.Recover(Journal[^1], Now));
            Run();
        }

        private void Run()
        {
            while (true)
            {
                var entry = Journal[^1];
                if (entry.State.Phase.IsTerminal() && entry.State.Finalized) return;
                MorphEvent? next = null;
                for (var i = 0; i < entry.Actions.Length; i++)
                {
                    Assert.True(next is null, $"an action follows the event-producing one in entry {entry.Sequence}");
                    var action = entry.Actions[i];
                    if (++actions == crashBeforeAction)
                    {
                        if (crashMidAction) Half(action);
                        throw new Crash();
                    }
                    next = Execute(action);
                }
                if (next is null)
                {
                    Assert.True(entry.State.Phase.IsTerminal(), $"entry {entry.Sequence} ({entry.State.Describe()}) asked for nothing that reports back");
                    next = new Finalized(Now);
                }
                Journal.Add(entry.Next(next));
            }
        }

        private void Half(MorphAction action)
        {
            if (action is ApplyStep a) vm.Apply(StepOperation.Forward(plan.Steps[a.Step - 1]), half: true);
            if (action is InvertStep v && plan.Steps[v.Step - 1].Inverse.Mechanism == InverseMechanism.Step) vm.Apply(StepOperation.Inverse(plan.Steps[v.Step - 1]), half: true);
        }

        private MorphEvent? Execute(MorphAction action)
        {
            switch (action)
            {
                case TakeSnapshot t:
                    vm.TakeSnapshot(t.Name);
                    return new SnapshotTaken(Now, t.Name);
                case Proceed:
                    return new Proceeded(Now);
                case ApplyStep a:
                    var step = plan.Steps[a.Step - 1];
                    if (a.Step == failStep && !failed)
                    {
                        failed = true;
                        vm.Apply(StepOperation.Forward(step), half: true);
                        return new StepFailed(Now, a.Step, "injected failure");
                    }
                    return vm.Apply(StepOperation.Forward(step)) is { } why ? new StepFailed(Now, a.Step, why) : new StepApplied(Now, a.Step);
                case StartObservation:
                    return new ObservationEnded(Now, verdict);
                case InvertStep v:
                    return vm.Apply(StepOperation.Inverse(plan.Steps[v.Step - 1])) is { } error ? new InverseFailed(Now, v.Step, error) : new InverseApplied(Now, v.Step);
                case RestartVm:
                    vm.Restart();
                    return new Restarted(Now);
                case RevertSnapshot r:
                    return vm.Revert(r.Name) is { } problem ? new RevertFailed(Now, problem) : new Reverted(Now);
                case DeleteSnapshot d:
                    vm.Snapshots.Remove(d.Name);
                    return null;
                case RecordVerdict or Commit or MarkFailed or ReleaseLease:
                    return null;
                default:
                    throw new InvalidOperationException($"unknown action {action}");
            }
        }
    }

    public static TheoryData<string> Plans() => ["web-server", "database-server-right-size"];

    private static Plan PlanFor(string name) => name switch
    {
        "web-server" => Fixtures.Plan(Fixtures.Request(Fixtures.Catalog.Find("web-server").Value, profile: Fixtures.Profile(1.2, MemorySize.FromMiB(600)))),
        _ => Fixtures.Plan(Fixtures.Request(Fixtures.Catalog.Find("database-server").Value,
            Fixtures.LabVm with { Vcpus = 4, MaxVcpus = 4, Memory = MemorySize.FromGiB(4), MaxMemory = MemorySize.FromGiB(8) },
            Fixtures.Profile(0.3, MemorySize.FromMiB(500)))),
    };

    [Theory]
    [MemberData(nameof(Plans))]
    public void CrashAtAnyPoint_OrAStepFailure_EndsInACommittedConfiguration(string name)
    {
        var plan = PlanFor(name);
        var keep = new GuardVerdict(GuardDecision.Keep, [], false, "keep");
        var rollBack = new GuardVerdict(GuardDecision.RollBack, [], false, "roll back");
        var runs = 0;
        foreach (var verdict in new[] { keep, rollBack })
        {
            foreach (int? failStep in Enumerable.Range(1, plan.Steps.Length).Select(i => (int?)i).Prepend(null))
            {
                for (var crash = 0; ; crash++)
                {
                    var reachedCrash = false;
                    foreach (var mid in new[] { false, true })
                    {
                        var vm = new SimulatedVm(plan.BaseConfiguration());
                        var engine = new Engine(plan, vm, verdict, failStep, crash == 0 ? null : crash, mid);
                        try
                        {
                            engine.Start();
                        }
                        catch (Crash)
                        {
                            reachedCrash = true;
                            engine.Recover();
                            Assert.Contains(engine.Journal, e => e.Event is ResumedAfterCrash);
                        }
                        runs++;
                        var last = engine.Journal[^1].State;
                        var context = $"{name}, verdict {verdict.Decision}, failing step {failStep?.ToString() ?? "none"}, crash before action {crash}{(mid ? " mid-way" : "")}: ended {last.Describe()}";
                        Assert.True(last.Phase is MorphPhase.Committed or MorphPhase.RolledBack, context + " " + last.FailureReason);
                        Assert.True(last.Finalized, context);
                        var expected = last.Phase == MorphPhase.Committed ? plan.ExpectedHash : plan.BaseHash;
                        Assert.True(expected == vm.Running.ContentHash(), context + ": running configuration is in between: " + string.Join(", ", ConfigurationEditor.FromFlat(plan.Base).DiffTo(vm.Running)));
                        Assert.True(expected == vm.Persistent.ContentHash(), context + ": persistent definition is in between");
                        Assert.Empty(vm.Snapshots);
                        if (failStep is null && crash == 0) Assert.Equal(verdict == keep ? MorphPhase.Committed : MorphPhase.RolledBack, last.Phase);
                        if (failStep is not null) Assert.Equal(MorphPhase.RolledBack, last.Phase);
                    }
                    if (crash > 0 && !reachedCrash) break;
                }
            }
        }
        Assert.True(runs > 200, $"only {runs} runs");
    }
}
