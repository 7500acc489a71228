using Vmorph.Cli.Hosting;
using Vmorph.Server;

// Before anything starts the thread pool (see PrepareProcess).
if (args.FirstOrDefault(a => !a.StartsWith('-')) == "serve") VmorphServer.PrepareProcess();

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
// --no-color is NO_COLOR: set before the consoles are made, as Spectre fixes a console's colours when it makes it
// (turning them off afterwards still leaves default-colour escapes).
if (args.Contains("--no-color")) Environment.SetEnvironmentVariable("NO_COLOR", "1");
// MathNet's FFT of a length that is not a power of two (the cycle detector's spectra) runs its convolution as parallel
// loops, which hand a few microseconds of work to thread-pool workers that then spin waiting for more: in simulate,
// which already replays VMs in parallel, that spinning was most of the replay's CPU (docs/BENCHMARKS.md, "Speed of the
// frontier replay"). One thread computes the same butterflies, so the same spectra.
MathNet.Numerics.Control.MaxDegreeOfParallelism = 1;
return await VmorphApp.RunAsync(args, CliContext.FromProcess(), cancellation.Token);
