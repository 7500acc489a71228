using Vmorph.Cli.Hosting;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
// --no-color is NO_COLOR: set before the consoles are made, as Spectre fixes a console's colours when it makes it
// (turning them off afterwards still leaves default-colour escapes).
if (args.Contains("--no-color")) Environment.SetEnvironmentVariable("NO_COLOR", "1");
return await VmorphApp.RunAsync(args, CliContext.FromProcess(), cancellation.Token);
