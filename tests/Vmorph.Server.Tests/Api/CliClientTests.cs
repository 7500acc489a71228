using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Spectre.Console;
using Vmorph.Cli.Hosting;
using Vmorph.Import;
using Vmorph.Loop;
using Vmorph.Sources;
using Vmorph.Storage.Sqlite;
using Vmorph.Traces;

namespace Vmorph.Server.Tests.Api;

/// <summary>
/// The CLI as a client (<c>--server URL</c>) of a server listening on loopback, over a store imported from the shared
/// Bitbrains traces: the same output as the same commands on that store.
/// </summary>
public sealed class CliClientTests : IAsyncLifetime
{
    private readonly string data = Directory.CreateTempSubdirectory("vmorph-cli-client-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private WebApplication? app;
    private string server = "";
    private FakeFleetLoop? loop;
    private IReadOnlyList<(string Id, string Name)> vms = [];

    public async Task InitializeAsync()
    {
        using (var store = SqliteFleetStore.Open(Path.Combine(data, "vmorph.db"), clock))
        {
            await new TraceImporter(new TraceReader(), store, clock).ImportAsync(
                [Path.Combine(ApiFixture.Traces, "bitbrains-rnd", "2013-7", "5.csv.gz"), Path.Combine(ApiFixture.Traces, "bitbrains-rnd", "2013-8", "1.csv.gz")],
                new TraceReadOptions(), null, CancellationToken.None);
            vms = [.. (await store.ListAsync(CancellationToken.None)).Select(v => (v.Id.Value, v.Name))];
        }
        loop = new FakeFleetLoop(vms, clock);
        var options = new ServeOptions { DataDirectory = data, Clock = clock, HypervisorUris = [], Urls = ["http://127.0.0.1:0"] };
        app = ApiFixture.Build(options, new MemoryAuditLog(clock), services => services.AddSingleton<IFleetLoop>(loop), testServer: false);
        await app.StartAsync();
        server = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    [Theory]
    [InlineData("fleet", "-o", "json")]
    [InlineData("fleet")]
    [InlineData("fleet", "-o", "wide")]
    [InlineData("traits", "VM", "-o", "json")]
    [InlineData("traits", "VM", "--explain")]
    [InlineData("profile", "VM", "-o", "json")]
    [InlineData("profile", "VM")]
    [InlineData("history", "VM", "-o", "json")]
    [InlineData("history", "VM")]
    [InlineData("morphs", "VM", "-o", "json")]
    public async Task Command_OnTheServer_PrintsWhatItPrintsOnTheStore(params string[] command)
    {
        var args = command.Select(a => a == "VM" ? vms[1].Name : a).ToArray();
        var onStore = await RunAsync(args);
        var onServer = await RunAsync([.. args, "--server", server], "viewer");

        Assert.Equal(0, onStore.Exit);
        Assert.True(onServer.Exit == 0, onServer.Error);
        var expected = args[0] == "fleet" && args.Contains("json")
            ? onStore.Out.Replace(Path.Combine(data, "vmorph.db"), server.TrimEnd('/') + "/", StringComparison.Ordinal)
            : onStore.Out;
        Assert.Equal(expected, onServer.Out);
    }

    [Fact]
    public async Task ApproveAndReject_GoToTheLoop()
    {
        using var http = new HttpClient { BaseAddress = new Uri(server) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiFixture.TokenFor(app!, "operator"));
        var first = await (await http.PostAsJsonAsync($"/api/v1/vms/{vms[0].Id}/plans", new { target = "web-server" })).Content.ReadFromJsonAsync<PlanView>();
        var second = await (await http.PostAsJsonAsync($"/api/v1/vms/{vms[0].Id}/plans", new { target = "development" })).Content.ReadFromJsonAsync<PlanView>();

        var approved = await RunAsync(["approve", vms[0].Name, first!.PlanId, "--server", server], "operator");
        var rejected = await RunAsync(["reject", vms[0].Name, second!.PlanId, "--reason", "not now", "--server", server, "-o", "json"], "operator");
        var again = await RunAsync(["approve", vms[0].Name, first.PlanId, "--server", server], "operator");

        Assert.True(approved.Exit == 0, approved.Error);
        Assert.StartsWith($"approved plan {first.PlanId} of {vms[0].Name}: morph ", approved.Out, StringComparison.Ordinal);
        Assert.True(rejected.Exit == 0, rejected.Error);
        Assert.Contains("\"rejectedBecause\": \"not now\"", rejected.Out, StringComparison.Ordinal);
        Assert.Equal(1, again.Exit);
        Assert.Contains("409", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Label_OnTheServer_AndOnTheStore()
    {
        var onServer = await RunAsync(["label", vms[0].Name, "env=prod", "tier-", "--server", server], "operator");
        Assert.True(onServer.Exit == 0, onServer.Error);
        Assert.Equal("env=prod\n", onServer.Out);

        var onStore = await RunAsync(["label", vms[1].Name, "schedule=office-hours", "-o", "json"]);
        Assert.True(onStore.Exit == 0, onStore.Error);
        Assert.Equal("{\n  \"schedule\": \"office-hours\"\n}\n", onStore.Out);
        using var control = SqliteControlStore.Open(Path.Combine(data, "vmorph.db"), clock);
        Assert.Equal("office-hours", (await control.LabelsAsync(new Identity.VmId(vms[1].Id), CancellationToken.None))["schedule"]);

        var bad = await RunAsync(["label", vms[1].Name, "bad key=x", "novalue"]);
        Assert.Equal(ExitCodes.Usage, bad.Exit);
        Assert.Contains("'novalue' is neither", bad.Error, StringComparison.Ordinal);
        var badKey = await RunAsync(["label", vms[1].Name, "bad key=x"]);
        Assert.Equal(ExitCodes.Usage, badKey.Exit);
        Assert.Contains("label 'bad key': a key is", badKey.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_Refusals_AreOneMessageAndAnExitCode()
    {
        var noToken = await RunAsync(["fleet", "--server", server]);
        Assert.Equal(ExitCodes.Usage, noToken.Exit);
        Assert.Contains("VMORPH_TOKEN", noToken.Error, StringComparison.Ordinal);

        var storeOnly = await RunAsync(["import", "x.csv", "--server", server], "viewer");
        Assert.Equal(ExitCodes.Usage, storeOnly.Exit);
        Assert.Contains("works on the store only", storeOnly.Error, StringComparison.Ordinal);

        var notFound = await RunAsync(["traits", "no-such-vm", "--server", server], "viewer");
        Assert.Equal(ExitCodes.NotFound, notFound.Exit);
        Assert.Contains("no VM with id or name 'no-such-vm'", notFound.Error, StringComparison.Ordinal);

        var forbidden = await RunAsync(["label", vms[0].Name, "a=b", "--server", server], "viewer");
        Assert.Equal(ExitCodes.Error, forbidden.Exit);
        Assert.Contains("403", forbidden.Error, StringComparison.Ordinal);

        var approveOnStore = await RunAsync(["approve", vms[0].Name, "abc"]);
        Assert.Equal(ExitCodes.Usage, approveOnStore.Exit);
        Assert.Contains("needs a running server", approveOnStore.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenFile_IsRead_AndTheTokenNeverPrinted()
    {
        var file = Path.Combine(data, "token");
        var secret = ApiFixture.TokenFor(app!, "viewer");
        await File.WriteAllTextAsync(file, secret + "\n");
        var result = await RunAsync(["fleet", "--server", server, "--token-file", file]);
        Assert.True(result.Exit == 0, result.Error);
        Assert.DoesNotContain(secret, result.Out + result.Error, StringComparison.Ordinal);
        var missing = await RunAsync(["fleet", "--server", server, "--token-file", Path.Combine(data, "nope")]);
        Assert.Equal(ExitCodes.Error, missing.Exit);
        Assert.Contains("--token-file", missing.Error, StringComparison.Ordinal);
    }

    // Runs vmorph in-process on the data directory, with a real token of the role (VMORPH_TOKEN) when one is named.
    private async Task<(int Exit, string Out, string Error)> RunAsync(string[] args, string? token = null)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal) { ["VMORPH_DATA_DIR"] = data, ["HOME"] = data };
        if (token is not null) environment["VMORPH_TOKEN"] = ApiFixture.TokenFor(app!, token);
        var context = CliContext.Create(output, error, TerminalInfo.Pipes, clock, environment, AnsiSupport.No, ColorSystemSupport.NoColors);
        var exit = await VmorphApp.RunAsync(args, context, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
        Directory.Delete(data, recursive: true);
    }
}
