using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Vmorph.Access;
using Vmorph.Server.Access;

namespace Vmorph.Server.Tests.Access;

/// <summary>Tokens made, listed and revoked with the CLI and the API, used against the server, stored hashed, audited.</summary>
[Collection(ServerCollection.Name)]
public sealed class TokenTests(ServerFixture server)
{
    private string StorePath => Path.Combine(server.DataDirectory, "vmorph.db");

    [Fact]
    public async Task CliToken_CreatedListedRevoked_IsHonouredByTheServerThenRefused()
    {
        var secret = await server.CreateTokenAsync("operator", "cli-flow");
        Assert.StartsWith("vmorph_", secret, StringComparison.Ordinal);
        Assert.Equal("vmorph_".Length + 43, secret.Length);

        var (listExit, list, _, _) = await server.Cli.RunAsync("token", "list", "--output", "json");
        Assert.Equal(0, listExit);
        var listed = JsonDocument.Parse(list).RootElement.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "cli-flow");
        Assert.Equal("operator", listed.GetProperty("role").GetString());
        Assert.True(listed.GetProperty("active").GetBoolean());
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);

        using (var client = server.Client(secret))
        using (var response = await client.GetAsync("/metrics"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var (revokeExit, _, revokeError, _) = await server.Cli.RunAsync("token", "revoke", "cli-flow");
        Assert.True(revokeExit == 0, revokeError);
        using (var client = server.Client(secret))
        using (var response = await client.GetAsync("/metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var (_, after, _, _) = await server.Cli.RunAsync("token", "list", "--output", "json");
        var revoked = JsonDocument.Parse(after).RootElement.EnumerateArray().Single(t => t.GetProperty("name").GetString() == "cli-flow");
        Assert.False(revoked.GetProperty("active").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, revoked.GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task Token_IsStoredAsItsSha256_AndTheSecretIsNowhereInTheStoreFiles()
    {
        var secret = await server.CreateTokenAsync("viewer", "hash-check");
        using (var client = server.Client(secret))
        using (var response = await client.GetAsync("/metrics"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await using (var connection = new SqliteConnection($"Data Source={StorePath};Mode=ReadOnly;Pooling=False"))
        {
            await connection.OpenAsync();
            var command = connection.CreateCommand();
            command.CommandText = "SELECT secret_hash FROM api_tokens WHERE name = 'hash-check'";
            var stored = (string)(await command.ExecuteScalarAsync())!;
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), stored);
        }
        var secretBytes = Encoding.UTF8.GetBytes(secret[7..]);
        foreach (var file in Directory.EnumerateFiles(server.DataDirectory, "vmorph.db*"))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.True(bytes.AsSpan().IndexOf(secretBytes) < 0, $"{file} holds the token's secret");
        }
    }

    [Fact]
    public async Task CliTokenCreate_PrintsTheSecretOnceOnStandardOutput_AndRefusesATakenName()
    {
        var (exit, output, error, _) = await server.Cli.RunAsync("token", "create", "--role", "admin", "--name", "taken");
        Assert.Equal(0, exit);
        Assert.Matches("^vmorph_[A-Za-z0-9_-]{43}\n$", output.ReplaceLineEndings("\n"));
        Assert.Contains("shown this once", error, StringComparison.Ordinal);

        var (again, _, againError, _) = await server.Cli.RunAsync("token", "create", "--role", "viewer", "--name", "taken");
        Assert.Equal(1, again);
        Assert.Contains("a token named 'taken' exists already", againError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("token create --name x", "needs --role")]
    [InlineData("token create --role boss --name x", "'boss' is not one of viewer, operator, admin")]
    [InlineData("token revoke", "needs the token's NAME")]
    [InlineData("token rotate", "unknown action 'rotate'")]
    public async Task CliToken_BadCommandLine_IsAUsageErrorSayingWhy(string args, string message)
    {
        var (exit, output, error, _) = await server.Cli.RunAsync(args.Split(' '));
        Assert.Equal(64, exit);
        Assert.Contains(message, output + error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CliTokenCreate_BadName_FailsNamingTheRule()
    {
        var (exit, _, error, _) = await server.Cli.RunAsync("token", "create", "--role", "viewer", "--name", "has space");
        Assert.Equal(1, exit);
        Assert.Contains("token name 'has space' is not valid", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiTokens_CreatedAndRevokedByAnAdmin_AreAuditedWithTheAdminsName()
    {
        var admin = await server.CreateTokenAsync("admin", "api-admin");
        using var client = server.Client(admin);
        using var created = await client.PostAsJsonAsync("/api/v1/tokens", new { name = "api-made", role = "viewer" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var secret = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        using (var viewer = server.Client(secret))
        using (var response = await viewer.GetAsync("/metrics"))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var conflict = await client.PostAsJsonAsync("/api/v1/tokens", new { name = "api-made", role = "viewer" });
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);

        using var revoked = await client.DeleteAsync("/api/v1/tokens/api-made");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using var missing = await client.DeleteAsync("/api/v1/tokens/api-made");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var audit = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?limit=500");
        var entries = audit.GetProperty("items").EnumerateArray()
            .Select(e => (Actor: e.GetProperty("actor").GetString(), Action: e.GetProperty("action").GetString(), Target: e.GetProperty("target").GetString(), Result: e.GetProperty("result").GetString()))
            .ToList();
        Assert.Contains(("token:api-admin", "token.create", "api-made", "ok: role viewer"), entries);
        Assert.Contains(entries, e => e is { Actor: "token:api-admin", Action: "token.create", Target: "api-made" } && e.Result!.StartsWith("refused:", StringComparison.Ordinal));
        Assert.Contains(("token:api-admin", "token.revoke", "api-made", "ok"), entries);
        Assert.Contains(entries, e => e is { Actor: "token:api-admin", Action: "token.revoke", Target: "api-made" } && e.Result!.StartsWith("not found", StringComparison.Ordinal));
        Assert.Contains(("cli", "token.create", "api-admin", "ok: role admin"), entries);
        Assert.True(audit.GetProperty("total").GetInt32() >= entries.Count);
    }

    [Fact]
    public async Task ViewersDeniedMutation_IsAudited()
    {
        var viewer = await server.CreateTokenAsync("viewer", "denied-viewer");
        using var client = server.Client(viewer);
        using var response = await client.PostAsJsonAsync("/api/v1/tokens", new { name = "sneaky", role = "admin" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var entries = await server.App.Services.GetRequiredService<IAuditLog>().ListAsync(0, 500, CancellationToken.None);
        Assert.Contains(entries, e => e is { Actor: "token:denied-viewer", Action: "denied POST /api/v1/tokens" } && e.Result.StartsWith("403", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Audit_IsPaged_NewestFirst_AndRefusesABadLimit()
    {
        var admin = await server.CreateTokenAsync("admin", "pager");
        using var client = server.Client(admin);
        var first = await client.GetFromJsonAsync<JsonElement>("/api/v1/audit?offset=0&limit=1");
        Assert.Equal(1, first.GetProperty("items").GetArrayLength());
        Assert.Equal("pager", first.GetProperty("items")[0].GetProperty("target").GetString());
        Assert.True(first.GetProperty("total").GetInt32() > 1);
        using var bad = await client.GetAsync("/api/v1/audit?limit=501");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task EnsureAdminToken_CreatesOneOnlyWhenNoValidAdminTokenExists()
    {
        // A store of its own: the shared server's store has admin tokens from other tests.
        var data = Directory.CreateTempSubdirectory("vmorph-admin-").FullName;
        try
        {
            using var store = Vmorph.Storage.Sqlite.SqliteAccessStore.Open(Path.Combine(data, "vmorph.db"), TimeProvider.System);
            var tokens = new ApiTokens(store, store, TimeProvider.System);
            var first = await tokens.EnsureAdminTokenAsync("serve", CancellationToken.None);
            Assert.NotNull(first);
            Assert.Equal(("admin", AccessRole.Admin), (first.Token.Name, first.Token.Role));
            Assert.Equal(first.Token, (await tokens.AuthenticateAsync(first.Secret, CancellationToken.None))! with { LastUsedAt = null });
            Assert.Null(await tokens.EnsureAdminTokenAsync("serve", CancellationToken.None));

            Assert.True(await tokens.RevokeAsync("admin", "cli", CancellationToken.None));
            var second = await tokens.EnsureAdminTokenAsync("serve", CancellationToken.None);
            Assert.NotNull(second);
            Assert.Equal("admin", second.Token.Name);
            Assert.NotEqual(first.Secret, second.Secret);
            Assert.Null(await tokens.AuthenticateAsync(first.Secret, CancellationToken.None));
            Assert.DoesNotContain(second.Secret, second.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await file.CopyToAsync(copy);
        return copy.ToArray();
    }
}
