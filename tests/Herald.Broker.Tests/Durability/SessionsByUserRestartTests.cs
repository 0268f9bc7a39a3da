using Herald.Broker.Tests.Harness;

namespace Herald.Broker.Tests.Durability;

/// <summary>A push to a user after a restart finds the user's stored sessions: the username travels with the session.</summary>
public sealed class SessionsByUserRestartTests
{
    [Fact]
    public async Task Restored_session_is_found_under_the_username_its_client_last_logged_in_with()
    {
        using var broker = new DurableTestBroker();
        var phone = broker.Open();
        await phone.ConnectAsync("phone", cleanSession: false, username: "alice");
        phone.LoseConnection();
        await broker.DurableAsync();

        broker.Restart();

        Assert.Equal(["phone"], broker.Broker.SessionsByUser.Of("alice").Select(s => s.ClientId));
    }
}
