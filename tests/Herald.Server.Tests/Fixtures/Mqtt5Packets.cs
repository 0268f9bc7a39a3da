using System.Buffers;
using System.Text;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Exact MQTT 5 packet bytes for raw-socket tests, encoded by Herald.Protocol's writers. A raw
/// client knows what MQTTnet does not tell: the server closing its side after a DISCONNECT means
/// it has handled it, session and will included.
/// </summary>
public static class Mqtt5Packets
{
    /// <summary>CONNECT with Clean Start 0, no keep-alive, the session expiry and an optional will with its delay.</summary>
    public static byte[] Connect(string clientId, uint sessionExpiry, string? willTopic = null, string willPayload = "", uint willDelay = 0)
    {
        var writer = new ArrayBufferWriter<byte>();
        new ConnectPacket
        {
            Version = ProtocolVersion.V500,
            ClientId = clientId,
            CleanSession = false,
            Properties = new Properties { SessionExpiryInterval = sessionExpiry },
            Will = willTopic is null ? null : new ConnectWill(willTopic, Encoding.UTF8.GetBytes(willPayload), QualityOfService.AtLeastOnce, Retain: false)
            {
                Properties = willDelay == 0 ? null : new Properties { WillDelayInterval = willDelay },
            },
        }.WriteTo(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>DISCONNECT with the reason and, when given, a new Session Expiry Interval.</summary>
    public static byte[] Disconnect(ReasonCode reason, uint? sessionExpiry = null)
    {
        var writer = new ArrayBufferWriter<byte>();
        new ReasonPacket(PacketType.Disconnect, reason)
        {
            Properties = sessionExpiry is { } expiry ? new Properties { SessionExpiryInterval = expiry } : null,
        }.WriteTo(writer, ProtocolVersion.V500);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Connects, checks CONNACK accepted it, sends DISCONNECT with the reason and waits for the
    /// server to close: by then the session is detached and the will published or delayed.
    /// </summary>
    public static async Task ConnectAndDisconnectAsync(int port, byte[] connect, ReasonCode reason, uint? sessionExpiryAtDisconnect = null)
    {
        using var client = await RawClient.ConnectAsync(port);
        await client.SendAsync(connect);
        var connAck = await client.ReadPacketAsync();
        // CONNACK: type 2, a one-byte remaining length (its properties are few), flags, reason 0x00.
        Assert.Equal((0x20, 0x00), (connAck[0], connAck[3]));
        await client.SendAsync(Disconnect(reason, sessionExpiryAtDisconnect));
        Assert.Empty(await client.ReadUntilClosedAsync());
    }
}
