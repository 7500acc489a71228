using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Vmorph.Loop;
using Vmorph.Server.Access;
using Vmorph.Views;

namespace Vmorph.Server.Api;

/// <summary>
/// Plans and morphs of a VM: list and show (viewer); plan, apply, approve, reject, roll back (operator); the morphs and
/// their journals (viewer); labels (viewer reads, operator sets). Every change goes through the loop (<see cref="IFleetLoop"/>).
/// </summary>
internal static partial class PlanEndpoints
{
    private const string PlanShape = """{"target": "TARGET-PROFILE"}""";
    private const string RejectShape = """{"reason": "WHY"}""";
    private const string LabelsShape = """{"KEY": "VALUE", "KEY-TO-REMOVE": null}""";
    private const int MaxReason = 1000;
    private const int MaxLabelChanges = 64;
    private const int MaxLabelValue = 256;

    public static void Map(IEndpointRouteBuilder api)
    {
        var read = api.MapGroup("").RequireAuthorization(AccessPolicies.Viewer).WithTags("plans and morphs");
        var operate = api.MapGroup("").RequireAuthorization(AccessPolicies.Operator).WithTags("plans and morphs");

        read.MapGet("/vms/{vm}/plans", PlansAsync).WithName("listPlans")
            .WithSummary("The plans made for a VM, newest first, paged.")
            .Produces<Page<PlanView>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/vms/{vm}/plans/{planId}", PlanAsync).WithName("getPlan")
            .WithSummary("One plan of a VM, with its rendering and its plan file.")
            .Produces<PlanView>().ProducesProblem(StatusCodes.Status404NotFound);
        operate.MapPost("/vms/{vm}/plans", CreateAsync).WithName("createPlan").Audit("plan.create")
            .WithSummary("Plans a morph of a VM to a target profile now; the plan is kept (pending) to be applied.")
            .Accepts<PlanRequest>("application/json")
            .Produces<PlanView>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        Decision(operate.MapPost("/vms/{vm}/plans/{planId}/apply", ApplyAsync).WithName("applyPlan").Audit("plan.apply")
            .WithSummary("Applies a kept plan; the morph runs on in the background."));
        Decision(operate.MapPost("/vms/{vm}/plans/{planId}/approve", ApproveAsync).WithName("approvePlan").Audit("plan.approve")
            .WithSummary("Approves a plan a policy parked for approval, and applies it."));
        Decision(operate.MapPost("/vms/{vm}/plans/{planId}/reject", RejectAsync).WithName("rejectPlan").Audit("plan.reject")
            .WithSummary("Rejects a plan parked for approval, recording why.")
            .Accepts<RejectRequest>("application/json").ProducesProblem(StatusCodes.Status400BadRequest));
        operate.MapPost("/vms/{vm}/rollback", RollbackAsync).WithName("rollbackVm").Audit("vm.rollback")
            .WithSummary("Rolls a VM back to the configuration before its last morph; runs on in the background.")
            .Produces<RollbackAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        read.MapGet("/vms/{vm}/morphs", MorphsAsync).WithName("listMorphs")
            .WithSummary("A VM's morphs, newest first, paged.")
            .Produces<Page<MorphItemJson>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        read.MapGet("/morphs/{morphId}/journal", JournalAsync).WithName("getJournal")
            .WithSummary("A morph (by id or a unique prefix) and its journal, oldest entry first.")
            .Produces<MorphJournalJson>().ProducesProblem(StatusCodes.Status404NotFound);

        read.MapGet("/vms/{vm}/labels", LabelsAsync).WithName("getLabels")
            .WithSummary("A VM's labels.")
            .Produces<Dictionary<string, string>>().ProducesProblem(StatusCodes.Status404NotFound);
        operate.MapMethods("/vms/{vm}/labels", [HttpMethods.Patch], SetLabelsAsync).WithName("setLabels").Audit("labels.set")
            .WithSummary("Sets (a value) or removes (null) labels of a VM; answers the labels after. Policies are matched again at once.")
            .Accepts<Dictionary<string, string?>>("application/json")
            .Produces<Dictionary<string, string>>().ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static void Decision(RouteHandlerBuilder builder) => builder
        .Produces<PlanView>().Produces<PlanView>(StatusCodes.Status202Accepted)
        .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    private static async Task<IResult> PlansAsync(string vm, string? offset, string? limit, [FromServices] IFleetLoop loop, CancellationToken cancellationToken)
    {
        var (paging, problem) = Paging.Parse(offset, limit);
        if (problem is not null) return problem;
        if (await loop.GetAsync(vm, cancellationToken) is null) return FleetEndpoints.NoVm(vm);
        return TypedResults.Ok(paging.Of(await loop.PlansAsync(vm, cancellationToken)));
    }

    private static async Task<IResult> PlanAsync(string vm, string planId, [FromServices] IFleetLoop loop, CancellationToken cancellationToken)
    {
        if (await loop.GetAsync(vm, cancellationToken) is null) return FleetEndpoints.NoVm(vm);
        var plan = (await loop.PlansAsync(vm, cancellationToken)).FirstOrDefault(p => p.PlanId == planId);
        return plan is null ? NoPlan(vm, planId) : TypedResults.Ok(plan);
    }

    private static async Task<IResult> CreateAsync(string vm, HttpContext http, [FromServices] IFleetLoop loop, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiJson.ReadAsync<PlanRequest>(http.Request, PlanShape, cancellationToken);
        if (problem is not null) return problem;
        if (string.IsNullOrWhiteSpace(body!.Target) || !CatalogFiles.IsValidName(body.Target))
            return ApiProblems.Invalid("the plan request is not valid", [$"target: '{ApiJson.Printable(body.Target ?? "")}' is not a target profile name (lower-case letters, digits and dashes; GET /api/v1/targets lists them)"]);
        var result = await loop.PlanAsync(vm, body.Target, http.Actor(), cancellationToken);
        return ApiProblems.From(result,
            plan => TypedResults.Created($"/api/v1/vms/{Uri.EscapeDataString(plan.Vm)}/plans/{Uri.EscapeDataString(plan.PlanId)}", plan),
            plan => TypedResults.Created($"/api/v1/vms/{Uri.EscapeDataString(plan.Vm)}/plans/{Uri.EscapeDataString(plan.PlanId)}", plan));
    }

    private static async Task<IResult> ApplyAsync(string vm, string planId, HttpContext http, [FromServices] IFleetLoop loop, CancellationToken cancellationToken) =>
        Answer(await loop.ApplyAsync(vm, planId, http.Actor(), cancellationToken));

    private static async Task<IResult> ApproveAsync(string vm, string planId, HttpContext http, [FromServices] IFleetLoop loop, CancellationToken cancellationToken) =>
        Answer(await loop.ApproveAsync(vm, planId, http.Actor(), cancellationToken));

    private static async Task<IResult> RejectAsync(string vm, string planId, HttpContext http, [FromServices] IFleetLoop loop, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiJson.ReadAsync<RejectRequest>(http.Request, RejectShape, cancellationToken);
        if (problem is not null) return problem;
        var reason = body!.Reason?.Trim() ?? "";
        var errors = new List<string>();
        if (reason.Length == 0) errors.Add("reason: say why the plan is rejected (it is recorded with the plan)");
        else if (reason.Length > MaxReason) errors.Add($"reason: {reason.Length} characters; at most {MaxReason}");
        if (reason.Any(c => char.IsControl(c) && c != '\n')) errors.Add("reason: control characters are not allowed (line breaks are)");
        if (errors.Count > 0) return ApiProblems.Invalid("the rejection is not valid", errors);
        return Answer(await loop.RejectAsync(vm, planId, http.Actor(), reason, cancellationToken));
    }

    private static async Task<IResult> RollbackAsync(string vm, HttpContext http, [FromServices] IFleetLoop loop, CancellationToken cancellationToken) =>
        ApiProblems.From(await loop.RollbackAsync(vm, http.Actor(), cancellationToken),
            morph => TypedResults.Accepted((string?)null, new RollbackAccepted(morph)),
            morph => TypedResults.Accepted((string?)null, new RollbackAccepted(morph)));

    private static async Task<IResult> MorphsAsync(string vm, string? offset, string? limit, [FromServices] FleetData data, CancellationToken cancellationToken)
    {
        var (paging, problem) = Paging.Parse(offset, limit);
        if (problem is not null) return problem;
        var morphs = await data.ReadAsync(async (store, journal) =>
        {
            var stored = await store.FindAsync(vm, cancellationToken);
            if (stored is null) return null;
            var records = await journal.ListAsync(stored.Profile.Id, cancellationToken);
            return records.Reverse().Select(MorphItemJson.From).ToList();
        }, cancellationToken);
        return morphs is null ? FleetEndpoints.NoVm(vm) : TypedResults.Ok(paging.Of(morphs));
    }

    private static async Task<IResult> JournalAsync(string morphId, [FromServices] FleetData data, CancellationToken cancellationToken)
    {
        var found = await data.ReadAsync(async (_, journal) =>
        {
            var record = await journal.FindAsync(morphId, cancellationToken);
            return record is null ? null : new MorphJournalJson(MorphItemJson.From(record), [.. (await journal.ReadAsync(record.MorphId, cancellationToken)).Select(JournalEntryJson.From)]);
        }, cancellationToken);
        return found is null
            ? ApiProblems.NotFound($"no morph with id (or unique id prefix) '{ApiJson.Printable(morphId)}'; GET /api/v1/vms/{{vm}}/morphs lists a VM's morphs")
            : TypedResults.Ok(found);
    }

    private static async Task<IResult> LabelsAsync(string vm, [FromServices] IFleetLoop loop, CancellationToken cancellationToken) =>
        await loop.GetAsync(vm, cancellationToken) is { } state ? TypedResults.Ok(new SortedDictionary<string, string>(state.Labels, StringComparer.Ordinal)) : FleetEndpoints.NoVm(vm);

    private static async Task<IResult> SetLabelsAsync(string vm, HttpContext http, [FromServices] IFleetLoop loop, CancellationToken cancellationToken)
    {
        var (changes, problem) = await ApiJson.ReadAsync<Dictionary<string, string?>>(http.Request, LabelsShape, cancellationToken);
        if (problem is not null) return problem;
        var errors = LabelErrors(changes!);
        if (errors.Count > 0) return ApiProblems.Invalid("the labels are not valid", errors);
        return ApiProblems.From(await loop.SetLabelsAsync(vm, changes!, http.Actor(), cancellationToken),
            labels => TypedResults.Ok(new SortedDictionary<string, string>(labels, StringComparer.Ordinal)),
            labels => TypedResults.Ok(new SortedDictionary<string, string>(labels, StringComparer.Ordinal)));
    }

    /// <summary>Every reason a set of label changes is refused: keys as Kubernetes names them, values short and printable.</summary>
    internal static List<string> LabelErrors(IReadOnlyDictionary<string, string?> changes)
    {
        var errors = new List<string>();
        if (changes.Count == 0) errors.Add("no labels given; send an object of KEY: VALUE (null removes KEY)");
        if (changes.Count > MaxLabelChanges) errors.Add($"{changes.Count} labels in one request; at most {MaxLabelChanges}");
        foreach (var (key, value) in changes.Take(MaxLabelChanges))
        {
            if (!LabelKey().IsMatch(key))
                errors.Add($"label '{ApiJson.Printable(key)}': a key is 1 to 63 letters, digits, '.', '_', '/' or '-', starting with a letter or digit");
            else if (value is not null && value.Length > MaxLabelValue)
                errors.Add($"label '{key}': the value has {value.Length} characters; at most {MaxLabelValue}");
            else if (value is not null && value.Any(char.IsControl))
                errors.Add($"label '{key}': the value has control characters");
        }
        return errors;
    }

    private static IResult Answer(LoopResult<PlanView> result) =>
        ApiProblems.From(result, plan => TypedResults.Ok(plan), plan => TypedResults.Accepted((string?)null, plan));

    private static IResult NoPlan(string vm, string planId) =>
        ApiProblems.NotFound($"VM '{ApiJson.Printable(vm)}' has no plan '{ApiJson.Printable(planId)}'; GET /api/v1/vms/{{vm}}/plans lists its plans");

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$")]
    private static partial Regex LabelKey();
}
