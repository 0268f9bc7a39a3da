using Herald.Server.Configuration;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Auth;

/// <summary>
/// As Mosquitto 2: anonymous clients are let in by default only while every listener is on
/// loopback; a listener beyond it refuses to start until Herald:Auth:AllowAnonymous says either way.
/// </summary>
public sealed class SecureDefaultTests
{
    [Theory]
    [InlineData("--Herald:Mqtt:Address=0.0.0.0")]
    [InlineData("--Herald:Mqtt:Address=*")]
    [InlineData("--Herald:Http:Address=0.0.0.0")]
    [InlineData("--Herald:Http:Address=::")]
    public async Task Executable_listening_beyond_loopback_without_AllowAnonymous_exits_2_naming_the_key(string address)
    {
        var dataDir = Directory.CreateTempSubdirectory("herald-secure-").FullName;
        try
        {
            // Refused while validating the options, before anything binds.
            var (code, herald) = await HeraldExecutable.RunAsync([.. HeraldServer.Arguments(HeraldServer.FreePort(), HeraldServer.FreePort()), $"--Herald:DataDir={dataDir}", address]);
            await using (herald)
            {
                Assert.True(code == 2, herald.Transcript);
                Assert.Contains("Herald:Auth:AllowAnonymous", herald.ErrorOutput);
                Assert.DoesNotContain("Unhandled exception", herald.ErrorOutput);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Executable_on_loopback_by_default_starts_and_logs_that_anonymous_clients_are_allowed()
    {
        var dataDir = Directory.CreateTempSubdirectory("herald-secure-").FullName;
        try
        {
            await using var herald = HeraldExecutable.Start([.. HeraldServer.Arguments(HeraldServer.FreePort(), HeraldServer.FreePort()), $"--Herald:DataDir={dataDir}", "--Logging:LogLevel:Default=Information"]);

            Assert.Contains("Authentication: anonymous clients allowed and no users defined",
                await herald.WaitForLineAsync(l => l.Contains("Authentication:", StringComparison.Ordinal)));
            await herald.WaitForLineAsync(l => l.Contains("Herald listening", StringComparison.Ordinal));
            await herald.TerminateAsync();
            Assert.True(await herald.WaitForExitAsync() == 0, herald.Transcript);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1")]
    [InlineData("*", "localhost")]
    [InlineData("192.168.1.10", "127.0.0.1")]
    [InlineData("127.0.0.1", "::")]
    public void Listener_beyond_loopback_needs_AllowAnonymous_set(string mqttAddress, string httpAddress)
    {
        var errors = HeraldOptionsValidator.Validate(Options(mqttAddress, httpAddress, allowAnonymous: null));

        var error = Assert.Single(errors);
        Assert.StartsWith("Herald:Auth:AllowAnonymous must be set", error);
        Assert.Contains($"'{mqttAddress}'", error);
        Assert.Contains($"'{httpAddress}'", error);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Listener_beyond_loopback_starts_once_AllowAnonymous_is_set(bool allowAnonymous)
    {
        var options = Options("0.0.0.0", "*", allowAnonymous);

        Assert.Empty(HeraldOptionsValidator.Validate(options));
        Assert.False(options.IsLoopbackOnly);
        Assert.Equal(allowAnonymous, options.AllowsAnonymous);
    }

    [Theory]
    [InlineData("127.0.0.1", "localhost", null, true)]
    [InlineData("::1", "127.0.0.2", null, true)]
    [InlineData("localhost", "localhost", false, false)]
    [InlineData("localhost", "localhost", true, true)]
    public void On_loopback_anonymous_clients_are_allowed_unless_refused(string mqttAddress, string httpAddress, bool? allowAnonymous, bool expected)
    {
        var options = Options(mqttAddress, httpAddress, allowAnonymous);

        Assert.Empty(HeraldOptionsValidator.Validate(options));
        Assert.True(options.IsLoopbackOnly);
        Assert.Equal(expected, options.AllowsAnonymous);
    }

    private static HeraldOptions Options(string mqttAddress, string httpAddress, bool? allowAnonymous) => new()
    {
        DataDir = "/tmp/unused",
        Mqtt = { Address = mqttAddress },
        Http = { Address = httpAddress },
        Auth = { AllowAnonymous = allowAnonymous },
    };
}
