using Vmorph.Cli.Hosting;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await VmorphApp.RunAsync(args, CliContext.FromProcess(), cancellation.Token);
