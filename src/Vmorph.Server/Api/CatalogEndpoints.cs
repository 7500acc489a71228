using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Vmorph.Policies;
using Vmorph.Server.Access;
using Vmorph.Views;

namespace Vmorph.Server.Api;

/// <summary>
/// Policies and target profiles: list and validate (viewer), upload (admin) into DATA_DIR/policies and DATA_DIR/targets.
/// A body is YAML text, checked by the same validators (bounded by SafeYaml) as the CLI's files; every error is listed.
/// </summary>
internal static class CatalogEndpoints
{
    private const string BodySource = "request body";

    public static void Map(IEndpointRouteBuilder api)
    {
        var read = api.MapGroup("").RequireAuthorization(AccessPolicies.Viewer);
        var admin = api.MapGroup("").RequireAuthorization(AccessPolicies.Admin);

        read.MapGet("/policies", ListPolicies).WithName("listPolicies").WithTags("policies")
            .WithSummary("The policies (built-in and uploaded), paged.")
            .Produces<Page<PolicyJson>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        read.MapPost("/policies/validate", ValidatePolicyAsync).WithName("validatePolicies").WithTags("policies").ReadsOnly()
            .WithSummary("Checks a policy YAML document without storing it; 422 lists every error with its place.")
            .Accepts<string>("application/yaml", "application/x-yaml", "text/yaml", "text/plain")
            .Produces<ValidationJson<PolicyJson>>().ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        admin.MapPut("/policies/{name}", PutPolicyAsync).WithName("putPolicy").WithTags("policies").Audit("policy.put")
            .WithSummary("Stores a policy file as DATA_DIR/policies/NAME.yaml (it must define policy NAME); 201 new, 200 replaced.")
            .Accepts<string>("application/yaml", "application/x-yaml", "text/yaml", "text/plain")
            .Produces<UploadJson<PolicyJson>>().Produces<UploadJson<PolicyJson>>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        read.MapGet("/targets", ListTargets).WithName("listTargets").WithTags("targets")
            .WithSummary("The target profiles (built-in and uploaded), paged.")
            .Produces<Page<TargetJson>>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        read.MapPost("/targets/validate", ValidateTargetAsync).WithName("validateTarget").WithTags("targets").ReadsOnly()
            .WithSummary("Checks a target profile YAML document without storing it; 422 lists every error with its place.")
            .Accepts<string>("application/yaml", "application/x-yaml", "text/yaml", "text/plain")
            .Produces<ValidationJson<TargetJson>>().ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        admin.MapPut("/targets/{name}", PutTargetAsync).WithName("putTarget").WithTags("targets").Audit("target.put")
            .WithSummary("Stores a target profile as DATA_DIR/targets/NAME.yaml (its metadata.name must be NAME); 201 new, 200 replaced.")
            .Accepts<string>("application/yaml", "application/x-yaml", "text/yaml", "text/plain")
            .Produces<UploadJson<TargetJson>>().Produces<UploadJson<TargetJson>>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static IResult ListPolicies(string? offset, string? limit, [FromServices] FleetData data)
    {
        var (paging, problem) = Paging.Parse(offset, limit);
        if (problem is not null) return problem;
        var catalog = data.Policies();
        if (!catalog.IsSuccess) return ApiProblems.Invalid("the stored policies are not valid; fix or replace the files named", catalog.Errors);
        return TypedResults.Ok(paging.Of([.. catalog.Value.Policies.Select(Json)]));
    }

    private static async Task<IResult> ValidatePolicyAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var (yaml, problem) = await ApiJson.ReadTextAsync(http.Request, cancellationToken);
        if (problem is not null) return problem;
        var catalog = PolicyCatalog.Build([(BodySource, yaml!)]);
        return catalog.IsSuccess
            ? TypedResults.Ok(new ValidationJson<PolicyJson>(true, [.. catalog.Value.Policies.Select(Json)]))
            : ApiProblems.Invalid("the policy document is not valid", catalog.Errors);
    }

