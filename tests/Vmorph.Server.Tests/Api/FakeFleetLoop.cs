using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Vmorph.Loop;

namespace Vmorph.Server.Tests.Api;

/// <summary>
/// A loop in memory over a fixed list of VMs, for the API's plumbing until the real <c>FleetLoop</c> lands: plans are
/// kept per VM, approve/apply/reject move them as the contract says, labels are a dictionary, and every change is
/// sent to the watchers. A VM named <see cref="Exploding"/> throws, for the internal-error path.
/// </summary>
internal sealed class FakeFleetLoop(IReadOnlyList<(string Id, string Name)> vms, TimeProvider clock) : IFleetLoop
{
    public const string Exploding = "boom";
    public static readonly string[] Targets = ["web-server", "database-server", "data-analytics-node", "security-scanner", "development"];

    private readonly Lock gate = new();
    private readonly Dictionary<string, List<PlanView>> plans = [];
    private readonly Dictionary<string, Dictionary<string, string>> labels = [];
    private readonly List<Channel<LoopEvent>> watchers = [];
    private int counter;

    public bool Replay => false;

    public Task<IReadOnlyList<VmLoopState>> ListAsync(CancellationToken cancellationToken)
    {
        Interlocked.Add(ref statesAsked, vms.Count);
        lock (gate) return Task.FromResult<IReadOnlyList<VmLoopState>>([.. vms.Select(v => State(v.Id, v.Name))]);
    }

    /// <summary>How many VMs' states have been asked for, by listing or by id.</summary>
    public int StatesAsked => Volatile.Read(ref statesAsked);

    private int statesAsked;

