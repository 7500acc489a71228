using Spectre.Console.Cli;
using Vmorph.Sources;
using Vmorph.Store;

namespace Vmorph.Cli.Hosting;

/// <summary>
/// The base of every command: turns expected failures (bad input, a missing VM, a store written meanwhile) into one
/// message on standard error and an exit code; anything else is a bug and keeps its stack trace.
/// </summary>
public abstract class VmorphCommand<TSettings>(CliContext context) : AsyncCommand<TSettings>
    where TSettings : GlobalSettings
{
    /// <summary>The command's context.</summary>
    protected CliContext Context { get; } = context;

    /// <inheritdoc />
    public sealed override async Task<int> ExecuteAsync(CommandContext commandContext, TSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            Context.Apply(settings);
            return await RunAsync(settings, cancellationToken);
        }
        catch (CliException e)
        {
            return Fail(e.Message, e.ExitCode);
        }
        catch (TraceFormatException e)
        {
            return Fail(e.Message + "\nnothing from this file was stored; files imported before it are kept (run again to continue; --skip-malformed skips and counts bad rows)", ExitCodes.Error);
        }
        catch (FileNotFoundException e)
        {
            return Fail(e.Message, ExitCodes.Error);
        }
        catch (DirectoryNotFoundException e)
        {
            return Fail(e.Message, ExitCodes.Error);
        }
        catch (ConcurrencyException e)
        {
            return Fail(e.Message, ExitCodes.Error);
        }
        catch (OperationCanceledException)
        {
            return Fail("cancelled; the store keeps every file completed before", ExitCodes.Error);
        }
    }

    /// <summary>Runs the command.</summary>
    protected abstract Task<int> RunAsync(TSettings settings, CancellationToken cancellationToken);

    /// <summary>Writes JSON to standard output.</summary>
    protected void WriteJson<T>(T value) => Context.Output.WriteLine(JsonViews.Serialize(value));

    private int Fail(string message, int exitCode)
    {
        Context.Error.WriteLine("vmorph: error: " + message);
        return exitCode;
    }
}
