using Herald.Broker.Auth;
using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Auth;

/// <summary>A password-guessing loop against the running server is throttled per source address.</summary>
public sealed class BruteForceTests
{
    [Fact]
    public async Task Guessing_loop_is_refused_after_three_failures_even_with_the_right_password_at_last()
    {
        await using var server = await HeraldServer.StartAsync(
            null, null, PasswordRequiredServer.AllowAnonymousFalse, "--Herald:Auth:MaxLoginFailures=3", "--Herald:Auth:LoginThrottleSeconds=600");
        var users = server.App.Services.GetRequiredService<IUserStore>();
        await users.SaveUserAsync("victim", PasswordHash.Create("right", 1_000), CancellationToken.None);

        foreach (var guess in new[] { "a", "b", "c" })
        {
            using var client = await RawClient.ConnectAsync(server.MqttPort);
            await client.SendAsync(Credentials.Connect(ProtocolVersion.V311, Unique.ClientId("guess"), "victim", guess));
            Assert.Equal([0x20, 0x02, 0x00, 0x04], await client.ReadUntilClosedAsync()); // bad user name or password
        }

        using var last = await RawClient.ConnectAsync(server.MqttPort);
        await last.SendAsync(Credentials.Connect(ProtocolVersion.V500, Unique.ClientId("guess"), "victim", "right"));
        var connAck = await last.ReadUntilClosedAsync();

        Assert.Equal((byte)ReasonCode.ConnectionRateExceeded, connAck[3]); // 0x9F, not even checked
    }
}
