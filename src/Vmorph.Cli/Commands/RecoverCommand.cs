using System.ComponentModel;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Morphing;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph recover</c>: finds every unfinished morph (after a crash or a kill) whose owner is gone and resumes it or
/// rolls it back, so each VM ends in a committed configuration (every morph command does this when it starts; this
/// command does only that). <c>--resolve MORPH --note TEXT</c> records that a person put right a failed morph's VM
/// and releases the VM.
/// </summary>
public sealed class RecoverCommand(CliContext context) : VmorphCommand<RecoverCommand.Settings>(context)
{
    /// <summary>Options of <c>recover</c>.</summary>
    public sealed class Settings : MorphConnectionSettings
    {
        /// <summary>A failed morph to resolve.</summary>
        [CommandOption("--resolve <MORPH>")]
        [Description("A failed morph whose VM a person has put right: journal it as resolved and release the VM.")]
        public string? Resolve { get; init; }

        /// <summary>What the person did.</summary>
        [CommandOption("--note <TEXT>")]
        [Description("With --resolve: what was done (kept in the journal).")]
        public string? Note { get; init; }

        /// <inheritdoc />
        public override Spectre.Console.ValidationResult Validate() =>
            Resolve is not null && string.IsNullOrWhiteSpace(Note) ? Spectre.Console.ValidationResult.Error("--resolve needs --note 'what was done'") : base.Validate();
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        using var session = await MorphSession.OpenAsync(Context, settings, recover: false, cancellationToken);
        IReadOnlyList<MorphOutcome> outcomes;
        if (settings.Resolve is { } morph) outcomes = [await session.Engine.ResolveAsync(morph, settings.Note!, cancellationToken)];
        else outcomes = await session.RecoverAsync(cancellationToken);
        if (settings.Json)
            WriteJson(new { recovered = outcomes.Select(o => new { morph = o.Record?.MorphId, vm = o.Record?.VmName, result = o.Result.ToString().ToLowerInvariant(), message = o.Message }) });
        else if (outcomes.Count == 0)
            Context.Output.WriteLine("no unfinished morph");
        else
            foreach (var o in outcomes) Context.Output.WriteLine(o.Message);
        return outcomes.Any(o => o.Result is MorphResult.Failed or MorphResult.Refused) ? ExitCodes.Error
            : outcomes.Any(o => o.Result == MorphResult.Busy) ? MorphExitCodes.Busy : ExitCodes.Success;
    }
}