    public Task<IReadOnlyList<VmLoopState>> StatesAsync(IReadOnlyList<string> vmIds, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref statesAsked, vmIds.Count);
        lock (gate) return Task.FromResult<IReadOnlyList<VmLoopState>>([.. vmIds.Select(id => State(id, vms.First(v => v.Id == id).Name))]);
    }

    public Task<VmLoopState?> GetAsync(string vm, CancellationToken cancellationToken)
    {
        if (vm == Exploding) throw new InvalidOperationException("secret detail of Vmorph.Server.Tests.Api.FakeFleetLoop");
        lock (gate) return Task.FromResult(Find(vm) is { } v ? State(v.Id, v.Name) : null);
    }

    public Task<IReadOnlyList<PlanView>> PlansAsync(string vm, CancellationToken cancellationToken)
    {
        lock (gate) return Task.FromResult<IReadOnlyList<PlanView>>(Find(vm) is { } v ? [.. PlansOf(v.Id).AsEnumerable().Reverse()] : []);
    }

    public Task<LoopResult<PlanView>> PlanAsync(string vm, string target, string actor, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (Find(vm) is not { } v) return Task.FromResult(new LoopResult<PlanView>(LoopStatus.NotFound, $"no VM '{vm}'", null));
            if (!Targets.Contains(target)) return Task.FromResult(new LoopResult<PlanView>(LoopStatus.NotFound, $"target profile '{target}' is not defined", null));
            var plan = new PlanView
            {
                PlanId = $"plan{++counter:D4}", Vm = v.Id, VmName = v.Name, Target = target, Origin = actor, State = "pending",
                CreatedAt = clock.GetUtcNow(), Reason = "asked", Rendered = $"vmorph will morph {v.Name} to {target}\n", PlanJson = "{}",
            };
            PlansOf(v.Id).Add(plan);
            Send("plan", v, $"{actor} planned {target}");
            return Task.FromResult(new LoopResult<PlanView>(LoopStatus.Ok, "planned", plan));
        }
    }

    public Task<LoopResult<PlanView>> ApplyAsync(string vm, string planId, string actor, CancellationToken cancellationToken) => Decide(vm, planId, actor, "approved", null);

    public Task<LoopResult<PlanView>> ApproveAsync(string vm, string planId, string actor, CancellationToken cancellationToken) => Decide(vm, planId, actor, "approved", null);

    public Task<LoopResult<PlanView>> RejectAsync(string vm, string planId, string actor, string reason, CancellationToken cancellationToken) => Decide(vm, planId, actor, "rejected", reason);

    public Task<LoopResult<string>> RollbackAsync(string vm, string actor, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(Find(vm) is null
                ? new LoopResult<string>(LoopStatus.NotFound, $"no VM '{vm}'", null)
                : new LoopResult<string>(LoopStatus.Accepted, "rolling back", $"rollback{++counter:D4}"));
        }
    }

    public Task<LoopResult<Dictionary<string, string>>> SetLabelsAsync(string vm, IReadOnlyDictionary<string, string?> changes, string actor, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (Find(vm) is not { } v) return Task.FromResult(new LoopResult<Dictionary<string, string>>(LoopStatus.NotFound, $"no VM '{vm}'", null));
            var current = LabelsOf(v.Id);
            foreach (var (key, value) in changes)
            {
                if (value is null) current.Remove(key);
                else current[key] = value;
            }
            Send("labels", v, $"{actor} set labels");
            return Task.FromResult(new LoopResult<Dictionary<string, string>>(LoopStatus.Ok, "labels set", new Dictionary<string, string>(current)));
        }
    }

    public async IAsyncEnumerable<LoopEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<LoopEvent>(new BoundedChannelOptions(100) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (gate) watchers.Add(channel);
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken)) yield return change;
        }
        finally
        {
            lock (gate) watchers.Remove(channel);
        }
    }

    /// <summary>How many clients watch now.</summary>
    public int Watchers
    {
        get
        {
            lock (gate) return watchers.Count;
        }
    }

    private Task<LoopResult<PlanView>> Decide(string vm, string planId, string actor, string state, string? reason)
    {
        lock (gate)
        {
            if (Find(vm) is not { } v) return Task.FromResult(new LoopResult<PlanView>(LoopStatus.NotFound, $"no VM '{vm}'", null));
            var list = PlansOf(v.Id);
            var index = list.FindIndex(p => p.PlanId == planId);
            if (index < 0) return Task.FromResult(new LoopResult<PlanView>(LoopStatus.NotFound, $"no plan '{planId}' for VM '{v.Name}'", null));
            if (list[index].State != "pending") return Task.FromResult(new LoopResult<PlanView>(LoopStatus.Conflict, $"plan '{planId}' is {list[index].State}, not pending", null));
            var decided = list[index] with
            {
                State = state, DecidedBy = actor, DecidedAt = clock.GetUtcNow(), RejectedBecause = reason,
                MorphId = state == "approved" ? $"morph{++counter:D4}" : null,
            };
            list[index] = decided;
            Send("plan", v, $"{actor}: plan {planId} {state}");
            return Task.FromResult(new LoopResult<PlanView>(state == "approved" ? LoopStatus.Accepted : LoopStatus.Ok, state, decided));
        }
    }

    private (string Id, string Name)? Find(string vm)
    {
        foreach (var v in vms) if (v.Id == vm) return v;
        foreach (var v in vms) if (v.Name == vm) return v;
        return null;
    }

    private List<PlanView> PlansOf(string id) => plans.TryGetValue(id, out var list) ? list : plans[id] = [];

    private Dictionary<string, string> LabelsOf(string id) => labels.TryGetValue(id, out var map) ? map : labels[id] = new(StringComparer.Ordinal) { ["tier"] = "test" };

    private VmLoopState State(string id, string name) => new()
    {
        Vm = id, Name = name, Source = "test", State = "running", Policy = "vmorph", Labels = new Dictionary<string, string>(LabelsOf(id)),
        Cores = 4, MemoryMiB = 8192, CoresUsed = 1.5, MemoryUsedMiB = 2048, LastObserved = clock.GetUtcNow(),
        Pending = PlansOf(id).LastOrDefault(p => p.State == "pending"),
    };

    private void Send(string kind, (string Id, string Name) vm, string summary)
    {
        var change = new LoopEvent(clock.GetUtcNow(), kind, vm.Id, vm.Name, summary);
        foreach (var watcher in watchers) watcher.Writer.TryWrite(change);
    }
}