    private static async Task<IResult> PutPolicyAsync(string name, HttpContext http, [FromServices] FleetData data, CancellationToken cancellationToken)
    {
        if (!CatalogFiles.IsValidName(name)) return BadName(name);
        var (yaml, problem) = await ApiJson.ReadTextAsync(http.Request, cancellationToken);
        if (problem is not null) return problem;
        var catalog = data.Policies(replacing: name, yaml: yaml);
        if (!catalog.IsSuccess) return ApiProblems.Invalid("the policy document is not valid", catalog.Errors);
        var source = $"{CatalogFiles.PoliciesFolder}/{name}.yaml";
        var defined = catalog.Value.Policies.Where(p => p.Source == source).ToList();
        if (!defined.Any(p => p.Name == name))
            return ApiProblems.Invalid("the policy document is not valid", [$"{source}: defines no policy named '{name}' (the file's name); it defines: {string.Join(", ", defined.Select(p => p.Name).DefaultIfEmpty("nothing"))}"]);
        var replaced = CatalogFiles.Write(Path.Combine(data.DataDirectory, CatalogFiles.PoliciesFolder), name, yaml!);
        data.Reload();
        var answer = new UploadJson<PolicyJson>(name, source, replaced, [.. defined.Select(Json)]);
        return replaced ? TypedResults.Ok(answer) : TypedResults.Created($"/api/v1/policies/{name}", answer);
    }

    private static IResult ListTargets(string? offset, string? limit, [FromServices] FleetData data)
    {
        var (paging, problem) = Paging.Parse(offset, limit);
        if (problem is not null) return problem;
        var catalog = data.Targets();
        if (!catalog.IsSuccess) return ApiProblems.Invalid("the stored target profiles are not valid; fix or replace the files named", catalog.Errors);
        return TypedResults.Ok(paging.Of([.. catalog.Value.Profiles.Values.Select(TargetJson.From)]));
    }

    private static async Task<IResult> ValidateTargetAsync(HttpContext http, [FromServices] FleetData data, CancellationToken cancellationToken)
    {
        var (yaml, problem) = await ApiJson.ReadTextAsync(http.Request, cancellationToken);
        if (problem is not null) return problem;
        var known = data.Archetypes.Archetypes.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
        var catalog = TargetProfiles.TargetProfileCatalog.Build([], [(BodySource, yaml!)], known);
        return catalog.IsSuccess
            ? TypedResults.Ok(new ValidationJson<TargetJson>(true, [.. catalog.Value.Profiles.Values.Select(TargetJson.From)]))
            : ApiProblems.Invalid("the target profile is not valid", catalog.Errors);
    }

    private static async Task<IResult> PutTargetAsync(string name, HttpContext http, [FromServices] FleetData data, CancellationToken cancellationToken)
    {
        if (!CatalogFiles.IsValidName(name)) return BadName(name);
        var (yaml, problem) = await ApiJson.ReadTextAsync(http.Request, cancellationToken);
        if (problem is not null) return problem;
        var catalog = data.Targets(replacing: name, yaml: yaml);
        if (!catalog.IsSuccess) return ApiProblems.Invalid("the target profile is not valid", catalog.Errors);
        var source = $"{CatalogFiles.TargetsFolder}/{name}.yaml";
        var defined = catalog.Value.Profiles.Values.Where(p => p.Source == source).ToList();
        if (!defined.Any(p => p.Name == name))
            return ApiProblems.Invalid("the target profile is not valid", [$"{source}: metadata.name is '{string.Join(", ", defined.Select(p => p.Name))}', not '{name}' (the file's name)"]);
        var replaced = CatalogFiles.Write(Path.Combine(data.DataDirectory, CatalogFiles.TargetsFolder), name, yaml!);
        data.Reload();
        var answer = new UploadJson<TargetJson>(name, source, replaced, [.. defined.Select(TargetJson.From)]);
        return replaced ? TypedResults.Ok(answer) : TypedResults.Created($"/api/v1/targets/{name}", answer);
    }

    private static IResult BadName(string name) =>
        ApiProblems.BadRequest($"'{ApiJson.Printable(name)}' is not a file name the API takes: lower-case letters, digits and dashes, up to 63, starting with a letter or digit");

    private static PolicyJson Json(Policy p) => new(
        p.Name, p.Description, p.Source,
        new PolicyMatchJson([.. p.Match.Names], new SortedDictionary<string, string>(p.Match.Labels.ToDictionary(), StringComparer.Ordinal)),
        [.. p.EnabledTriggers()], p.RequireApproval, p.TimeZone.Id);
}
