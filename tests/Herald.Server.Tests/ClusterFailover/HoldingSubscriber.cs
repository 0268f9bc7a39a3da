using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// An MQTT 3.1.1 subscriber with clean session 0 on a raw socket, which acknowledges only when
/// told: it can hold messages in flight (received, not acknowledged) while its node is killed, and
/// take them again from another node. Like a conforming client it keeps, across connections, the
/// QoS 2 packet ids it has received and not yet seen PUBREL for, and does not deliver a PUBLISH
/// re-sent with one of them again [MQTT-4.3.3-2]; a QoS 2 message re-sent under another id is
/// delivered twice, as it would be to an application.
/// </summary>
public sealed class HoldingSubscriber(string clientId) : IDisposable
{
    private readonly HashSet<ushort> _unreleased = [];
    private RawClient? _connection;

    public string ClientId { get; } = clientId;

    /// <summary>PUBLISH packets that came with DUP set, for failure messages.</summary>
    public int Resent { get; private set; }

    private RawClient Connection => _connection ?? throw new InvalidOperationException("Not connected.");

    /// <summary>Connects (again) with clean session 0 and returns CONNACK's session present flag.</summary>
    public async Task<bool> ConnectAsync(int port)
    {
        _connection?.Dispose();
        _connection = await RawClient.ConnectAsync(port);
        await _connection.SendAsync(Packets.Connect(ClientId, cleanSession: false));
        var connAck = await _connection.ReadPacketAsync();
        Assert.Equal(PacketType.ConnAck, PacketFrame.TypeOf(connAck[0]));
        Assert.True(connAck[3] == 0, $"CONNACK refused {ClientId} with return code {connAck[3]}");
        return (connAck[2] & 1) == 1;
    }

    public async Task SubscribeAsync(string filter, QualityOfService qos)
    {
        await Connection.SendAsync(Packets.Subscribe(1, filter, qos));
        Assert.Equal([0x90, 0x03, 0x00, 0x01, (byte)qos], await Connection.ReadPacketAsync());
    }

    /// <summary>The next message delivered, acknowledging nothing: it stays in flight at the server.</summary>
    public async Task<Received> HoldNextAsync()
    {
        while (true)
        {
            var packet = await Connection.ReadPacketAsync();
            if (PacketFrame.TypeOf(packet[0]) != PacketType.Publish)
                throw new InvalidOperationException($"Expected PUBLISH, got {PacketFrame.TypeOf(packet[0])}.");
            if (Deliver(Packets.ReadPublish(packet)) is { } message)
                return message;
        }
    }

    /// <summary>
    /// The next message delivered, answering every packet as a client does on the way: PUBACK,
    /// PUBREC, and PUBCOMP to a PUBREL.
    /// </summary>
    public async Task<Received> NextAcknowledgingAsync()
    {
        while (true)
        {
            var packet = await Connection.ReadPacketAsync();
            switch (PacketFrame.TypeOf(packet[0]))
            {
                case PacketType.Publish:
                    var publish = Packets.ReadPublish(packet);
                    var message = Deliver(publish);
                    if (publish.QoS == QualityOfService.AtLeastOnce)
                        await Connection.SendAsync(Packets.Ack(PacketType.PubAck, publish.PacketId));
                    else if (publish.QoS == QualityOfService.ExactlyOnce)
                        await Connection.SendAsync(Packets.Ack(PacketType.PubRec, publish.PacketId));
                    if (message is not null)
                        return message;
                    break;
                case PacketType.PubRel:
                    var id = (ushort)((packet[2] << 8) | packet[3]);
                    _unreleased.Remove(id);
                    await Connection.SendAsync(Packets.Ack(PacketType.PubComp, id));
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected {PacketFrame.TypeOf(packet[0])} for a subscriber.");
            }
        }
    }

    public void Dispose() => _connection?.Dispose();

    /// <summary>The message to hand to the application, or null for a QoS 2 PUBLISH whose id awaits PUBREL: that one was delivered already.</summary>
    private Received? Deliver(PublishPacket publish)
    {
        if (publish.Dup)
            Resent++;
        if (publish.QoS == QualityOfService.ExactlyOnce && !_unreleased.Add(publish.PacketId))
            return null;
        return new Received(publish.Topic, Packets.PayloadOf(publish), (int)publish.QoS, publish.Retain);
    }
}
