using BenchmarkDotNet.Running;
using Vmorph.Benchmarks;
using Vmorph.Server;

// serve-loop measures the process as vmorph serve sets it up, before anything starts the thread pool.
if (args.FirstOrDefault() == "serve-loop") VmorphServer.PrepareProcess();

// Harnesses that are not BenchmarkDotNet runs take a verb; anything else goes to BenchmarkDotNet's switcher.
switch (args.FirstOrDefault())
{
    case "profile-size":
        ProfileSize.Run(Console.Out);
        return 0;
    case "morph-live-vs-cold":
        return await MorphLiveVsCold.RunAsync(args, Console.Out);
    case "frontier":
        return OnlineFrontier.Run(args, Console.Out);
    case "replay-fleet-size":
        return await ReplayFleetSize.RunAsync(args, Console.Out);
    case "serve-loop":
        return await ServeLoop.RunAsync(args, Console.Out);
    case "window-saves":
        return await WindowSaves.RunAsync(args, Console.Out);
    case "aged-engines":
        return AgedEngines.Run(args, Console.Out);
    case "cycles":
        return CycleDetection.Run(args, Console.Out);
    case "forecasts":
        return ForecastEvaluation.Run(args, Console.Out);
    case "heap-types":
        return HeapTypes.Run(args, Console.Out);
    case "import-breakdown" when args.Length == 2:
        ImportBreakdown.Run(args[1], Console.Out);
        return 0;
    default:
        BenchmarkSwitcher.FromAssembly(typeof(FoldingBenchmarks).Assembly).Run(args);
        return 0;
}
