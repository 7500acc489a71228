using System.ComponentModel;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Spectre.Console.Cli;
using Vmorph.Cli.Hosting;
using Vmorph.Server;
using Vmorph.Server.Access;
using Vmorph.Server.Loop;

namespace Vmorph.Cli.Commands;

/// <summary>
/// <c>vmorph serve</c>: the loop that acts on its own (collect, decide, morph, guard, roll back), with the REST API, the
/// dashboard and metrics, in one process. Live over libvirt, or over a fleet replayed from a trace.
/// </summary>
public sealed class ServeCommand(CliContext context) : VmorphCommand<ServeCommand.Settings>(context)
{
    /// <summary>Options of <c>serve</c>.</summary>
    public sealed class Settings : GlobalSettings
    {
        /// <summary>Where to listen.</summary>
        [CommandOption("--urls <URLS>")]
        [Description("Where to listen, as ASP.NET Core takes it: one URL or several separated by ';' (default http://127.0.0.1:8787, loopback only).")]
        [DefaultValue("http://127.0.0.1:8787")]
        public string Urls { get; init; } = "http://127.0.0.1:8787";

        /// <summary>libvirt URIs.</summary>
        [CommandOption("-c|--connect <URI>")]
        [Description("A libvirt connection to watch and morph; may be repeated (default: $LIBVIRT_DEFAULT_URI, else qemu:///system). Ignored with --replay.")]
        public string[]? Connect { get; init; }

        /// <summary>A trace to replay.</summary>
        [CommandOption("--replay <TRACE>")]
        [Description("Serve a fleet replayed from a trace file or directory instead of libvirt: usage from the trace, allocations changed by morphs, an accelerated clock, a store of its own (DATA_DIR/replay, started afresh). Marked 'replay' everywhere.")]
        public string? Replay { get; init; }

        /// <summary>How many VMs to replay.</summary>
        [CommandOption("--replay-vms <N>")]
        [Description("Replay N VMs: the trace's first N, or its VMs cloned with a time shift when it has fewer (default: the trace's).")]
        public int? ReplayVms { get; init; }

        /// <summary>Replay speed.</summary>
        [CommandOption("--speed <FACTOR>")]
        [Description("How much faster than real time a replay runs (default 1800: ten hours of the trace a minute).")]
        [DefaultValue(1800.0)]
        public double Speed { get; init; } = 1800;

        /// <summary>Collection interval.</summary>
        [CommandOption("--interval <DURATION>")]
        [Description("Time between collection cycles of a live fleet (default 1m); a replay steps at its trace's interval.")]
        [DefaultValue("1m")]
        public string Interval { get; init; } = "1m";

        /// <summary>How long one guest's inventory may take.</summary>
        [CommandOption("--guest-timeout <DURATION>")]
        [Description("How long reading one guest from inside (its inventory through the guest agent) may take, round trips included (default 10s); a guest slower than that is collected without its guest view.")]
        [DefaultValue("10s")]
        public string GuestTimeout { get; init; } = "10s";

        /// <summary>Policies.</summary>
        [CommandOption("--policies <PATH>")]
        [Description("A policy YAML file or a directory of them, besides the built-in policies and DATA_DIR/policies.")]
        public string? Policies { get; init; }

        /// <summary>Targets.</summary>
        [CommandOption("--targets <DIR>")]
        [Description("A directory of target profiles besides the built-ins and DATA_DIR/targets.")]
        public string? Targets { get; init; }

        /// <summary>TLS certificate.</summary>
        [CommandOption("--tls-cert <PEM>")]
        [Description("A PEM certificate to serve HTTPS with (with --tls-key).")]
        public string? TlsCertificate { get; init; }

        /// <summary>Plain HTTP beyond loopback.</summary>
        [CommandOption("--allow-insecure-http")]
        [Description("Listen with plain HTTP on an address other than loopback (tokens would cross the network in clear text): only behind a TLS-terminating proxy.")]
        public bool AllowInsecureHttp { get; init; }

        /// <summary>TLS key.</summary>
        [CommandOption("--tls-key <PEM>")]
        [Description("The certificate's PEM private key.")]
        public string? TlsKey { get; init; }
    }

