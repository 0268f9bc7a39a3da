using Herald.Broker.Auth;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Auth;

/// <summary>
/// <see cref="LoginThrottle"/> and <see cref="BrokerOptions.MaxConnectionsPerAddress"/>: a
/// brute-force loop from one address is refused without a password check, other addresses are
/// not, and one address cannot hold more connections than allowed.
/// </summary>
public sealed class LoginThrottleTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    [Fact]
    public void Address_is_blocked_after_the_allowed_failures_and_free_again_a_window_after_the_last()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time, maxFailures: 3, Window);

        throttle.Failed("10.0.0.1");
        throttle.Failed("10.0.0.1");
        Assert.False(throttle.IsBlocked("10.0.0.1"));
        throttle.Failed("10.0.0.1");
        Assert.True(throttle.IsBlocked("10.0.0.1"));
        Assert.False(throttle.IsBlocked("10.0.0.2"));

        time.Advance(Window);
        Assert.False(throttle.IsBlocked("10.0.0.1"));
    }

    [Fact]
    public void Failures_further_apart_than_the_window_do_not_add_up()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time, maxFailures: 2, Window);

        throttle.Failed("10.0.0.1");
        time.Advance(Window);
        throttle.Failed("10.0.0.1");

        Assert.False(throttle.IsBlocked("10.0.0.1"));
    }

    [Fact]
    public void A_successful_login_forgets_the_failures()
    {
        var throttle = new LoginThrottle(new FakeTimeProvider(), maxFailures: 2, Window);
        throttle.Failed("10.0.0.1");

        throttle.Succeeded("10.0.0.1");
        throttle.Failed("10.0.0.1");

        Assert.False(throttle.IsBlocked("10.0.0.1"));
    }

    [Fact]
    public void Memory_stays_bounded_under_failures_from_more_addresses_than_it_holds()
    {
        var throttle = new LoginThrottle(new FakeTimeProvider(), maxFailures: 1, Window);

        for (var i = 0; i <= LoginThrottle.Capacity; i++)
            throttle.Failed($"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}");

        // The last address is remembered; the table was emptied once rather than grown.
        Assert.True(throttle.IsBlocked($"10.0.{(LoginThrottle.Capacity >> 8) & 255}.{LoginThrottle.Capacity & 255}"));
        Assert.False(throttle.IsBlocked("10.0.0.0"));
    }

    [Theory]
    [InlineData(ProtocolVersion.V500, (byte)ReasonCode.ConnectionRateExceeded)]
    [InlineData(ProtocolVersion.V311, (byte)ConnectReturnCode.ServerUnavailable)]
    public async Task Brute_force_from_one_address_is_refused_even_with_the_right_password(ProtocolVersion version, byte expected)
    {
        var users = new InMemoryUserStore();
        users.Add("alice", "right");
        using var broker = new TestBroker(new BrokerOptions { MaxLoginFailures = 3 }, new PasswordAuthenticator(users, allowAnonymous: false, TimeProvider.System));

        for (var i = 0; i < 3; i++)
            Assert.Equal((byte)ReasonCode.BadUserNameOrPassword, Code(await ConnectAsync(broker, "10.0.0.9", version, "wrong"), version, bad: true));
        var refused = await ConnectAsync(broker, "10.0.0.9", version, "right");
        var elsewhere = await ConnectAsync(broker, "10.0.0.10", version, "right");

        Assert.Equal(expected, version == ProtocolVersion.V500 ? (byte)refused.Reason : (byte)refused.ReturnCode);
        Assert.Equal(ReasonCode.Success, elsewhere.Reason);
    }

    [Theory]
    [InlineData(ProtocolVersion.V500, (byte)ReasonCode.QuotaExceeded)]
    [InlineData(ProtocolVersion.V311, (byte)ConnectReturnCode.ServerUnavailable)]
    public async Task Connections_beyond_the_limit_for_one_address_are_refused(ProtocolVersion version, byte expected)
    {
        using var broker = new TestBroker(new BrokerOptions { MaxConnectionsPerAddress = 2 });
        for (var i = 0; i < 2; i++)
            Assert.Equal(ReasonCode.Success, (await ConnectAsync(broker, "10.0.0.9", version, null)).Reason);

        var third = await ConnectAsync(broker, "10.0.0.9", version, null);
        var elsewhere = await ConnectAsync(broker, "10.0.0.10", version, null);

        Assert.Equal(expected, version == ProtocolVersion.V500 ? (byte)third.Reason : (byte)third.ReturnCode);
        Assert.Equal(ReasonCode.Success, elsewhere.Reason);
    }

    private static int _port = 1000;

    private static Task<ConnAckPacket> ConnectAsync(TestBroker broker, string address, ProtocolVersion version, string? password)
    {
        var client = new TestClient(broker.Broker, $"{address}:{Interlocked.Increment(ref _port)}");
        var id = $"c{Interlocked.Increment(ref _port)}";
        return version == ProtocolVersion.V500
            ? client.Connect5Async(id, username: password is null ? null : "alice", password: password)
            : client.ConnectAsync(id, version: version, username: password is null ? null : "alice", password: password);
    }

    /// <summary>The refusal in MQTT 5 terms: a 3.1.1 0x04 is 0x86.</summary>
    private static byte Code(ConnAckPacket connAck, ProtocolVersion version, bool bad) =>
        version == ProtocolVersion.V500 ? (byte)connAck.Reason
            : connAck.ReturnCode == ConnectReturnCode.BadUsernameOrPassword && bad ? (byte)ReasonCode.BadUserNameOrPassword : (byte)connAck.ReturnCode;
}
