using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Profiles;
using Vmorph.Store;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph consent VM --grant --by WHO --scope TEXT</c> / <c>--withdraw</c>: records or withdraws consent to model
/// user behaviour on a VM. Without consent the <c>UserBehaviorModel</c> stays empty; withdrawing deletes it.
/// </summary>
public sealed class ConsentCommand(CliContext context) : VmorphCommand<ConsentCommand.Settings>(context)
{
    /// <summary>Options of <c>consent</c>.</summary>
    public sealed class Settings : VmSettings
    {
        /// <summary>Grant.</summary>
        [CommandOption("--grant")]
        [Description("Record consent (needs --by and --scope).")]
        public bool Grant { get; init; }

        /// <summary>Withdraw.</summary>
        [CommandOption("--withdraw")]
        [Description("Withdraw consent: the user-behaviour model of the VM is deleted.")]
        public bool Withdraw { get; init; }

        /// <summary>Who.</summary>
        [CommandOption("--by <WHO>")]
        [Description("Who gives consent (a name or a ticket).")]
        public string? By { get; init; }

        /// <summary>Scope.</summary>
        [CommandOption("--scope <TEXT>")]
        [Description("What the consent covers, in the grantor's words.")]
        public string? Scope { get; init; }

        /// <inheritdoc />
        public override ValidationResult Validate()
        {
            if (Grant && Withdraw) return ValidationResult.Error("--grant and --withdraw cannot be given together");
            if (Grant && (string.IsNullOrWhiteSpace(By) || string.IsNullOrWhiteSpace(Scope)))
                return ValidationResult.Error("--grant needs --by WHO and --scope TEXT: consent is recorded with who gave it and what it covers");
            if (!Grant && (By is not null || Scope is not null)) return ValidationResult.Error("--by and --scope go with --grant");
            return ValidationResult.Success();
        }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        using var store = Context.OpenStore(settings);
        var stored = await store.FindOrFailAsync(settings.Vm, cancellationToken);
        var p = stored.Profile;
        string action;
        if (settings.Grant)
        {
            p.UserBehavior = p.UserBehavior.Grant(new UserConsent(settings.By!.Trim(), Context.Clock.GetUtcNow(), settings.Scope!.Trim()));
            action = "granted";
        }
        else if (settings.Withdraw)
        {
            var had = p.UserBehavior.Users.Count;
            p.UserBehavior = UserBehaviorModel.Withdraw();
            action = $"withdrawn; the user-behaviour model ({had} anonymised user(s)) is deleted";
        }
        else
        {
            action = "unchanged";
        }
        if (settings.Grant || settings.Withdraw)
            await store.SaveAsync([new ProfileUpdate(p, stored.Version, [], null)], null, cancellationToken);

        var consent = p.UserBehavior.Consent;
        if (settings.Json)
        {
            WriteJson(new ConsentJson(p.Id.Value, p.Name, action, consent, p.UserBehavior.Users.Count));
            return ExitCodes.Success;
        }
        Context.WriteMarkupLine(Markup.Escape($"{p.Name}: consent {action}. ") + (consent is null
            ? "No consent recorded: the user-behaviour model stays off."
            : Markup.Escape($"Consent by {consent.GrantedBy} at {consent.GrantedAt:yyyy-MM-dd HH:mm}Z for: {consent.Scope}; {p.UserBehavior.Users.Count} anonymised user(s) modelled.")));
        return ExitCodes.Success;
    }
}

/// <summary><c>vmorph consent --output json</c>.</summary>
public sealed record ConsentJson(string Id, string Name, string Action, UserConsent? Consent, int Users);