    /// <inheritdoc />
    protected override async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        if (settings.ReplayVms is <= 0) throw new CliException("--replay-vms must be a positive number", ExitCodes.Usage);
        if (settings.Speed is <= 0 or > 1_000_000 || double.IsNaN(settings.Speed)) throw new CliException("--speed must be above 0 and at most 1000000", ExitCodes.Usage);
        if ((settings.TlsCertificate is null) != (settings.TlsKey is null)) throw new CliException("--tls-cert and --tls-key go together", ExitCodes.Usage);
        if (Durations.Parse(settings.GuestTimeout, "--guest-timeout") <= TimeSpan.Zero) throw new CliException("--guest-timeout must be above 0", ExitCodes.Usage);
        var uris = settings.Connect is { Length: > 0 } c ? c : [Context.Environment.GetValueOrDefault("LIBVIRT_DEFAULT_URI") ?? "qemu:///system"];
        var options = new ServeOptions
        {
            DataDirectory = Context.DataDirectory(settings.DataDirectory),
            Urls = settings.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            HypervisorUris = uris,
            ReplayTrace = settings.Replay,
            ReplayVms = settings.ReplayVms,
            ReplaySpeed = settings.Speed,
            CollectInterval = Durations.Parse(settings.Interval, "--interval"),
            GuestTimeout = Durations.Parse(settings.GuestTimeout, "--guest-timeout"),
            Policies = settings.Policies,
            Targets = settings.Targets,
            Archetypes = settings.Archetypes is { Length: > 0 } a ? a[0] : null,
            CertificatePath = settings.TlsCertificate,
            CertificateKeyPath = settings.TlsKey,
            AllowInsecureHttp = settings.AllowInsecureHttp,
        };
        WebApplication app;
        try
        {
            app = VmorphServer.Build(options);
        }
        catch (Exception e) when (e is ServeException or Vmorph.Server.Access.ServeConfigurationException)
        {
            throw new CliException(e.Message);
        }
        await using (app)
        {
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (ServeException e)
            {
                throw new CliException(e.Message);
            }
            catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException($"cannot listen on {settings.Urls}: {e.Message} (another vmorph serve? pick another with --urls)");
            }
            var what = options.ReplayTrace is { } trace
                ? string.Create(CultureInfo.InvariantCulture, $"REPLAY of {trace} at {options.ReplaySpeed:0.#}x (not a real fleet)")
                : "libvirt " + string.Join(", ", uris);
            Context.Error.WriteLine($"vmorph serve: {what}; store {options.DataDirectory}");
            // The admin token is made on the first start and shown once; the dashboard link carries it in its fragment,
            // which browsers never send to the server (and the page removes from the address bar).
            var admin = await app.Services.EnsureAdminTokenAsync(cancellationToken);
            foreach (var url in app.Urls)
            {
                var root = url.TrimEnd('/');
                Context.Output.WriteLine($"vmorph serve: listening on {root}  (API {root}/api/v1, OpenAPI {root}/openapi/v1.json, metrics {root}/metrics; Ctrl-C stops)");
                Context.Output.WriteLine(admin is null
                    ? $"vmorph serve: dashboard {root}/  (sign in with a token: 'vmorph token create --role viewer --name NAME' makes one)"
                    : $"vmorph serve: dashboard {root}/#token={admin.Secret}");
            }
            if (admin is not null)
                Context.Output.WriteLine($"vmorph serve: admin token (shown once, keep it): {admin.Secret}");
            // Ctrl-C comes as the command's token; SIGTERM (kill, systemctl stop, docker stop) reaches the host's console
            // lifetime, which only signals ApplicationStopping: both end the wait and stop the server the same way.
            using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(Timeout.Infinite, stopping.Token);
            }
            catch (OperationCanceledException)
            {
                Context.Error.WriteLine("vmorph serve: stopping (running morphs are given 30 s to reach a safe state)");
            }
            await app.StopAsync(CancellationToken.None);
        }
        return ExitCodes.Success;
    }
}
