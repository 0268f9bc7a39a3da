using Herald.Broker.Auth;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Tests.Auth;

/// <summary><see cref="Broker.Bans"/>: by client id, username or address, refused on CONNECT and closed when connected.</summary>
public sealed class BanTests
{
    [Theory]
    [InlineData(BanKind.ClientId, "banned-device")]
    [InlineData(BanKind.Username, "mallory")]
    [InlineData(BanKind.Address, "10.0.0.66")]
    public async Task Banned_client_is_refused_with_0x8A_in_mqtt5_and_0x05_in_mqtt311(BanKind kind, string value)
    {
        using var broker = new TestBroker();
        broker.Broker.Bans = new BanList([new Ban(1, kind, value, null, "test")]);

        var v5 = await new TestClient(broker.Broker, "10.0.0.66:4000").Connect5Async("banned-device", username: "mallory", password: "x");
        var v3 = await new TestClient(broker.Broker, "10.0.0.66:4001").ConnectAsync("banned-device", username: "mallory", password: "x");
        var other = await new TestClient(broker.Broker, "10.0.0.67:4000").Connect5Async("someone-else", username: "alice", password: "x");

        Assert.Equal(ReasonCode.Banned, v5.Reason);
        Assert.Equal(ConnectReturnCode.NotAuthorized, v3.ReturnCode);
        Assert.Equal(ReasonCode.Success, other.Reason);
    }

    [Fact]
    public async Task A_ban_closes_the_connected_client_it_names_with_disconnect_0x98()
    {
        using var broker = new TestBroker();
        var banned = await broker.Connect5Async("banned-device");
        var spared = await broker.Connect5Async("spared-device");

        broker.Broker.Bans = new BanList([new Ban(1, BanKind.ClientId, "banned-device", null, null)]);

        Assert.True(banned.Connection.IsClosed);
        Assert.Equal([new ReasonPacket(PacketType.Disconnect, ReasonCode.AdministrativeAction)], banned.Received().OfType<ReasonPacket>().Select(p => p with { Properties = null }));
        Assert.False(spared.Connection.IsClosed);
    }

    [Fact]
    public async Task An_expired_ban_lets_the_client_in()
    {
        using var broker = new TestBroker();
        broker.Broker.Bans = new BanList([new Ban(1, BanKind.ClientId, "device", broker.Time.GetUtcNow().AddMinutes(10), null)]);
        Assert.Equal(ReasonCode.Banned, (await broker.Open().Connect5Async("device")).Reason);

        broker.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(ReasonCode.Success, (await broker.Open().Connect5Async("device")).Reason);
    }
}
