using Vmorph.Loop.Grains;
using Vmorph.Server;

namespace Vmorph.Loop.Tests;

/// <summary>
/// The loop acting on its own over a fleet replayed from the real Bitbrains trace: observations folded by the grains,
/// the triggers deciding, plans made and applied by the morph engine through its journal, people approving, rejecting,
/// labelling and rolling back. Every grain call is exercised here (Orleans checks serialisation only at run time).
/// </summary>
public sealed class ReplayLoopTests
{
    private static readonly string Trace = SharedTraces.Path("bitbrains-rnd", "2013-8");

    [Fact]
    public async Task The_loop_decides_and_morphs_replayed_vms_on_its_own()
    {
        var data = LoopServer.TempDirectory();
        await using var server = await LoopServer.StartAsync(new ServeOptions { DataDirectory = data, ReplayTrace = Trace });

        var committed = await LoopServer.WaitForAsync(async () =>
        {
            foreach (var vm in await server.Loop.ListAsync(CancellationToken.None))
            {
                var plans = await server.Loop.PlansAsync(vm.Vm, CancellationToken.None);
                if (plans.FirstOrDefault(p => p.State == PlanStates.Applied) is { } applied) return (vm, applied) as object;
            }
            return null;
        }, TimeSpan.FromSeconds(90), "a morph applied by the loop");
        var (state, plan) = ((VmLoopState, PlanView))committed;

        Assert.True(state.Replay);
        Assert.StartsWith("trigger:", plan.Origin, StringComparison.Ordinal);
        Assert.Equal(RightSizeTarget.Name, plan.Target);
        Assert.NotNull(plan.MorphId);
        Assert.Contains("vcpus", plan.Rendered + plan.PlanJson, StringComparison.OrdinalIgnoreCase);
        // The morph is in the journal, committed, and the VM's configuration history records it.
        var record = await server.Journal.FindAsync(plan.MorphId!, CancellationToken.None);
        Assert.NotNull(record);
        Assert.NotNull(record!.CommittedVersion);
        // The grain holds the latest version only; the store keeps every one, numbered without a gap or a repeat.
        var history = await server.Services.Store.LoadHistoryAsync(new Vmorph.Identity.VmId(state.Vm), CancellationToken.None);
        Assert.True(history.Versions.Count >= 2, $"{history.Versions.Count} version(s)");
        Assert.Equal(Enumerable.Range(1, history.Versions.Count), history.Versions.Select(v => v.Version));
        Assert.Equal(0, history.Earlier);
        var after = await server.Loop.GetAsync(state.Vm, CancellationToken.None);
        Assert.NotNull(after);
        Assert.Equal("vmorph", after!.Policy);
        Assert.True(after.Counters.Keys.Any(k => k.EndsWith(".apply", StringComparison.Ordinal)), string.Join(", ", after.Counters.Keys));
        Assert.Equal(80, (await server.Loop.ListAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_policy_that_asks_for_approval_parks_plans_until_a_person_approves_or_rejects()
    {
        var data = LoopServer.TempDirectory();
        var policies = Path.Combine(data, "approval.yaml");
        await File.WriteAllTextAsync(policies, """
            policies:
              - name: careful
                description: every change waits for a person
                match:
                  names: ["*"]
                triggers:
                  resource-demand:
                    cpu-percentile: 0.95
                    half-life: 1h
                    headroom: 10%
                require-approval: true
            """);
        await using var server = await LoopServer.StartAsync(new ServeOptions { DataDirectory = data, ReplayTrace = Trace, ReplayVms = 12, Policies = policies });

        var pending = await WaitForPendingAsync(server, exceptVm: null);
        Assert.Equal("pending", pending.State);
        Assert.StartsWith("trigger:", pending.Origin, StringComparison.Ordinal);
        var vm = await server.Loop.GetAsync(pending.Vm, CancellationToken.None);
        Assert.Equal("careful", vm!.Policy);
        Assert.Equal("await-approval", vm.LastDecision?.Verdict);

        // Approving applies it: the plan moves on to applied (the morph commits in the replay).
        var approved = await server.Loop.ApproveAsync(pending.Vm, pending.PlanId, "token:alice", CancellationToken.None);
        Assert.True(approved.Succeeded, approved.Message);
        Assert.Equal("token:alice", approved.Value!.DecidedBy);
        await LoopServer.WaitForAsync(async () => (await server.Loop.PlansAsync(pending.Vm, CancellationToken.None)).FirstOrDefault(p => p.PlanId == pending.PlanId && p.State == PlanStates.Applied),
            TimeSpan.FromSeconds(60), "the approved plan applied");

        // Approving it again is a conflict, not a second morph.
        var again = await server.Loop.ApproveAsync(pending.Vm, pending.PlanId, "token:alice", CancellationToken.None);
        Assert.Equal(LoopStatus.Conflict, again.Status);

        // Rejecting another VM's parked plan records who and why, and nothing is applied.
        var other = await WaitForPendingAsync(server, exceptVm: pending.Vm);
        var noReason = await server.Loop.RejectAsync(other.Vm, other.PlanId, "token:bob", "  ", CancellationToken.None);
        Assert.Equal(LoopStatus.Invalid, noReason.Status);
        var rejected = await server.Loop.RejectAsync(other.Vm, other.PlanId, "token:bob", "not during the quarter close", CancellationToken.None);
        Assert.True(rejected.Succeeded, rejected.Message);
        var kept = (await server.Loop.PlansAsync(other.Vm, CancellationToken.None)).Single(p => p.PlanId == other.PlanId);
        Assert.Equal(PlanStates.Rejected, kept.State);
        Assert.Equal("not during the quarter close", kept.RejectedBecause);
        Assert.Equal("token:bob", kept.DecidedBy);
        Assert.Null(kept.MorphId);

        var unknown = await server.Loop.ApproveAsync(other.Vm, "0000000000000000", "token:bob", CancellationToken.None);
        Assert.Equal(LoopStatus.NotFound, unknown.Status);
    }

    private static async Task<PlanView> WaitForPendingAsync(LoopServer server, string? exceptVm) =>
        await LoopServer.WaitForAsync(async () =>
        {
            foreach (var vm in await server.Loop.ListAsync(CancellationToken.None))
                if (vm.Vm != exceptVm && vm.Pending is { } p) return p;
            return null;
        }, TimeSpan.FromSeconds(90), "a plan parked for approval");

    [Fact]
    public async Task People_plan_apply_label_and_roll_back_through_the_loop()
    {
        var data = LoopServer.TempDirectory();
        await using var server = await LoopServer.StartAsync(new ServeOptions { DataDirectory = data, ReplayTrace = Trace, ReplayVms = 3, Policies = NoPolicyFor(data) });
        var vm = await LoopServer.WaitForAsync(async () => (await server.Loop.ListAsync(CancellationToken.None)).FirstOrDefault(v => v.CoresUsed is not null),
            TimeSpan.FromSeconds(60), "a VM with a sample");
        Assert.Equal("quiet", vm.Policy);

        // Labels: refused when malformed, and a policy matching the label governs the VM at once.
        var bad = await server.Loop.SetLabelsAsync(vm.Name, new Dictionary<string, string?> { ["Bad Key"] = "x" }, "token:ops", CancellationToken.None);
        Assert.Equal(LoopStatus.Invalid, bad.Status);
        Assert.Contains("Bad Key", bad.Message, StringComparison.Ordinal);
        var labelled = await server.Loop.SetLabelsAsync(vm.Name, new Dictionary<string, string?> { ["tier"] = "batch" }, "token:ops", CancellationToken.None);
        Assert.True(labelled.Succeeded, labelled.Message);
        Assert.Equal("batch", labelled.Value!["tier"]);
        Assert.Equal("batch-tier", (await server.Loop.GetAsync(vm.Vm, CancellationToken.None))!.Policy);
        var unlabelled = await server.Loop.SetLabelsAsync(vm.Vm, new Dictionary<string, string?> { ["tier"] = null }, "token:ops", CancellationToken.None);
        Assert.Empty(unlabelled.Value!);
        Assert.Equal("quiet", (await server.Loop.GetAsync(vm.Vm, CancellationToken.None))!.Policy);

        // A person's plan to a target profile: what a replay cannot do is left out, the rest is kept pending.
        var unknownTarget = await server.Loop.PlanAsync(vm.Vm, "no-such-target", "token:ops", CancellationToken.None);
        Assert.Equal(LoopStatus.NotFound, unknownTarget.Status);
        var planned = await server.Loop.PlanAsync(vm.Vm, "data-analytics-node", "token:ops", CancellationToken.None);
        Assert.True(planned.Succeeded, planned.Message);
        Assert.Equal("token:ops", planned.Value!.Origin);
        Assert.Equal(PlanStates.Pending, planned.Value.State);
        var applied = await server.Loop.ApplyAsync(vm.Vm, planned.Value.PlanId, "token:ops", CancellationToken.None);
        Assert.Equal(LoopStatus.Accepted, applied.Status);
        await LoopServer.WaitForAsync(async () => (await server.Loop.PlansAsync(vm.Vm, CancellationToken.None)).FirstOrDefault(p => p.PlanId == planned.Value.PlanId && p.State == PlanStates.Applied),
            TimeSpan.FromSeconds(60), "the person's plan applied");
        var grown = (await server.Loop.GetAsync(vm.Vm, CancellationToken.None))!;

        // Rolling back returns the VM to the configuration before that morph.
        var rollback = await server.Loop.RollbackAsync(vm.Vm, "token:ops", CancellationToken.None);
        Assert.Equal(LoopStatus.Accepted, rollback.Status);
        var back = await LoopServer.WaitForAsync(async () =>
            (await server.Loop.GetAsync(vm.Vm, CancellationToken.None)) is { MorphInFlight: null } s && (s.Cores != grown.Cores || s.MemoryMiB != grown.MemoryMiB) ? s : null,
            TimeSpan.FromSeconds(60), "the rollback committed");
        Assert.Equal(vm.Cores, back.Cores);
        var morphs = await server.Journal.ListAsync(new Identity.VmId(vm.Vm), CancellationToken.None);
        Assert.Contains(morphs, m => m.Kind == Morphing.MorphKind.Rollback);

        // Events were published for what happened.
        Assert.NotNull(server.Services.Events);
    }

    private static string NoPolicyFor(string data)
    {
        var path = Path.Combine(data, "labelled.yaml");
        // The built-in 'vmorph' policy matches every VM ('*'); a name pattern is more specific, and labels add to it.
        // Both act only on 29 February, so that nothing but the test morphs these VMs.
        File.WriteAllText(path, """
            policies:
              - name: quiet
                description: the replayed VMs, left alone
                match:
                  names: ["bitbrains-*"]
                triggers:
                  scheduled:
                    schedules:
                      - name: leap-day
                        cron: "0 0 29 2 *"
                        cpu: 1
              - name: batch-tier
                description: batch VMs, by label
                match:
                  names: ["bitbrains-*"]
                  labels: { tier: batch }
                triggers:
                  scheduled:
                    schedules:
                      - name: leap-day
                        cron: "0 1 29 2 *"
                        cpu: 1
            """);
        return path;
    }
}
