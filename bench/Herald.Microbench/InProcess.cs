using System.Buffers;
using Herald.Broker.Auth;
using Herald.Broker.Connections;
using Herald.Broker.Retained;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Microbench;

/// <summary>
/// Drives a <see cref="Broker"/> the way a host's read and writer loops do, with no socket, as
/// Garnet's benchmarks drive a session directly: bytes in through
/// <see cref="ClientConnection.ReceiveAsync"/>, packets out through <see cref="ClientConnection.WriteOutbound"/>.
/// </summary>
internal static class InProcess
{
    public static Herald.Broker.Broker NewBroker() =>
        new(new Herald.Broker.BrokerOptions(), new InMemorySessionStore(), new InMemoryRetainedStore(), new AnonymousAuthenticator(), TimeProvider.System);

    /// <summary>A 3.1.1 client connected with a clean session and no keep-alive; its CONNACK is drained.</summary>
    public static ClientConnection Connect(Herald.Broker.Broker broker, string clientId)
    {
        var connection = broker.Accept($"bench:{clientId}");
        Receive(connection, Bytes(writer => new ConnectPacket { ClientId = clientId }.WriteTo(writer)));
        if (connection.Session is null)
            throw new InvalidOperationException($"CONNECT of '{clientId}' was not accepted");
        Drain(connection);
        return connection;
    }

    /// <summary>Subscribes through a SUBSCRIBE packet, as a client does, and drains the SUBACK.</summary>
    public static void Subscribe(ClientConnection connection, string filter, QualityOfService qos)
    {
        Receive(connection, Bytes(writer => new SubscribePacket(1, [new TopicSubscription(filter, qos)]).WriteTo(writer)));
        Drain(connection);
    }

    public static byte[] Publish(string topic, int payloadLength, QualityOfService qos, ushort packetId = 0) =>
        Bytes(writer => new PublishPacket
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(new byte[payloadLength]),
            QoS = qos,
            PacketId = packetId,
        }.WriteTo(writer));

    /// <summary>Hands bytes to the read side; every packet a benchmark sends completes synchronously.</summary>
    public static void Receive(ClientConnection connection, byte[] bytes)
    {
        var pending = connection.ReceiveAsync(new ReadOnlySequence<byte>(bytes));
        if (!pending.IsCompletedSuccessfully)
            throw new InvalidOperationException("ReceiveAsync did not complete synchronously");
    }

    public static void Drain(ClientConnection connection)
    {
        var writer = new ArrayBufferWriter<byte>();
        while (connection.WriteOutbound(writer) > 0)
        {
        }
    }

    private static byte[] Bytes(Action<IBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}
