using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Vmorph.Identity;
using Vmorph.Loop;
using Vmorph.Planning;
using Vmorph.Profiles;
using Vmorph.Server.Access;
using Vmorph.Store;
using Vmorph.Traits;
using Vmorph.Units;
using Vmorph.Views;

namespace Vmorph.Server.Api;

/// <summary>The fleet and one VM: its profile, traits, configuration history and usage (viewer).</summary>
internal static class FleetEndpoints
{
    private static readonly string[] SortKeys = ["name", "source", "state", "policy", "samples", "lastSample", "lastObserved", "cores", "memoryMiB", "coresUsed", "memoryUsedMiB"];
    private static readonly string[] StoreSortKeys = ["name", "source", "samples", "lastSample"];

    public static void Map(IEndpointRouteBuilder api)
    {
        var read = api.MapGroup("").RequireAuthorization(AccessPolicies.Viewer).WithTags("fleet");
        read.MapGet("/fleet", ListAsync).WithName("listFleet")
            .WithSummary("The fleet, paged: every VM with its workload, strongest traits, state, policy, pending plan and last decision.")
            .Produces<FleetPage>().ProducesProblem(StatusCodes.Status400BadRequest);
        read.MapGet("/vms/{vm}", GetAsync).WithName("getVm")
            .WithSummary("One VM (by id or name): its fleet item and its whole personality profile.")
            .Produces<VmDetail>().ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/vms/{vm}/traits", TraitsAsync).WithName("getTraits")
            .WithSummary("A VM's weighted trait vector with explanations (as vmorph traits -o json).")
            .Produces<TraitsJson>().ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/vms/{vm}/history", HistoryAsync).WithName("getHistory")
            .WithSummary("A VM's configuration versions with their diffs, and its morphs (as vmorph history -o json).")
            .Produces<HistoryJson>().ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/vms/{vm}/usage", UsageAsync).WithName("getUsage")
            .WithSummary("A VM's usage against its allocation over the raw window (the latest samples), oldest first.")
            .Produces<UsageJson>().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(
        [FromServices] FleetData data, [FromServices] IFleetLoop loop,
        string? offset, string? limit, string? sort, string? q, string? traits, CancellationToken cancellationToken)
    {
        var (paging, problem) = Paging.Parse(offset, limit);
        if (problem is not null) return problem;
        if (TraitCount(traits) is not { } traitCount)
            return ApiProblems.BadRequest($"query parameter 'traits': '{ApiJson.Printable(traits!)}' is not 'all' or a whole number from 0 to 100");
        var descending = sort?.StartsWith('-') == true;
        var key = sort is null ? "name" : descending ? sort[1..] : sort;
        if (!SortKeys.Contains(key, StringComparer.Ordinal))
            return ApiProblems.BadRequest($"query parameter 'sort': '{ApiJson.Printable(sort!)}' is not one of {string.Join(", ", SortKeys)} (a leading '-' sorts descending)");

        // Sorted by what the store's summaries hold and not filtered (a filter reads the loop's state too): sort and page
        // first, then ask only the page's grains; otherwise every grain, before sorting.
        var pageFirst = q is null && StoreSortKeys.Contains(key, StringComparer.Ordinal);
        var states = pageFirst ? null : (await loop.ListAsync(cancellationToken)).ToDictionary(s => s.Vm, StringComparer.Ordinal);
        return await data.ReadAsync(async (store, _) =>
        {
            var rows = (await store.ListAsync(cancellationToken))
                .Select(summary => (Summary: summary, State: states?.GetValueOrDefault(summary.Id.Value)))
                .Where(row => q is null || Matches(row.Summary, row.State, q))
                .ToList();
            rows = Sort(rows, key, descending);
            var page = rows.Skip(paging.Offset).Take(paging.Limit).ToList();
            if (pageFirst)
            {
                var pageStates = await loop.StatesAsync([.. page.Select(r => r.Summary.Id.Value)], cancellationToken);
                page = [.. page.Select((r, i) => (r.Summary, (VmLoopState?)pageStates[i]))];
            }
            var profiles = await store.LoadAsync(page.Select(r => r.Summary.Id), cancellationToken);
            var items = page.Where(r => profiles.ContainsKey(r.Summary.Id))
                .Select(r => Item(r.Summary, r.State, profiles[r.Summary.Id].Profile, data.Archetypes, traitCount, loop.Replay))
                .ToList();
            return TypedResults.Ok(new FleetPage(loop.Replay, rows.Count, paging.Offset, paging.Limit, items));
        }, cancellationToken);
    }

    private static async Task<IResult> GetAsync(string vm, [FromServices] FleetData data, [FromServices] IFleetLoop loop, CancellationToken cancellationToken)
    {
        var stored = await data.ReadAsync((store, _) => store.FindAsync(vm, cancellationToken), cancellationToken);
        if (stored is null) return NoVm(vm);
        var p = stored.Profile;
        // The VM is in the store: its grain answers for it by id, without a second lookup of its profile.
        var state = (await loop.StatesAsync([p.Id.Value], cancellationToken))[0];
        var features = FeatureExtractor.Extract(p, data.Archetypes);
        var traits = TraitScorer.Score(features, data.Archetypes);
        var workload = WorkloadClassifier.Classify(traits, data.Archetypes.Classification);
        // What the fleet list's summary holds, from the profile itself (the store writes the summary from it).
        var summary = new VmSummary(p.Id, p.Name, p.Source, p.Performance.Samples,
            p.Performance.LastUnixSeconds is { } last ? DateTimeOffset.FromUnixTimeSeconds(last) : null, p.ConfigurationHistory.Versions.Count);
        var item = Item(summary, state, traits, workload, 3, loop.Replay);
        return TypedResults.Ok(new VmDetail
        {
            Id = item.Id, Name = item.Name, Source = item.Source, Replay = item.Replay, State = item.State, Policy = item.Policy,
            Labels = item.Labels, Cores = item.Cores, MemoryMiB = item.MemoryMiB, CoresUsed = item.CoresUsed, MemoryUsedMiB = item.MemoryUsedMiB,
            LastObserved = item.LastObserved, Samples = item.Samples, LastSample = item.LastSample, ConfigurationVersions = item.ConfigurationVersions,
            Workload = item.Workload, Traits = item.Traits, Pending = item.Pending, MorphInFlight = item.MorphInFlight, LastDecision = item.LastDecision,
            Profile = JsonViews.Profile(p, features, traits, workload),
        });
    }

    private static async Task<IResult> TraitsAsync(string vm, [FromServices] FleetData data, CancellationToken cancellationToken)
    {
        var stored = await data.ReadAsync((store, _) => store.FindAsync(vm, cancellationToken), cancellationToken);
        if (stored is null) return NoVm(vm);
        var traits = TraitScorer.Score(stored.Profile, data.Archetypes);
        var workload = WorkloadClassifier.Classify(traits, data.Archetypes.Classification);
        return TypedResults.Ok(new TraitsJson(stored.Profile.Id.Value, stored.Profile.Name, WorkloadJson.From(workload), [.. traits.Traits.Select(TraitJson.From)]));
    }

    private static async Task<IResult> HistoryAsync(string vm, [FromServices] FleetData data, CancellationToken cancellationToken)
    {
        var history = await data.ReadAsync(async (store, journal) =>
        {
            var stored = await store.FindAsync(vm, cancellationToken);
            if (stored is null) return null;
            var p = stored.Profile;
            var morphs = new List<HistoryMorphJson>();
            foreach (var record in await journal.ListAsync(p.Id, cancellationToken))
            {
                var plan = PlanFile.Load(record.PlanJson, $"the plan of morph {record.MorphId}");
                morphs.Add(HistoryMorphJson.From(record, await journal.ReadAsync(record.MorphId, cancellationToken), plan.IsSuccess ? plan.Value : null));
            }
            return new HistoryJson(p.Id.Value, p.Name, p.Source, [.. p.ConfigurationHistory.Versions.Select(JsonViews.Version)], morphs);
        }, cancellationToken);
        return history is null ? NoVm(vm) : TypedResults.Ok(history);
    }

    private static async Task<IResult> UsageAsync(string vm, [FromServices] FleetData data, CancellationToken cancellationToken)
    {
        var found = await data.ReadAsync<(PersonalityProfile Profile, RecentSamples? Recent)?>(async (store, _) =>
        {
            var stored = await store.FindAsync(vm, cancellationToken);
            return stored is null ? null : (stored.Profile, await store.LoadRecentAsync(stored.Profile.Id, cancellationToken));
        }, cancellationToken);
        if (found is not { } f) return NoVm(vm);
        var samples = f.Recent?.Samples ?? [];
        var points = samples.Select(s =>
        {
            double? used = s.Cpu?.Value, cores = s.CpuAllocated?.Value;
            double? memoryUsed = s.Memory is { } m ? m.Bytes / MemorySize.MiB : null, memory = s.MemoryAllocated is { } a ? a.Bytes / MemorySize.MiB : null;
            return new UsagePoint(s.At, Finite(used), Finite(cores), Finite(memoryUsed), Finite(memory),
                Finite(used) > Finite(cores), Finite(memoryUsed) > Finite(memory));
        }).ToList();
        var steps = samples.Zip(samples.Skip(1), (a, b) => b.UnixSeconds - a.UnixSeconds).Order().ToList();
        return TypedResults.Ok(new UsageJson(f.Profile.Id.Value, f.Profile.Name, steps.Count == 0 ? null : steps[steps.Count / 2], points));
    }

    /// <summary>A fleet item from the store's summary, the loop's state and the profile.</summary>
    internal static FleetItem Item(VmSummary summary, VmLoopState? state, PersonalityProfile profile, ArchetypeCatalog archetypes, int traitCount, bool replay)
    {
        var traits = TraitScorer.Score(profile, archetypes);
        return Item(summary, state, traits, WorkloadClassifier.Classify(traits, archetypes.Classification), traitCount, replay);
    }

    private static FleetItem Item(VmSummary summary, VmLoopState? state, WeightedTraitVector traits, WorkloadClassification workload, int traitCount, bool replay) => new()
    {
        Id = summary.Id.Value,
        Name = summary.Name,
        Source = summary.Source,
        Replay = state?.Replay ?? replay,
        State = state?.State ?? "unknown",
        Policy = state?.Policy,
        Labels = state?.Labels ?? [],
        Cores = state?.Cores,
        MemoryMiB = state?.MemoryMiB,
        CoresUsed = state?.CoresUsed,
        MemoryUsedMiB = state?.MemoryUsedMiB,
        LastObserved = state?.LastObserved,
        Samples = summary.Samples,
        LastSample = summary.LastSample,
        ConfigurationVersions = summary.ConfigurationVersions,
        Workload = WorkloadJson.From(workload),
        Traits = [.. traits.Traits.Take(traitCount).Select(TraitJson.From)],
        Pending = state?.Pending,
        MorphInFlight = state?.MorphInFlight,
        LastDecision = state?.LastDecision,
    };

    internal static IResult NoVm(string vm) => ApiProblems.NotFound($"no VM with id or name '{ApiJson.Printable(vm)}'; GET /api/v1/fleet lists them");

    private static int? TraitCount(string? traits) => traits switch
    {
        null => 3,
        "all" => int.MaxValue,
        _ when int.TryParse(traits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 100 => n,
        _ => null,
    };

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;

    private static bool Matches(VmSummary summary, VmLoopState? state, string q)
    {
        bool Has(string? text) => text?.Contains(q, StringComparison.OrdinalIgnoreCase) == true;
        return Has(summary.Name) || Has(summary.Id.Value) || Has(summary.Source) || Has(state?.Policy) || Has(state?.State)
            || state?.Labels.Any(l => Has(l.Key + "=" + l.Value)) == true;
    }

    private static List<(VmSummary Summary, VmLoopState? State)> Sort(List<(VmSummary Summary, VmLoopState? State)> rows, string key, bool descending)
    {
        // The store lists in natural order of names: every other key sorts stably on top of it, VMs without the value last.
        if (key == "name") return descending ? [.. Enumerable.Reverse(rows)] : rows;
        Func<(VmSummary Summary, VmLoopState? State), IComparable?> value = key switch
        {
            "source" => r => r.Summary.Source,
            "state" => r => r.State?.State,
            "policy" => r => r.State?.Policy,
            "samples" => r => r.Summary.Samples,
            "lastSample" => r => r.Summary.LastSample,
            "lastObserved" => r => r.State?.LastObserved,
            "cores" => r => r.State?.Cores,
            "memoryMiB" => r => r.State?.MemoryMiB,
            "coresUsed" => r => r.State?.CoresUsed,
            _ => r => r.State?.MemoryUsedMiB,
        };
        var present = rows.Where(r => value(r) is not null);
        var sorted = descending
            ? present.OrderByDescending(value, Comparer<IComparable?>.Create(Compare))
            : present.OrderBy(value, Comparer<IComparable?>.Create(Compare));
        return [.. sorted, .. rows.Where(r => value(r) is null)];
    }

    private static int Compare(IComparable? a, IComparable? b) =>
        a is string x && b is string y ? NaturalStringComparer.Instance.Compare(x, y) : a!.CompareTo(b);
}
