using System.Text;
using Vmorph.Guest.Shell;

namespace Vmorph.Guest.Tests.Shell;

public class QemuAgentShellTests
{
    private sealed class ScriptedAgent(params Func<string, Result<string>>[] answers) : IQemuAgentTransport
    {
        private int next;
        public List<string> Commands { get; } = [];
        public string Target => "lab-7";

        public Task<Result<string>> ExecuteAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Commands.Add(command);
            return Task.FromResult(answers[Math.Min(next++, answers.Length - 1)](command));
        }
    }

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static readonly GuestCommand Echo = new("/bin/sh", ["-c", "echo \"$1\"", "sh", "it's $(not) run"], TimeSpan.FromSeconds(5));

    [Fact]
    public async Task Run_ExecThenStatus_DecodesOutputAndPassesArgumentsAsAVector()
    {
        var agent = new ScriptedAgent(
            _ => Result<string>.Ok("""{"return":{"pid":42}}"""),
            _ => Result<string>.Ok("""{"return":{"exited":false}}"""),
            _ => Result<string>.Ok("{\"return\":{\"exited\":true,\"exitcode\":3,\"out-data\":\"" + B64("out\n") + "\",\"err-data\":\"" + B64("err\n") + "\"}}"));
        var result = await new QemuAgentShell(agent, TimeProvider.System).RunAsync(Echo, CancellationToken.None);
        Assert.True(result.IsSuccess);
        Assert.Equal(3, result.Value.ExitCode);
        Assert.Equal("out\n", Encoding.UTF8.GetString(result.Value.Stdout));
        Assert.Equal("err\n", Encoding.UTF8.GetString(result.Value.Stderr));
        Assert.Contains("\"arg\":[\"-c\",\"echo \\u0022$1\\u0022\",\"sh\",\"it\\u0027s $(not) run\"]", agent.Commands[0], StringComparison.Ordinal);
        Assert.Contains("\"pid\":42", agent.Commands[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"error":{"class":"GenericError"}}""")]
    [InlineData("""{"return":{"pid":"forty-two"}}""")]
    public async Task Run_GarbageFromGuestExec_FailsNamingTheGuest(string answer)
    {
        var agent = new ScriptedAgent(_ => Result<string>.Ok(answer));
        var result = await new QemuAgentShell(agent, TimeProvider.System).RunAsync(Echo, CancellationToken.None);
        Assert.False(result.IsSuccess);
        Assert.StartsWith("lab-7: the guest agent's answer to guest-exec /bin/sh is not what QMP promises", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_OutputThatIsNotBase64_IsGarbage()
    {
        var agent = new ScriptedAgent(
            _ => Result<string>.Ok("""{"return":{"pid":1}}"""),
            _ => Result<string>.Ok("""{"return":{"exited":true,"exitcode":0,"out-data":"%%%not base64%%%"}}"""));
        var result = await new QemuAgentShell(agent, TimeProvider.System).RunAsync(Echo, CancellationToken.None);
        Assert.False(result.IsSuccess);
        Assert.Contains("not base64", result.Errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ProgramThatNeverEnds_TimesOutAndSaysSo()
    {
        var agent = new ScriptedAgent(
            _ => Result<string>.Ok("""{"return":{"pid":9}}"""),
            _ => Result<string>.Ok("""{"return":{"exited":false}}"""));
        var command = Echo with { Timeout = TimeSpan.FromMilliseconds(200) };
        var result = await new QemuAgentShell(agent, TimeProvider.System).RunAsync(command, CancellationToken.None);
        Assert.False(result.IsSuccess);
        Assert.Equal("lab-7: /bin/sh did not finish within 0.2 s (guest pid 9); its output is ignored", result.Errors[0]);
    }

    [Fact]
    public async Task Run_AgentNotConnected_PassesLibvirtsReasonOn()
    {
        var agent = new ScriptedAgent(_ => Result<string>.Fail("Guest agent is not responding: QEMU guest agent is not connected"));
        var result = await new QemuAgentShell(agent, TimeProvider.System).RunAsync(Echo, CancellationToken.None);
        Assert.Equal("lab-7: guest agent guest-exec /bin/sh: Guest agent is not responding: QEMU guest agent is not connected", Assert.Single(result.Errors));
    }

    [Fact]
    public async Task ReadFile_OpenReadClose_ReturnsTheBytes()
    {
        var agent = new ScriptedAgent(
            _ => Result<string>.Ok("""{"return":1000}"""),
            _ => Result<string>.Ok("{\"return\":{\"count\":6,\"buf-b64\":\"" + B64("lab-1\n") + "\",\"eof\":true}}"),
            _ => Result<string>.Ok("""{"return":{}}"""));
        var result = await new QemuAgentShell(agent, TimeProvider.System).ReadFileAsync("/etc/hostname", 4096, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal("lab-1\n", Encoding.UTF8.GetString(result.Value));
        Assert.Contains("guest-file-close", agent.Commands[^1], StringComparison.Ordinal);
    }
}
