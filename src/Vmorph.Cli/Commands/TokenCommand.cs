using System.ComponentModel;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Spectre.Console;
using Spectre.Console.Cli;
using Vmorph.Access;
using Vmorph.Cli.Hosting;
using Vmorph.Cli.Views;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph token create --role ROLE --name NAME</c>, <c>token list</c>, <c>token revoke NAME</c>: the API tokens of
/// <c>vmorph serve</c>, in the same store the server reads (DATA_DIR/vmorph.db). A new token's secret is printed once;
/// only its SHA-256 is stored. Creating and revoking are audited as done by <c>cli</c>.
/// </summary>
public sealed class TokenCommand(CliContext context) : VmorphCommand<TokenCommand.Settings>(context)
{
    private const string Actor = "cli";

    /// <summary>Options of <c>token</c>.</summary>
    public sealed class Settings : GlobalSettings
    {
        /// <summary>What to do.</summary>
        [CommandArgument(0, "<ACTION>")]
        [Description("create (needs --role and --name), list, or revoke NAME.")]
        public string Action { get; init; } = "";

        /// <summary>The token to revoke.</summary>
        [CommandArgument(1, "[NAME]")]
        [Description("The token to revoke (revoke only).")]
        public string? Token { get; init; }

        /// <summary>The new token's role.</summary>
        [CommandOption("--role <ROLE>")]
        [Description("create: the token's role: viewer (read), operator (plan, approve, apply, roll back, label) or admin (policies, targets, tokens, audit).")]
        public string? Role { get; init; }

        /// <summary>The new token's name.</summary>
        [CommandOption("--name <NAME>")]
        [Description("create: the token's name (who the audit says acted): 1 to 64 letters, digits, '.', '_', '-' or '@'.")]
        public string? Name { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate() => Action switch
        {
            "create" when Role is null || Name is null => ValidationResult.Error("token create needs --role viewer|operator|admin and --name NAME"),
            "create" when AccessRoles.Parse(Role) is null => ValidationResult.Error($"--role: '{Role}' is not one of viewer, operator, admin"),
            "create" when Token is not null => ValidationResult.Error($"token create takes its name from --name, not '{Token}'"),
            "list" when Role is not null || Name is not null || Token is not null => ValidationResult.Error("token list takes no name or role"),
            "revoke" when Token is null => ValidationResult.Error("token revoke needs the token's NAME (vmorph token list shows them)"),
            "revoke" when Role is not null || Name is not null => ValidationResult.Error("token revoke takes the NAME alone: vmorph token revoke NAME"),
            "create" or "list" or "revoke" => ValidationResult.Success(),
            _ => ValidationResult.Error($"token: unknown action '{Action}': use create, list or revoke"),
        };
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        using var store = OpenAccessStore(settings);
        var tokens = new ApiTokens(store, store, Context.Clock);
        return settings.Action switch
        {
            "create" => await CreateAsync(tokens, settings, cancellationToken),
            "revoke" => await RevokeAsync(tokens, settings, cancellationToken),
            _ => await ListAsync(tokens, settings, cancellationToken),
        };
    }

    private async Task<int> CreateAsync(ApiTokens tokens, Settings settings, CancellationToken cancellationToken)
    {
        var created = await tokens.CreateAsync(settings.Name!, AccessRoles.Parse(settings.Role)!.Value, Actor, cancellationToken);
        if (!created.IsSuccess) throw new CliException(created.Errors[0]);
        var (token, secret) = created.Value;
        if (settings.Json)
        {
            WriteJson(new CreatedTokenJson(token.Name, token.Role.Name(), token.CreatedAt, secret));
        }
        else
        {
            Context.Output.WriteLine(secret);
            Context.Hint($"token '{token.Name}' ({token.Role.Name()}) created; its secret above is shown this once and only its hash is stored: keep it now. "
                + "Send it as 'Authorization: Bearer TOKEN'.");
        }
        return ExitCodes.Success;
    }

    private async Task<int> RevokeAsync(ApiTokens tokens, Settings settings, CancellationToken cancellationToken)
    {
        if (!await tokens.RevokeAsync(settings.Token!, Actor, cancellationToken))
            throw new CliException($"no valid token is named '{settings.Token}' (vmorph token list shows them)");
        if (settings.Json) WriteJson(new { name = settings.Token, revoked = true });
        else Context.WriteMarkupLine(Markup.Escape($"token '{settings.Token}' revoked: it no longer authenticates requests."));
        return ExitCodes.Success;
    }

    private async Task<int> ListAsync(ApiTokens tokens, Settings settings, CancellationToken cancellationToken)
    {
        var all = await tokens.ListAsync(cancellationToken);
        if (settings.Json)
        {
            WriteJson(all.Select(TokenJson.Of).ToList());
            return ExitCodes.Success;
        }
        var table = new TableView(new ViewColumn("name"), new ViewColumn("role"), new ViewColumn("status"), new ViewColumn("created"), new ViewColumn("last used"));
        foreach (var token in all)
            table.AddRow(token.Name, token.Role.Name(), token.IsActive ? "valid" : "revoked " + Minute(token.RevokedAt!.Value), Minute(token.CreatedAt),
                token.LastUsedAt is { } used ? Minute(used) : "never");
        Context.WriteTable(table, settings);
        if (all.Count == 0) Context.Hint("no tokens yet: vmorph token create --role viewer --name NAME makes one (vmorph serve makes an admin token at its first start)");
        return ExitCodes.Success;
    }

    private static string Minute(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);

    private SqliteAccessStore OpenAccessStore(GlobalSettings settings)
    {
        var path = Path.Combine(Context.DataDirectory(settings.DataDirectory), "vmorph.db");
        try
        {
            return SqliteAccessStore.Open(path, Context.Clock);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new CliException($"cannot open the store at {path}: {e.Message}");
        }
    }
}
